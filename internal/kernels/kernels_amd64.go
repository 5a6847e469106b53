//go:build amd64 && !purego

package kernels

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// archImpls returns the SIMD families this CPU and OS support, slowest first.
// golang.org/x/sys/cpu only reports AVX/AVX-512 when the OS saves their
// registers (XGETBV), and honours GODEBUG=cpu.avx512f=off.
func archImpls() []impl {
	x := &cpu.X86
	var out []impl
	if !(x.HasAVX2 && x.HasFMA && x.HasF16C) {
		return nil
	}
	out = append(out, avx2.impl("avx2"))
	if x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL {
		if !x.HasAVX512VNNI {
			avx512.q8, avx512.q8name, avx512.q84 = q8AVX2, avx2.q8name, q8AVX2x4
		}
		out = append(out, avx512.impl("avx512"))
	}
	return out
}

var avx2 = simd{
	gemv:    [3]func(y, x *float32, w unsafe.Pointer, rows, ldw, n, head, tail int){gemvF32AVX2, gemvF16AVX2, gemvBF16AVX2},
	rowdot:  [3]func(y, x *float32, w unsafe.Pointer, ldw, n int){rowdotF32AVX2, rowdotF16AVX2, rowdotBF16AVX2},
	rowdot4: [3]func(y, x *float32, w unsafe.Pointer, ldw, n int){rowdot4F32AVX2, rowdot4F16AVX2, rowdot4BF16AVX2},
	q8:      q8AVX2,
	q8name:  "avx2",
	q84:     q8AVX2x4,
	q8quant: q8QuantAVX2,
	qtile:   quantTileAVX2,
	// A whole prefill of GPT-2 124M shapes on 2 threads, a token at a
	// time against the product: F16 3 tokens 18.0 ms against 20.0, 4 even,
	// 6 tokens 26.7 against 20.3 (BF16 alike); F32 4 tokens 27.0 against
	// 31.4, 6 tokens 32.6 against 29.7.
	gemvMaxT: [3]int{5, 3, 3},
	gemm:     gemm6x16AVX2,
	gemm16:   [2]gemmU16{gemm6x16F16AVX2, gemm6x16BF16AVX2},
	nr:       16,
	cvtF16:   cvtF16AVX2,
	cvtBF:    cvtBF16AVX2,
	toF16:    toF16AVX2,
	dot:      dotAVX2,
	xorSum:   xorSumAVX2,
	axpy:     axpyAVX2,
	gelu:     geluAVX2,
	expSum:   expSumAVX2,
	lnSum:    lnSumAVX2,
	lnSqDev:  lnSqDevAVX2,
	lnApply:  lnApplyAVX2,
}

var avx512 = simd{
	gemv:      [3]func(y, x *float32, w unsafe.Pointer, rows, ldw, n, head, tail int){gemvF32AVX512, gemvF16AVX512, gemvBF16AVX512},
	rowdot:    [3]func(y, x *float32, w unsafe.Pointer, ldw, n int){rowdotF32AVX512, rowdotF16AVX512, rowdotBF16AVX512},
	rowdotAny: true,
	rowdot4:   [3]func(y, x *float32, w unsafe.Pointer, ldw, n int){rowdot4F32AVX512, rowdot4F16AVX512, rowdot4BF16AVX512},
	q8:        q8VNNI,
	q8name:    "avx512-vnni",
	q84:       q8VNNI4,
	q8quant:   q8QuantAVX512,
	qtile:     quantTileAVX512,
	// With W multiplied where it lies the product is as fast from 2 or 3
	// tokens on: F16 2 tokens 10.6 ms a token at a time against 12.6, 3
	// even, 4 tokens 15.6 against 13.9; F32 2 tokens 17.0 against 16.6, 3
	// tokens 20.7 against 16.5.
	gemvMaxT: [3]int{2, 2, 2},
	gemm:     gemm6x64AVX512,
	gemm16:   [2]gemmU16{gemm6x64F16AVX512, gemm6x64BF16AVX512},
	nr:       64,
	cvtF16:   cvtF16AVX2,
	cvtBF:    cvtBF16AVX2,
	toF16:    toF16AVX2,
	dot:      dotAVX512,
	xorSum:   xorSumAVX512,
	axpy:     axpyAVX512,
	gelu:     geluAVX512,
	expSum:   expSumAVX512,
	lnSum:    lnSumAVX512,
	lnSqDev:  lnSqDevAVX512,
	lnApply:  lnApplyAVX512,
}

// dotAVX2 and dotAVX512 return
//
//	Σ_{i<n} a[i]·b[i]
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

//go:noescape
func dotAVX512(a, b *float32, n int) float32

// xorSumAVX2 and xorSumAVX512 return the XOR of the n/8 little-endian
// words at p (n a multiple of 256).
//
//go:noescape
func xorSumAVX2(p *byte, n int) uint64

//go:noescape
func xorSumAVX512(p *byte, n int) uint64

// axpyAVX2 and axpyAVX512 compute
//
//	for i := 0; i < n; i++ { y[i] += alpha * x[i] }
//
//go:noescape
func axpyAVX2(y *float32, alpha float32, x *float32, n int)

//go:noescape
func axpyAVX512(y *float32, alpha float32, x *float32, n int)

// The gemv kernels compute, with W[i, j] the element at w + i*ldw (bytes) + j,
// n a multiple of 16, rows a multiple of 4 and head and tail in 0..15 (the
// columns they read, -head..n+tail-1, must hold 16: n+head+tail >= 16):
//
//	for i := 0; i < rows; i++ {
//		for j := -head; j < n+tail; j++ {
//			y[j] += x[i] * W[i, j]
//		}
//	}
//
// F16 converts with VCVTPH2PS, BF16 shifts left 16 bits.
//
//go:noescape
func gemvF32AVX2(y, x *float32, w unsafe.Pointer, rows, ldw, n, head, tail int)

//go:noescape
func gemvF16AVX2(y, x *float32, w unsafe.Pointer, rows, ldw, n, head, tail int)

//go:noescape
func gemvBF16AVX2(y, x *float32, w unsafe.Pointer, rows, ldw, n, head, tail int)

//go:noescape
func gemvF32AVX512(y, x *float32, w unsafe.Pointer, rows, ldw, n, head, tail int)

//go:noescape
func gemvF16AVX512(y, x *float32, w unsafe.Pointer, rows, ldw, n, head, tail int)

//go:noescape
func gemvBF16AVX512(y, x *float32, w unsafe.Pointer, rows, ldw, n, head, tail int)

// The rowdot kernels compute, with W[r, j] the element at w + r*ldw (bytes) + j
// and n a multiple of 16. The AVX-512 float kernels take any n
// and any alignment: they mask a row's first and last chunk, loading x from
// as far below x as the row starts above an aligned chunk (see mulRows).
//
//	for r := 0; r < 4; r++ {
//		y[r] = 0
//		for j := 0; j < n; j++ {
//			y[r] += W[r, j] * x[j]
//		}
//	}
//
//go:noescape
func rowdotF32AVX2(y, x *float32, w unsafe.Pointer, ldw, n int)

//go:noescape
func rowdotF16AVX2(y, x *float32, w unsafe.Pointer, ldw, n int)

//go:noescape
func rowdotBF16AVX2(y, x *float32, w unsafe.Pointer, ldw, n int)

//go:noescape
func rowdotF32AVX512(y, x *float32, w unsafe.Pointer, ldw, n int)

//go:noescape
func rowdotF16AVX512(y, x *float32, w unsafe.Pointer, ldw, n int)

//go:noescape
func rowdotBF16AVX512(y, x *float32, w unsafe.Pointer, ldw, n int)

// The rowdot4 kernels are the rowdots reading the 4 rows side by side,
// each row summed exactly as the rowdot of the same family sums it (the
// AVX-512 ones with ldw a multiple of 64 bytes for F32, 32 for F16 and
// BF16).
//
//go:noescape
func rowdot4F32AVX2(y, x *float32, w unsafe.Pointer, ldw, n int)

//go:noescape
func rowdot4F16AVX2(y, x *float32, w unsafe.Pointer, ldw, n int)

//go:noescape
func rowdot4BF16AVX2(y, x *float32, w unsafe.Pointer, ldw, n int)

//
//go:noescape
func rowdot4F32AVX512(y, x *float32, w unsafe.Pointer, ldw, n int)

//go:noescape
func rowdot4F16AVX512(y, x *float32, w unsafe.Pointer, ldw, n int)

//go:noescape
func rowdot4BF16AVX512(y, x *float32, w unsafe.Pointer, ldw, n int)

// gemm6x16AVX2 and gemm6x64AVX512 are the register-blocked micro-kernels of
// the prefill product, for NR = 16 and 64 respectively (strides in bytes;
// the F16 and BF16 ones below read b as stored, widening it as they load):
//
//	for r := 0; r < 6; r++ {
//		for j := 0; j < NR; j++ {
//			var sum float32
//			for k := 0; k < kc; k++ {
//				sum += a[r*lda+k] * b[k*ldb+j]
//			}
//			if acc != 0 {
//				sum += c[r*ldc+j]
//			}
//			c[r*ldc+j] = sum
//		}
//	}
//
//go:noescape
func gemm6x16AVX2(c *float32, ldc int, a *float32, lda int, b *float32, ldb, kc, acc int)

//go:noescape
func gemm6x16F16AVX2(c *float32, ldc int, a *float32, lda int, b *uint16, ldb, kc, acc int)

//go:noescape
func gemm6x16BF16AVX2(c *float32, ldc int, a *float32, lda int, b *uint16, ldb, kc, acc int)

//go:noescape
func gemm6x64AVX512(c *float32, ldc int, a *float32, lda int, b *float32, ldb, kc, acc int)

//go:noescape
func gemm6x64F16AVX512(c *float32, ldc int, a *float32, lda int, b *uint16, ldb, kc, acc int)

//go:noescape
func gemm6x64BF16AVX512(c *float32, ldc int, a *float32, lda int, b *uint16, ldb, kc, acc int)

// cvtF16AVX2 and cvtBF16AVX2 widen n (a multiple of 8) half-precision or
// bfloat16 values to float32:
//
//	for i := 0; i < n; i++ { dst[i] = F16ToF32(src[i]) }
//
//go:noescape
func cvtF16AVX2(dst *float32, src *uint16, n int)

//go:noescape
func cvtBF16AVX2(dst *float32, src *uint16, n int)

// toF16AVX2 rounds n (a multiple of 8) floats to half precision, to
// nearest even (F16C, used by the AVX-512 family too: the KV cache's
// stores are a few hundred floats a head):
//
//	for i := 0; i < n; i++ { dst[i] = F32ToF16(src[i]) }
//
//go:noescape
func toF16AVX2(dst *uint16, src *float32, n int)

// geluAVX2 and geluAVX512 apply GELU in place to n (a multiple of 8)
// values, in float64:
//
//	for i := 0; i < n; i++ { x[i] = x[i] / (1 + exp(-2·√(2/π)·(x[i] + 0.044715·x[i]³))) }
//
// which equals 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
//
//go:noescape
func geluAVX2(x *float32, n int)

//go:noescape
func geluAVX512(x *float32, n int)

// expSumAVX2 and expSumAVX512 compute, for n a multiple of 8, in float64:
//
//	for i := 0; i < n; i++ { e := exp(float64(x[i])*scale - shift); x[i] = float32(e); sum += e }
//
// with the exponent clamped to [-88, 88].
//
//go:noescape
func expSumAVX2(x *float32, n int, scale, shift float64) float64

//go:noescape
func expSumAVX512(x *float32, n int, scale, shift float64) float64

// The ln* kernels are LayerNorm's three passes (see simd.layerNormS)
// over n floats, n a multiple of 16 (AVX2: 8): Σ x[i] and
// Σ (x[i] - mean)² in float64, then y[i] = (x[i] - m)·s·w[i] + b[i].
//
//go:noescape
func lnSumAVX2(x *float32, n int) float64

//go:noescape
func lnSqDevAVX2(x *float32, n int, mean float64) float64

//go:noescape
func lnApplyAVX2(y, x, w, b *float32, n int, m, s float32)

//go:noescape
func lnSumAVX512(x *float32, n int) float64

//go:noescape
func lnSqDevAVX512(x *float32, n int, mean float64) float64

//go:noescape
func lnApplyAVX512(y, x, w, b *float32, n int, m, s float32)

// q8VNNI (AVX-512 VNNI) and q8AVX2 are q8Dot: for each chunk c < chunks
// of 16 outputs, with blocks of 512 bytes of w and 16 scales of s, chunk
// c's kb blocks starting at block c·ld (see Mat),
//
//	y[16c+o] = Σ_{b<kb} float32(isum(c, b, o)) · F16ToF32(s[(c·ld+b)·16+o]) · xs[b]
//
// where isum(c, b, o) = corr[b] + Σ_{k<32} W·xq[32b+k] with the stored bytes
// W = w[(c·ld+b)·512 + k/4·64 + 4o + k%4], exact in int32. q8AVX2 sums
// W-128 instead and leaves corr out: the same integer.
//
//go:noescape
func q8VNNI(y *float32, xq *int8, xs *float32, corr *int32, w *byte, s *uint16, kb, chunks, ld int)

// q8VNNI4 is q8VNNI for four tokens at once (see q8_avx512_amd64.s):
// token t's outputs at y + t·ldy bytes, its activations interleaved with
// the others', xq4[(k/4)·16 + 4t + k%4], xs4[4b+t], corr4[4b+t].
//
//go:noescape
func q8VNNI4(y *float32, ldy int, xq4 *int8, xs4 *float32, corr4 *int32, w *byte, s *uint16, kb, chunks, ld int)

// q8AVX2x4 is q8AVX2 for four tokens at once, as q8VNNI4.
//
//go:noescape
func q8AVX2x4(y *float32, ldy int, xq4 *int8, xs4 *float32, corr4 *int32, w *byte, s *uint16, kb, chunks, ld int)

//go:noescape
func q8AVX2(y *float32, xq *int8, xs *float32, corr *int32, w *byte, s *uint16, kb, chunks, ld int)

// q8QuantAVX2 and q8QuantAVX512 are q8QuantGeneric over blocks blocks of 32.
//
//go:noescape
func q8QuantAVX2(xq *int8, xs *float32, corr *int32, x *float32, blocks int)

//go:noescape
func q8QuantAVX512(xq *int8, xs *float32, corr *int32, x *float32, blocks int)

// quantTileAVX2 and quantTileAVX512 are quantTileGeneric, returning 0
// where that would report a position and -1 otherwise.
//
//go:noescape
func quantTileAVX2(dst *byte, scale *uint16, src *float32, ld int) int

//go:noescape
func quantTileAVX512(dst *byte, scale *uint16, src *float32, ld int) int
