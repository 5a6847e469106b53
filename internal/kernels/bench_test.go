package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
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

// poolBytes is larger than any last-level cache, so T=1 benchmarks that walk
// through a pool of this size measure memory bandwidth, not cache bandwidth.
const poolBytes = 256 << 20

var pools = map[DType]*Mat{}

// streamMats returns views of a shared pool as rows×cols matrices, one after
// the other, covering poolBytes: cycling through them streams from DRAM as a
// model's layers do.
func streamMats(rows, cols int, d DType) []Mat {
	p, ok := pools[d]
	if !ok {
		n := poolBytes / esize(d)
		p = &Mat{Rows: 1, Cols: n, DType: d}
		rng := rand.New(rand.NewPCG(5, 5))
		switch d {
		case F32:
			p.F32 = make([]float32, n)
			for i := range p.F32 {
				p.F32[i] = float32(int32(rng.Uint32())) / (1 << 31)
			}
		case F16, BF16:
			p.U16 = make([]uint16, n)
			for i := range p.U16 {
				p.U16[i] = uint16(rng.Uint32())&0x83ff | 0x3800 // |v| in [0.5, 1)
			}
		case Q8:
			p.Q = make([]byte, n)
			p.Scale = make([]uint16, n/QBlock)
			for i := range p.Q {
				p.Q[i] = byte(1 + rng.IntN(255))
			}
			for i := range p.Scale {
				p.Scale[i] = 0x2000 // 2^-7
			}
		}
		pools[d] = p
	}
	size := rows * cols
	if d == Q8 {
		size, _ = QLen(rows, cols)
	}
	var ms []Mat
	for k := 0; (k+1)*size <= p.Cols; k++ {
		m := Mat{Rows: rows, Cols: cols, DType: d}
		lo, hi := k*size, (k+1)*size
		switch d {
		case F32:
			m.F32 = p.F32[lo:hi]
		case F16, BF16:
			m.U16 = p.U16[lo:hi]
		case Q8:
			m.Q, m.Scale = p.Q[lo:hi], p.Scale[lo/QBlock:hi/QBlock]
		}
		ms = append(ms, m)
	}
	return ms
}

// BenchmarkMulT measures the Conv1D product at GPT-2 124M shapes, one thread.
// T=1 (decode) reports weight bytes streamed per second from DRAM (cycling
// through 256 MiB of matrices); T>1 (prefill) reports GFLOP/s.
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
					x := randVec(rand.New(rand.NewPCG(1, 1)), c.T*c.rows)
					y := make([]float32, c.T*c.cols)
					if c.T == 1 {
						ws := streamMats(c.rows, c.cols, d)
						b.SetBytes(int64(ws[0].Bytes()))
						k := 0
						for b.Loop() {
							MulT(y, c.cols, x, c.rows, 1, &ws[k], 0, c.cols)
							k = (k + 1) % len(ws)
						}
						return
					}
					w := benchMat(c.rows, c.cols, d)
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
					var w *Mat
					if d == Q8 { // laid out for Mul: randMat's Q8 sums over rows
						q := randQ8(rand.New(rand.NewPCG(V, C)), V, C, true)
						w = &q
					} else {
						w = benchMat(V, C, d)
					}
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

// BenchmarkMemRead is the bandwidth yardstick for the T=1 products: XorSum
// over 256 MiB, the size of gpt2 bench's buffer (XorSum runs the fastest
// family whatever the variant). On a VM whose L3 is about as large but
// shared with other guests, 1 and 3 GiB read within 3% of it. Dot, summing the same bytes as floats, is
// there to show what two loads and a multiply-add chain a line cost.
func BenchmarkMemRead(b *testing.B) {
	buf := make([]byte, poolBytes)
	for i := range buf {
		buf[i] = byte(i)
	}
	b.Run("xorsum", func(b *testing.B) {
		b.SetBytes(poolBytes)
		for b.Loop() {
			XorSum(buf)
		}
	})
	f := unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(buf))), poolBytes/4)
	for i := range f {
		f[i] = 1
	}
	benchVariants(b, func(b *testing.B) {
		b.SetBytes(poolBytes)
		for b.Loop() {
			Dot(f, f)
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
