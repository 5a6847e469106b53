//go:build amd64 && !purego

#include "textflag.h"

// Batch-1 Conv1D product y[j] += Σ_i x[i]·W[i, j] over W stored [in, out].
//
// The rows are cut into four equal stretches, and a pass takes a row from
// each: rows i, i+q, i+2q and i+3q (q = rows/4). A stretch of rows is one
// sequential stretch of memory, so one core reads four long sequential
// streams, which it reads faster than one, and faster than the 8 adjacent
// rows a pass took before (8 short streams that restarted at every pass,
// kept going by software prefetch 1 KiB ahead in each). y's 16-column
// chunks stay in L1.
//
// One core, matrices from memory (GPT-2 124M and 1.5B shapes, runs
// alternated in one process): F16 12-23% faster than the 8-row kernel,
// F32 0-10%. In the model, decode time per token on 2 threads (two series
// of runs): F16 -4 to -12%, F32 -3 to -10%, BF16 -1 to -11%; on 1 thread
// F16 -4 to -8%, F32 -4 to -5%; gpt2-xl F16 -3 to -6%.
//
// Every line of each stream is prefetched twice: into L1 1 KiB ahead and
// into L2 (PREFETCHT1) 3 KiB ahead. The product alone on 2 threads
// (matrices of GPT-2 124M and 1.5B shapes from memory, 40-100 alternations,
// medians against kernels.XorSum, the bench's yardstick) then reads at
// 0.93-0.98 of XorSum's rate for F16 against 0.80-0.90 with the L1
// prefetch alone, and F32 at 0.95-1.05 against 0.90-0.96 with none. Both
// are needed: the L2 prefetch alone (1-3 KiB) gained little or nothing,
// as did 2 KiB in L1 alone; a single line of each pair 3 KiB ahead
// lost 3-4%; PREFETCHNTA instead of T0 ran at 0.55-0.58 of XorSum. 2-6 KiB
// for the far prefetch, or T2 for T1, measured alike. (Before the far
// prefetch, F32 read faster with no prefetch at all, and 16-bit weights
// 6-11% faster with the 1 KiB one than with none.) A prefetch past the end
// of a stretch only fetches the next one's start, or nothing: it never
// faults.
//
// Registers: DI y, SI x[i], DX row i, CX passes left, BX ldw, R8
// 16-column chunks, R13 q·ldw and R14 3q·ldw (the other rows, from row i),
// R15 4q and R9 12q (their x, from x[i]), R10 y's chunk, R11 row i's
// chunk, R12 count, Z4-Z7 x[i], x[i+q], x[i+2q], x[i+3q].

#define PROLOGUE \
	MOVQ  y+0(FP), DI; \
	MOVQ  x+8(FP), SI; \
	MOVQ  w+16(FP), DX; \
	MOVQ  rows+24(FP), CX; \
	MOVQ  ldw+32(FP), BX; \
	MOVQ  n+40(FP), R8; \
	SHRQ  $4, R8; \
	JZ    done; \
	SHRQ  $2, CX; \
	JZ    done; \
	MOVQ  CX, R13; \
	IMULQ BX, R13; \
	LEAQ  (R13)(R13*2), R14; \
	LEAQ  (CX*4), R15; \
	LEAQ  (R15)(R15*2), R9

#define PASS \
	VBROADCASTSS (SI), Z4; \
	VBROADCASTSS (SI)(R15*1), Z5; \
	VBROADCASTSS (SI)(R15*2), Z6; \
	VBROADCASTSS (SI)(R9*1), Z7; \
	MOVQ         DI, R10; \
	MOVQ         DX, R11; \
	MOVQ         R8, R12

// CHUNK adds the four rows' 16 columns at byte d of row i's chunk (y's at
// yd) into y; L loads 16 weights into a Z register as floats.
#define CHUNK(L, d, yd) \
	L(d(R11), Z0); \
	L(d(R11)(R13*1), Z1); \
	L(d(R11)(R13*2), Z2); \
	L(d(R11)(R14*1), Z3); \
	VMULPS      Z0, Z4, Z0; \
	VMULPS      Z1, Z5, Z1; \
	VFMADD231PS Z2, Z6, Z0; \
	VFMADD231PS Z3, Z7, Z1; \
	VADDPS      yd(R10), Z0, Z0; \
	VADDPS      Z1, Z0, Z0; \
	VMOVUPS     Z0, yd(R10)

#define LOADF32(m, z) VMOVUPS m, z
#define LOADF16(m, z) VCVTPH2PS m, z
#define LOADBF16(m, z) VPMOVZXWD m, z; VPSLLD $16, z, z

// PREFETCH4 prefetches the line d bytes ahead of the step in each stream,
// with hint h (PREFETCHT0: into L1; PREFETCHT1: into L2).
#define PREFETCH4(h, d) \
	h d(R11); \
	h d(R11)(R13*1); \
	h d(R11)(R13*2); \
	h d(R11)(R14*1)

// gemvEdgeMask (also read by the AVX2 kernels) holds 16 zero lanes, 16
// set, 16 zero: its 16 lanes from 32-h on keep lanes 0..h-1, from t on
// lanes 16-t..15.
DATA ·gemvEdgeMask+0(SB)/8, $0
DATA ·gemvEdgeMask+8(SB)/8, $0
DATA ·gemvEdgeMask+16(SB)/8, $0
DATA ·gemvEdgeMask+24(SB)/8, $0
DATA ·gemvEdgeMask+32(SB)/8, $0
DATA ·gemvEdgeMask+40(SB)/8, $0
DATA ·gemvEdgeMask+48(SB)/8, $0
DATA ·gemvEdgeMask+56(SB)/8, $0
DATA ·gemvEdgeMask+64(SB)/8, $-1
DATA ·gemvEdgeMask+72(SB)/8, $-1
DATA ·gemvEdgeMask+80(SB)/8, $-1
DATA ·gemvEdgeMask+88(SB)/8, $-1
DATA ·gemvEdgeMask+96(SB)/8, $-1
DATA ·gemvEdgeMask+104(SB)/8, $-1
DATA ·gemvEdgeMask+112(SB)/8, $-1
DATA ·gemvEdgeMask+120(SB)/8, $-1
DATA ·gemvEdgeMask+128(SB)/8, $0
DATA ·gemvEdgeMask+136(SB)/8, $0
DATA ·gemvEdgeMask+144(SB)/8, $0
DATA ·gemvEdgeMask+152(SB)/8, $0
DATA ·gemvEdgeMask+160(SB)/8, $0
DATA ·gemvEdgeMask+168(SB)/8, $0
DATA ·gemvEdgeMask+176(SB)/8, $0
DATA ·gemvEdgeMask+184(SB)/8, $0
GLOBL ·gemvEdgeMask(SB), RODATA|NOPTR, $192

// EDGE adds the four rows' 16 columns at R11 (loaded unaligned) into y's
// 16 at R10, only in the lanes set in the mask at AX.
#define EDGE(L) \
	L((R11), Z0); \
	L((R11)(R13*1), Z1); \
	L((R11)(R13*2), Z2); \
	L((R11)(R14*1), Z3); \
	VMULPS      Z0, Z4, Z0; \
	VMULPS      Z1, Z5, Z1; \
	VFMADD231PS Z2, Z6, Z0; \
	VFMADD231PS Z3, Z7, Z1; \
	VADDPS      Z1, Z0, Z0; \
	VPANDD      (AX), Z0, Z0; \
	VADDPS      (R10), Z0, Z0; \
	VMOVUPS     Z0, (R10)

// HEAD adds columns -h..-1 (h = head, 0-15) of the pass's rows, counted
// from the first chunk, into y, from the 16 columns h before it (which
// the caller guarantees are in the rows).
#define HEAD(es, L) \
	MOVQ  head+48(FP), AX; \
	TESTQ AX, AX; \
	JZ    nohead; \
	NEGQ  AX; \
	LEAQ  (R11)(AX*es), R11; \
	LEAQ  (R10)(AX*4), R10; \
	LEAQ  ·gemvEdgeMask+128(SB), R12; \
	LEAQ  (R12)(AX*4), AX; \
	EDGE(L); \
	MOVQ  DI, R10; \
	MOVQ  DX, R11; \
	MOVQ  R8, R12; \
nohead:

// TAIL adds the t = tail (0-15) columns after the last chunk (R11, R10
// just past it) into y, from the 16 columns ending there.
#define TAIL(cb, es, L) \
	MOVQ  tail+56(FP), AX; \
	TESTQ AX, AX; \
	JZ    notail; \
	LEAQ  -cb(R11)(AX*es), R11; \
	LEAQ  -64(R10)(AX*4), R10; \
	LEAQ  ·gemvEdgeMask(SB), R12; \
	LEAQ  (R12)(AX*4), AX; \
	EDGE(L); \
notail:

// A step reads 2 lines of each stream (16-bit weights) or 4 (F32).
#define NEAR 1024
#define FAR 3072
#define PREFETCH16 \
	PREFETCH4(PREFETCHT0, NEAR); PREFETCH4(PREFETCHT0, NEAR+64); \
	PREFETCH4(PREFETCHT1, FAR); PREFETCH4(PREFETCHT1, FAR+64)
#define PREFETCH32 \
	PREFETCH16; \
	PREFETCH4(PREFETCHT0, NEAR+128); PREFETCH4(PREFETCHT0, NEAR+192); \
	PREFETCH4(PREFETCHT1, FAR+128); PREFETCH4(PREFETCHT1, FAR+192)

// GEMV is a float kernel whose 16-column chunks take cb bytes of a row; L
// loads them (es bytes each) and PF prefetches for a step of 4 chunks. A pass takes 1 and
// 2 chunks first, then 4 a step.
#define GEMV(cb, es, L, PF) \
	PROLOGUE; \
pass: \
	PASS; \
	HEAD(es, L) \
	TESTQ $1, R12; \
	JZ    two; \
	CHUNK(L, 0, 0); \
	ADDQ  $cb, R11; \
	ADDQ  $64, R10; \
two: \
	TESTQ $2, R12; \
	JZ    four; \
	CHUNK(L, 0, 0); \
	CHUNK(L, cb, 64); \
	ADDQ  $(2*cb), R11; \
	ADDQ  $128, R10; \
four: \
	SHRQ  $2, R12; \
	JZ    next; \
step: \
	PF; \
	CHUNK(L, 0, 0); \
	CHUNK(L, cb, 64); \
	CHUNK(L, 2*cb, 128); \
	CHUNK(L, 3*cb, 192); \
	ADDQ  $(4*cb), R11; \
	ADDQ  $256, R10; \
	DECQ  R12; \
	JNZ   step; \
next: \
	TAIL(cb, es, L) \
	ADDQ  $4, SI; \
	ADDQ  BX, DX; \
	DECQ  CX; \
	JNZ   pass; \
done: \
	VZEROUPPER; \
	RET

// func gemvF32AVX512(y, x *float32, w unsafe.Pointer, rows, ldw, n, head, tail int)
TEXT ·gemvF32AVX512(SB), NOSPLIT, $0-64
	GEMV(64, 4, LOADF32, PREFETCH32)

// func gemvF16AVX512(y, x *float32, w unsafe.Pointer, rows, ldw, n, head, tail int)
TEXT ·gemvF16AVX512(SB), NOSPLIT, $0-64
	GEMV(32, 2, LOADF16, PREFETCH16)

// func gemvBF16AVX512(y, x *float32, w unsafe.Pointer, rows, ldw, n, head, tail int)
TEXT ·gemvBF16AVX512(SB), NOSPLIT, $0-64
	GEMV(32, 2, LOADBF16, PREFETCH16)
