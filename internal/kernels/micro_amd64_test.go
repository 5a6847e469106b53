//go:build amd64 && !purego

package kernels

import "testing"

// BenchmarkMicroKernel measures the prefill micro-kernels alone on
// L1-resident data: the ceiling for MulT's GFLOP/s.
func BenchmarkMicroKernel(b *testing.B) {
	for _, s := range []struct {
		name string
		simd *simd
	}{{"avx2", &avx2}, {"avx512", &avx512}} {
		b.Run(s.name, func(b *testing.B) {
			restore, ok := setLevel(s.name)
			defer restore()
			if !ok {
				b.Skipf("variant %s not available", s.name)
			}
			nr, k := s.simd.nr, 256
			a := make([]float32, mr*k)
			p := make([]float32, k*nr)
			c := make([]float32, mr*nr)
			for b.Loop() {
				s.simd.gemm(&c[0], nr*4, &a[0], k*4, &p[0], nr*4, k, 1)
			}
			flop := 2 * float64(mr*nr*k) * float64(b.N)
			b.ReportMetric(flop/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
