//go:build amd64 && !purego

#include "textflag.h"

// Prefill micro-kernel: a 6×16 block of outputs in 12 ymm accumulators
// (row r in Y(2r), Y(2r+1)); each step k loads a 16-float row of b (Y12,
// Y13), broadcasts a[r][k] and issues 12 FMAs. The three kernels differ
// only in how a row of b is loaded: float32, or F16 and BF16 widened as
// they are loaded (see gemm_avx512_amd64.s).
//
// Registers: AX a row 0 (advances 4 per k), R8 a row 3, BX lda, DX b, R10
// ldb, CX k left.

#define FMA2(x, r0, r1) \
	VFMADD231PS Y12, x, r0; \
	VFMADD231PS Y13, x, r1

#define ROW(r0, r1) \
	VADDPS  (DI), r0, r0; \
	VADDPS  32(DI), r1, r1

#define STORE(r0, r1) \
	VMOVUPS r0, (DI); \
	VMOVUPS r1, 32(DI); \
	ADDQ    SI, DI

// ARGS loads the arguments and zeroes the accumulators.
#define ARGS \
	MOVQ   a+16(FP), AX; \
	MOVQ   lda+24(FP), BX; \
	MOVQ   b+32(FP), DX; \
	MOVQ   ldb+40(FP), R10; \
	MOVQ   kc+48(FP), CX; \
	LEAQ   (AX)(BX*2), R8; \
	ADDQ   BX, R8; \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7; \
	VXORPS Y8, Y8, Y8; \
	VXORPS Y9, Y9, Y9; \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11

// STEP multiplies the row of b in Y12, Y13 by column k of a into the sums
// and moves on to the next k.
#define STEP \
	VBROADCASTSS (AX), Y14; \
	VBROADCASTSS (AX)(BX*1), Y15; \
	FMA2(Y14, Y0, Y1); \
	FMA2(Y15, Y2, Y3); \
	VBROADCASTSS (AX)(BX*2), Y14; \
	VBROADCASTSS (R8), Y15; \
	FMA2(Y14, Y4, Y5); \
	FMA2(Y15, Y6, Y7); \
	VBROADCASTSS (R8)(BX*1), Y14; \
	VBROADCASTSS (R8)(BX*2), Y15; \
	FMA2(Y14, Y8, Y9); \
	FMA2(Y15, Y10, Y11); \
	ADDQ         $4, AX; \
	ADDQ         $4, R8; \
	ADDQ         R10, DX

// FINISH writes the sums to c, added to what is there if acc != 0, and
// returns.
#define FINISH \
store: \
	MOVQ  c+0(FP), DI; \
	MOVQ  ldc+8(FP), SI; \
	MOVQ  acc+56(FP), R9; \
	TESTQ R9, R9; \
	JZ    nosum; \
	ROW(Y0, Y1); \
	STORE(Y0, Y1); \
	ROW(Y2, Y3); \
	STORE(Y2, Y3); \
	ROW(Y4, Y5); \
	STORE(Y4, Y5); \
	ROW(Y6, Y7); \
	STORE(Y6, Y7); \
	ROW(Y8, Y9); \
	STORE(Y8, Y9); \
	ROW(Y10, Y11); \
	STORE(Y10, Y11); \
	VZEROUPPER; \
	RET; \
nosum: \
	STORE(Y0, Y1); \
	STORE(Y2, Y3); \
	STORE(Y4, Y5); \
	STORE(Y6, Y7); \
	STORE(Y8, Y9); \
	STORE(Y10, Y11); \
	VZEROUPPER; \
	RET

// func gemm6x16AVX2(c *float32, ldc int, a *float32, lda int, b *float32, ldb, kc, acc int)
TEXT ·gemm6x16AVX2(SB), NOSPLIT, $0-64
	ARGS
	TESTQ CX, CX
	JZ    store

loop:
	VMOVUPS (DX), Y12
	VMOVUPS 32(DX), Y13
	STEP
	DECQ    CX
	JNZ     loop

	FINISH

// func gemm6x16F16AVX2(c *float32, ldc int, a *float32, lda int, b *uint16, ldb, kc, acc int)
TEXT ·gemm6x16F16AVX2(SB), NOSPLIT, $0-64
	ARGS
	TESTQ CX, CX
	JZ    store

loop:
	VCVTPH2PS (DX), Y12
	VCVTPH2PS 16(DX), Y13
	STEP
	DECQ      CX
	JNZ       loop

	FINISH

// func gemm6x16BF16AVX2(c *float32, ldc int, a *float32, lda int, b *uint16, ldb, kc, acc int)
TEXT ·gemm6x16BF16AVX2(SB), NOSPLIT, $0-64
	ARGS
	TESTQ CX, CX
	JZ    store

loop:
	VPMOVZXWD (DX), Y12
	VPMOVZXWD 16(DX), Y13
	VPSLLD    $16, Y12, Y12
	VPSLLD    $16, Y13, Y13
	STEP
	DECQ      CX
	JNZ       loop

	FINISH
