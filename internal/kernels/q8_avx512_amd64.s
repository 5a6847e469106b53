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
// matrix per pass, widened to float32 and summed by FMA), GPT-2 124M
// decode with --quantize q8 ran 13-26% faster on 2 threads (bench, runs
// alternated) and prefill of 512 tokens 25-30% faster: the chunk-major
// layout (see Mat) makes a range of outputs one sequential stretch, and
// the arithmetic is a quarter of the old per byte. Four chunks are taken
// at once, four sequential streams, which one core reads faster than one
// or two: against one chunk, two took 5-6% less time per token on 1
// thread and 2-3% on 2; against two, four took 7-11% less on 1 and 2
// threads (alternating the loops token by token in one process); eight
// were 1-2% faster than four, not worth spilling a register. The four are
// a quarter of the range apart (chunks c, c+Q, c+2Q, c+3Q, Q = chunks/4),
// so each stream runs on through Q chunks; four adjacent chunks, as before,
// made four short streams that restarted every 4 chunks: -4 to -9% a token
// on 2 threads, -3 to -6% on 1, gpt2-xl -2%. Two and one take the chunks
// left over.
//
// The quads prefetch each stream as the float decode products do (see
// gemv_avx512_amd64.s), into L1 1 KiB ahead and into L2 3 KiB ahead: the
// product alone on 2 threads (GPT-2 124M and 1.5B shapes, 40 alternations)
// read its weights at 0.94-0.99 of XorSum's rate against 0.86-0.89 with
// no prefetch; the L2 prefetch alone 0.91-0.97, the L1 one alone
// 0.92-0.99, 2 and 4 KiB ahead 0.91-0.98.
//
// The four chunks of a quad share the activation bytes: they are broadcast
// once a block (Z25-Z31, Z10) rather than by each chunk's VPDPBUSD, which
// took two loads a line of weights where a plain read takes one. Against
// the broadcast in every VPDPBUSD, the product alone on 2 threads (768×3072
// matrices from memory, 100 alternations) read 2-3% faster (medians of the
// ratio 1.022 and 1.033); the sums are the same.
//
// Registers: DI y chunk, SI xq, R8 xs, R9 corr, R10 kb·4, CX quads or
// chunks left, R11 and R12 the block and its scales, R14 and R15 the
// chunk's first, BX and DX the bytes from one chunk's blocks and scales to
// the next's (in the quads, the next quarter's), ys the bytes between the
// quarters' outputs,
// AX 4·b (xq at 32b, xs and corr at 4b), R13 the third chunk's block,
// then its scales; Z0, Z14, Z23, Z24 float sums, Z1-Z2, Z8-Z9, Z16-Z17,
// Z18-Z19 integer sums (even and odd groups, two chains per chunk), Z3-Z6
// weights, Z7, Z15, Z20, Z21 scales, Z22 xs, Z25-Z31 and Z10 in the quads
// the block's activation bytes.

// QH sums groups 4h..4h+3 of the block at base into ev, od (xq at
// (SI)(AX*8)); QF adds the sums times the scales sc and xs (Z22) into acc.
#define QH(h, base, ev, od) \
	VMOVDQU64     (256*h)base, Z3; \
	VMOVDQU64     (256*h+64)base, Z4; \
	VMOVDQU64     (256*h+128)base, Z5; \
	VMOVDQU64     (256*h+192)base, Z6; \
	VPDPBUSD.BCST (16*h)(SI)(AX*8), Z3, ev; \
	VPDPBUSD.BCST (16*h+4)(SI)(AX*8), Z4, od; \
	VPDPBUSD.BCST (16*h+8)(SI)(AX*8), Z5, ev; \
	VPDPBUSD.BCST (16*h+12)(SI)(AX*8), Z6, od

// QR is QH with the activation bytes already broadcast, in x0-x3.
#define QR(h, base, ev, od, x0, x1, x2, x3) \
	VMOVDQU64 (256*h)base, Z3; \
	VMOVDQU64 (256*h+64)base, Z4; \
	VMOVDQU64 (256*h+128)base, Z5; \
	VMOVDQU64 (256*h+192)base, Z6; \
	VPDPBUSD  x0, Z3, ev; \
	VPDPBUSD  x1, Z4, od; \
	VPDPBUSD  x2, Z5, ev; \
	VPDPBUSD  x3, Z6, od

// QPF prefetches, with hint h, the 8 lines of a block d bytes ahead of
// the quad's block in each of its four chunks.
#define QPF1(h, d) \
	h d(R11); h d(R11)(BX*1); h d(R13); h d(R13)(BX*1)
#define QPF(h, d) \
	QPF1(h, d); QPF1(h, d+64); QPF1(h, d+128); QPF1(h, d+192); \
	QPF1(h, d+256); QPF1(h, d+320); QPF1(h, d+384); QPF1(h, d+448)

#define QF(ev, od, sc, acc) \
	VPADDD      od, ev, ev; \
	VCVTDQ2PS   ev, ev; \
	VMULPS      sc, ev, ev; \
	VFMADD231PS Z22, ev, acc

// func q8VNNI(y *float32, xq *int8, xs *float32, corr *int32, w *byte, s *uint16, kb, chunks, ld int)
TEXT ·q8VNNI(SB), NOSPLIT, $8-72
	MOVQ y+0(FP), DI
	MOVQ xq+8(FP), SI
	MOVQ xs+16(FP), R8
	MOVQ corr+24(FP), R9
	MOVQ w+32(FP), R14
	MOVQ s+40(FP), R15
	MOVQ kb+48(FP), R10
	SHLQ $2, R10
	MOVQ chunks+56(FP), CX
	SHRQ $2, CX
	JZ   left
	MOVQ CX, AX
	SHLQ $6, AX
	MOVQ AX, ys-8(SP)
	MOVQ ld+64(FP), BX
	IMULQ CX, BX
	MOVQ BX, DX
	SHLQ $9, BX
	SHLQ $5, DX

quad:
	MOVQ   R14, R11
	MOVQ   R15, R12
	VXORPS Z0, Z0, Z0
	VXORPS Z14, Z14, Z14
	VXORPS Z23, Z23, Z23
	VXORPS Z24, Z24, Z24
	XORQ   AX, AX

qblock:
	LEAQ         (R11)(BX*2), R13
	QPF(PREFETCHT0, 1024)
	QPF(PREFETCHT1, 3072)
	VPBROADCASTD (R9)(AX*1), Z1
	VMOVDQA64    Z1, Z8
	VMOVDQA64    Z1, Z16
	VMOVDQA64    Z1, Z18
	VPXORD       Z2, Z2, Z2
	VPXORD       Z9, Z9, Z9
	VPXORD       Z17, Z17, Z17
	VPXORD       Z19, Z19, Z19
	VPBROADCASTD (SI)(AX*8), Z25
	VPBROADCASTD 4(SI)(AX*8), Z26
	VPBROADCASTD 8(SI)(AX*8), Z27
	VPBROADCASTD 12(SI)(AX*8), Z28
	VPBROADCASTD 16(SI)(AX*8), Z29
	VPBROADCASTD 20(SI)(AX*8), Z30
	VPBROADCASTD 24(SI)(AX*8), Z31
	VPBROADCASTD 28(SI)(AX*8), Z10
	QR(0, (R11), Z1, Z2, Z25, Z26, Z27, Z28)
	QR(0, (R11)(BX*1), Z8, Z9, Z25, Z26, Z27, Z28)
	QR(0, (R13), Z16, Z17, Z25, Z26, Z27, Z28)
	QR(0, (R13)(BX*1), Z18, Z19, Z25, Z26, Z27, Z28)
	QR(1, (R11), Z1, Z2, Z29, Z30, Z31, Z10)
	QR(1, (R11)(BX*1), Z8, Z9, Z29, Z30, Z31, Z10)
	QR(1, (R13), Z16, Z17, Z29, Z30, Z31, Z10)
	QR(1, (R13)(BX*1), Z18, Z19, Z29, Z30, Z31, Z10)
	LEAQ         (R12)(DX*2), R13
	VCVTPH2PS    (R12), Z7
	VCVTPH2PS    (R12)(DX*1), Z15
	VCVTPH2PS    (R13), Z20
	VCVTPH2PS    (R13)(DX*1), Z21
	VBROADCASTSS (R8)(AX*1), Z22
	QF(Z1, Z2, Z7, Z0)
	QF(Z8, Z9, Z15, Z14)
	QF(Z16, Z17, Z20, Z23)
	QF(Z18, Z19, Z21, Z24)
	ADDQ         $512, R11
	ADDQ         $32, R12
	ADDQ         $4, AX
	CMPQ         AX, R10
	JNE          qblock

	MOVQ    ys-8(SP), R13
	LEAQ    (R13)(R13*2), AX
	VMOVUPS Z0, (DI)
	VMOVUPS Z14, (DI)(R13*1)
	VMOVUPS Z23, (DI)(R13*2)
	VMOVUPS Z24, (DI)(AX*1)
	ADDQ    $64, DI
	MOVQ    ld+64(FP), AX
	SHLQ    $9, AX
	ADDQ    AX, R14
	MOVQ    ld+64(FP), AX
	SHLQ    $5, AX
	ADDQ    AX, R15
	DECQ    CX
	JNZ     quad

	// Past the four quarters: chunks 4Q on.
	LEAQ    (BX)(BX*2), AX
	ADDQ    AX, R14
	LEAQ    (DX)(DX*2), AX
	ADDQ    AX, R15
	MOVQ    ys-8(SP), R13
	LEAQ    (R13)(R13*2), AX
	ADDQ    AX, DI

left:
	MOVQ chunks+56(FP), CX
	ANDQ $3, CX
	MOVQ ld+64(FP), BX
	MOVQ BX, DX
	SHLQ $9, BX
	SHLQ $5, DX

pair:
	CMPQ   CX, $2
	JL     single
	MOVQ   R14, R11
	MOVQ   R15, R12
	VXORPS Z0, Z0, Z0
	VXORPS Z14, Z14, Z14
	XORQ   AX, AX

pblock:
	VPBROADCASTD (R9)(AX*1), Z1
	VMOVDQA64    Z1, Z8
	VPXORD       Z2, Z2, Z2
	VPXORD       Z9, Z9, Z9
	QH(0, (R11), Z1, Z2)
	QH(0, (R11)(BX*1), Z8, Z9)
	QH(1, (R11), Z1, Z2)
	QH(1, (R11)(BX*1), Z8, Z9)
	VPADDD       Z2, Z1, Z1
	VPADDD       Z9, Z8, Z8
	VCVTDQ2PS    Z1, Z1
	VCVTDQ2PS    Z8, Z8
	VCVTPH2PS    (R12), Z7
	VCVTPH2PS    (R12)(DX*1), Z15
	VMULPS       Z7, Z1, Z1
	VMULPS       Z15, Z8, Z8
	VBROADCASTSS (R8)(AX*1), Z7
	VFMADD231PS  Z7, Z1, Z0
	VFMADD231PS  Z7, Z8, Z14
	ADDQ         $512, R11
	ADDQ         $32, R12
	ADDQ         $4, AX
	CMPQ         AX, R10
	JNE          pblock

	VMOVUPS Z0, (DI)
	VMOVUPS Z14, 64(DI)
	ADDQ    $128, DI
	LEAQ    (R14)(BX*2), R14
	LEAQ    (R15)(DX*2), R15
	SUBQ    $2, CX
	JMP     pair

single:
	TESTQ  CX, CX
	JZ     done
	MOVQ   R14, R11
	MOVQ   R15, R12
	VXORPS Z0, Z0, Z0
	XORQ   AX, AX

sblock:
	VPBROADCASTD (R9)(AX*1), Z1
	VPXORD       Z2, Z2, Z2
	QH(0, (R11), Z1, Z2)
	QH(1, (R11), Z1, Z2)
	VPADDD       Z2, Z1, Z1
	VCVTDQ2PS    Z1, Z1
	VCVTPH2PS    (R12), Z7
	VMULPS       Z7, Z1, Z1
	VFMADD231PS.BCST (R8)(AX*1), Z1, Z0
	ADDQ         $512, R11
	ADDQ         $32, R12
	ADDQ         $4, AX
	CMPQ         AX, R10
	JNE          sblock

	VMOVUPS Z0, (DI)
	ADDQ    $64, DI
	ADDQ    BX, R14
	ADDQ    DX, R15
	DECQ    CX
	JMP     single

done:
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

// TOKEN4 sums, for token t of four, the block's 8 groups of weights
// (Z3-Z10) times its activations into Z11+2t (even groups, starting from
// its corr) and Z12+2t (odd groups).
#define TOKEN4(t, ev, od) \
	VPBROADCASTD  (4*t)(R9)(AX*4), ev; \
	VPXORD        od, od, od; \
	VPDPBUSD.BCST (4*t)(R13), Z3, ev; \
	VPDPBUSD.BCST (16+4*t)(R13), Z4, od; \
	VPDPBUSD.BCST (32+4*t)(R13), Z5, ev; \
	VPDPBUSD.BCST (48+4*t)(R13), Z6, od; \
	VPDPBUSD.BCST (64+4*t)(R13), Z7, ev; \
	VPDPBUSD.BCST (80+4*t)(R13), Z8, od; \
	VPDPBUSD.BCST (96+4*t)(R13), Z9, ev; \
	VPDPBUSD.BCST (112+4*t)(R13), Z10, od

// FLOAT4 adds token t's integer sums times the scales (Z20) and its xs
// into its float sums acc.
#define FLOAT4(t, ev, od, acc) \
	VPADDD           od, ev, ev; \
	VCVTDQ2PS        ev, ev; \
	VMULPS           Z20, ev, ev; \
	VFMADD231PS.BCST (4*t)(R8)(AX*4), ev, acc

// q8VNNI4 is q8VNNI for four tokens at once (prefill), each block's
// weights loaded once for all four: y of token t at y + t·ldy bytes; the
// tokens' activations interleaved, xq4[(k/4)·16 + 4t + k%4], xs4[4b+t],
// corr4[4b+t]. One chunk at a time: the weights come from L2.
//
// Registers: DI y chunk of token 0, SI xq4, R8 xs4, R9 corr4, R10 kb·4,
// CX chunks left, R11 and R12 the block and its scales, R14 and R15 the
// chunk's first, BX and DX the bytes from one chunk's blocks and scales
// to the next's, AX 4·b, R13 the block's xq4 (then ldy); Z3-Z10 weights,
// Z11-Z18 integer sums, Z0-Z2 and Z19 float sums, Z20 scales.

// func q8VNNI4(y *float32, ldy int, xq4 *int8, xs4 *float32, corr4 *int32, w *byte, s *uint16, kb, chunks, ld int)
TEXT ·q8VNNI4(SB), NOSPLIT, $0-80
	MOVQ y+0(FP), DI
	MOVQ xq4+16(FP), SI
	MOVQ xs4+24(FP), R8
	MOVQ corr4+32(FP), R9
	MOVQ w+40(FP), R14
	MOVQ s+48(FP), R15
	MOVQ kb+56(FP), R10
	SHLQ $2, R10
	MOVQ chunks+64(FP), CX
	MOVQ ld+72(FP), BX
	MOVQ BX, DX
	SHLQ $9, BX
	SHLQ $5, DX

chunk4:
	TESTQ  CX, CX
	JZ     done4
	MOVQ   R14, R11
	MOVQ   R15, R12
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z19, Z19, Z19
	XORQ   AX, AX

block4:
	MOVQ      AX, R13
	SHLQ      $5, R13
	ADDQ      SI, R13
	VMOVDQU64 0(R11), Z3
	VMOVDQU64 64(R11), Z4
	VMOVDQU64 128(R11), Z5
	VMOVDQU64 192(R11), Z6
	VMOVDQU64 256(R11), Z7
	VMOVDQU64 320(R11), Z8
	VMOVDQU64 384(R11), Z9
	VMOVDQU64 448(R11), Z10
	TOKEN4(0, Z11, Z12)
	TOKEN4(1, Z13, Z14)
	TOKEN4(2, Z15, Z16)
	TOKEN4(3, Z17, Z18)
	VCVTPH2PS (R12), Z20
	FLOAT4(0, Z11, Z12, Z0)
	FLOAT4(1, Z13, Z14, Z1)
	FLOAT4(2, Z15, Z16, Z2)
	FLOAT4(3, Z17, Z18, Z19)
	ADDQ      $512, R11
	ADDQ      $32, R12
	ADDQ      $4, AX
	CMPQ      AX, R10
	JNE       block4

	MOVQ    ldy+8(FP), R13
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, (DI)(R13*1)
	VMOVUPS Z2, (DI)(R13*2)
	LEAQ    (R13)(R13*2), R13
	VMOVUPS Z19, (DI)(R13*1)
	ADDQ    $64, DI
	ADDQ    BX, R14
	ADDQ    DX, R15
	DECQ    CX
	JMP     chunk4

done4:
	VZEROUPPER
	RET
