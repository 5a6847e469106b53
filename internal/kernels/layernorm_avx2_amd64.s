//go:build amd64 && !purego

#include "textflag.h"

// LayerNorm's passes with AVX2 (see layernorm_avx512_amd64.s): each chunk
// of 8 floats is widened to two vectors of 4 doubles. n is a multiple of 8.

// SUMPD leaves in X0 the sum of the 8 doubles in Y0 and Y1.
#define SUMPD \
	VADDPD       Y1, Y0, Y0; \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPD       X1, X0, X0; \
	VHADDPD      X0, X0, X0; \
	VZEROUPPER

// func lnSumAVX2(x *float32, n int) float64
TEXT ·lnSumAVX2(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	SHRQ   $3, CX
	JZ     reduce

loop:
	VCVTPS2PD (SI), Y2
	VCVTPS2PD 16(SI), Y3
	VADDPD    Y2, Y0, Y0
	VADDPD    Y3, Y1, Y1
	ADDQ      $32, SI
	DECQ      CX
	JNZ       loop

reduce:
	SUMPD
	MOVSD X0, ret+16(FP)
	RET

// func lnSqDevAVX2(x *float32, n int, mean float64) float64
TEXT ·lnSqDevAVX2(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSD mean+16(FP), Y4
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	SHRQ         $3, CX
	JZ           reduce

loop:
	VCVTPS2PD   (SI), Y2
	VCVTPS2PD   16(SI), Y3
	VSUBPD      Y4, Y2, Y2
	VSUBPD      Y4, Y3, Y3
	VFMADD231PD Y2, Y2, Y0
	VFMADD231PD Y3, Y3, Y1
	ADDQ        $32, SI
	DECQ        CX
	JNZ         loop

reduce:
	SUMPD
	MOVSD X0, ret+24(FP)
	RET

// func lnApplyAVX2(y, x, w, b *float32, n int, m, s float32)
// sets y[i] = (x[i] - m)·s·w[i] + b[i], rounding after every operation.
TEXT ·lnApplyAVX2(SB), NOSPLIT, $0-48
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         w+16(FP), DX
	MOVQ         b+24(FP), R8
	MOVQ         n+32(FP), CX
	VBROADCASTSS m+40(FP), Y4
	VBROADCASTSS s+44(FP), Y5
	SHRQ         $3, CX
	JZ           done

loop:
	VMOVUPS (SI), Y0
	VSUBPS  Y4, Y0, Y0
	VMULPS  Y5, Y0, Y0
	VMULPS  (DX), Y0, Y0
	VADDPS  (R8), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET
