//go:build amd64 && !purego

#include "textflag.h"

// Q8 products with AVX2: VPMADDUBSW multiplies unsigned by signed bytes
// into saturating 16-bit pair sums, so the weights are made signed again
// (XOR 0x80 takes away the stored +128) and their signs moved onto the
// activations (|q|·(x·sign q) = q·x, at most 2·127·127 per pair: no
// saturation); VPMADDWD by 1 then sums each lane's 4 products. The sums
// are exact and equal corr + Σ W·xq of the VNNI kernel, so corr is not read.
//
// Two chunks are taken at a time, half the range apart (chunks c and c+Q,
// Q = chunks/2), sharing each group of x: two long streams. Against one
// chunk at a time (one stream), decode took 14-17% less time per token on
// 2 threads and 17-21% on 1 (alternating token by token in one process);
// two adjacent chunks at a time had been 13-23% slower than one, and four
// chunks a quarter of the range apart (their float sums on the stack: the
// registers run out) were 5-7% slower than two on 2 threads. A last odd
// chunk is taken alone.
//
// The pairs prefetch as the float decode products do (gemv_avx512_amd64.s),
// into L1 1 KiB ahead and into L2 3 KiB ahead: alone on 2 threads (GPT-2
// 124M and 1.5B shapes, 40 alternations) the product read its weights at
// 0.81-0.87 of XorSum's rate against 0.72-0.76 without.
//
// Registers: DI y chunk, SI xq, R8 xs, R11 w, R12 s, R14 and R15 the
// chunk's first block and scales, R10 kb (in pairs: the end of xq), CX
// pairs or chunks left; per chunk AX xq block, BX xs[b] (in pairs: the
// bytes from one chunk's blocks to the other's, DX from its scales, R9
// from its outputs, R13 xs[b]), R13 blocks left; Y0-Y1 the chunk's float
// sums (outputs 0-7, 8-15), Y2-Y3 integer sums (the other chunk's Y8-Y9
// and Y10-Y11), Y4 the x group, Y14 16-bit ones, Y15 bytes 0x80.

#define GROUP(g) \
	VPBROADCASTD (4*g)(AX), Y4; \
	VPXOR        (64*g)(R11), Y15, Y5; \
	VPXOR        (64*g+32)(R11), Y15, Y6; \
	VPABSB       Y5, Y7; \
	VPSIGNB      Y5, Y4, Y8; \
	VPMADDUBSW   Y8, Y7, Y7; \
	VPMADDWD     Y14, Y7, Y7; \
	VPADDD       Y7, Y2, Y2; \
	VPABSB       Y6, Y9; \
	VPSIGNB      Y6, Y4, Y10; \
	VPMADDUBSW   Y10, Y9, Y9; \
	VPMADDWD     Y14, Y9, Y9; \
	VPADDD       Y9, Y3, Y3


// HALF adds the products of half h (outputs 8h..8h+7) of group g of the
// block at base, with the x group in Y4, into the integer sums acc.
#define HALF(g, h, base, acc) \
	VPXOR      (64*g+32*h)base, Y15, Y5; \
	VPABSB     Y5, Y6; \
	VPSIGNB    Y5, Y4, Y7; \
	VPMADDUBSW Y7, Y6, Y6; \
	VPMADDWD   Y14, Y6, Y6; \
	VPADDD     Y6, acc, acc

// PF2 prefetches, with hint h, the 8 lines of a block d bytes ahead of
// the pair's block in each of its two chunks.
#define PF1(h, d) h d(R11); h d(R11)(BX*1)
#define PF2(h, d) \
	PF1(h, d); PF1(h, d+64); PF1(h, d+128); PF1(h, d+192); \
	PF1(h, d+256); PF1(h, d+320); PF1(h, d+384); PF1(h, d+448)

// GROUP2 is GROUP for two chunks: the one at R11 into Y2, Y3, the one BX
// bytes on into Y10, Y11.
#define GROUP2(g) \
	VPBROADCASTD (4*g)(AX), Y4; \
	HALF(g, 0, (R11), Y2); \
	HALF(g, 1, (R11), Y3); \
	HALF(g, 0, (R11)(BX*1), Y10); \
	HALF(g, 1, (R11)(BX*1), Y11)

// func q8AVX2(y *float32, xq *int8, xs *float32, corr *int32, w *byte, s *uint16, kb, chunks, ld int)
TEXT ·q8AVX2(SB), NOSPLIT, $0-72
	MOVQ y+0(FP), DI
	MOVQ xq+8(FP), SI
	MOVQ xs+16(FP), R8
	MOVQ w+32(FP), R11
	MOVQ s+40(FP), R12
	MOVQ kb+48(FP), R10
	MOVQ chunks+56(FP), CX
	MOVQ R11, R14
	MOVQ R12, R15
	MOVL $0x80808080, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x00010001, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14

	// Two chunks at a time, half the range apart (two long streams).
	SHRQ  $1, CX
	JZ    single
	MOVQ  CX, R9
	SHLQ  $6, R9 // bytes between the two chunks' outputs
	MOVQ  ld+64(FP), BX
	IMULQ CX, BX
	MOVQ  BX, DX
	SHLQ  $9, BX // ... their blocks
	SHLQ  $5, DX // ... their scales
	SHLQ  $5, R10
	ADDQ  SI, R10 // the end of xq

pair:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	MOVQ   SI, AX
	MOVQ   R8, R13
	MOVQ   R14, R11
	MOVQ   R15, R12

pblock:
	PF2(PREFETCHT0, 1024)
	PF2(PREFETCHT1, 3072)
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y10, Y10, Y10
	VPXOR Y11, Y11, Y11
	GROUP2(0)
	GROUP2(1)
	GROUP2(2)
	GROUP2(3)
	GROUP2(4)
	GROUP2(5)
	GROUP2(6)
	GROUP2(7)
	VBROADCASTSS (R13), Y7
	VCVTDQ2PS    Y2, Y2
	VCVTDQ2PS    Y3, Y3
	VCVTPH2PS    (R12), Y5
	VCVTPH2PS    16(R12), Y6
	VMULPS       Y5, Y2, Y2
	VMULPS       Y6, Y3, Y3
	VFMADD231PS  Y7, Y2, Y0
	VFMADD231PS  Y7, Y3, Y1
	VCVTDQ2PS    Y10, Y10
	VCVTDQ2PS    Y11, Y11
	VCVTPH2PS    (R12)(DX*1), Y5
	VCVTPH2PS    16(R12)(DX*1), Y6
	VMULPS       Y5, Y10, Y10
	VMULPS       Y6, Y11, Y11
	VFMADD231PS  Y7, Y10, Y8
	VFMADD231PS  Y7, Y11, Y9
	ADDQ         $512, R11
	ADDQ         $32, R12
	ADDQ         $4, R13
	ADDQ         $32, AX
	CMPQ         AX, R10
	JNE          pblock

	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y8, (DI)(R9*1)
	VMOVUPS Y9, 32(DI)(R9*1)
	ADDQ    $64, DI
	MOVQ    ld+64(FP), AX // the next chunk's blocks
	MOVQ    AX, R13
	SHLQ    $9, AX
	SHLQ    $5, R13
	ADDQ    AX, R14
	ADDQ    R13, R15
	DECQ    CX
	JNZ     pair

	// Past the two halves: chunk 2Q, if chunks is odd.
	ADDQ BX, R14
	ADDQ DX, R15
	ADDQ R9, DI
	MOVQ R14, R11
	MOVQ R15, R12
	MOVQ kb+48(FP), R10

single:
	MOVQ chunks+56(FP), CX
	ANDQ $1, CX
	JZ   done

chunk:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	MOVQ   SI, AX
	MOVQ   R8, BX
	MOVQ   R10, R13

block:
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	GROUP(0)
	GROUP(1)
	GROUP(2)
	GROUP(3)
	GROUP(4)
	GROUP(5)
	GROUP(6)
	GROUP(7)
	VCVTDQ2PS    Y2, Y2
	VCVTDQ2PS    Y3, Y3
	VCVTPH2PS    (R12), Y9
	VCVTPH2PS    16(R12), Y10
	VMULPS       Y9, Y2, Y2
	VMULPS       Y10, Y3, Y3
	VBROADCASTSS (BX), Y11
	VFMADD231PS  Y11, Y2, Y0
	VFMADD231PS  Y11, Y3, Y1
	ADDQ         $512, R11
	ADDQ         $32, R12
	ADDQ         $32, AX
	ADDQ         $4, BX
	DECQ         R13
	JNZ          block

	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
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

done:
	VZEROUPPER
	RET

// Registers: DI xq, R8 xs, R9 corr, SI x, CX blocks left, Y0-Y3 the
// block, Y4-Y7 magnitudes, Y10 the byte order for VPERMD, X11 1, X12 127,
// X13 2^-100, Y14 the largest finite float32, Y15 the magnitude mask.

// func q8QuantAVX2(xq *int8, xs *float32, corr *int32, x *float32, blocks int)
TEXT ·q8QuantAVX2(SB), NOSPLIT, $0-40
	MOVQ  xq+0(FP), DI
	MOVQ  xs+8(FP), R8
	MOVQ  corr+16(FP), R9
	MOVQ  x+24(FP), SI
	MOVQ  blocks+32(FP), CX
	TESTQ CX, CX
	JZ    qdone
	MOVL  $0x7fffffff, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL  $0x7f7fffff, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL  $0x0d800000, AX
	VMOVD AX, X13
	MOVL  $0x42fe0000, AX
	VMOVD AX, X12
	MOVL  $0x3f800000, AX
	VMOVD AX, X11
	MOVQ  $0x0703060205010400, AX // dword order after the two packs
	VMOVQ AX, X10
	VPMOVZXBD X10, Y10

qblock:
	VMOVUPS   (SI), Y0
	VMOVUPS   32(SI), Y1
	VMOVUPS   64(SI), Y2
	VMOVUPS   96(SI), Y3
	VANDPS    Y15, Y0, Y4
	VANDPS    Y15, Y1, Y5
	VANDPS    Y15, Y2, Y6
	VANDPS    Y15, Y3, Y7
	VCMPPS    $6, Y14, Y4, Y8 // NLE_US: NaN, or beyond the largest float
	VCMPPS    $6, Y14, Y5, Y9
	VORPS     Y9, Y8, Y8
	VCMPPS    $6, Y14, Y6, Y9
	VORPS     Y9, Y8, Y8
	VCMPPS    $6, Y14, Y7, Y9
	VORPS     Y9, Y8, Y8
	VMOVMSKPS Y8, AX
	TESTL     AX, AX
	JNZ       qbad
	VMAXPS       Y5, Y4, Y4
	VMAXPS       Y7, Y6, Y6
	VMAXPS       Y6, Y4, Y4
	VEXTRACTF128 $1, Y4, X5
	VMAXPS       X5, X4, X4
	VPERMILPS    $0x4e, X4, X5
	VMAXPS       X5, X4, X4
	VPERMILPS    $0xb1, X4, X5
	VMAXPS       X5, X4, X4
	VCMPPS       $1, X13, X4, X5 // amax < 2^-100
	VMOVMSKPS    X5, AX
	TESTL        $1, AX
	JNZ          qzero
	VDIVSS       X12, X4, X4 // t = amax/127
	VDIVSS       X4, X11, X5 // 1/t
	VMOVSS       X4, (R8)
	VBROADCASTSS X5, Y5
	VMULPS       Y5, Y0, Y0
	VMULPS       Y5, Y1, Y1
	VMULPS       Y5, Y2, Y2
	VMULPS       Y5, Y3, Y3
	VCVTPS2DQ    Y0, Y0 // to nearest, ties to even
	VCVTPS2DQ    Y1, Y1
	VCVTPS2DQ    Y2, Y2
	VCVTPS2DQ    Y3, Y3
	VPADDD       Y1, Y0, Y8
	VPADDD       Y3, Y2, Y9
	VPADDD       Y9, Y8, Y8
	VEXTRACTI128 $1, Y8, X9
	VPADDD       X9, X8, X8
	VPSHUFD      $0x4e, X8, X9
	VPADDD       X9, X8, X8
	VPSHUFD      $0xb1, X8, X9
	VPADDD       X9, X8, X8
	VMOVD        X8, AX
	SHLL         $7, AX
	NEGL         AX
	MOVL         AX, (R9)
	VPACKSSDW    Y1, Y0, Y0
	VPACKSSDW    Y3, Y2, Y2
	VPACKSSWB    Y2, Y0, Y0
	VPERMD       Y0, Y10, Y0
	VMOVDQU      Y0, (DI)

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

// TROUND quantizes the 16 values of the row at DX (Y12: outputs 0-7, Y13:
// 8-15) as quantTileGeneric: half away from zero (add ±0.5 by the sign,
// truncate), clamped to ±127, plus 128.
#define TROUND(lo, hi) \
	VMULPS     (DX), Y5, lo; \
	VMULPS     32(DX), Y6, hi; \
	VANDPS     Y8, lo, Y14; \
	VORPS      Y7, Y14, Y14; \
	VADDPS     Y14, lo, lo; \
	VANDPS     Y8, hi, Y14; \
	VORPS      Y7, Y14, Y14; \
	VADDPS     Y14, hi, hi; \
	VCVTTPS2DQ lo, lo; \
	VCVTTPS2DQ hi, hi; \
	VPMINSD    Y9, lo, lo; \
	VPMINSD    Y9, hi, hi; \
	VPMAXSD    Y10, lo, lo; \
	VPMAXSD    Y10, hi, hi; \
	VPADDD     Y11, lo, lo; \
	VPADDD     Y11, hi, hi; \
	ADDQ       BX, DX

// Registers: DI dst, R8 scale, SI src, BX ld in bytes, DX row, CX count,
// Y0-Y1 the max |w| of outputs 0-7 and 8-15, then their scales, Y5-Y6
// 1/scale (0 for a zero scale), Y7 0.5, Y8 the sign bit, Y9 127, Y10
// -127, Y11 128, Y14 the largest finite float32 (first pass), Y15 the
// magnitude mask, Y4 non-finite lanes.

// func quantTileAVX2(dst *byte, scale *uint16, src *float32, ld int) int
TEXT ·quantTileAVX2(SB), NOSPLIT, $0-40
	MOVQ  dst+0(FP), DI
	MOVQ  scale+8(FP), R8
	MOVQ  src+16(FP), SI
	MOVQ  ld+24(FP), BX
	SHLQ  $2, BX
	MOVL  $0x7fffffff, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL  $0x7f7fffff, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y4, Y4, Y4
	MOVQ  SI, DX
	MOVQ  $32, CX

tmax:
	VANDPS (DX), Y15, Y2
	VANDPS 32(DX), Y15, Y3
	VCMPPS $6, Y14, Y2, Y12 // NLE_US: NaN, or beyond the largest float
	VCMPPS $6, Y14, Y3, Y13
	VORPS  Y12, Y4, Y4
	VORPS  Y13, Y4, Y4
	VMAXPS Y2, Y0, Y0
	VMAXPS Y3, Y1, Y1
	ADDQ   BX, DX
	DECQ   CX
	JNZ    tmax
	VMOVMSKPS Y4, AX
	TESTL  AX, AX
	JNZ    tbad
	MOVL   $0x42fe0000, AX // 127
	VMOVD  AX, X2
	VBROADCASTSS X2, Y2
	VDIVPS Y2, Y0, Y0
	VDIVPS Y2, Y1, Y1
	VCVTPS2PH $0, Y0, X2 // to nearest, ties to even
	VCVTPS2PH $0, Y1, X3
	MOVL   $0x7c007c00, AX
	VMOVD  AX, X4
	VPBROADCASTD X4, X4
	VPCMPEQW X4, X2, X12 // +Inf: the scale overflows F16
	VPCMPEQW X4, X3, X13
	VPOR   X13, X12, X12
	VPTEST X12, X12
	JNZ    tbad
	VMOVDQU X2, (R8)
	VMOVDQU X3, 16(R8)
	VCVTPH2PS X2, Y0
	VCVTPH2PS X3, Y1
	MOVL   $0x3f800000, AX // 1
	VMOVD  AX, X4
	VBROADCASTSS X4, Y4
	VDIVPS Y0, Y4, Y5
	VDIVPS Y1, Y4, Y6
	VXORPS Y4, Y4, Y4
	VCMPPS $0, Y4, Y0, Y12 // EQ_OQ: a zero scale
	VCMPPS $0, Y4, Y1, Y13
	VANDNPS Y5, Y12, Y5
	VANDNPS Y6, Y13, Y6
	MOVL   $0x3f000000, AX // 0.5
	VMOVD  AX, X7
	VBROADCASTSS X7, Y7
	MOVL   $0x80000000, AX
	VMOVD  AX, X8
	VPBROADCASTD X8, Y8
	MOVL   $127, AX
	VMOVD  AX, X9
	VPBROADCASTD X9, Y9
	MOVL   $-127, AX
	VMOVD  AX, X10
	VPBROADCASTD X10, Y10
	MOVL   $128, AX
	VMOVD  AX, X11
	VPBROADCASTD X11, Y11
	MOVQ   SI, DX
	MOVQ   $8, CX

tgroup:
	TROUND(Y0, Y1)
	TROUND(Y2, Y3)
	VPSLLD $8, Y2, Y2
	VPSLLD $8, Y3, Y3
	VPOR   Y2, Y0, Y0
	VPOR   Y3, Y1, Y1
	TROUND(Y2, Y3)
	VPSLLD $16, Y2, Y2
	VPSLLD $16, Y3, Y3
	VPOR   Y2, Y0, Y0
	VPOR   Y3, Y1, Y1
	TROUND(Y2, Y3)
	VPSLLD $24, Y2, Y2
	VPSLLD $24, Y3, Y3
	VPOR   Y2, Y0, Y0
	VPOR   Y3, Y1, Y1
	VMOVDQU Y0, (DI)
	VMOVDQU Y1, 32(DI)
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

// HALF4 adds the products of 8 outputs' weights at m (32 bytes) with four
// tokens' x groups into their sums a0-a3: the sign-corrected weights
// (Y8, Y9) are shared by the four.
#define HALF4(m, g, a0, a1, a2, a3) \
	VPXOR        m, Y15, Y8; \
	VPABSB       Y8, Y9; \
	VPBROADCASTD (16*g)(R13), Y10; \
	VPSIGNB      Y8, Y10, Y10; \
	VPMADDUBSW   Y10, Y9, Y10; \
	VPMADDWD     Y14, Y10, Y10; \
	VPADDD       Y10, a0, a0; \
	VPBROADCASTD (16*g+4)(R13), Y10; \
	VPSIGNB      Y8, Y10, Y10; \
	VPMADDUBSW   Y10, Y9, Y10; \
	VPMADDWD     Y14, Y10, Y10; \
	VPADDD       Y10, a1, a1; \
	VPBROADCASTD (16*g+8)(R13), Y10; \
	VPSIGNB      Y8, Y10, Y10; \
	VPMADDUBSW   Y10, Y9, Y10; \
	VPMADDWD     Y14, Y10, Y10; \
	VPADDD       Y10, a2, a2; \
	VPBROADCASTD (16*g+12)(R13), Y10; \
	VPSIGNB      Y8, Y10, Y10; \
	VPMADDUBSW   Y10, Y9, Y10; \
	VPMADDWD     Y14, Y10, Y10; \
	VPADDD       Y10, a3, a3

#define GROUP4(g) \
	HALF4((64*g)(R11), g, Y0, Y2, Y4, Y6); \
	HALF4((64*g+32)(R11), g, Y1, Y3, Y5, Y7)

// OUT4 adds token t's sums lo, hi (outputs 0-7, 8-15) times the scales
// (Y11, Y12) and its xs into its outputs at m and m32 (32 bytes on).
#define OUT4(t, lo, hi, m, m32) \
	VCVTDQ2PS    lo, lo; \
	VCVTDQ2PS    hi, hi; \
	VMULPS       Y11, lo, lo; \
	VMULPS       Y12, hi, hi; \
	VBROADCASTSS (4*t)(R8)(AX*4), Y13; \
	VFMADD213PS  m, Y13, lo; \
	VFMADD213PS  m32, Y13, hi; \
	VMOVUPS      lo, m; \
	VMOVUPS      hi, m32

// q8AVX2x4 is q8AVX2 for four tokens at once (prefill), as q8VNNI4: the
// weights' sign correction is shared by the four tokens. The float sums
// live in y, zeroed at the start of each chunk.
//
// Registers: DI y chunk of token 0, SI xq4, R8 xs4, R10 kb·4, CX chunks
// left, R11 and R12 the block and its scales, R14 and R15 the chunk's
// first, BX and DX the bytes from one chunk's blocks and scales to the
// next's, AX 4·b, R13 the block's xq4, R9 ldy; Y0-Y7 integer sums (token
// t: Y2t outputs 0-7, Y2t+1 8-15), Y8-Y10 temporaries, Y11-Y12 scales,
// Y13 xs, Y14 16-bit ones, Y15 bytes 0x80.

// func q8AVX2x4(y *float32, ldy int, xq4 *int8, xs4 *float32, corr4 *int32, w *byte, s *uint16, kb, chunks, ld int)
TEXT ·q8AVX2x4(SB), NOSPLIT, $0-80
	MOVQ y+0(FP), DI
	MOVQ ldy+8(FP), R9
	MOVQ xq4+16(FP), SI
	MOVQ xs4+24(FP), R8
	MOVQ w+40(FP), R14
	MOVQ s+48(FP), R15
	MOVQ kb+56(FP), R10
	SHLQ $2, R10
	MOVQ chunks+64(FP), CX
	MOVQ ld+72(FP), BX
	MOVQ BX, DX
	SHLQ $9, BX
	SHLQ $5, DX
	MOVL $0x80808080, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x00010001, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14

xchunk:
	TESTQ   CX, CX
	JZ      xdone
	MOVQ    R14, R11
	MOVQ    R15, R12
	VXORPS  Y0, Y0, Y0
	LEAQ    (DI)(R9*2), R13
	VMOVUPS Y0, (DI)
	VMOVUPS Y0, 32(DI)
	VMOVUPS Y0, (DI)(R9*1)
	VMOVUPS Y0, 32(DI)(R9*1)
	VMOVUPS Y0, (R13)
	VMOVUPS Y0, 32(R13)
	VMOVUPS Y0, (R13)(R9*1)
	VMOVUPS Y0, 32(R13)(R9*1)
	XORQ    AX, AX

xblock:
	MOVQ  AX, R13
	SHLQ  $5, R13
	ADDQ  SI, R13
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	GROUP4(0)
	GROUP4(1)
	GROUP4(2)
	GROUP4(3)
	GROUP4(4)
	GROUP4(5)
	GROUP4(6)
	GROUP4(7)
	VCVTPH2PS (R12), Y11
	VCVTPH2PS 16(R12), Y12
	LEAQ      (DI)(R9*2), R13
	OUT4(0, Y0, Y1, (DI), 32(DI))
	OUT4(1, Y2, Y3, (DI)(R9*1), 32(DI)(R9*1))
	OUT4(2, Y4, Y5, (R13), 32(R13))
	OUT4(3, Y6, Y7, (R13)(R9*1), 32(R13)(R9*1))
	ADDQ      $512, R11
	ADDQ      $32, R12
	ADDQ      $4, AX
	CMPQ      AX, R10
	JNE       xblock

	ADDQ $64, DI
	ADDQ BX, R14
	ADDQ DX, R15
	DECQ CX
	JMP  xchunk

xdone:
	VZEROUPPER
	RET
