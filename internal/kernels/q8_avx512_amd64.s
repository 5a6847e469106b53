//go:build amd64 && !purego

#include "textflag.h"

// Q8 products with AVX-512 VNNI: VPDPBUSD multiplies the 4 unsigned weight
// bytes in each 32-bit lane (4 positions of the sum, one output) by 4
// signed activation bytes broadcast to every lane and adds the 4 products
// to the lane. A block (32 positions × 16 outputs) is 8 of them over 512
// contiguous bytes; the lane sums start from corr (which takes away the
// weights' +128) and are exact.
//
// Against the float-activation kernel before (8 rows of an int8 [in, out]
// matrix per pass, widened to float32 and summed by FMA), on GPT-2 124M's
// matrices in turn: 32 against 21 GB/s on one thread, 67 against 47 on two.
// The chunk-major layout (see Mat) makes a range of outputs one sequential
// stream, and the arithmetic is a quarter of the old per byte.
//
// Registers: DI y chunk, SI xq, R8 xs, R9 corr, R11 w, R12 s, R14 and R15
// the chunk's first block and scales, R10 kb, CX chunks left; per chunk AX xq block, BX xs[b], DX corr[b], R13 blocks
// left; Z0 the chunk's float sums, Z1-Z2 integer sums (even and odd
// groups, two chains), Z3-Z6 weights, Z7 scales.

// func q8VNNI(y *float32, xq *int8, xs *float32, corr *int32, w *byte, s *uint16, kb, chunks, ld int)
TEXT ·q8VNNI(SB), NOSPLIT, $0-72
	MOVQ y+0(FP), DI
	MOVQ xq+8(FP), SI
	MOVQ xs+16(FP), R8
	MOVQ corr+24(FP), R9
	MOVQ w+32(FP), R11
	MOVQ s+40(FP), R12
	MOVQ kb+48(FP), R10
	MOVQ chunks+56(FP), CX
	MOVQ R11, R14
	MOVQ R12, R15

chunk:
	VXORPS Z0, Z0, Z0
	MOVQ   SI, AX
	MOVQ   R8, BX
	MOVQ   R9, DX
	MOVQ   R10, R13

block:
	VPBROADCASTD  (DX), Z1
	VPXORD        Z2, Z2, Z2
	VMOVDQU64     0(R11), Z3
	VMOVDQU64     64(R11), Z4
	VMOVDQU64     128(R11), Z5
	VMOVDQU64     192(R11), Z6
	VPDPBUSD.BCST 0(AX), Z3, Z1
	VPDPBUSD.BCST 4(AX), Z4, Z2
	VPDPBUSD.BCST 8(AX), Z5, Z1
	VPDPBUSD.BCST 12(AX), Z6, Z2
	VMOVDQU64     256(R11), Z3
	VMOVDQU64     320(R11), Z4
	VMOVDQU64     384(R11), Z5
	VMOVDQU64     448(R11), Z6
	VPDPBUSD.BCST 16(AX), Z3, Z1
	VPDPBUSD.BCST 20(AX), Z4, Z2
	VPDPBUSD.BCST 24(AX), Z5, Z1
	VPDPBUSD.BCST 28(AX), Z6, Z2
	VPADDD        Z2, Z1, Z1
	VCVTDQ2PS     Z1, Z1
	VCVTPH2PS     (R12), Z7
	VMULPS        Z7, Z1, Z1
	VFMADD231PS.BCST (BX), Z1, Z0
	ADDQ          $512, R11
	ADDQ          $32, R12
	ADDQ          $32, AX
	ADDQ          $4, BX
	ADDQ          $4, DX
	DECQ          R13
	JNZ           block

	VMOVUPS Z0, (DI)
	ADDQ    $64, DI
	MOVQ    ld+64(FP), R11 // the next chunk's blocks
	MOVQ    R11, R12
	SHLQ    $9, R11
	SHLQ    $5, R12
	ADDQ    R11, R14
	ADDQ    R12, R15
	MOVQ    R14, R11
	MOVQ    R15, R12
	DECQ    CX
	JNZ     chunk
	VZEROUPPER
	RET

// Registers: DI xq, R8 xs, R9 corr, SI x, CX blocks left, Z0-Z1 the block,
// Z2-Z3 its magnitudes, Z27 1, Z28 127, Z29 2^-100, Z30 the magnitude
// mask, Z31 the largest finite float32.

// func q8QuantAVX512(xq *int8, xs *float32, corr *int32, x *float32, blocks int)
TEXT ·q8QuantAVX512(SB), NOSPLIT, $0-40
	MOVQ  xq+0(FP), DI
	MOVQ  xs+8(FP), R8
	MOVQ  corr+16(FP), R9
	MOVQ  x+24(FP), SI
	MOVQ  blocks+32(FP), CX
	TESTQ CX, CX
	JZ    qdone
	MOVL  $0x7fffffff, AX
	VPBROADCASTD AX, Z30
	MOVL  $0x7f7fffff, AX
	VPBROADCASTD AX, Z31
	MOVL  $0x0d800000, AX
	VPBROADCASTD AX, Z29
	MOVL  $0x42fe0000, AX
	VMOVD AX, X28
	MOVL  $0x3f800000, AX
	VMOVD AX, X27

qblock:
	VMOVUPS  (SI), Z0
	VMOVUPS  64(SI), Z1
	VANDPS   Z30, Z0, Z2
	VANDPS   Z30, Z1, Z3
	VCMPPS   $6, Z31, Z2, K1 // NLE_US: NaN, or beyond the largest float
	VCMPPS   $6, Z31, Z3, K2
	KORTESTW K1, K2
	JNZ      qbad
	VMAXPS        Z3, Z2, Z2
	VEXTRACTF64X4 $1, Z2, Y3
	VMAXPS        Y3, Y2, Y2
	VEXTRACTF128  $1, Y2, X3
	VMAXPS        X3, X2, X2
	VPERMILPS     $0x4e, X2, X3
	VMAXPS        X3, X2, X2
	VPERMILPS     $0xb1, X2, X3
	VMAXPS        X3, X2, X2
	VCMPPS        $1, X29, X2, K1 // amax < 2^-100
	KORTESTW      K1, K1
	JNZ           qzero
	VDIVSS        X28, X2, X4 // t = amax/127
	VDIVSS        X4, X27, X5 // 1/t
	VMOVSS        X4, (R8)
	VBROADCASTSS  X5, Z5
	VMULPS        Z5, Z0, Z0
	VMULPS        Z5, Z1, Z1
	VCVTPS2DQ     Z0, Z0 // to nearest, ties to even
	VCVTPS2DQ     Z1, Z1
	VPMOVSDB      Z0, (DI)
	VPMOVSDB      Z1, 16(DI)
	VPADDD        Z1, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPADDD        Y1, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0x4e, X0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0xb1, X0, X1
	VPADDD        X1, X0, X0
	VMOVD         X0, AX
	SHLL          $7, AX
	NEGL          AX
	MOVL          AX, (R9)

qnext:
	ADDQ $128, SI
	ADDQ $32, DI
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ  qblock

qdone:
	VZEROUPPER
	RET

qbad:
	MOVL    $0x7fc00000, (R8) // NaN scale
	JMP     qclear

qzero:
	MOVL    $0, (R8)

qclear:
	VPXOR   Y0, Y0, Y0
	VMOVDQU Y0, (DI)
	MOVL    $0, (R9)
	JMP     qnext

// ROUND quantizes the row at DX: half away from zero as quantTileGeneric
// (add ±0.5 by the sign, truncate), clamped to ±127, plus 128.
#define ROUND(z) \
	VMULPS     (DX), Z5, z; \
	VPANDD     Z8, z, Z16; \
	VPORD      Z7, Z16, Z16; \
	VADDPS     Z16, z, z; \
	VCVTTPS2DQ z, z; \
	VPMINSD    Z9, z, z; \
	VPMAXSD    Z10, z, z; \
	VPADDD     Z11, z, z; \
	ADDQ       BX, DX

// Registers: DI dst, R8 scale, SI src, BX ld in bytes, DX row, CX count,
// Z0 the 16 outputs' max |w|, Z3 their scales, Z5 1/scale (0 for a zero
// scale), Z7 0.5, Z8 the sign bit, Z9 127, Z10 -127, Z11 128, Z30 the
// magnitude mask, Z31 the largest finite float32, K1 non-finite rows.

// func quantTileAVX512(dst *byte, scale *uint16, src *float32, ld int) int
TEXT ·quantTileAVX512(SB), NOSPLIT, $0-40
	MOVQ  dst+0(FP), DI
	MOVQ  scale+8(FP), R8
	MOVQ  src+16(FP), SI
	MOVQ  ld+24(FP), BX
	SHLQ  $2, BX
	MOVL  $0x7fffffff, AX
	VPBROADCASTD AX, Z30
	MOVL  $0x7f7fffff, AX
	VPBROADCASTD AX, Z31
	VPXORD Z0, Z0, Z0
	KXORW K1, K1, K1
	MOVQ  SI, DX
	MOVQ  $32, CX

tmax:
	VANDPS (DX), Z30, Z1
	VCMPPS $6, Z31, Z1, K2 // NLE_US: NaN, or beyond the largest float
	KORW   K2, K1, K1
	VMAXPS Z1, Z0, Z0
	ADDQ   BX, DX
	DECQ   CX
	JNZ    tmax
	KORTESTW K1, K1
	JNZ    tbad
	MOVL   $0x42fe0000, AX // 127
	VPBROADCASTD AX, Z2
	VDIVPS Z2, Z0, Z0
	VCVTPS2PH $0, Z0, Y3 // to nearest, ties to even
	MOVL   $0x7c00, AX
	VPBROADCASTW AX, Y4
	VPCMPEQW Y4, Y3, K2 // +Inf: the scale overflows F16
	KORTESTW K2, K2
	JNZ    tbad
	VMOVDQU Y3, (R8)
	VCVTPH2PS Y3, Z3
	MOVL   $0x3f800000, AX // 1
	VPBROADCASTD AX, Z4
	VDIVPS Z3, Z4, Z5
	VXORPS Z6, Z6, Z6
	VCMPPS $0, Z6, Z3, K3 // EQ_OQ: a zero scale
	VMOVAPS Z6, K3, Z5
	MOVL   $0x3f000000, AX // 0.5
	VPBROADCASTD AX, Z7
	MOVL   $0x80000000, AX
	VPBROADCASTD AX, Z8
	MOVL   $127, AX
	VPBROADCASTD AX, Z9
	MOVL   $-127, AX
	VPBROADCASTD AX, Z10
	MOVL   $128, AX
	VPBROADCASTD AX, Z11
	MOVQ   SI, DX
	MOVQ   $8, CX

tgroup:
	ROUND(Z12)
	ROUND(Z13)
	ROUND(Z14)
	ROUND(Z15)
	VPSLLD $8, Z13, Z13
	VPSLLD $16, Z14, Z14
	VPSLLD $24, Z15, Z15
	VPORD  Z13, Z12, Z12
	VPORD  Z15, Z14, Z14
	VPORD  Z14, Z12, Z12
	VMOVDQU32 Z12, (DI)
	ADDQ   $64, DI
	DECQ   CX
	JNZ    tgroup
	MOVQ   $-1, ret+32(FP)
	VZEROUPPER
	RET

tbad:
	MOVQ $0, ret+32(FP)
	VZEROUPPER
	RET
