//go:build amd64 && !purego

#include "textflag.h"

// func quantRowAVX512(dst *int8, scale *float32, src *float32, blocks int) int
//
// quantRowGeneric for a row of blocks·32 floats, bit for bit: per block the
// scale max|x|/127 goes to scale[8·b] (a row's scales lie a group of 8
// apart, see Mat.ScaleIndex), and x·(1/scale), plus ±0.5 by its sign,
// truncated and clamped to ±127, to dst. A block of zeros gets scale 0 and
// zeros. It returns the first block holding a NaN or ±Inf (having written
// the blocks before it), or -1.
//
// Registers: DI dst, SI scale, DX src, CX blocks left, AX block index,
// Z0-Z1 the block, Z2-Z3 scratch, Z4 |x| mask, Z5 sign mask, Z6 0.5,
// Z7 -127, Z8 127, X9 1.0, X10 127.0.
TEXT ·quantRowAVX512(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         scale+8(FP), SI
	MOVQ         src+16(FP), DX
	MOVQ         blocks+24(FP), CX
	XORQ         AX, AX
	MOVL         $0x7fffffff, R8
	VPBROADCASTD R8, Z4
	MOVL         $0x80000000, R8
	VPBROADCASTD R8, Z5
	MOVL         $0x3f000000, R8 // 0.5
	VPBROADCASTD R8, Z6
	MOVL         $-127, R8
	VPBROADCASTD R8, Z7
	MOVL         $127, R8
	VPBROADCASTD R8, Z8
	MOVL         $0x3f800000, R8 // 1.0
	VMOVD        R8, X9
	MOVL         $0x42fe0000, R8 // 127.0
	VMOVD        R8, X10
	TESTQ        CX, CX
	JLE          ok

block:
	VMOVUPS (DX), Z0
	VMOVUPS 64(DX), Z1
	// x-x is not 0 only for NaN and ±Inf.
	VSUBPS  Z0, Z0, Z2
	VSUBPS  Z1, Z1, Z3
	VPORD   Z3, Z2, Z2
	VPTESTMD Z2, Z2, K1
	KORTESTW K1, K1
	JNZ     bad
	// max |x|, reduced to lane 0 of X2.
	VPANDD  Z4, Z0, Z2
	VPANDD  Z4, Z1, Z3
	VMAXPS  Z3, Z2, Z2
	VEXTRACTF64X4 $1, Z2, Y3
	VMAXPS  Y3, Y2, Y2
	VEXTRACTF128 $1, Y2, X3
	VMAXPS  X3, X2, X2
	VPSHUFD $0x4e, X2, X3
	VMAXPS  X3, X2, X2
	VPSHUFD $0xb1, X2, X3
	VMAXPS  X3, X2, X2
	VDIVSS  X10, X2, X2     // scale = amax/127
	VMOVSS  X2, (SI)
	VXORPS  X3, X3, X3
	VUCOMISS X3, X2
	JNE     nonzero
	VPXORD  Z2, Z2, Z2
	VMOVDQU32 Y2, (DI)
	JMP     next

nonzero:
	VDIVSS  X2, X9, X2      // inv = 1/scale
	VBROADCASTSS X2, Z2
	VMULPS  Z2, Z0, Z0      // r = x·inv
	VMULPS  Z2, Z1, Z1
	VPANDD  Z5, Z0, Z2      // r += ±0.5 by its sign
	VPORD   Z6, Z2, Z2
	VADDPS  Z2, Z0, Z0
	VPANDD  Z5, Z1, Z3
	VPORD   Z6, Z3, Z3
	VADDPS  Z3, Z1, Z1
	VCVTTPS2DQ Z0, Z0
	VCVTTPS2DQ Z1, Z1
	VPMAXSD Z7, Z0, Z0
	VPMAXSD Z7, Z1, Z1
	VPMINSD Z8, Z0, Z0
	VPMINSD Z8, Z1, Z1
	VPMOVDB Z0, (DI)
	VPMOVDB Z1, 16(DI)

next:
	ADDQ $32, DI
	ADDQ $32, SI            // the next block's scale, a group of 8 on
	ADDQ $128, DX
	INCQ AX
	DECQ CX
	JNZ  block

ok:
	MOVQ $-1, AX
	MOVQ AX, ret+32(FP)
	VZEROUPPER
	RET

bad:
	MOVQ AX, ret+32(FP)
	VZEROUPPER
	RET
