//go:build amd64 && !purego

#include "textflag.h"

// Batch-1 Conv1D product y[j] += Σ_i x[i]·W[i, j] for Q8 weights, 4 rows
// of W per pass, 16 columns (two ymm) of y per step; see
// gemv_avx512_amd64.s for the scheme. The float kernels are in
// gemv_float_avx2_amd64.s.
//
// Every step prefetches the same columns of the next pass's 4 rows, so
// each new row stream is in cache before the pass reaches it (2-3x from
// DRAM over the hardware prefetcher alone, which restarts at every row).
//
// Registers: DI y, SI x, DX row i of W, CX passes left, BX ldw, R9 3·ldw,
// R8 16-column chunks, R10 y chunk, R11 W chunk, R12 count, Y4-Y7 x[i..i+3].

#define PROLOGUE \
	MOVQ y+0(FP), DI; \
	MOVQ x+8(FP), SI; \
	MOVQ w+16(FP), DX; \
	MOVQ rows+32(FP), CX; \
	MOVQ ldw+40(FP), BX; \
	MOVQ n+48(FP), R8; \
	SHRQ $4, R8; \
	JZ   done; \
	SHRQ $2, CX; \
	JZ   done; \
	LEAQ (BX)(BX*2), R9

#define PASS \
	VBROADCASTSS 0(SI), Y4; \
	VBROADCASTSS 4(SI), Y5; \
	VBROADCASTSS 8(SI), Y6; \
	VBROADCASTSS 12(SI), Y7; \
	MOVQ         DI, R10; \
	MOVQ         DX, R11; \
	MOVQ         R8, R12

#define NEXTPASS \
	ADDQ $16, SI; \
	LEAQ (DX)(BX*4), DX; \
	DECQ CX

// QROW adds row r's 16 dequantised columns times x[r] into Y0, Y1.
#define QROW(q0, q1, sc, xr) \
	VBROADCASTSS sc, Y2; \
	VMULPS       Y2, xr, Y2; \
	VPMOVSXBD    q0, Y8; \
	VPMOVSXBD    q1, Y9; \
	VCVTDQ2PS    Y8, Y8; \
	VCVTDQ2PS    Y9, Y9; \
	VFMADD231PS  Y8, Y2, Y0; \
	VFMADD231PS  Y9, Y2, Y1

// func gemvQ8AVX2(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)
//
// A pass's 4 rows are the first or the second half of a group of 8 whose
// scales lie side by side (see Mat.ScaleIndex).
//
// Extra registers: AX scales of row i at column 0, R12 column j0+16c, R13
// address of the chunk's scale in row i, R14 the step of AX to the next
// pass (16 bytes within a group, ldw-16 to the next group), R15 the XOR
// that swaps the two steps.
TEXT ·gemvQ8AVX2(SB), NOSPLIT, $0-64
	PROLOGUE
	MOVQ s+24(FP), AX
	MOVQ $16, R14
	LEAQ -16(BX), R15
	XORQ R14, R15
	SHLQ $4, R8
	ADDQ j0+56(FP), R8    // R8 = end column

pass:
	PASS
	MOVQ j0+56(FP), R12

chunk:
	LEAQ       (R11)(BX*4), R13
	PREFETCHT0 (R13)
	PREFETCHT0 (R13)(BX*1)
	PREFETCHT0 (R13)(BX*2)
	PREFETCHT0 (R13)(R9*1)
	MOVQ    R12, R13
	ANDQ    $-32, R13      // (column/32)·8 scales of 4 bytes
	ADDQ    AX, R13
	VMOVUPS (R10), Y0
	VMOVUPS 32(R10), Y1
	QROW((R11), 8(R11), (R13), Y4)
	QROW((R11)(BX*1), 8(R11)(BX*1), 4(R13), Y5)
	QROW((R11)(BX*2), 8(R11)(BX*2), 8(R13), Y6)
	QROW((R11)(R9*1), 8(R11)(R9*1), 12(R13), Y7)
	VMOVUPS Y0, (R10)
	VMOVUPS Y1, 32(R10)
	ADDQ    $64, R10
	ADDQ    $16, R11
	ADDQ    $16, R12
	CMPQ    R12, R8
	JL      chunk
	NEXTPASS
	ADDQ    R14, AX
	XORQ    R15, R14
	TESTQ   CX, CX
	JNZ     pass

done:
	VZEROUPPER
	RET
