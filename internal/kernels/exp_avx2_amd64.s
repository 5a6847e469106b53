//go:build amd64 && !purego

#include "textflag.h"

// GELU and the softmax's exponentials with AVX2, as the AVX-512 kernels
// compute them (gelu_avx512_amd64.s, softmax_avx512_amd64.s): in float64,
// exp(z), z clamped to [-88, 88], is 2^n·p(r) with n = round(z·log2 e),
// r = z - n·ln 2 and p the degree-7 Taylor polynomial. 2^n is added to p's
// exponent field (AVX2 has no VSCALEFPD). The constants are 4 copies each
// (AVX2 has no broadcast memory operands).

// expK, 32 bytes apart: -2·√(2/π) (0), -2·√(2/π)·0.044715 (32), log2 e
// (64), ln 2 (96), 1/7! 1/6! 1/5! 1/4! 1/3! 1/2 (128-288), 1 (320),
// 88 (352), -88 (384).

DATA expK<>+0(SB)/8, $0xbff9884533d43651
DATA expK<>+8(SB)/8, $0xbff9884533d43651
DATA expK<>+16(SB)/8, $0xbff9884533d43651
DATA expK<>+24(SB)/8, $0xbff9884533d43651
DATA expK<>+32(SB)/8, $0xbfb2444f2a4d8b4b
DATA expK<>+40(SB)/8, $0xbfb2444f2a4d8b4b
DATA expK<>+48(SB)/8, $0xbfb2444f2a4d8b4b
DATA expK<>+56(SB)/8, $0xbfb2444f2a4d8b4b
DATA expK<>+64(SB)/8, $0x3ff71547652b82fe
DATA expK<>+72(SB)/8, $0x3ff71547652b82fe
DATA expK<>+80(SB)/8, $0x3ff71547652b82fe
DATA expK<>+88(SB)/8, $0x3ff71547652b82fe
DATA expK<>+96(SB)/8, $0x3fe62e42fefa39ef
DATA expK<>+104(SB)/8, $0x3fe62e42fefa39ef
DATA expK<>+112(SB)/8, $0x3fe62e42fefa39ef
DATA expK<>+120(SB)/8, $0x3fe62e42fefa39ef
DATA expK<>+128(SB)/8, $0x3f2a01a01a01a01a
DATA expK<>+136(SB)/8, $0x3f2a01a01a01a01a
DATA expK<>+144(SB)/8, $0x3f2a01a01a01a01a
DATA expK<>+152(SB)/8, $0x3f2a01a01a01a01a
DATA expK<>+160(SB)/8, $0x3f56c16c16c16c17
DATA expK<>+168(SB)/8, $0x3f56c16c16c16c17
DATA expK<>+176(SB)/8, $0x3f56c16c16c16c17
DATA expK<>+184(SB)/8, $0x3f56c16c16c16c17
DATA expK<>+192(SB)/8, $0x3f81111111111111
DATA expK<>+200(SB)/8, $0x3f81111111111111
DATA expK<>+208(SB)/8, $0x3f81111111111111
DATA expK<>+216(SB)/8, $0x3f81111111111111
DATA expK<>+224(SB)/8, $0x3fa5555555555555
DATA expK<>+232(SB)/8, $0x3fa5555555555555
DATA expK<>+240(SB)/8, $0x3fa5555555555555
DATA expK<>+248(SB)/8, $0x3fa5555555555555
DATA expK<>+256(SB)/8, $0x3fc5555555555555
DATA expK<>+264(SB)/8, $0x3fc5555555555555
DATA expK<>+272(SB)/8, $0x3fc5555555555555
DATA expK<>+280(SB)/8, $0x3fc5555555555555
DATA expK<>+288(SB)/8, $0x3fe0000000000000
DATA expK<>+296(SB)/8, $0x3fe0000000000000
DATA expK<>+304(SB)/8, $0x3fe0000000000000
DATA expK<>+312(SB)/8, $0x3fe0000000000000
DATA expK<>+320(SB)/8, $0x3ff0000000000000
DATA expK<>+328(SB)/8, $0x3ff0000000000000
DATA expK<>+336(SB)/8, $0x3ff0000000000000
DATA expK<>+344(SB)/8, $0x3ff0000000000000
DATA expK<>+352(SB)/8, $0x4056000000000000
DATA expK<>+360(SB)/8, $0x4056000000000000
DATA expK<>+368(SB)/8, $0x4056000000000000
DATA expK<>+376(SB)/8, $0x4056000000000000
DATA expK<>+384(SB)/8, $0xc056000000000000
DATA expK<>+392(SB)/8, $0xc056000000000000
DATA expK<>+400(SB)/8, $0xc056000000000000
DATA expK<>+408(SB)/8, $0xc056000000000000
GLOBL expK<>(SB), RODATA|NOPTR, $416

// EXPP turns r (Y1) into p(r) (Y3); Y7 holds 1.
#define EXPP \
	VMOVUPD     expK<>+128(SB), Y3; \
	VFMADD213PD expK<>+160(SB), Y1, Y3; \
	VFMADD213PD expK<>+192(SB), Y1, Y3; \
	VFMADD213PD expK<>+224(SB), Y1, Y3; \
	VFMADD213PD expK<>+256(SB), Y1, Y3; \
	VFMADD213PD expK<>+288(SB), Y1, Y3; \
	VFMADD213PD Y7, Y1, Y3; \
	VFMADD213PD Y7, Y1, Y3

// EXP2N multiplies p (Y3) by 2^n (n in Y2, as doubles), using Y4.
#define EXP2N \
	VCVTPD2DQY Y2, X4; \
	VPMOVSXDQ  X4, Y4; \
	VPSLLQ     $52, Y4, Y4; \
	VPADDQ     Y4, Y3, Y3

// func geluAVX2(x *float32, n int)
// n is a multiple of 8; x is updated in place, 4 floats per step.
TEXT ·geluAVX2(SB), NOSPLIT, $0-16
	MOVQ    x+0(FP), DI
	MOVQ    n+8(FP), CX
	SHRQ    $2, CX
	JZ      done
	VMOVUPD expK<>+32(SB), Y6
	VMOVUPD expK<>+320(SB), Y7

loop:
	VCVTPS2PD    (DI), Y0
	VMULPD       Y0, Y0, Y1
	VFMADD213PD  expK<>+0(SB), Y6, Y1 // t = -2c - 2c·0.044715·v²
	VMULPD       Y1, Y0, Y1         // z = v·t
	VMAXPD       expK<>+384(SB), Y1, Y1
	VMINPD       expK<>+352(SB), Y1, Y1
	VMULPD       expK<>+64(SB), Y1, Y2
	VROUNDPD     $0, Y2, Y2          // n
	VFNMADD231PD expK<>+96(SB), Y2, Y1 // r = z - n·ln 2
	EXPP                             // p(r)
	EXP2N                            // exp(z) = p·2^n
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

// func expSumAVX2(x *float32, n int, scale, shift float64) float64
// sets x[i] = exp(x[i]·scale - shift) and returns their sum; n is a
// multiple of 8.
TEXT ·expSumAVX2(SB), NOSPLIT, $0-40
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSD scale+16(FP), Y5
	VBROADCASTSD shift+24(FP), Y6
	VMOVUPD      expK<>+320(SB), Y7
	VXORPD       Y8, Y8, Y8
	SHRQ         $2, CX
	JZ           sum

loop:
	VCVTPS2PD    (DI), Y1
	VFMSUB213PD  Y6, Y5, Y1          // z = x·scale - shift
	VMAXPD       expK<>+384(SB), Y1, Y1
	VMINPD       expK<>+352(SB), Y1, Y1
	VMULPD       expK<>+64(SB), Y1, Y2
	VROUNDPD     $0, Y2, Y2          // n
	VFNMADD231PD expK<>+96(SB), Y2, Y1 // r = z - n·ln 2
	EXPP
	EXP2N                            // exp(z)
	VADDPD       Y3, Y8, Y8
	VCVTPD2PSY   Y3, X3
	VMOVUPS      X3, (DI)
	ADDQ         $16, DI
	DECQ         CX
	JNZ          loop

sum:
	VEXTRACTF128 $1, Y8, X1
	VADDPD       X1, X8, X0
	VHADDPD      X0, X0, X0
	VZEROUPPER
	MOVSD        X0, ret+32(FP)
	RET
