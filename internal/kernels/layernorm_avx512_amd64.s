//go:build amd64 && !purego

#include "textflag.h"

// LayerNorm's reductions in float64, as the portable version takes them:
// each chunk of 16 floats is widened to two vectors of 8 doubles. n is a
// multiple of 16 in all three.

// SUMPD leaves in X0 the sum of the 16 doubles in Z0 and Z1.
#define SUMPD \
	VADDPD        Z1, Z0, Z0; \
	VEXTRACTF64X4 $1, Z0, Y1; \
	VADDPD        Y1, Y0, Y0; \
	VEXTRACTF128  $1, Y0, X1; \
	VADDPD        X1, X0, X0; \
	VHADDPD       X0, X0, X0; \
	VZEROUPPER

// func lnSumAVX512(x *float32, n int) float64
// returns Σ x[i].
TEXT ·lnSumAVX512(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPD Z0, Z0, Z0
	VXORPD Z1, Z1, Z1
	SHRQ   $4, CX
	JZ     reduce

loop:
	VCVTPS2PD (SI), Z2
	VCVTPS2PD 32(SI), Z3
	VADDPD    Z2, Z0, Z0
	VADDPD    Z3, Z1, Z1
	ADDQ      $64, SI
	DECQ      CX
	JNZ       loop

reduce:
	SUMPD
	MOVSD X0, ret+16(FP)
	RET

// func lnSqDevAVX512(x *float32, n int, mean float64) float64
// returns Σ (x[i] - mean)².
TEXT ·lnSqDevAVX512(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSD mean+16(FP), Z4
	VXORPD       Z0, Z0, Z0
	VXORPD       Z1, Z1, Z1
	SHRQ         $4, CX
	JZ           reduce

loop:
	VCVTPS2PD   (SI), Z2
	VCVTPS2PD   32(SI), Z3
	VSUBPD      Z4, Z2, Z2
	VSUBPD      Z4, Z3, Z3
	VFMADD231PD Z2, Z2, Z0
	VFMADD231PD Z3, Z3, Z1
	ADDQ        $64, SI
	DECQ        CX
	JNZ         loop

reduce:
	SUMPD
	MOVSD X0, ret+24(FP)
	RET

// func lnApplyAVX512(y, x, w, b *float32, n int, m, s float32)
// sets y[i] = (x[i] - m)·s·w[i] + b[i] (w and b LayerNorm's gain and
// shift; g names a register here), rounding after every operation as
// the portable version does (no fused multiply-add).
TEXT ·lnApplyAVX512(SB), NOSPLIT, $0-48
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         w+16(FP), DX
	MOVQ         b+24(FP), R8
	MOVQ         n+32(FP), CX
	VBROADCASTSS m+40(FP), Z4
	VBROADCASTSS s+44(FP), Z5
	SHRQ         $4, CX
	JZ           done

loop:
	VMOVUPS (SI), Z0
	VSUBPS  Z4, Z0, Z0
	VMULPS  Z5, Z0, Z0
	VMULPS  (DX), Z0, Z0
	VADDPS  (R8), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, R8
	ADDQ    $64, DI
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET
