//go:build amd64 && !purego

#include "textflag.h"

// GELU with AVX2, as geluAVX512 computes it (see gelu_avx512_amd64.s):
// v / (1 + exp(z)), z = -2·√(2/π)·(v + 0.044715·v³) clamped to [-88, 88],
// in float64, exp(z) = 2^n·p(r) with p the degree-7 Taylor polynomial. 2^n
// is added to p's exponent field: AVX2 has no VSCALEFPD. The constants are
// 4 copies each (AVX2 has no broadcast memory operands).

DATA geluK<>+0(SB)/8, $0xbff9884533d43651
DATA geluK<>+8(SB)/8, $0xbff9884533d43651
DATA geluK<>+16(SB)/8, $0xbff9884533d43651
DATA geluK<>+24(SB)/8, $0xbff9884533d43651
DATA geluK<>+32(SB)/8, $0xbfb2444f2a4d8b4b
DATA geluK<>+40(SB)/8, $0xbfb2444f2a4d8b4b
DATA geluK<>+48(SB)/8, $0xbfb2444f2a4d8b4b
DATA geluK<>+56(SB)/8, $0xbfb2444f2a4d8b4b
DATA geluK<>+64(SB)/8, $0x3ff71547652b82fe
DATA geluK<>+72(SB)/8, $0x3ff71547652b82fe
DATA geluK<>+80(SB)/8, $0x3ff71547652b82fe
DATA geluK<>+88(SB)/8, $0x3ff71547652b82fe
DATA geluK<>+96(SB)/8, $0x3fe62e42fefa39ef
DATA geluK<>+104(SB)/8, $0x3fe62e42fefa39ef
DATA geluK<>+112(SB)/8, $0x3fe62e42fefa39ef
DATA geluK<>+120(SB)/8, $0x3fe62e42fefa39ef
DATA geluK<>+128(SB)/8, $0x3f2a01a01a01a01a
DATA geluK<>+136(SB)/8, $0x3f2a01a01a01a01a
DATA geluK<>+144(SB)/8, $0x3f2a01a01a01a01a
DATA geluK<>+152(SB)/8, $0x3f2a01a01a01a01a
DATA geluK<>+160(SB)/8, $0x3f56c16c16c16c17
DATA geluK<>+168(SB)/8, $0x3f56c16c16c16c17
DATA geluK<>+176(SB)/8, $0x3f56c16c16c16c17
DATA geluK<>+184(SB)/8, $0x3f56c16c16c16c17
DATA geluK<>+192(SB)/8, $0x3f81111111111111
DATA geluK<>+200(SB)/8, $0x3f81111111111111
DATA geluK<>+208(SB)/8, $0x3f81111111111111
DATA geluK<>+216(SB)/8, $0x3f81111111111111
DATA geluK<>+224(SB)/8, $0x3fa5555555555555
DATA geluK<>+232(SB)/8, $0x3fa5555555555555
DATA geluK<>+240(SB)/8, $0x3fa5555555555555
DATA geluK<>+248(SB)/8, $0x3fa5555555555555
DATA geluK<>+256(SB)/8, $0x3fc5555555555555
DATA geluK<>+264(SB)/8, $0x3fc5555555555555
DATA geluK<>+272(SB)/8, $0x3fc5555555555555
DATA geluK<>+280(SB)/8, $0x3fc5555555555555
DATA geluK<>+288(SB)/8, $0x3fe0000000000000
DATA geluK<>+296(SB)/8, $0x3fe0000000000000
DATA geluK<>+304(SB)/8, $0x3fe0000000000000
DATA geluK<>+312(SB)/8, $0x3fe0000000000000
DATA geluK<>+320(SB)/8, $0x3ff0000000000000
DATA geluK<>+328(SB)/8, $0x3ff0000000000000
DATA geluK<>+336(SB)/8, $0x3ff0000000000000
DATA geluK<>+344(SB)/8, $0x3ff0000000000000
DATA geluK<>+352(SB)/8, $0x4056000000000000
DATA geluK<>+360(SB)/8, $0x4056000000000000
DATA geluK<>+368(SB)/8, $0x4056000000000000
DATA geluK<>+376(SB)/8, $0x4056000000000000
DATA geluK<>+384(SB)/8, $0xc056000000000000
DATA geluK<>+392(SB)/8, $0xc056000000000000
DATA geluK<>+400(SB)/8, $0xc056000000000000
DATA geluK<>+408(SB)/8, $0xc056000000000000
GLOBL geluK<>(SB), RODATA|NOPTR, $416

// func geluAVX2(x *float32, n int)
// n is a multiple of 8; x is updated in place, 4 floats per step.
TEXT ·geluAVX2(SB), NOSPLIT, $0-16
	MOVQ    x+0(FP), DI
	MOVQ    n+8(FP), CX
	SHRQ    $2, CX
	JZ      done
	VMOVUPD geluK<>+32(SB), Y6
	VMOVUPD geluK<>+320(SB), Y7

loop:
	VCVTPS2PD    (DI), Y0
	VMULPD       Y0, Y0, Y1
	VFMADD213PD  geluK<>+0(SB), Y6, Y1 // t = -2c - 2c·0.044715·v²
	VMULPD       Y1, Y0, Y1         // z = v·t
	VMAXPD       geluK<>+384(SB), Y1, Y1
	VMINPD       geluK<>+352(SB), Y1, Y1
	VMULPD       geluK<>+64(SB), Y1, Y2
	VROUNDPD     $0, Y2, Y2          // n
	VFNMADD231PD geluK<>+96(SB), Y2, Y1 // r = z - n·ln 2
	VMOVUPD      geluK<>+128(SB), Y3
	VFMADD213PD  geluK<>+160(SB), Y1, Y3
	VFMADD213PD  geluK<>+192(SB), Y1, Y3
	VFMADD213PD  geluK<>+224(SB), Y1, Y3
	VFMADD213PD  geluK<>+256(SB), Y1, Y3
	VFMADD213PD  geluK<>+288(SB), Y1, Y3
	VFMADD213PD  Y7, Y1, Y3
	VFMADD213PD  Y7, Y1, Y3          // p(r)
	VCVTPD2DQY   Y2, X4
	VPMOVSXDQ    X4, Y4
	VPSLLQ       $52, Y4, Y4
	VPADDQ       Y4, Y3, Y3          // exp(z) = p·2^n
	VADDPD       Y7, Y3, Y3
	VDIVPD       Y3, Y0, Y0          // v / (1 + exp(z))
	VCVTPD2PSY   Y0, X0
	VMOVUPS      X0, (DI)
	ADDQ         $16, DI
	DECQ         CX
	JNZ          loop

done:
	VZEROUPPER
	RET
