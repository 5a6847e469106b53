//go:build amd64 && !purego

#include "textflag.h"

// Four dot products y[r] = Σ_j W[r, j]·x[j], r < 4: the unembedding rows.
//
// The rowdots take the 4 rows one after another: 4 consecutive rows
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

// func rowdotQ8AVX512(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)
//
// As the float kernels, row after row in memory order, prefetching 4 KiB
// ahead; each 32-byte step is one scale block. The 4 rows lie in one group
// of 8 (see Mat.ScaleIndex): row r's scale of a block is 4r bytes after
// row 0's, and the next block's 32 bytes on.
//
// Registers: DI y, SI x block, DX row r of W, R11 W block, AX scales of
// row r, R13 scale of the block, BX ldw, R8 rows left, CX elements left,
// Z0 accumulator.
TEXT ·rowdotQ8AVX512(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ w+16(FP), DX
	MOVQ s+24(FP), AX
	MOVQ ldw+32(FP), BX
	MOVQ $4, R8

row:
	MOVQ   x+8(FP), SI
	MOVQ   n+40(FP), CX
	MOVQ   DX, R11
	MOVQ   AX, R13
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	TESTQ  CX, CX
	JZ     next

loop:
	PREFETCHT0       4096(R11)
	VPMOVSXBD        (R11), Z12
	VPMOVSXBD        16(R11), Z13
	VCVTDQ2PS        Z12, Z12
	VCVTDQ2PS        Z13, Z13
	VMULPS           (SI), Z12, Z12
	VFMADD231PS      64(SI), Z13, Z12
	VFMADD231PS.BCST (R13), Z12, Z0
	ADDQ             $128, SI
	ADDQ             $32, R11
	ADDQ             $32, R13
	SUBQ             $32, CX
	JNZ              loop

next:
	ADDQ  $4, AX
	SEQNEXT
	JNZ   row
	VZEROUPPER
	RET
