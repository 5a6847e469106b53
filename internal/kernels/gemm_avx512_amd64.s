//go:build amd64 && !purego

#include "textflag.h"

// Prefill micro-kernel: a 6×64 block of outputs held in 24 zmm accumulators
// (Z0-Z23, row r in Z(4r)..Z(4r+3)). Each step k loads one 64-float row of
// b (Z24-Z27), broadcasts a[r][k] for the 6 rows and issues 24 FMAs: 10
// loads per 24 FMAs, the ratio that keeps both FMA pipes busy. The three
// kernels differ only in how a row of b is loaded: float32, or F16 and
// BF16 widened as they are loaded, so that prefill multiplies the stored
// weights where they lie, with no widened copy.
//
// Registers: AX a row 0 (advances 4 per k), R8 a row 3, BX lda, DX b, R10
// ldb, CX k left.

#define FMA4(x, r0, r1, r2, r3) \
	VFMADD231PS Z24, x, r0; \
	VFMADD231PS Z25, x, r1; \
	VFMADD231PS Z26, x, r2; \
	VFMADD231PS Z27, x, r3

#define ZERO4(r0, r1, r2, r3) \
	VXORPS r0, r0, r0; \
	VXORPS r1, r1, r1; \
	VXORPS r2, r2, r2; \
	VXORPS r3, r3, r3

#define ADD4(r0, r1, r2, r3) \
	VADDPS (DI), r0, r0; \
	VADDPS 64(DI), r1, r1; \
	VADDPS 128(DI), r2, r2; \
	VADDPS 192(DI), r3, r3

#define STORE4(r0, r1, r2, r3) \
	VMOVUPS r0, (DI); \
	VMOVUPS r1, 64(DI); \
	VMOVUPS r2, 128(DI); \
	VMOVUPS r3, 192(DI); \
	ADDQ    SI, DI

// ARGS loads the arguments and zeroes the accumulators.
#define ARGS \
	MOVQ  a+16(FP), AX; \
	MOVQ  lda+24(FP), BX; \
	MOVQ  b+32(FP), DX; \
	MOVQ  ldb+40(FP), R10; \
	MOVQ  kc+48(FP), CX; \
	LEAQ  (AX)(BX*2), R8; \
	ADDQ  BX, R8; \
	ZERO4(Z0, Z1, Z2, Z3); \
	ZERO4(Z4, Z5, Z6, Z7); \
	ZERO4(Z8, Z9, Z10, Z11); \
	ZERO4(Z12, Z13, Z14, Z15); \
	ZERO4(Z16, Z17, Z18, Z19); \
	ZERO4(Z20, Z21, Z22, Z23)

// STEP multiplies the row of b in Z24-Z27 by column k of a into the sums
// and moves on to the next k.
#define STEP \
	VBROADCASTSS (AX), Z28; \
	VBROADCASTSS (AX)(BX*1), Z29; \
	VBROADCASTSS (AX)(BX*2), Z30; \
	VBROADCASTSS (R8), Z31; \
	FMA4(Z28, Z0, Z1, Z2, Z3); \
	FMA4(Z29, Z4, Z5, Z6, Z7); \
	VBROADCASTSS (R8)(BX*1), Z28; \
	VBROADCASTSS (R8)(BX*2), Z29; \
	FMA4(Z30, Z8, Z9, Z10, Z11); \
	FMA4(Z31, Z12, Z13, Z14, Z15); \
	FMA4(Z28, Z16, Z17, Z18, Z19); \
	FMA4(Z29, Z20, Z21, Z22, Z23); \
	ADDQ         $4, AX; \
	ADDQ         $4, R8; \
	ADDQ         R10, DX

// OUT points DI at c, SI its row stride, and sets R9 to acc.
#define OUT \
	MOVQ c+0(FP), DI; \
	MOVQ ldc+8(FP), SI; \
	MOVQ acc+56(FP), R9

#define ADDSTORE \
	ADD4(Z0, Z1, Z2, Z3); \
	STORE4(Z0, Z1, Z2, Z3); \
	ADD4(Z4, Z5, Z6, Z7); \
	STORE4(Z4, Z5, Z6, Z7); \
	ADD4(Z8, Z9, Z10, Z11); \
	STORE4(Z8, Z9, Z10, Z11); \
	ADD4(Z12, Z13, Z14, Z15); \
	STORE4(Z12, Z13, Z14, Z15); \
	ADD4(Z16, Z17, Z18, Z19); \
	STORE4(Z16, Z17, Z18, Z19); \
	ADD4(Z20, Z21, Z22, Z23); \
	STORE4(Z20, Z21, Z22, Z23)

#define STOREALL \
	STORE4(Z0, Z1, Z2, Z3); \
	STORE4(Z4, Z5, Z6, Z7); \
	STORE4(Z8, Z9, Z10, Z11); \
	STORE4(Z12, Z13, Z14, Z15); \
	STORE4(Z16, Z17, Z18, Z19); \
	STORE4(Z20, Z21, Z22, Z23)

// FINISH writes the sums to c, added to what is there if acc != 0, and
// returns.
#define FINISH \
store: \
	OUT; \
	TESTQ R9, R9; \
	JZ    nosum; \
	ADDSTORE; \
	VZEROUPPER; \
	RET; \
nosum: \
	STOREALL; \
	VZEROUPPER; \
	RET

// func gemm6x64AVX512(c *float32, ldc int, a *float32, lda int, b *float32, ldb, kc, acc int)
TEXT ·gemm6x64AVX512(SB), NOSPLIT, $0-64
	ARGS
	TESTQ CX, CX
	JZ    store

loop:
	VMOVUPS (DX), Z24
	VMOVUPS 64(DX), Z25
	VMOVUPS 128(DX), Z26
	VMOVUPS 192(DX), Z27
	STEP
	DECQ    CX
	JNZ     loop

	FINISH

// func gemm6x64F16AVX512(c *float32, ldc int, a *float32, lda int, b *uint16, ldb, kc, acc int)
TEXT ·gemm6x64F16AVX512(SB), NOSPLIT, $0-64
	ARGS
	TESTQ CX, CX
	JZ    store

loop:
	VCVTPH2PS (DX), Z24
	VCVTPH2PS 32(DX), Z25
	VCVTPH2PS 64(DX), Z26
	VCVTPH2PS 96(DX), Z27
	STEP
	DECQ      CX
	JNZ       loop

	FINISH

// BF16 is the high half of a float32: zero-extend and shift.
//
// func gemm6x64BF16AVX512(c *float32, ldc int, a *float32, lda int, b *uint16, ldb, kc, acc int)
TEXT ·gemm6x64BF16AVX512(SB), NOSPLIT, $0-64
	ARGS
	TESTQ CX, CX
	JZ    store

loop:
	VPMOVZXWD (DX), Z24
	VPMOVZXWD 32(DX), Z25
	VPMOVZXWD 64(DX), Z26
	VPMOVZXWD 96(DX), Z27
	VPSLLD    $16, Z24, Z24
	VPSLLD    $16, Z25, Z25
	VPSLLD    $16, Z26, Z26
	VPSLLD    $16, Z27, Z27
	STEP
	DECQ      CX
	JNZ       loop

	FINISH
