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
		out = append(out, avx512.impl("avx512"))
	}
	return out
}

var avx2 = simd{
	gemv:    [4]func(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int){gemvF32AVX2, gemvF16AVX2, gemvBF16AVX2, gemvQ8AVX2},
	rowdot:  [4]func(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int){rowdotF32AVX2, rowdotF16AVX2, rowdotBF16AVX2, rowdotQ8AVX2},
	gemm:    gemm6x16AVX2,
	nr:      16,
	cvtF16:  cvtF16AVX2,
	cvtBF:   cvtBF16AVX2,
	cvtQ8:   cvtQ8AVX2,
	dot:     dotAVX2,
	axpy:    axpyAVX2,
	gelu:    geluAVX2,
	expSum:  expSumAVX2,
	lnSum:   lnSumAVX2,
	lnSqDev: lnSqDevAVX2,
	lnApply: lnApplyAVX2,
	quant:   quantRowAVX2,
}

var avx512 = simd{
	gemv:      [4]func(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int){gemvF32AVX512, gemvF16AVX512, gemvBF16AVX512, gemvQ8AVX512},
	rowdot:    [4]func(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int){rowdotF32AVX512, rowdotF16AVX512, rowdotBF16AVX512, rowdotQ8AVX512},
	rowdotAny: true,
	q8cols:    32,
	gemm:      gemm6x64AVX512,
	nr:        64,
	cvtF16:    cvtF16AVX2,
	cvtBF:     cvtBF16AVX2,
	cvtQ8:     cvtQ8AVX2,
	dot:       dotAVX512,
	axpy:      axpyAVX512,
	gelu:      geluAVX512,
	expSum:    expSumAVX512,
	lnSum:     lnSumAVX512,
	lnSqDev:   lnSqDevAVX512,
	lnApply:   lnApplyAVX512,
	quant:     quantRowAVX512,
}

// dotAVX2 and dotAVX512 return
//
//	Σ_{i<n} a[i]·b[i]
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

//go:noescape
func dotAVX512(a, b *float32, n int) float32

// axpyAVX2 and axpyAVX512 compute
//
//	for i := 0; i < n; i++ { y[i] += alpha * x[i] }
//
//go:noescape
func axpyAVX2(y *float32, alpha float32, x *float32, n int)

//go:noescape
func axpyAVX512(y *float32, alpha float32, x *float32, n int)

// The gemv kernels compute, with W[i, j] the element at w + i*ldw (bytes) + j
// and n a multiple of 16, rows a multiple of 4:
//
//	for i := 0; i < rows; i++ {
//		for j := 0; j < n; j++ {
//			y[j] += x[i] * W[i, j]
//		}
//	}
//
// F16 converts with VCVTPH2PS, BF16 shifts left 16 bits, Q8 multiplies by
// the scale of (i, j0+j), s[Mat.ScaleIndex(i, j0+j)] (the Q8 row length ldw
// is a multiple of 32, j0%16 == 0; gemvQ8AVX512 needs n and j0 to be
// multiples of 32).
//
//go:noescape
func gemvF32AVX2(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)

//go:noescape
func gemvF16AVX2(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)

//go:noescape
func gemvBF16AVX2(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)

//go:noescape
func gemvQ8AVX2(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)

//go:noescape
func gemvF32AVX512(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)

//go:noescape
func gemvF16AVX512(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)

//go:noescape
func gemvBF16AVX512(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)

//go:noescape
func gemvQ8AVX512(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)

// The rowdot kernels compute, with W[r, j] the element at w + r*ldw (bytes) + j
// and n a multiple of 16 (32 for Q8). The AVX-512 float kernels take any n
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
// Q8 multiplies by s[Mat.ScaleIndex(r, j)], rows 0-3 in one group of 8.
//
//go:noescape
func rowdotF32AVX2(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)

//go:noescape
func rowdotF16AVX2(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)

//go:noescape
func rowdotBF16AVX2(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)

//go:noescape
func rowdotQ8AVX2(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)

//go:noescape
func rowdotF32AVX512(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)

//go:noescape
func rowdotF16AVX512(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)

//go:noescape
func rowdotBF16AVX512(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)

//go:noescape
func rowdotQ8AVX512(y, x *float32, w unsafe.Pointer, s *float32, ldw, n int)

// gemm6x16AVX2 and gemm6x64AVX512 are the register-blocked micro-kernels of
// the prefill product, for NR = 16 and 64 respectively (strides in bytes):
//
//	for r := 0; r < 6; r++ {
//		for j := 0; j < NR; j++ {
//			var sum float32
//			for k := 0; k < kc; k++ {
//				sum += a[r*lda+k] * b[k*NR+j]
//			}
//			if acc != 0 {
//				sum += c[r*ldc+j]
//			}
//			c[r*ldc+j] = sum
//		}
//	}
//
//go:noescape
func gemm6x16AVX2(c *float32, ldc int, a *float32, lda int, b *float32, kc, acc int)

//go:noescape
func gemm6x64AVX512(c *float32, ldc int, a *float32, lda int, b *float32, kc, acc int)

// cvtF16AVX2 and cvtBF16AVX2 widen n (a multiple of 8) half-precision or
// bfloat16 values to float32:
//
//	for i := 0; i < n; i++ { dst[i] = F16ToF32(src[i]) }
//
//go:noescape
func cvtF16AVX2(dst *float32, src *uint16, n int)

//go:noescape
func cvtBF16AVX2(dst *float32, src *uint16, n int)

// cvtQ8AVX2 dequantises n (a multiple of 16) int8 values of one row,
// starting at column j0 (a multiple of 16), with s the row's first scale
// (the next block's is 8 scales on, see Mat.ScaleIndex):
//
//	for i := 0; i < n; i++ { dst[i] = float32(q[i]) * s[(j0+i)/32*8] }
//
//go:noescape
func cvtQ8AVX2(dst *float32, q *int8, s *float32, j0, n int)

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

// quantRowAVX2 and quantRowAVX512 quantize a row of blocks·32 floats, as
// quantRowGeneric, and return the first block holding a NaN or ±Inf, or -1.
//
//go:noescape
func quantRowAVX2(dst *int8, scale *float32, src *float32, blocks int) int

//go:noescape
func quantRowAVX512(dst *int8, scale *float32, src *float32, blocks int) int
