//go:build amd64 && !purego

#include "textflag.h"

// Four dot products y[r] = Σ_j W[r, j]·x[j], r < 4, for Q8 weights (row r's
// accumulator in Y(2r)); the float kernels are in rowdot_float_avx2_amd64.s.
//
// Each step prefetches the same columns of the next 4 rows, which the
// caller's next call reads.
//
// Registers: DI y, SI x chunk, DX W chunk of row 0, BX ldw, R9 3·ldw,
// CX elements left, Y8-Y11 x chunk.

#define PROLOGUE \
	MOVQ   y+0(FP), DI; \
	MOVQ   x+8(FP), SI; \
	MOVQ   w+16(FP), DX; \
	MOVQ   ldw+32(FP), BX; \
	MOVQ   n+40(FP), CX; \
	LEAQ   (BX)(BX*2), R9; \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7

// STORE4 reduces the row sums (Y0+Y1, Y2+Y3, Y4+Y5, Y6+Y7) and stores them at y.
#define STORE4 \
	VADDPS       Y1, Y0, Y0; \
	VADDPS       Y3, Y2, Y2; \
	VADDPS       Y5, Y4, Y4; \
	VADDPS       Y7, Y6, Y6; \
	VEXTRACTF128 $1, Y0, X1; \
	VEXTRACTF128 $1, Y2, X3; \
	VEXTRACTF128 $1, Y4, X5; \
	VEXTRACTF128 $1, Y6, X7; \
	VADDPS       X1, X0, X0; \
	VADDPS       X3, X2, X2; \
	VADDPS       X5, X4, X4; \
	VADDPS       X7, X6, X6; \
	VHADDPS      X2, X0, X0; \
	VHADDPS      X6, X4, X4; \
	VHADDPS      X4, X0, X0; \
	VMOVUPS      X0, (DI); \
	VZEROUPPER

// QROW adds one row's 32-element block into acc: acc += s·(q·x), q at register q, x in Y8-Y11.
#define QROW(q, sc, acc) \
	VPMOVSXBD    (q), Y12; \
	VPMOVSXBD    8(q), Y13; \
	VCVTDQ2PS    Y12, Y12; \
	VCVTDQ2PS    Y13, Y13; \
	VMULPS       Y12, Y8, Y12; \
	VFMADD231PS  Y13, Y9, Y12; \
	VPMOVSXBD    16(q), Y13; \
	VPMOVSXBD    24(q), Y14; \
	VCVTDQ2PS    Y13, Y13; \
	VCVTDQ2PS    Y14, Y14; \
	VFMADD231PS  Y13, Y10, Y12; \
	VFMADD231PS  Y14, Y11, Y12; \
	VBROADCASTSS sc, Y15; \
	VFMADD231PS  Y15, Y12, acc

// func rowdotQ8AVX2(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)
//
// 32 elements (one scale block) per step; row sums in Y0, Y2, Y4, Y6.
// The 4 rows lie in one group of 8 (see Mat.ScaleIndex): row r's scale
// of a block is 4r bytes after row 0's, and the next block's 32 bytes on.
//
// Extra registers: AX scale of the block in row 0, R10 W chunk of row r.
TEXT ·rowdotQ8AVX2(SB), NOSPLIT, $0-48
	PROLOGUE
	MOVQ  s+24(FP), AX
	TESTQ CX, CX
	JZ    done

loop:
	LEAQ       (DX)(BX*4), R13
	PREFETCHT0 (R13)
	PREFETCHT0 (R13)(BX*1)
	PREFETCHT0 (R13)(BX*2)
	PREFETCHT0 (R13)(R9*1)
	VMOVUPS (SI), Y8
	VMOVUPS 32(SI), Y9
	VMOVUPS 64(SI), Y10
	VMOVUPS 96(SI), Y11
	MOVQ    DX, R10
	QROW(R10, (AX), Y0)
	ADDQ    BX, R10
	QROW(R10, 4(AX), Y2)
	ADDQ    BX, R10
	QROW(R10, 8(AX), Y4)
	ADDQ    BX, R10
	QROW(R10, 12(AX), Y6)
	ADDQ    $128, SI
	ADDQ    $32, DX
	ADDQ    $32, AX
	SUBQ    $32, CX
	JNZ     loop

done:
	STORE4
	RET
