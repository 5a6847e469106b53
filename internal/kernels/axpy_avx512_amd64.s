//go:build amd64 && !purego

#include "textflag.h"

// func axpyAVX512(y *float32, alpha float32, x *float32, n int)
TEXT ·axpyAVX512(SB), NOSPLIT, $0-32
	MOVQ         y+0(FP), DI
	VBROADCASTSS alpha+8(FP), Z0
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX

loop64:
	CMPQ        CX, $64
	JL          loop16
	VMOVUPS     (DI), Z4
	VMOVUPS     64(DI), Z5
	VMOVUPS     128(DI), Z6
	VMOVUPS     192(DI), Z7
	VFMADD231PS (SI), Z0, Z4
	VFMADD231PS 64(SI), Z0, Z5
	VFMADD231PS 128(SI), Z0, Z6
	VFMADD231PS 192(SI), Z0, Z7
	VMOVUPS     Z4, (DI)
	VMOVUPS     Z5, 64(DI)
	VMOVUPS     Z6, 128(DI)
	VMOVUPS     Z7, 192(DI)
	ADDQ        $256, SI
	ADDQ        $256, DI
	SUBQ        $64, CX
	JMP         loop64

loop16:
	CMPQ        CX, $16
	JL          tail
	VMOVUPS     (DI), Z4
	VFMADD231PS (SI), Z0, Z4
	VMOVUPS     Z4, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $16, CX
	JMP         loop16

tail:
	// The last n%16 elements under a mask: lanes off the mask are neither
	// read nor written.
	TESTQ       CX, CX
	JZ          done
	MOVQ        $1, AX
	SHLQ        CX, AX
	DECQ        AX
	KMOVW       AX, K1
	VMOVUPS.Z   (DI), K1, Z4
	VMOVUPS.Z   (SI), K1, Z5
	VFMADD231PS Z5, Z0, Z4
	VMOVUPS     Z4, K1, (DI)

done:
	VZEROUPPER
	RET
