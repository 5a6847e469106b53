//go:build amd64 && !purego

#include "textflag.h"

// Batch-1 Conv1D product y[j] += Σ_i x[i]·W[i, j] over W stored [in, out].
// The float kernels take 8 rows of W per pass (8 streams) and update the
// 16-column chunks of y, which stay in L1; a last pass of 4 rows takes
// rows%8 == 4. Eight rows per pass streamed 10-20% faster from DRAM than
// four (fewer passes over y, more loads in flight per step).
//
// The steps are software-pipelined: a step's 8 row chunks are loaded (into
// Z12-Z19 or Z20-Z27 by turns; 16-bit weights as raw halves in the Y
// registers) one step before they are widened in place and summed, so the
// arithmetic does not wait on its loads and more loads stay in flight. A
// pass of an odd number of steps takes its first step plainly; the last
// pair of steps loads nothing ahead, so no load passes the end of a row.
//
// Every pair of steps prefetches one line of each of 8 rows (2-3x from
// DRAM over the hardware prefetcher alone, which restarts at every row):
// every line for 16-bit weights, every other one for F32.
//
// F32 (PREFETCHPASS) prefetches a whole pass ahead: the same columns of
// the next pass's rows. 16-bit weights (PREFETCHAHEAD) prefetch 1 KiB
// ahead in the pass's own rows and, once that passes their ends, 1 KiB
// into the next pass's rows. A whole pass ahead, GPT-2's c_attn and c_fc
// in F16 (rows of 4.5 and 6 KiB) streamed at ~80% of the rate of its
// short-row products, as if the lines fetched a pass early had left L1
// before they were read; 1 KiB ahead they stream alike. Decode time per
// token, alternating the two by token in one process: F16 -8% on 1 and 2
// threads, BF16 -7%, when the VM read at 50+ GB/s; ~2% when it read at
// ~35. 512 B and 2 KiB ahead were slower than 1 KiB; F32 1 KiB or 4 KiB
// ahead was 3% slower than a pass ahead on 2 threads.
//
// Against the kernels before (no pipelining, F32 multiplying straight from
// memory and prefetching every line), alternating every token in one
// process, GPT-2 124M shapes: decode time per token on 2 threads F32 -5%,
// F16 -5%, BF16 -2%; on 1 thread F32 -3%, F16 -5%; gpt2-xl F16 -3.5%.
// F32 prefetching every line was no faster than not prefetching at all;
// every other line is. Slower by 1-20%: 16 rows per pass; prefetching two
// passes ahead, into L2 only, or every other line of 16-bit weights; no
// prefetch for 16-bit weights. (BF16 widened as if it were F16, one
// instruction, was no faster: the widening is not what limits it.)
//
// Registers: DI y, SI x (advances 8 per pass), DX row i of W, CX passes
// left, AX PREFETCHAHEAD's step to the next pass, BX ldw, R9 3·ldw, R8
// 16-column chunks, R10 y chunk, R11 W chunk of row i, R14 of row i+4,
// R13 and R15 the prefetch's rows, R12 count, Z4-Z11 x[i..i+7]
// broadcast, Z12-Z27 W chunks.

#define PROLOGUE8 \
	MOVQ y+0(FP), DI; \
	MOVQ x+8(FP), SI; \
	MOVQ w+16(FP), DX; \
	MOVQ rows+24(FP), CX; \
	MOVQ ldw+32(FP), BX; \
	MOVQ n+40(FP), R8; \
	SHRQ $4, R8; \
	JZ   done; \
	LEAQ (BX)(BX*2), R9; \
	SHRQ $3, CX; \
	JZ   tail4

#define PASS8 \
	VBROADCASTSS 0(SI), Z4; \
	VBROADCASTSS 4(SI), Z5; \
	VBROADCASTSS 8(SI), Z6; \
	VBROADCASTSS 12(SI), Z7; \
	VBROADCASTSS 16(SI), Z8; \
	VBROADCASTSS 20(SI), Z9; \
	VBROADCASTSS 24(SI), Z10; \
	VBROADCASTSS 28(SI), Z11; \
	MOVQ         DI, R10; \
	MOVQ         DX, R11; \
	MOVQ         R8, R12

// PREFETCHROWS prefetches the lines at R13 and R15 in 4 rows from each.
#define PREFETCHROWS \
	PREFETCHT0 (R13); \
	PREFETCHT0 (R13)(BX*1); \
	PREFETCHT0 (R13)(BX*2); \
	PREFETCHT0 (R13)(R9*1); \
	PREFETCHT0 (R15); \
	PREFETCHT0 (R15)(BX*1); \
	PREFETCHT0 (R15)(BX*2); \
	PREFETCHT0 (R15)(R9*1)

// AHEADINIT sets AX, for PREFETCHAHEAD, to the distance from D bytes past
// the end of a row (at this call's last column) to D bytes into the row 8
// below: 8·ldw - max(n·es, D). (Rows shorter than D are prefetched a whole
// pass ahead: R11 + D + AX is then R11 + 8·ldw.)
#define AHEADINIT(cb, D) \
	MOVQ    R8, AX; \
	IMULQ   $cb, AX; \
	MOVQ    $D, R13; \
	CMPQ    AX, R13; \
	CMOVQLT R13, AX; \
	NEGQ    AX; \
	LEAQ    (AX)(BX*8), AX

// PREFETCHAHEAD prefetches the lines D bytes ahead of the current step in
// rows i..i+7 or, once the pair's last step is within D bytes of their
// ends (R12 steps follow the pair), D bytes ahead in rows i+8..i+15.
#define PREFETCHAHEAD(cb, D) \
	LEAQ       D(R11), R13; \
	LEAQ       D(R11)(AX*1), R15; \
	CMPQ       R12, $(D/cb-2); \
	CMOVQLE    R15, R13; \
	LEAQ       (R13)(BX*4), R15; \
	PREFETCHROWS

// PREFETCHPASS prefetches the current columns of rows i+8..i+15; it needs
// no setup (NOINIT).
#define NOINIT
#define PREFETCHPASS \
	LEAQ       (R11)(BX*4), R14; \
	LEAQ       (R14)(BX*4), R13; \
	LEAQ       (R13)(BX*4), R15; \
	PREFETCHROWS

#define NEXTPASS8 \
	ADDQ $32, SI; \
	LEAQ (DX)(BX*8), DX; \
	DECQ CX

// TAIL4 starts the last pass, of 4 rows, if rows%8 == 4.
#define TAIL4 \
	MOVQ         rows+24(FP), R12; \
	TESTQ        $4, R12; \
	JZ           done; \
	VBROADCASTSS 0(SI), Z4; \
	VBROADCASTSS 4(SI), Z5; \
	VBROADCASTSS 8(SI), Z6; \
	VBROADCASTSS 12(SI), Z7; \
	MOVQ         DI, R10; \
	MOVQ         DX, R11; \
	MOVQ         R8, R12

// SUM4 adds the four row products in Z12-Z15 into y's chunk.
#define SUM4 \
	VMULPS      Z12, Z4, Z0; \
	VMULPS      Z14, Z6, Z1; \
	VFMADD231PS Z13, Z5, Z0; \
	VFMADD231PS Z15, Z7, Z1; \
	VADDPS      (R10), Z0, Z0; \
	VADDPS      Z1, Z0, Z0; \
	VMOVUPS     Z0, (R10)

// LOAD8 loads the chunks at byte offset d of rows i..i+7 into r0-r7.
#define LOAD8(d, r0, r1, r2, r3, r4, r5, r6, r7) \
	VMOVDQU32 d(R11), r0; \
	VMOVDQU32 d(R11)(BX*1), r1; \
	VMOVDQU32 d(R11)(BX*2), r2; \
	VMOVDQU32 d(R11)(R9*1), r3; \
	VMOVDQU32 d(R14), r4; \
	VMOVDQU32 d(R14)(BX*1), r5; \
	VMOVDQU32 d(R14)(BX*2), r6; \
	VMOVDQU32 d(R14)(R9*1), r7

// LOAD4 loads the chunks of rows i..i+3 into r0-r3.
#define LOAD4(r0, r1, r2, r3) \
	VMOVDQU32 (R11), r0; \
	VMOVDQU32 (R11)(BX*1), r1; \
	VMOVDQU32 (R11)(BX*2), r2; \
	VMOVDQU32 (R11)(R9*1), r3

// The two register sets: A is Z20-Z27, B is Z12-Z19; a 16-bit chunk is
// loaded into the lower half (Y) and widened in place.
#define LOADA32(d) LOAD8(d, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27)
#define LOADB32(d) LOAD8(d, Z12, Z13, Z14, Z15, Z16, Z17, Z18, Z19)
#define LOAD4F32 LOAD4(Z12, Z13, Z14, Z15)
#define LOADA16(d) LOAD8(d, Y20, Y21, Y22, Y23, Y24, Y25, Y26, Y27)
#define LOADB16(d) LOAD8(d, Y12, Y13, Y14, Y15, Y16, Y17, Y18, Y19)
#define LOAD4F16 LOAD4(Y12, Y13, Y14, Y15)

// WIDENF32, WIDENF16 and WIDENBF16 turn the chunk loaded into y (the
// lower half of z for 16-bit weights) into 16 floats in z.
#define WIDENF32(y, z)
#define WIDENF16(y, z) VCVTPH2PS y, z
#define WIDENBF16(y, z) VPMOVZXWD y, z; VPSLLD $16, z, z

#define WIDENA(W) W(Y20, Z20); W(Y21, Z21); W(Y22, Z22); W(Y23, Z23); W(Y24, Z24); W(Y25, Z25); W(Y26, Z26); W(Y27, Z27)
#define WIDENB(W) W(Y12, Z12); W(Y13, Z13); W(Y14, Z14); W(Y15, Z15); W(Y16, Z16); W(Y17, Z17); W(Y18, Z18); W(Y19, Z19)
#define WIDEN4(W) W(Y12, Z12); W(Y13, Z13); W(Y14, Z14); W(Y15, Z15)

// SUM8 adds the eight row products of w0-w7 into y's chunk at d(R10).
#define SUM8(d, w0, w1, w2, w3, w4, w5, w6, w7) \
	VMULPS      w0, Z4, Z0; \
	VMULPS      w1, Z5, Z1; \
	VMULPS      w2, Z6, Z2; \
	VMULPS      w3, Z7, Z3; \
	VFMADD231PS w4, Z8, Z0; \
	VFMADD231PS w5, Z9, Z1; \
	VFMADD231PS w6, Z10, Z2; \
	VFMADD231PS w7, Z11, Z3; \
	VADDPS      Z1, Z0, Z0; \
	VADDPS      Z3, Z2, Z2; \
	VADDPS      d(R10), Z0, Z0; \
	VADDPS      Z2, Z0, Z0; \
	VMOVUPS     Z0, d(R10)

#define SUMA(d) SUM8(d, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27)
#define SUMB(d) SUM8(d, Z12, Z13, Z14, Z15, Z16, Z17, Z18, Z19)

// GEMV is a float kernel whose 16-column chunks take cb bytes of a row:
// LA, LB and L4 load them, W widens them; PFINIT and PF set up and issue
// the prefetches.
#define GEMV(cb, LA, LB, L4, W, PFINIT, PF) \
	PROLOGUE8; \
	PFINIT; \
pass: \
	PASS8; \
	LEAQ  (R11)(BX*4), R14; \
	TESTQ $1, R12; \
	JZ    even; \
	LA(0); \
	WIDENA(W); \
	SUMA(0); \
	ADDQ  $64, R10; \
	ADDQ  $cb, R11; \
	LEAQ  (R11)(BX*4), R14; \
	DECQ  R12; \
	JZ    endpass; \
even: \
	LA(0); \
	SUBQ  $2, R12; \
	JZ    last2; \
pair: \
	LB(cb); \
	WIDENA(W); \
	SUMA(0); \
	PF; \
	LA(2*cb); \
	WIDENB(W); \
	SUMB(64); \
	ADDQ  $128, R10; \
	ADDQ  $(2*cb), R11; \
	LEAQ  (R11)(BX*4), R14; \
	SUBQ  $2, R12; \
	JNZ   pair; \
last2: \
	LB(cb); \
	WIDENA(W); \
	SUMA(0); \
	PF; \
	WIDENB(W); \
	SUMB(64); \
	ADDQ  $128, R10; \
	ADDQ  $(2*cb), R11; \
endpass: \
	NEXTPASS8; \
	JNZ   pass; \
tail4: \
	TAIL4; \
chunk4: \
	L4; \
	WIDEN4(W); \
	SUM4; \
	ADDQ  $64, R10; \
	ADDQ  $cb, R11; \
	DECQ  R12; \
	JNZ   chunk4; \
done: \
	VZEROUPPER; \
	RET

// func gemvF32AVX512(y, x *float32, w unsafe.Pointer, rows, ldw, n int)
TEXT ·gemvF32AVX512(SB), NOSPLIT, $0-48
	GEMV(64, LOADA32, LOADB32, LOAD4F32, WIDENF32, NOINIT, PREFETCHPASS)

// func gemvF16AVX512(y, x *float32, w unsafe.Pointer, rows, ldw, n int)
TEXT ·gemvF16AVX512(SB), NOSPLIT, $0-48
	GEMV(32, LOADA16, LOADB16, LOAD4F16, WIDENF16, AHEADINIT(32, 1024), PREFETCHAHEAD(32, 1024))

// func gemvBF16AVX512(y, x *float32, w unsafe.Pointer, rows, ldw, n int)
TEXT ·gemvBF16AVX512(SB), NOSPLIT, $0-48
	GEMV(32, LOADA16, LOADB16, LOAD4F16, WIDENBF16, AHEADINIT(32, 1024), PREFETCHAHEAD(32, 1024))

