//go:build amd64 && !purego

#include "textflag.h"

// Four dot products y[r] = Σ_j W[r, j]·x[j], r < 4: the unembedding rows.
//
// The rowdots take the 4 rows one after another: 4 consecutive rows
// of W are one contiguous stretch of memory, so this reads it in order.
// (Interleaving the 4 rows as 4 streams, x loaded once for all, streamed
// ~20% slower from DRAM.)
//
// The float kernels take any n and any alignment: a row's first chunk is
// loaded from the aligned address below it under a mask (masked-off lanes
// are not read, of W or of x), so every other load lies within one cache
// line, and the last chunk is masked too. Loads across lines (a checkpoint's
// tensors sit at any offset) read the F32 head 25% slower, and handling
// the ends in separate calls cost as much. They take 64 elements per step
// into four accumulators and leave the stream to the hardware prefetcher:
// prefetching 4 KiB ahead made the F32 head 10-14% slower on 1 and 2
// threads, in 2 MiB and in 4 KiB pages alike.
//
// Registers: DI y, SI x chunk, DX row r of W, R11 W chunk, BX ldw,
// R8 rows left, R9 elements left, CX shift counts, R12-R13 masks,
// Z0-Z3 accumulators.

#define SEQPROLOGUE \
	MOVQ y+0(FP), DI; \
	MOVQ w+16(FP), DX; \
	MOVQ ldw+24(FP), BX; \
	MOVQ $4, R8

// SEQNEXT stores row r's sum at y[r] and moves to row r+1.
#define SEQNEXT \
	VADDPS        Z1, Z0, Z0; \
	VEXTRACTF64X4 $1, Z0, Y1; \
	VADDPS        Y1, Y0, Y0; \
	VEXTRACTF128  $1, Y0, X1; \
	VADDPS        X1, X0, X0; \
	VHADDPS       X0, X0, X0; \
	VHADDPS       X0, X0, X0; \
	VMOVSS        X0, (DI); \
	ADDQ          $4, DI; \
	ADDQ          BX, DX; \
	DECQ          R8

// HEADMASK sets up a row's first chunk when W (R11) is not aligned to the
// chunk: it moves R11 and x (SI) back to the aligned chunk and leaves in
// R13 the mask of the lanes that belong to the row (and to its n
// elements, R9) and in CX their end within the chunk plus what follows,
// then goes on at head; if W is aligned (or not even element-aligned) it
// goes to skip, the main loop, instead.
#define HEADMASK(cb, es, skip, head) \
	MOVQ   R11, CX; \
	ANDQ   $(cb-1), CX; \
	TESTQ  $((1<<es)-1), CX; \
	JNZ    skip; \
	SHRQ   $es, CX; \
	JZ     skip; \
	MOVQ   CX, R12; \
	SHLQ   $es, R12; \
	SUBQ   R12, R11; \
	MOVQ   CX, R12; \
	SHLQ   $2, R12; \
	SUBQ   R12, SI; \
	MOVQ   $-1, R13; \
	SHLQ   CX, R13; \
	ADDQ   R9, CX; \
	CMPQ   CX, $16; \
	JGE    head; \
	MOVQ   $1, R12; \
	SHLQ   CX, R12; \
	DECQ   R12; \
	ANDQ   R12, R13

// ROWDOT is a float kernel. Its 16-element chunks of W take cb bytes
// (64 or 32, shift es = 2 or 1 from elements to bytes); WIDEN(off, z)
// loads the chunk at off(R11) into z as floats, MWIDEN(k, z) the lanes of
// the chunk at (R11) under mask k, zeroing the rest.
#define ROWDOT(cb, es, WIDEN, MWIDEN) \
	SEQPROLOGUE; \
row: \
	MOVQ   x+8(FP), SI; \
	MOVQ   n+32(FP), R9; \
	MOVQ   DX, R11; \
	VXORPS Z0, Z0, Z0; \
	VXORPS Z1, Z1, Z1; \
	VXORPS Z2, Z2, Z2; \
	VXORPS Z3, Z3, Z3; \
	HEADMASK(cb, es, loop64, head); \
head: \
	KMOVW       R13, K1; \
	MWIDEN(K1, Z12); \
	VMOVUPS.Z   (SI), K1, Z13; \
	VFMADD231PS Z13, Z12, Z0; \
	LEAQ        -16(CX), R9; \
	ADDQ        $cb, R11; \
	ADDQ        $64, SI; \
	TESTQ       R9, R9; \
	JGE         loop64; \
	XORQ        R9, R9; \
loop64: \
	CMPQ        R9, $64; \
	JL          loop16; \
	WIDEN(0, Z12); \
	WIDEN(cb, Z13); \
	WIDEN(2*cb, Z14); \
	WIDEN(3*cb, Z15); \
	VFMADD231PS (SI), Z12, Z0; \
	VFMADD231PS 64(SI), Z13, Z1; \
	VFMADD231PS 128(SI), Z14, Z2; \
	VFMADD231PS 192(SI), Z15, Z3; \
	ADDQ        $256, SI; \
	ADDQ        $(4*cb), R11; \
	SUBQ        $64, R9; \
	JMP         loop64; \
loop16: \
	CMPQ        R9, $16; \
	JL          tail; \
	WIDEN(0, Z12); \
	VFMADD231PS (SI), Z12, Z0; \
	ADDQ        $64, SI; \
	ADDQ        $cb, R11; \
	SUBQ        $16, R9; \
	JMP         loop16; \
tail: \
	TESTQ       R9, R9; \
	JZ          next; \
	MOVQ        R9, CX; \
	MOVQ        $1, R12; \
	SHLQ        CX, R12; \
	DECQ        R12; \
	KMOVW       R12, K2; \
	MWIDEN(K2, Z12); \
	VMOVUPS.Z   (SI), K2, Z13; \
	VFMADD231PS Z13, Z12, Z1; \
next: \
	VADDPS      Z3, Z2, Z2; \
	VADDPS      Z2, Z1, Z1; \
	SEQNEXT; \
	JNZ         row; \
	VZEROUPPER; \
	RET

#define WIDENF32(off, z) VMOVUPS off(R11), z
#define MWIDENF32(k, z) VMOVUPS.Z (R11), k, z
#define WIDENF16(off, z) VCVTPH2PS off(R11), z
#define MWIDENF16(k, z) VCVTPH2PS.Z (R11), k, z
#define WIDENBF16(off, z) VPMOVZXWD off(R11), z; VPSLLD $16, z, z
#define MWIDENBF16(k, z) VPMOVZXWD.Z (R11), k, z; VPSLLD $16, z, z

// func rowdotF32AVX512(y, x *float32, w unsafe.Pointer, ldw, n int)
TEXT ·rowdotF32AVX512(SB), NOSPLIT, $0-40
	ROWDOT(64, 2, WIDENF32, MWIDENF32)

// func rowdotF16AVX512(y, x *float32, w unsafe.Pointer, ldw, n int)
TEXT ·rowdotF16AVX512(SB), NOSPLIT, $0-40
	ROWDOT(32, 1, WIDENF16, MWIDENF16)

// func rowdotBF16AVX512(y, x *float32, w unsafe.Pointer, ldw, n int)
TEXT ·rowdotBF16AVX512(SB), NOSPLIT, $0-40
	ROWDOT(32, 1, WIDENBF16, MWIDENBF16)


// ROWDOT4 is ROWDOT for four rows BX bytes apart read side by side, four
// streams, each chunk of x loaded once for the four (the rows start at the
// same offset within a chunk: BX is a multiple of cb). Each row's sum is
// taken exactly as ROWDOT takes it (the same chunks into the same four
// accumulators, added up in the same order), so the logits are the same
// bit for bit whichever kernel computed them. Far apart, as decode's
// unembedding hands them in (a row from each quarter of a worker's rows),
// four streams read faster than one: a token took 3.3-5.2% less time with
// F32 weights on 1 thread (4-5% on 2), 5.8% (2-4%) with F16, alternating
// token by token in one process; BF16 gained 4-11% (1-5%) with a first
// version of this kernel. (Four adjacent rows side by side read ~20%
// slower than one after another, see above.)
//
// PF issues the prefetches of a step of 4 chunks, as the decode products
// do (gemv_avx512_amd64.s): every line of each stream into L1 1 KiB ahead
// and into L2 3 KiB ahead (the next rows of a stream follow its row in
// memory). The unembedding alone on 2 threads (rows of 768 and 1600, 40
// alternations, medians against kernels.XorSum): F16 0.95-0.99 of XorSum's
// rate against 0.90-0.96 with the L1 prefetch alone; F32 0.80-0.86
// against 0.72-0.80 with none, and 2-6 KiB ahead, or T2, measured alike.
// (The L1 prefetch alone had made a token 2-3.4% faster with F16 weights
// on 2 threads, 2-9% with BF16, and F32 0-3% slower.)
//
// Registers: DI y, SI x chunk, R11 W chunk of row 0, R10 of row 2, BX the
// bytes between rows, R9 elements left, CX shift counts, R12-R13 masks;
// row r's accumulators Z(4r)-Z(4r+3), x chunks Z16-Z19, weights Z20-Z23.

// STEP4 adds chunks 0-3 of the row at base times x (Z16-Z19) into a0-a3.
#define STEP4(cb, W4, base, a0, a1, a2, a3) \
	W4((0)base, Z20); \
	W4((cb)base, Z21); \
	W4((2*cb)base, Z22); \
	W4((3*cb)base, Z23); \
	VFMADD231PS Z16, Z20, a0; \
	VFMADD231PS Z17, Z21, a1; \
	VFMADD231PS Z18, Z22, a2; \
	VFMADD231PS Z19, Z23, a3

// ONE4 adds one chunk of the row at base, under mask k if MW4, times x
// (Z16) into a.
#define ONE4(W4, base, a) \
	W4(base, Z20); \
	VFMADD231PS Z16, Z20, a

#define MONE4(MW4, k, base, a) \
	MW4(k, base, Z20); \
	VFMADD231PS Z16, Z20, a

// SUM4 adds up row r's accumulators as SEQNEXT does (y0, x0 and y1, x1
// the lower halves of a0 and a1) and stores y[r].
#define SUM4(a0, a1, a2, a3, y0, x0, y1, x1, off) \
	VADDPS        a3, a2, a2; \
	VADDPS        a2, a1, a1; \
	VADDPS        a1, a0, a0; \
	VEXTRACTF64X4 $1, a0, y1; \
	VADDPS        y1, y0, y0; \
	VEXTRACTF128  $1, y0, x1; \
	VADDPS        x1, x0, x0; \
	VHADDPS       x0, x0, x0; \
	VHADDPS       x0, x0, x0; \
	VMOVSS        x0, off(DI)

#define NOPF4

// PF1R prefetches, with hint h, the line d bytes ahead in each of the
// four rows.
#define PF1R(h, d) \
	h d(R11); \
	h d(R11)(BX*1); \
	h d(R10); \
	h d(R10)(BX*1)

// PF16 and PF32 prefetch a step's lines of each row (2 of 16-bit weights,
// 4 of F32) into L1 1 KiB ahead and into L2 3 KiB ahead.
#define PF16 \
	PF1R(PREFETCHT0, 1024); PF1R(PREFETCHT0, 1088); \
	PF1R(PREFETCHT1, 3072); PF1R(PREFETCHT1, 3136)
#define PF32 \
	PF16; \
	PF1R(PREFETCHT0, 1152); PF1R(PREFETCHT0, 1216); \
	PF1R(PREFETCHT1, 3200); PF1R(PREFETCHT1, 3264)

#define ROWDOT4(cb, es, W4, MW4, PF) \
	MOVQ   y+0(FP), DI; \
	MOVQ   x+8(FP), SI; \
	MOVQ   w+16(FP), R11; \
	MOVQ   ldw+24(FP), BX; \
	MOVQ   n+32(FP), R9; \
	VXORPS Z0, Z0, Z0; \
	VXORPS Z1, Z1, Z1; \
	VXORPS Z2, Z2, Z2; \
	VXORPS Z3, Z3, Z3; \
	VXORPS Z4, Z4, Z4; \
	VXORPS Z5, Z5, Z5; \
	VXORPS Z6, Z6, Z6; \
	VXORPS Z7, Z7, Z7; \
	VXORPS Z8, Z8, Z8; \
	VXORPS Z9, Z9, Z9; \
	VXORPS Z10, Z10, Z10; \
	VXORPS Z11, Z11, Z11; \
	VXORPS Z12, Z12, Z12; \
	VXORPS Z13, Z13, Z13; \
	VXORPS Z14, Z14, Z14; \
	VXORPS Z15, Z15, Z15; \
	HEADMASK(cb, es, loop4, head4); \
head4: \
	KMOVW     R13, K1; \
	LEAQ      (R11)(BX*2), R10; \
	VMOVUPS.Z (SI), K1, Z16; \
	MONE4(MW4, K1, (R11), Z0); \
	MONE4(MW4, K1, (R11)(BX*1), Z4); \
	MONE4(MW4, K1, (R10), Z8); \
	MONE4(MW4, K1, (R10)(BX*1), Z12); \
	LEAQ      -16(CX), R9; \
	ADDQ      $cb, R11; \
	ADDQ      $64, SI; \
	TESTQ     R9, R9; \
	JGE       loop4; \
	XORQ      R9, R9; \
loop4: \
	CMPQ    R9, $64; \
	JL      one4; \
	LEAQ    (R11)(BX*2), R10; \
	PF; \
	VMOVUPS (SI), Z16; \
	VMOVUPS 64(SI), Z17; \
	VMOVUPS 128(SI), Z18; \
	VMOVUPS 192(SI), Z19; \
	STEP4(cb, W4, (R11), Z0, Z1, Z2, Z3); \
	STEP4(cb, W4, (R11)(BX*1), Z4, Z5, Z6, Z7); \
	STEP4(cb, W4, (R10), Z8, Z9, Z10, Z11); \
	STEP4(cb, W4, (R10)(BX*1), Z12, Z13, Z14, Z15); \
	ADDQ    $256, SI; \
	ADDQ    $(4*cb), R11; \
	SUBQ    $64, R9; \
	JMP     loop4; \
one4: \
	CMPQ    R9, $16; \
	JL      tail4; \
	LEAQ    (R11)(BX*2), R10; \
	VMOVUPS (SI), Z16; \
	ONE4(W4, (R11), Z0); \
	ONE4(W4, (R11)(BX*1), Z4); \
	ONE4(W4, (R10), Z8); \
	ONE4(W4, (R10)(BX*1), Z12); \
	ADDQ    $64, SI; \
	ADDQ    $cb, R11; \
	SUBQ    $16, R9; \
	JMP     one4; \
tail4: \
	TESTQ     R9, R9; \
	JZ        sum4; \
	MOVQ      R9, CX; \
	MOVQ      $1, R12; \
	SHLQ      CX, R12; \
	DECQ      R12; \
	KMOVW     R12, K2; \
	LEAQ      (R11)(BX*2), R10; \
	VMOVUPS.Z (SI), K2, Z16; \
	MONE4(MW4, K2, (R11), Z1); \
	MONE4(MW4, K2, (R11)(BX*1), Z5); \
	MONE4(MW4, K2, (R10), Z9); \
	MONE4(MW4, K2, (R10)(BX*1), Z13); \
sum4: \
	SUM4(Z0, Z1, Z2, Z3, Y0, X0, Y1, X1, 0); \
	SUM4(Z4, Z5, Z6, Z7, Y4, X4, Y5, X5, 4); \
	SUM4(Z8, Z9, Z10, Z11, Y8, X8, Y9, X9, 8); \
	SUM4(Z12, Z13, Z14, Z15, Y12, X12, Y13, X13, 12); \
	VZEROUPPER; \
	RET

#define W4F32(m, z) VMOVUPS m, z
#define MW4F32(k, m, z) VMOVUPS.Z m, k, z
#define W4F16(m, z) VCVTPH2PS m, z
#define MW4F16(k, m, z) VCVTPH2PS.Z m, k, z
#define W4BF16(m, z) VPMOVZXWD m, z; VPSLLD $16, z, z
#define MW4BF16(k, m, z) VPMOVZXWD.Z m, k, z; VPSLLD $16, z, z

// func rowdot4F32AVX512(y, x *float32, w unsafe.Pointer, ldw, n int)
TEXT ·rowdot4F32AVX512(SB), NOSPLIT, $0-40
	ROWDOT4(64, 2, W4F32, MW4F32, PF32)

// func rowdot4F16AVX512(y, x *float32, w unsafe.Pointer, ldw, n int)
TEXT ·rowdot4F16AVX512(SB), NOSPLIT, $0-40
	ROWDOT4(32, 1, W4F16, MW4F16, PF16)

// func rowdot4BF16AVX512(y, x *float32, w unsafe.Pointer, ldw, n int)
TEXT ·rowdot4BF16AVX512(SB), NOSPLIT, $0-40
	ROWDOT4(32, 1, W4BF16, MW4BF16, PF16)
