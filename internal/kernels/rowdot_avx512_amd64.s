//go:build amd64 && !purego

#include "textflag.h"

// Four dot products y[r] = Σ_j W[r, j]·x[j], r < 4: the unembedding rows.
// The Q8 kernel reads the rows as 4 interleaved streams, x's chunk loaded
// once for all four, and each step prefetches the same columns of the next
// 4 rows, which the caller's next call reads. (The float kernels below
// SEQPROLOGUE read the rows one after another instead.)
//
// Registers: DI y, SI x chunk, DX W chunk of row 0, BX ldw, R9 3·ldw,
// CX elements left, Z0-Z3 accumulators of rows 0-3, Z8 x chunk.

#define PROLOGUE \
	MOVQ   y+0(FP), DI; \
	MOVQ   x+8(FP), SI; \
	MOVQ   w+16(FP), DX; \
	MOVQ   ldw+32(FP), BX; \
	MOVQ   n+40(FP), CX; \
	LEAQ   (BX)(BX*2), R9; \
	VXORPS Z0, Z0, Z0; \
	VXORPS Z1, Z1, Z1; \
	VXORPS Z2, Z2, Z2; \
	VXORPS Z3, Z3, Z3

// STORE4 reduces Z0-Z3 to four sums and stores them at y.
#define STORE4 \
	VEXTRACTF64X4 $1, Z0, Y8; \
	VEXTRACTF64X4 $1, Z1, Y9; \
	VEXTRACTF64X4 $1, Z2, Y10; \
	VEXTRACTF64X4 $1, Z3, Y11; \
	VADDPS        Y8, Y0, Y0; \
	VADDPS        Y9, Y1, Y1; \
	VADDPS        Y10, Y2, Y2; \
	VADDPS        Y11, Y3, Y3; \
	VEXTRACTF128  $1, Y0, X8; \
	VEXTRACTF128  $1, Y1, X9; \
	VEXTRACTF128  $1, Y2, X10; \
	VEXTRACTF128  $1, Y3, X11; \
	VADDPS        X8, X0, X0; \
	VADDPS        X9, X1, X1; \
	VADDPS        X10, X2, X2; \
	VADDPS        X11, X3, X3; \
	VHADDPS       X1, X0, X0; \
	VHADDPS       X3, X2, X2; \
	VHADDPS       X2, X0, X0; \
	VMOVUPS       X0, (DI); \
	VZEROUPPER

// The float rowdots take the 4 rows one after another: 4 consecutive rows
// of W are one contiguous stretch of memory, so this reads it in order,
// with software prefetch 4 KiB ahead. (Interleaving the 4 rows as 4
// streams, x loaded once for all, streamed ~20% slower from DRAM.)
//
// Registers: DI y, SI x chunk, DX row r of W, R11 W chunk, BX ldw,
// R8 rows left, CX elements left, Z0-Z1 accumulators.

#define SEQPROLOGUE \
	MOVQ y+0(FP), DI; \
	MOVQ w+16(FP), DX; \
	MOVQ ldw+32(FP), BX; \
	MOVQ $4, R8

#define SEQROW \
	MOVQ   x+8(FP), SI; \
	MOVQ   n+40(FP), CX; \
	MOVQ   DX, R11; \
	VXORPS Z0, Z0, Z0; \
	VXORPS Z1, Z1, Z1

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

// func rowdotF32AVX512(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)
TEXT ·rowdotF32AVX512(SB), NOSPLIT, $0-48
	SEQPROLOGUE

row:
	SEQROW

loop32:
	CMPQ        CX, $32
	JL          loop16
	PREFETCHT0  4096(R11)
	PREFETCHT0  4160(R11)
	VMOVUPS     (R11), Z12
	VMOVUPS     64(R11), Z13
	VFMADD231PS (SI), Z12, Z0
	VFMADD231PS 64(SI), Z13, Z1
	ADDQ        $128, SI
	ADDQ        $128, R11
	SUBQ        $32, CX
	JMP         loop32

loop16:
	TESTQ       CX, CX
	JZ          next
	VMOVUPS     (R11), Z12
	VFMADD231PS (SI), Z12, Z0

next:
	SEQNEXT
	JNZ         row
	VZEROUPPER
	RET

// func rowdotF16AVX512(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)
TEXT ·rowdotF16AVX512(SB), NOSPLIT, $0-48
	SEQPROLOGUE

row:
	SEQROW

loop32:
	CMPQ        CX, $32
	JL          loop16
	PREFETCHT0  4096(R11)
	VCVTPH2PS   (R11), Z12
	VCVTPH2PS   32(R11), Z13
	VFMADD231PS (SI), Z12, Z0
	VFMADD231PS 64(SI), Z13, Z1
	ADDQ        $128, SI
	ADDQ        $64, R11
	SUBQ        $32, CX
	JMP         loop32

loop16:
	TESTQ       CX, CX
	JZ          next
	VCVTPH2PS   (R11), Z12
	VFMADD231PS (SI), Z12, Z0

next:
	SEQNEXT
	JNZ         row
	VZEROUPPER
	RET

// func rowdotBF16AVX512(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)
TEXT ·rowdotBF16AVX512(SB), NOSPLIT, $0-48
	SEQPROLOGUE

row:
	SEQROW

loop32:
	CMPQ        CX, $32
	JL          loop16
	PREFETCHT0  4096(R11)
	VPMOVZXWD   (R11), Z12
	VPMOVZXWD   32(R11), Z13
	VPSLLD      $16, Z12, Z12
	VPSLLD      $16, Z13, Z13
	VFMADD231PS (SI), Z12, Z0
	VFMADD231PS 64(SI), Z13, Z1
	ADDQ        $128, SI
	ADDQ        $64, R11
	SUBQ        $32, CX
	JMP         loop32

loop16:
	TESTQ       CX, CX
	JZ          next
	VPMOVZXWD   (R11), Z12
	VPSLLD      $16, Z12, Z12
	VFMADD231PS (SI), Z12, Z0

next:
	SEQNEXT
	JNZ         row
	VZEROUPPER
	RET

// ROWQ8 accumulates one row's 32-element block: Z_acc += s·(q·x).
#define ROWQ8(q0, q1, sc, acc) \
	VPMOVSXBD        q0, Z12; \
	VPMOVSXBD        q1, Z13; \
	VCVTDQ2PS        Z12, Z12; \
	VCVTDQ2PS        Z13, Z13; \
	VMULPS           Z12, Z8, Z12; \
	VFMADD231PS      Z13, Z9, Z12; \
	VFMADD231PS.BCST sc, Z12, acc

// func rowdotQ8AVX512(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)
//
// Extra registers: AX scale of the block in row 0, R14 scale row stride
// (ldw/8 bytes), R15 3·R14, Z9 second half of the x block.
TEXT ·rowdotQ8AVX512(SB), NOSPLIT, $0-48
	PROLOGUE
	MOVQ  s+24(FP), AX
	MOVQ  BX, R14
	SHRQ  $3, R14
	LEAQ  (R14)(R14*2), R15
	TESTQ CX, CX
	JZ    done

loop:
	LEAQ       (DX)(BX*4), R13
	PREFETCHT0 (R13)
	PREFETCHT0 (R13)(BX*1)
	PREFETCHT0 (R13)(BX*2)
	PREFETCHT0 (R13)(R9*1)
	VMOVUPS (SI), Z8
	VMOVUPS 64(SI), Z9
	ROWQ8((DX), 16(DX), (AX), Z0)
	ROWQ8((DX)(BX*1), 16(DX)(BX*1), (AX)(R14*1), Z1)
	ROWQ8((DX)(BX*2), 16(DX)(BX*2), (AX)(R14*2), Z2)
	ROWQ8((DX)(R9*1), 16(DX)(R9*1), (AX)(R15*1), Z3)
	ADDQ    $128, SI
	ADDQ    $32, DX
	ADDQ    $4, AX
	SUBQ    $32, CX
	JNZ     loop

done:
	STORE4
	RET
