//go:build amd64 && !purego

#include "textflag.h"

// Batch-1 Conv1D product y[j] += Σ_i x[i]·W[i, j] over W stored [in, out].
// Each pass takes 4 rows of W (4 sequential streams the hardware prefetcher
// follows) and updates the 16-column chunks of y, which stay in L1.
//
// Every step prefetches the same columns of the next pass's 4 rows, so
// each new row stream is in cache before the pass reaches it (2-3x from
// DRAM over the hardware prefetcher alone, which restarts at every row).
//
// Registers: DI y, SI x (advances 4 per pass), DX row i of W, CX passes left,
// BX ldw, R9 3·ldw, R8 16-column chunks, R10 y chunk, R11 W chunk, R12 count,
// Z4-Z7 x[i..i+3] broadcast.

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
	VBROADCASTSS 0(SI), Z4; \
	VBROADCASTSS 4(SI), Z5; \
	VBROADCASTSS 8(SI), Z6; \
	VBROADCASTSS 12(SI), Z7; \
	MOVQ         DI, R10; \
	MOVQ         DX, R11; \
	MOVQ         R8, R12

// SUM4 adds the four row products in Z8-Z11 into y's chunk.
#define SUM4 \
	VMULPS      Z8, Z4, Z0; \
	VMULPS      Z10, Z6, Z1; \
	VFMADD231PS Z9, Z5, Z0; \
	VFMADD231PS Z11, Z7, Z1; \
	VADDPS      (R10), Z0, Z0; \
	VADDPS      Z1, Z0, Z0; \
	VMOVUPS     Z0, (R10)

#define NEXTPASS \
	ADDQ $16, SI; \
	LEAQ (DX)(BX*4), DX; \
	DECQ CX

// func gemvF32AVX512(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)
TEXT ·gemvF32AVX512(SB), NOSPLIT, $0-64
	PROLOGUE

pass:
	PASS

chunk:
	LEAQ       (R11)(BX*4), R13
	PREFETCHT0 (R13)
	PREFETCHT0 (R13)(BX*1)
	PREFETCHT0 (R13)(BX*2)
	PREFETCHT0 (R13)(R9*1)
	VMOVUPS (R11), Z8
	VMOVUPS (R11)(BX*1), Z9
	VMOVUPS (R11)(BX*2), Z10
	VMOVUPS (R11)(R9*1), Z11
	SUM4
	ADDQ    $64, R10
	ADDQ    $64, R11
	DECQ    R12
	JNZ     chunk
	NEXTPASS
	JNZ     pass

done:
	VZEROUPPER
	RET

// func gemvF16AVX512(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)
TEXT ·gemvF16AVX512(SB), NOSPLIT, $0-64
	PROLOGUE

pass:
	PASS

chunk:
	LEAQ       (R11)(BX*4), R13
	PREFETCHT0 (R13)
	PREFETCHT0 (R13)(BX*1)
	PREFETCHT0 (R13)(BX*2)
	PREFETCHT0 (R13)(R9*1)
	VCVTPH2PS (R11), Z8
	VCVTPH2PS (R11)(BX*1), Z9
	VCVTPH2PS (R11)(BX*2), Z10
	VCVTPH2PS (R11)(R9*1), Z11
	SUM4
	ADDQ      $64, R10
	ADDQ      $32, R11
	DECQ      R12
	JNZ       chunk
	NEXTPASS
	JNZ       pass

done:
	VZEROUPPER
	RET

// func gemvBF16AVX512(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)
TEXT ·gemvBF16AVX512(SB), NOSPLIT, $0-64
	PROLOGUE

pass:
	PASS

chunk:
	LEAQ       (R11)(BX*4), R13
	PREFETCHT0 (R13)
	PREFETCHT0 (R13)(BX*1)
	PREFETCHT0 (R13)(BX*2)
	PREFETCHT0 (R13)(R9*1)
	VPMOVZXWD (R11), Z8
	VPMOVZXWD (R11)(BX*1), Z9
	VPMOVZXWD (R11)(BX*2), Z10
	VPMOVZXWD (R11)(R9*1), Z11
	VPSLLD    $16, Z8, Z8
	VPSLLD    $16, Z9, Z9
	VPSLLD    $16, Z10, Z10
	VPSLLD    $16, Z11, Z11
	SUM4
	ADDQ      $64, R10
	ADDQ      $32, R11
	DECQ      R12
	JNZ       chunk
	NEXTPASS
	JNZ       pass

done:
	VZEROUPPER
	RET

// func gemvQ8AVX512(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)
//
// n and j0 are multiples of 32 here, so each 32-column step of a row is one
// scale block: x[i]·scale is formed once per step and row (4 multiplies per
// 128 weights), and the 8 widened, converted 16-element pieces are summed
// into y's two 16-column chunks, which stay in registers over the 4 rows.
// Q8 rows are short (one byte per weight), so the prefetch runs two passes
// (8 rows) ahead instead of one.
//
// Extra registers: AX scale of row i at column j0, R14 scale row stride
// (ldw/8 bytes: ldw/32 scales of 4 bytes), R15 3·R14, R13 scale address,
// Z12-Z15 x[i..i+3]·scale.
TEXT ·gemvQ8AVX512(SB), NOSPLIT, $0-64
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ rows+32(FP), CX
	MOVQ ldw+40(FP), BX
	MOVQ n+48(FP), R8
	SHRQ $5, R8
	JZ   done
	SHRQ $2, CX
	JZ   done
	LEAQ (BX)(BX*2), R9
	MOVQ s+24(FP), AX
	MOVQ j0+56(FP), R13
	SHRQ $5, R13
	LEAQ (AX)(R13*4), AX
	MOVQ BX, R14
	SHRQ $3, R14
	LEAQ (R14)(R14*2), R15

pass:
	PASS
	MOVQ AX, R13

chunk:
	LEAQ        (R11)(BX*8), DX
	PREFETCHT0  (DX)
	PREFETCHT0  (DX)(BX*1)
	PREFETCHT0  (DX)(BX*2)
	PREFETCHT0  (DX)(R9*1)
	VMULPS.BCST (R13), Z4, Z12
	VMULPS.BCST (R13)(R14*1), Z5, Z13
	VMULPS.BCST (R13)(R14*2), Z6, Z14
	VMULPS.BCST (R13)(R15*1), Z7, Z15
	VPMOVSXBD   (R11), Z8
	VPMOVSXBD   16(R11), Z9
	VPMOVSXBD   (R11)(BX*1), Z10
	VPMOVSXBD   16(R11)(BX*1), Z11
	VCVTDQ2PS   Z8, Z8
	VCVTDQ2PS   Z9, Z9
	VCVTDQ2PS   Z10, Z10
	VCVTDQ2PS   Z11, Z11
	VMOVUPS     (R10), Z0
	VMOVUPS     64(R10), Z1
	VFMADD231PS Z8, Z12, Z0
	VFMADD231PS Z9, Z12, Z1
	VMULPS      Z10, Z13, Z2
	VMULPS      Z11, Z13, Z3
	VPMOVSXBD   (R11)(BX*2), Z8
	VPMOVSXBD   16(R11)(BX*2), Z9
	VPMOVSXBD   (R11)(R9*1), Z10
	VPMOVSXBD   16(R11)(R9*1), Z11
	VCVTDQ2PS   Z8, Z8
	VCVTDQ2PS   Z9, Z9
	VCVTDQ2PS   Z10, Z10
	VCVTDQ2PS   Z11, Z11
	VFMADD231PS Z8, Z14, Z0
	VFMADD231PS Z9, Z14, Z1
	VFMADD231PS Z10, Z15, Z2
	VFMADD231PS Z11, Z15, Z3
	VADDPS      Z2, Z0, Z0
	VADDPS      Z3, Z1, Z1
	VMOVUPS     Z0, (R10)
	VMOVUPS     Z1, 64(R10)
	ADDQ        $128, R10
	ADDQ        $32, R11
	ADDQ        $4, R13
	DECQ        R12
	JNZ         chunk
	MOVQ        w+16(FP), DX
	LEAQ        (DX)(BX*4), DX
	MOVQ        DX, w+16(FP)
	ADDQ        $16, SI
	LEAQ        (AX)(R14*4), AX
	DECQ        CX
	JNZ         pass

done:
	VZEROUPPER
	RET
