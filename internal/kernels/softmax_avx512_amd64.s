//go:build amd64 && !purego

#include "textflag.h"

// The exponentials of a softmax, evaluated in float64 as in gelu_avx512_amd64.s:
// exp(z), z clamped to [-88, 88], is 2^k·p(r) with k = round(z·log2 e),
// r = z - k·ln 2 and p the degree-7 Taylor polynomial.

#define CONST(v, z) \
	MOVQ         $v, AX; \
	VPBROADCASTQ AX, z

// func expSumAVX512(x *float32, n int, scale, shift float64) float64
// n is a multiple of 8; x is updated in place.
TEXT ·expSumAVX512(SB), NOSPLIT, $0-40
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSD scale+16(FP), Z16
	VBROADCASTSD shift+24(FP), Z17
	VXORPD       Z15, Z15, Z15
	SHRQ         $3, CX
	JZ           done
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
	VCVTPS2PD    (DI), Z1
	VFMSUB213PD  Z17, Z16, Z1 // z = x·scale - shift
	VMAXPD       Z28, Z1, Z1
	VMINPD       Z27, Z1, Z1
	VMULPD       Z18, Z1, Z2
	VRNDSCALEPD  $0, Z2, Z2   // k
	VFNMADD231PD Z19, Z2, Z1  // r = z - k·ln 2
	VMOVAPD      Z20, Z3
	VFMADD213PD  Z21, Z1, Z3
	VFMADD213PD  Z22, Z1, Z3
	VFMADD213PD  Z23, Z1, Z3
	VFMADD213PD  Z24, Z1, Z3
	VFMADD213PD  Z25, Z1, Z3
	VFMADD213PD  Z26, Z1, Z3
	VFMADD213PD  Z26, Z1, Z3  // p(r)
	VSCALEFPD    Z2, Z3, Z3   // exp(z) = p·2^k
	VADDPD       Z3, Z15, Z15
	VCVTPD2PS    Z3, Y3
	VMOVUPS      Y3, (DI)
	ADDQ         $32, DI
	DECQ         CX
	JNZ          loop

done:
	VEXTRACTF64X4 $1, Z15, Y1
	VADDPD        Y1, Y15, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPD        X1, X0, X0
	VHADDPD       X0, X0, X0
	VMOVSD        X0, ret+32(FP)
	VZEROUPPER
	RET
