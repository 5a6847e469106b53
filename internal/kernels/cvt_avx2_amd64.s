//go:build amd64 && !purego

#include "textflag.h"

// Widening of stored weights to float32, used to pack prefill panels.

// func cvtF16AVX2(dst *float32, src *uint16, n int)
TEXT ·cvtF16AVX2(SB), NOSPLIT, $0-24
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  n+16(FP), CX
	SHRQ  $3, CX
	JZ    done

loop:
	VCVTPH2PS (SI), Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $16, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       loop

done:
	VZEROUPPER
	RET

// func cvtBF16AVX2(dst *float32, src *uint16, n int)
TEXT ·cvtBF16AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   done

loop:
	VPMOVZXWD (SI), Y0
	VPSLLD    $16, Y0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $16, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       loop

done:
	VZEROUPPER
	RET

// func cvtQ8AVX2(dst *float32, q *int8, s *float32, j0, n int)
TEXT ·cvtQ8AVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ q+8(FP), SI
	MOVQ s+16(FP), AX
	MOVQ j0+24(FP), DX
	MOVQ n+32(FP), CX
	SHRQ $4, CX
	JZ   done

loop:
	MOVQ         DX, R8
	ANDQ         $-32, R8        // (column/32)·8 scales of 4 bytes
	VBROADCASTSS (AX)(R8*1), Y2
	VPMOVSXBD    (SI), Y0
	VPMOVSXBD    8(SI), Y1
	VCVTDQ2PS    Y0, Y0
	VCVTDQ2PS    Y1, Y1
	VMULPS       Y2, Y0, Y0
	VMULPS       Y2, Y1, Y1
	VMOVUPS      Y0, (DI)
	VMOVUPS      Y1, 32(DI)
	ADDQ         $16, SI
	ADDQ         $64, DI
	ADDQ         $16, DX
	DECQ         CX
	JNZ          loop

done:
	VZEROUPPER
	RET
