//go:build amd64 && !purego

#include "textflag.h"

// GELU (tanh form) rewritten as a logistic, evaluated in float64:
//
//	0.5·v·(1 + tanh(u)) = v / (1 + exp(-2u)),  u = √(2/π)·(v + 0.044715·v³)
//
// exp(z), z clamped to [-88, 88], is 2^n·p(r) with n = round(z·log2 e),
// r = z - n·ln 2 (|r| ≤ 0.35) and p the degree-7 Taylor polynomial (error
// below 1e-8): ample for float32 results, also in the far negative tail
// where the float32 argument alone would lose digits.

#define CONST(v, z) \
	MOVQ         $v, AX; \
	VPBROADCASTQ AX, z

// func geluAVX512(x *float32, n int)
// n is a multiple of 8; x is updated in place.
TEXT ·geluAVX512(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	SHRQ $3, CX
	JZ   done
	CONST(0xbff9884533d43651, Z16) // -2·√(2/π)
	CONST(0xbfb2444f2a4d8b4b, Z17) // -2·√(2/π)·0.044715
	CONST(0x3ff71547652b82fe, Z18) // log2 e
	CONST(0x3fe62e42fefa39ef, Z19) // ln 2
	CONST(0x3f2a01a01a01a01a, Z20) // 1/7!
	CONST(0x3f56c16c16c16c17, Z21) // 1/6!
	CONST(0x3f81111111111111, Z22) // 1/5!
	CONST(0x3fa5555555555555, Z23) // 1/4!
	CONST(0x3fc5555555555555, Z24) // 1/3!
	CONST(0x3fe0000000000000, Z25) // 1/2
	CONST(0x3ff0000000000000, Z26) // 1
	CONST(0x4056000000000000, Z27) // 88
	CONST(0xc056000000000000, Z28) // -88

loop:
	VCVTPS2PD     (DI), Z0
	VMULPD        Z0, Z0, Z1
	VFMADD213PD   Z16, Z17, Z1 // t = -2c - 2c·0.044715·v²
	VMULPD        Z1, Z0, Z1   // z = -2u = v·t
	VMAXPD        Z28, Z1, Z1
	VMINPD        Z27, Z1, Z1
	VMULPD        Z18, Z1, Z2
	VRNDSCALEPD   $0, Z2, Z2   // n
	VFNMADD231PD  Z19, Z2, Z1  // r = z - n·ln 2
	VMOVAPD       Z20, Z3
	VFMADD213PD   Z21, Z1, Z3
	VFMADD213PD   Z22, Z1, Z3
	VFMADD213PD   Z23, Z1, Z3
	VFMADD213PD   Z24, Z1, Z3
	VFMADD213PD   Z25, Z1, Z3
	VFMADD213PD   Z26, Z1, Z3
	VFMADD213PD   Z26, Z1, Z3  // p(r)
	VSCALEFPD     Z2, Z3, Z3   // exp(z) = p·2^n
	VADDPD        Z26, Z3, Z3
	VDIVPD        Z3, Z0, Z0   // v / (1 + exp(z))
	VCVTPD2PS     Z0, Y0
	VMOVUPS       Y0, (DI)
	ADDQ          $32, DI
	DECQ          CX
	JNZ           loop

done:
	VZEROUPPER
	RET
