package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchVariants runs f under every available kernel family.
func benchVariants(b *testing.B, f func(b *testing.B)) {
	for _, name := range variants {
		b.Run(name, func(b *testing.B) {
			restore, ok := setLevel(name)
			if !ok {
				b.Skipf("variant %s not available on this CPU/build", name)
			}
			defer restore()
			f(b)
		})
	}
}

var benchMats = map[string]Mat{}

// benchMat returns a cached random matrix (building the 50257×768 ones is slow).
func benchMat(rows, cols int, d DType) *Mat {
	key := fmt.Sprint(rows, cols, d)
	m, ok := benchMats[key]
	if !ok {
		m = randMat(rand.New(rand.NewPCG(uint64(rows), uint64(cols))), rows, cols, d)
		benchMats[key] = m
	}
	return &m
}

// BenchmarkMulT measures the Conv1D product at GPT-2 124M shapes, one thread.
// T=1 (decode) reports weight bytes streamed per second; T>1 (prefill) GFLOP/s.
func BenchmarkMulT(b *testing.B) {
	cases := []struct{ rows, cols, T int }{
		{768, 2304, 1}, {768, 3072, 1}, {3072, 768, 1},
		{768, 3072, 128}, {768, 3072, 512},
	}
	benchVariants(b, func(b *testing.B) {
		for _, d := range dtypes {
			for _, c := range cases {
				b.Run(fmt.Sprintf("%v/%dx%d/T=%d", d, c.rows, c.cols, c.T), func(b *testing.B) {
					if Name() == "generic" && c.T > 1 && testing.Short() {
						b.Skip("generic prefill is slow; run without -short")
					}
					w := benchMat(c.rows, c.cols, d)
					x := randVec(rand.New(rand.NewPCG(1, 1)), c.T*c.rows)
					y := make([]float32, c.T*c.cols)
					if c.T == 1 {
						b.SetBytes(int64(w.Bytes()))
					}
					for b.Loop() {
						MulT(y, c.cols, x, c.rows, c.T, w, 0, c.cols)
					}
					if c.T > 1 {
						flop := 2 * float64(c.T) * float64(c.rows) * float64(c.cols) * float64(b.N)
						b.ReportMetric(flop/b.Elapsed().Seconds()/1e9, "GFLOP/s")
					}
				})
			}
		}
	})
}

// BenchmarkMul measures the tied unembedding logits = E·h, E [50257, 768].
func BenchmarkMul(b *testing.B) {
	const V, C = 50257, 768
	benchVariants(b, func(b *testing.B) {
		for _, d := range dtypes {
			for _, T := range []int{1, 4} {
				b.Run(fmt.Sprintf("%v/%dx%d/T=%d", d, V, C, T), func(b *testing.B) {
					w := benchMat(V, C, d)
					x := randVec(rand.New(rand.NewPCG(1, 1)), T*C)
					y := make([]float32, T*V)
					if T == 1 {
						b.SetBytes(int64(w.Bytes()))
					}
					for b.Loop() {
						Mul(y, V, x, C, T, w, 0, V)
					}
					if T > 1 {
						flop := 2 * float64(T) * V * C * float64(b.N)
						b.ReportMetric(flop/b.Elapsed().Seconds()/1e9, "GFLOP/s")
					}
				})
			}
		}
	})
}

// BenchmarkMemRead is the bandwidth yardstick for the T=1 products: Dot
// over two 16 MiB vectors, far larger than the caches, reads 32 MiB per op.
func BenchmarkMemRead(b *testing.B) {
	const n = 4 << 20
	rng := rand.New(rand.NewPCG(2, 2))
	a, c := randVec(rng, n), randVec(rng, n)
	benchVariants(b, func(b *testing.B) {
		b.SetBytes(8 * n)
		for b.Loop() {
			Dot(a, c)
		}
	})
}

// BenchmarkDot and BenchmarkAxpy use the attention head size, 64.
func BenchmarkDot(b *testing.B) {
	a, c := make([]float32, 64), make([]float32, 64)
	benchVariants(b, func(b *testing.B) {
		b.SetBytes(8 * 64)
		for b.Loop() {
			Dot(a, c)
		}
	})
}

func BenchmarkAxpy(b *testing.B) {
	y, x := make([]float32, 64), make([]float32, 64)
	benchVariants(b, func(b *testing.B) {
		b.SetBytes(8 * 64)
		for b.Loop() {
			Axpy(y, 0.5, x)
		}
	})
}

// BenchmarkGELU uses the MLP width, 3072.
func BenchmarkGELU(b *testing.B) {
	x := randVec(rand.New(rand.NewPCG(3, 3)), 3072)
	benchVariants(b, func(b *testing.B) {
		y := make([]float32, len(x))
		b.SetBytes(4 * 3072)
		for b.Loop() {
			copy(y, x)
			GELU(y)
		}
	})
}
