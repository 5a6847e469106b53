//go:build amd64 && !purego

#include "textflag.h"

// func quantRowAVX2(dst *int8, scale *float32, src *float32, blocks int) int
//
// quantRowAVX512 (see there) at 8 lanes: a block is four registers, and
// the int32 results are packed to int8 with saturating packs, which
// interleave the 128-bit lanes; one permute puts the bytes back in order.
//
// Registers: DI dst, SI scale, DX src, CX blocks left, AX block index,
// Y0-Y3 the block, Y12-Y13 scratch, Y4 |x| mask, Y5 sign mask, Y6 0.5,
// Y7 -127, Y8 127, X9 1.0, X10 127.0, Y11 the unpacking permutation.
TEXT ·quantRowAVX2(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         scale+8(FP), SI
	MOVQ         src+16(FP), DX
	MOVQ         blocks+24(FP), CX
	XORQ         AX, AX
	MOVL         $0x7fffffff, R8
	MOVD         R8, X4
	VPBROADCASTD X4, Y4
	MOVL         $0x80000000, R8
	MOVD         R8, X5
	VPBROADCASTD X5, Y5
	MOVL         $0x3f000000, R8 // 0.5
	MOVD         R8, X6
	VPBROADCASTD X6, Y6
	MOVL         $-127, R8
	MOVD         R8, X7
	VPBROADCASTD X7, Y7
	MOVL         $127, R8
	MOVD         R8, X8
	VPBROADCASTD X8, Y8
	MOVL         $0x3f800000, R8 // 1.0
	MOVD         R8, X9
	MOVL         $0x42fe0000, R8 // 127.0
	MOVD         R8, X10
	VMOVDQU      perm<>(SB), Y11
	TESTQ        CX, CX
	JLE          ok

block:
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS 64(DX), Y2
	VMOVUPS 96(DX), Y3
	// x-x is not 0 only for NaN and ±Inf: then it is NaN, and
	// x-x == x-x is false.
	VSUBPS  Y0, Y0, Y12
	VSUBPS  Y1, Y1, Y13
	VADDPS  Y13, Y12, Y12
	VSUBPS  Y2, Y2, Y13
	VADDPS  Y13, Y12, Y12
	VSUBPS  Y3, Y3, Y13
	VADDPS  Y13, Y12, Y12
	VCMPPS  $0, Y12, Y12, Y12 // ordered and equal
	VMOVMSKPS Y12, R8
	CMPL    R8, $0xff
	JNE     bad
	// max |x|, reduced to lane 0 of X12.
	VANDPS  Y4, Y0, Y12
	VANDPS  Y4, Y1, Y13
	VMAXPS  Y13, Y12, Y12
	VANDPS  Y4, Y2, Y13
	VMAXPS  Y13, Y12, Y12
	VANDPS  Y4, Y3, Y13
	VMAXPS  Y13, Y12, Y12
	VEXTRACTF128 $1, Y12, X13
	VMAXPS  X13, X12, X12
	VPSHUFD $0x4e, X12, X13
	VMAXPS  X13, X12, X12
	VPSHUFD $0xb1, X12, X13
	VMAXPS  X13, X12, X12
	VDIVSS  X10, X12, X12     // scale = amax/127
	VMOVSS  X12, (SI)
	VXORPS  X13, X13, X13
	VUCOMISS X13, X12
	JNE     nonzero
	VPXOR   Y12, Y12, Y12
	VMOVDQU Y12, (DI)
	JMP     next

nonzero:
	VDIVSS  X12, X9, X12      // inv = 1/scale
	VBROADCASTSS X12, Y12
	VMULPS  Y12, Y0, Y0       // r = x·inv
	VMULPS  Y12, Y1, Y1
	VMULPS  Y12, Y2, Y2
	VMULPS  Y12, Y3, Y3
	VANDPS  Y5, Y0, Y13       // r += ±0.5 by its sign
	VORPS   Y6, Y13, Y13
	VADDPS  Y13, Y0, Y0
	VANDPS  Y5, Y1, Y13
	VORPS   Y6, Y13, Y13
	VADDPS  Y13, Y1, Y1
	VANDPS  Y5, Y2, Y13
	VORPS   Y6, Y13, Y13
	VADDPS  Y13, Y2, Y2
	VANDPS  Y5, Y3, Y13
	VORPS   Y6, Y13, Y13
	VADDPS  Y13, Y3, Y3
	VCVTTPS2DQ Y0, Y0
	VCVTTPS2DQ Y1, Y1
	VCVTTPS2DQ Y2, Y2
	VCVTTPS2DQ Y3, Y3
	VPMAXSD Y7, Y0, Y0
	VPMAXSD Y7, Y1, Y1
	VPMAXSD Y7, Y2, Y2
	VPMAXSD Y7, Y3, Y3
	VPMINSD Y8, Y0, Y0
	VPMINSD Y8, Y1, Y1
	VPMINSD Y8, Y2, Y2
	VPMINSD Y8, Y3, Y3
	VPACKSSDW Y1, Y0, Y0      // per 128-bit lane: x0-3 x8-11 | x4-7 x12-15
	VPACKSSDW Y3, Y2, Y2
	VPACKSSWB Y2, Y0, Y0      // dwords of 4 bytes: 0 8 16 24 | 4 12 20 28
	VPERMD    Y0, Y11, Y0
	VMOVDQU   Y0, (DI)

next:
	ADDQ $32, DI
	ADDQ $32, SI              // the next block's scale, a group of 8 on
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

// perm puts the packed dwords (bytes 0-3, 8-11, 16-19, 24-27 | 4-7, 12-15,
// 20-23, 28-31) back in order.
DATA perm<>+0(SB)/4, $0
DATA perm<>+4(SB)/4, $4
DATA perm<>+8(SB)/4, $1
DATA perm<>+12(SB)/4, $5
DATA perm<>+16(SB)/4, $2
DATA perm<>+20(SB)/4, $6
DATA perm<>+24(SB)/4, $3
DATA perm<>+28(SB)/4, $7
GLOBL perm<>(SB), RODATA|NOPTR, $32
