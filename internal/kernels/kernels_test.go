package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

var variants = []string{"generic", "avx2", "avx512"}

// forEachVariant runs f as a subtest under every kernel family, skipping
// (visibly) the ones this CPU or build cannot run.
func forEachVariant(t *testing.T, f func(t *testing.T)) {
	for _, name := range variants {
		t.Run(name, func(t *testing.T) {
			restore, ok := setLevel(name)
			if !ok {
				t.Skipf("variant %s not available on this CPU/build", name)
			}
			defer restore()
			f(t)
		})
	}
}

var dtypes = []DType{F32, F16, BF16, Q8}

// randMat returns a rows×cols matrix of dtype d with values of magnitude
// about 1, including some zeros and F16 subnormals.
func randMat(rng *rand.Rand, rows, cols int, d DType) Mat {
	n := rows * cols
	m := Mat{Rows: rows, Cols: cols, DType: d}
	switch d {
	case F32:
		m.F32 = make([]float32, n)
		for i := range m.F32 {
			m.F32[i] = float32(rng.NormFloat64())
		}
	case F16:
		m.U16 = make([]uint16, n)
		for i := range m.U16 {
			sign := uint16(rng.IntN(2)) << 15
			exp := uint16(10 + rng.IntN(8)) // 2^-5 .. 2^2
			if rng.IntN(50) == 0 {
				exp = 0 // subnormal or zero
			}
			m.U16[i] = sign | exp<<10 | uint16(rng.IntN(1024))
		}
	case BF16:
		m.U16 = make([]uint16, n)
		for i := range m.U16 {
			sign := uint16(rng.IntN(2)) << 15
			exp := uint16(122 + rng.IntN(8))
			m.U16[i] = sign | exp<<7 | uint16(rng.IntN(128))
		}
	case Q8:
		return randQ8(rng, rows, cols, false)
	}
	return m
}

// randQ8 returns a Q8 matrix laid out for MulT (or Mul if forMul) with
// random bytes 1..255 (values ±127) and scales in [1/254, 1/127), and
// zero weights and scales in the padding to a whole chunk.
func randQ8(rng *rand.Rand, rows, cols int, forMul bool) Mat {
	m := Mat{Rows: rows, Cols: cols, DType: Q8, QMul: forMul}
	K, N := m.qDims()
	if K%QBlock != 0 {
		panic("randQ8: the summed dimension must be a multiple of 32")
	}
	nq, ns := QLen(K, N)
	m.Q, m.Scale = make([]byte, nq), make([]uint16, ns)
	for i := range m.Q {
		m.Q[i] = 128
	}
	for k := range K {
		for n := range N {
			q, s := qIndex(K/QBlock, k, n)
			m.Q[q] = byte(1 + rng.IntN(255))
			m.Scale[s] = f32ToF16(float32(rng.Float64()+1) / 254)
		}
	}
	return m
}

func randVec(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

const guard = 64 // floats of guard region on each side of outputs

var sentinel = math.Float32frombits(0x7fc0dead) // a NaN no kernel produces

// guarded returns a slice of n floats, starting off floats into its
// allocation, surrounded by sentinels.
func guarded(n, off int) (all, s []float32) {
	all = make([]float32, guard+off+n+guard)
	for i := range all {
		all[i] = sentinel
	}
	return all, all[guard+off : guard+off+n]
}

// checkGuards reports any float outside the written positions that is no
// longer the sentinel. written(i) tells whether index i of s may be written.
func checkGuards(t *testing.T, all []float32, off, n int, written func(i int) bool) {
	t.Helper()
	for i, v := range all {
		k := i - guard - off
		if k >= 0 && k < n && written(k) {
			continue
		}
		if math.Float32bits(v) != math.Float32bits(sentinel) {
			t.Fatalf("stray store at offset %d from output start (value %v)", k, v)
		}
	}
}

// near reports whether got is within the float32 summation error of want,
// the exact sum, whose terms have absolute sum abs.
func near(got float32, want, abs float64) bool {
	return math.Abs(float64(got)-want) <= 1e-5*abs+1e-6 && !math.IsNaN(float64(got))
}

type shape struct{ rows, cols int }

// prodCase is one MulT or Mul call with its exact (float64) answer, computed
// once and shared by all variants.
type prodCase struct {
	name          string
	w             *Mat
	T, lo, n, off int
	x             []float32 // starts at the (possibly unaligned) first input
	ldx, ldy      int
	want, abs     []float64 // [T*n]: exact result and Σ|terms|
}

// dense returns w as a float64 matrix.
func dense(w *Mat) []float64 {
	d := make([]float64, w.Rows*w.Cols)
	for k := range d {
		d[k] = float64(elem(w, k))
	}
	return d
}

// newProdCase builds a case; trans selects Mul (rows lo..lo+n dotted with x)
// instead of MulT (columns lo..lo+n).
func newProdCase(rng *rand.Rand, w *Mat, wd []float64, T, lo, n, off int, trans bool) prodCase {
	in := w.Rows
	if trans {
		in = w.Cols
	}
	c := prodCase{w: w, T: T, lo: lo, n: n, off: off, ldx: in + off + 2, ldy: n + 3}
	kind := "MulT"
	if trans {
		kind = "Mul"
	}
	c.name = fmt.Sprintf("%s/%v/%dx%d/T=%d/lo=%d,n=%d/off=%d", kind, w.DType, w.Rows, w.Cols, T, lo, n, off)
	c.x = randVec(rng, off+(T-1)*c.ldx+in)[off:]
	c.want, c.abs = make([]float64, T*n), make([]float64, T*n)
	for t := 0; t < T; t++ {
		xt := make([]float64, in)
		for i, v := range c.x[t*c.ldx : t*c.ldx+in] {
			xt[i] = float64(v)
		}
		if w.DType == Q8 { // Q8 products round x too
			xt = roundQ8(c.x[t*c.ldx : t*c.ldx+in])
		}
		for j := 0; j < n; j++ {
			var sum, abs float64
			for i, xi := range xt {
				var wij float64
				if trans {
					wij = wd[(lo+j)*w.Cols+i]
				} else {
					wij = wd[i*w.Cols+lo+j]
				}
				p := float64(xi) * wij
				sum += p
				abs += math.Abs(p)
			}
			c.want[t*n+j], c.abs[t*n+j] = sum, abs
		}
	}
	return c
}

func (c *prodCase) run(t *testing.T, trans bool) {
	t.Helper()
	yall, y := guarded((c.T-1)*c.ldy+c.n, c.off)
	if trans {
		Mul(y, c.ldy, c.x, c.ldx, c.T, c.w, c.lo, c.n)
	} else {
		MulT(y, c.ldy, c.x, c.ldx, c.T, c.w, c.lo, c.n)
	}
	checkGuards(t, yall, c.off, len(y), func(i int) bool { return i%c.ldy < c.n })
	for tt := 0; tt < c.T; tt++ {
		for j := 0; j < c.n; j++ {
			if got := y[tt*c.ldy+j]; !near(got, c.want[tt*c.n+j], c.abs[tt*c.n+j]) {
				t.Fatalf("%s: y[%d, %d] = %v, want %v", c.name, tt, j, got, c.want[tt*c.n+j])
			}
		}
	}
}

// mulTCases covers T in {1,2,3,4,5,7,8,13,64}, lengths from 1 to 3072,
// aligned and unaligned column ranges and slices, for every dtype.
var mulTCases = sync.OnceValue(func() []prodCase {
	small := []int{1, 2, 3, 4, 5, 7, 8, 13, 64}
	few := []int{1, 2, 7, 13}
	shapes := []struct {
		shape
		ts []int
	}{
		{shape{1, 1}, small}, {shape{4, 16}, small}, {shape{5, 17}, small},
		{shape{7, 33}, small}, {shape{8, 64}, small}, {shape{13, 65}, small},
		{shape{32, 96}, small}, {shape{63, 31}, few}, {shape{64, 128}, few},
		{shape{100, 130}, few}, {shape{256, 64}, few}, {shape{257, 160}, few},
		{shape{300, 257}, []int{1, 7}}, {shape{768, 96}, []int{1, 8}},
		{shape{96, 1040}, []int{1, 3}}, {shape{64, 33}, []int{1, 7}}, {shape{160, 17}, []int{1, 2}},
		{shape{32, 3072}, []int{1, 2}},
		{shape{3072, 32}, []int{1, 7}}, {shape{16, 3072}, []int{1, 13}},
		{shape{520, 80}, []int{1, 13}},
		// Rows longer than the 16-bit products' prefetch distance (1 KiB);
		// row counts that are multiples of 4 but not of 8 or 16.
		{shape{44, 1040}, []int{1, 3}},
		{shape{12, 64}, []int{1, 3}}, {shape{20, 96}, []int{1, 2}}, {shape{30, 32}, []int{1, 7}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var cases []prodCase
	for _, d := range dtypes {
		for _, s := range shapes {
			if d == Q8 && s.rows%QBlock != 0 {
				continue
			}
			w := randMat(rng, s.rows, s.cols, d)
			wd := dense(&w)
			for _, T := range s.ts {
				ranges := [][2]int{{0, s.cols}}
				if s.cols > 32 {
					ranges = append(ranges, [2]int{16, s.cols - 16}, [2]int{1, s.cols - 1 - s.cols%16}, [2]int{s.cols - 17, 17})
				}
				for i, r := range ranges {
					cases = append(cases, newProdCase(rng, &w, wd, T, r[0], r[1], (i+T)%2, false))
				}
			}
		}
	}
	return cases
})

// mulCases does the same for Mul, whose ranges are rows.
var mulCases = sync.OnceValue(func() []prodCase {
	shapes := []struct {
		shape
		ts []int
	}{
		{shape{1, 1}, []int{1, 2, 3}}, {shape{5, 16}, []int{1, 2, 5}},
		{shape{7, 33}, []int{1, 3}}, {shape{9, 64}, []int{1, 2, 7}},
		{shape{17, 96}, []int{1, 4, 13}}, {shape{70, 768}, []int{1, 3}},
		{shape{130, 100}, []int{1, 2}}, {shape{11, 3072}, []int{1, 2}},
		{shape{6, 15}, []int{1, 8}}, {shape{8, 65}, []int{1, 64}},
		{shape{29, 64}, []int{1, 3}}, {shape{12, 64}, []int{1, 2}}, {shape{44, 96}, []int{1, 5}},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var cases []prodCase
	for _, d := range dtypes {
		for _, s := range shapes {
			if d == Q8 && s.cols%QBlock != 0 {
				continue
			}
			var w Mat
			if d == Q8 {
				w = randQ8(rng, s.rows, s.cols, true)
			} else {
				w = randMat(rng, s.rows, s.cols, d)
			}
			wd := dense(&w)
			for _, T := range s.ts {
				ranges := [][2]int{{0, s.rows}}
				if s.rows > 4 {
					ranges = append(ranges, [2]int{1, s.rows - 2}, [2]int{s.rows - 5, 5})
				}
				for i, r := range ranges {
					for off := range 2 {
						if s.cols < 1000 || off == (i+T)%2 {
							cases = append(cases, newProdCase(rng, &w, wd, T, r[0], r[1], off, true))
						}
					}
				}
			}
		}
	}
	return cases
})

func TestMulT(t *testing.T) {
	cases := mulTCases()
	forEachVariant(t, func(t *testing.T) {
		for i := range cases {
			cases[i].run(t, false)
		}
	})
}

func TestMul(t *testing.T) {
	cases := mulCases()
	forEachVariant(t, func(t *testing.T) {
		for i := range cases {
			cases[i].run(t, true)
		}
	})
}

// TestMulAlignment runs Mul on float matrices starting at every element
// offset within a cache line, with row lengths around the 16-element chunk:
// the AVX-512 rowdots mask the first and last chunk of each row.
func TestMulAlignment(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var cases []prodCase
	for _, d := range []DType{F32, F16, BF16} {
		for _, C := range []int{1, 3, 16, 17, 40, 64, 96, 129, 768} {
			// 41 rows: decode's one-token rowdots read four of them
			// side by side (rowdot4), with every start offset.
			for _, rows := range []int{9, 41} {
				all := randMat(rng, 1, rows*C+16, d)
				for off := 0; off < 16; off++ {
					w := Mat{Rows: rows, Cols: C, DType: d}
					if d == F32 {
						w.F32 = all.F32[off : off+rows*C]
					} else {
						w.U16 = all.U16[off : off+rows*C]
					}
					T := 1 + off%3
					if rows > 9 {
						T = 1
					}
					cases = append(cases, newProdCase(rng, &w, dense(&w), T, off%2, rows-off%2, 0, true))
				}
			}
		}
	}
	forEachVariant(t, func(t *testing.T) {
		for i := range cases {
			cases[i].run(t, true)
		}
	})
}

func vecLengths() []int {
	var ls []int
	for n := 0; n <= 70; n++ {
		ls = append(ls, n)
	}
	return append(ls, 127, 128, 129, 255, 256, 257, 1000, 3071, 3072)
}

func TestDot(t *testing.T) {
	forEachVariant(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, n := range vecLengths() {
			for _, off := range []int{0, 1, 3} {
				a := randVec(rng, n+off)[off:]
				b := randVec(rng, n+off)[off:]
				var want, abs float64
				for i := range a {
					want += float64(a[i]) * float64(b[i])
					abs += math.Abs(float64(a[i]) * float64(b[i]))
				}
				if got := Dot(a, b); !near(got, want, abs) {
					t.Fatalf("n=%d off=%d: Dot = %v, want %v", n, off, got, want)
				}
			}
		}
	})
}

// TestXorSum checks every family's XorSum against the definition, byte by
// byte, on lengths around the assembly's 256-byte blocks and at offsets
// that misalign the start.
func TestXorSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	buf := make([]byte, 4096+64)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	for _, im := range impls {
		for _, n := range []int{0, 1, 7, 8, 9, 255, 256, 257, 511, 512, 1000, 4096} {
			for _, off := range []int{0, 1, 5, 64} {
				b := buf[off : off+n]
				var want uint64
				for i, c := range b {
					want ^= uint64(c) << (8 * (i % 8))
				}
				if got := im.xorSum(b); got != want {
					t.Errorf("%s: n=%d off=%d: xorSum = %#x, want %#x", im.name, n, off, got, want)
				}
			}
		}
	}
	if len(impls) < 2 {
		t.Logf("only the portable family runs here")
	}
}

func TestAxpy(t *testing.T) {
	forEachVariant(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, n := range vecLengths() {
			for _, off := range []int{0, 1, 3} {
				x := randVec(rng, n+off)[off:]
				yall, y := guarded(n, off)
				y0 := randVec(rng, n)
				copy(y, y0)
				alpha := float32(rng.NormFloat64())
				Axpy(y, alpha, x)
				checkGuards(t, yall, off, n, func(int) bool { return true })
				for i := range y {
					want := float64(y0[i]) + float64(alpha)*float64(x[i])
					abs := math.Abs(float64(y0[i])) + math.Abs(float64(alpha)*float64(x[i]))
					if !near(y[i], want, abs) {
						t.Fatalf("n=%d off=%d: y[%d] = %v, want %v", n, off, i, y[i], want)
					}
				}
			}
		}
	})
}

func TestChoose(t *testing.T) {
	best := impls[len(impls)-1].name
	for _, c := range []struct{ want, got string }{
		{"", best}, {"bogus", best}, {"generic", "generic"}, {"avx512", best},
	} {
		if got := choose(c.want).name; got != c.got {
			t.Errorf("choose(%q) = %s, want %s", c.want, got, c.got)
		}
	}
	if got := choose("avx2").name; got != "avx2" && got != "generic" {
		t.Errorf("choose(avx2) = %s", got)
	}
	if len(impls) > 1 && choose("avx2").name != "avx2" {
		t.Errorf("choose(avx2) = %s with avx2 available", choose("avx2").name)
	}
	t.Logf("kernels: %s (available: %d families)", Name(), len(impls))
}

func TestGELU(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n = 4099
	in := make([]float32, n)
	for i := range in {
		in[i] = float32(rng.Float64()*24 - 12)
	}
	copy(in, []float32{0, -0, 1e-30, -1e-30, 1e-4, -1e-4, 0.5, -0.5, 3, -3, 5, -5, 8, -8, 30, 1e4, -1e4})
	forEachVariant(t, func(t *testing.T) {
		for _, off := range []int{0, 1} {
			for _, m := range []int{0, 1, 7, 8, 9, 15, 16, 17, 64, n - off} {
				x := append([]float32(nil), in[off:off+m]...)
				GELU(x)
				for i, got := range x {
					v := float64(in[off+i])
					// 0.5·v·(1+tanh(u)) written as v/(1+exp(-2u)), which does not
					// cancel to 0 in the negative tail; 1e-12 absolute covers the
					// generic tanh form there.
					want := v / (1 + math.Exp(-2*0.7978845608028654*(v+0.044715*v*v*v)))
					if d := math.Abs(float64(got) - want); d > 1e-6*math.Abs(want)+1e-12 || math.IsNaN(float64(got)) {
						t.Fatalf("off=%d len=%d: GELU(%v) = %v, want %v (rel err %.2g)", off, m, v, got, want, d/math.Abs(want))
					}
				}
			}
		}
	})
}

// TestLayerNorm checks every variant against LayerNorm evaluated in
// float64, on vectors with a large common offset (where a float32 mean or
// variance would lose the digits that matter), at lengths around the
// vector width and at slice offsets that misalign them, with guards
// around y.
func TestLayerNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const n = 1603
	x, g, b := randVec(rng, n+1), randVec(rng, n+1), randVec(rng, n+1)
	for i := range x {
		x[i] += 30
	}
	forEachVariant(t, func(t *testing.T) {
		for _, off := range []int{0, 1} {
			for _, m := range []int{1, 7, 15, 16, 17, 31, 48, 100, 768, n} {
				xs, gs, bs := x[off:off+m], g[off:off+m], b[off:off+m]
				all, y := guarded(m, off)
				const eps = 1e-5
				LayerNorm(y, xs, gs, bs, eps)
				checkGuards(t, all, off, m, func(int) bool { return true })
				var mean, ss float64
				for _, v := range xs {
					mean += float64(v)
				}
				mean /= float64(m)
				for _, v := range xs {
					ss += (float64(v) - mean) * (float64(v) - mean)
				}
				inv := 1 / math.Sqrt(ss/float64(m)+eps)
				for i, got := range y {
					want := (float64(xs[i])-mean)*inv*float64(gs[i]) + float64(bs[i])
					scale := math.Abs((float64(xs[i])-mean)*inv*float64(gs[i])) + math.Abs(float64(bs[i]))
					if d := math.Abs(float64(got) - want); d > 1e-5*scale+1e-6 || math.IsNaN(float64(got)) {
						t.Fatalf("off=%d len=%d: y[%d] = %v, want %v", off, m, i, got, want)
					}
				}
			}
		}
	})
}

func TestSoftmaxExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const n = 1031
	in := make([]float32, n)
	for i := range in {
		in[i] = float32(rng.Float64()*40 - 20)
	}
	forEachVariant(t, func(t *testing.T) {
		for _, off := range []int{0, 1} {
			for _, m := range []int{0, 1, 7, 8, 9, 15, 16, 17, 64, n - off} {
				for _, scale := range []float32{1, 0.125} {
					x := append([]float32(nil), in[off:off+m]...)
					got := SoftmaxExp(x, scale)
					mx := math.Inf(-1)
					for _, v := range in[off : off+m] {
						mx = max(mx, float64(scale)*float64(v))
					}
					var want float64
					for i, v := range in[off : off+m] {
						e := math.Exp(float64(scale)*float64(v) - mx)
						want += e
						if d := math.Abs(float64(x[i]) - e); d > 1e-6*e+1e-30 {
							t.Fatalf("off=%d len=%d scale=%v: x[%d] = %v, want %v", off, m, scale, i, x[i], e)
						}
					}
					if d := math.Abs(got - want); d > 1e-7*want {
						t.Fatalf("off=%d len=%d scale=%v: sum %v, want %v", off, m, scale, got, want)
					}
				}
			}
		}
	})
}

// TestMisalignedWeights runs the T=1 products on matrices whose storage
// starts at every element offset within a cache line, as safetensors views
// do, so the aligned main call and the partial chunks at both ends of each
// row are all exercised.
func TestMisalignedWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	forEachVariant(t, func(t *testing.T) {
		for _, d := range []DType{F32, F16, BF16} {
			for _, sh := range []shape{{9, 64}, {12, 96}, {7, 160}} {
				big := randMat(rng, 1, sh.rows*sh.cols+32, d)
				for _, off := range []int{0, 1, 4, 7, 8, 12, 15, 20, 31} {
					w := Mat{Rows: sh.rows, Cols: sh.cols, DType: d}
					if d == F32 {
						w.F32 = big.F32[off : off+sh.rows*sh.cols]
					} else {
						w.U16 = big.U16[off : off+sh.rows*sh.cols]
					}
					x := randVec(rng, max(sh.rows, sh.cols))
					check := func(kind string, got []float32, want func(j int) (float64, float64)) {
						for j, g := range got {
							sum, abs := want(j)
							if math.Abs(float64(g)-sum) > 1e-5*abs+1e-30 {
								t.Fatalf("%s %v %dx%d off=%d: y[%d] = %v, want %v", kind, d, sh.rows, sh.cols, off, j, g, sum)
							}
						}
					}
					y := make([]float32, sh.cols)
					MulT(y, sh.cols, x, sh.rows, 1, &w, 0, sh.cols)
					check("MulT", y, func(j int) (sum, abs float64) {
						for i := range sh.rows {
							p := float64(x[i]) * float64(w.At(i, j))
							sum, abs = sum+p, abs+math.Abs(p)
						}
						return
					})
					z := make([]float32, sh.rows)
					Mul(z, sh.rows, x, sh.cols, 1, &w, 0, sh.rows)
					check("Mul", z, func(r int) (sum, abs float64) {
						for j := range sh.cols {
							p := float64(x[j]) * float64(w.At(r, j))
							sum, abs = sum+p, abs+math.Abs(p)
						}
						return
					})
				}
			}
		}
	})
}

// TestSplitExact checks that an output of MulT (a column) or of Mul (a
// row) comes out the same, bit for bit, whatever range it is computed in:
// the workers split products at bounds that follow their speed
// (parallel.Pool.For), and the logits must not depend on where they fell.
func TestSplitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	type split struct {
		w      Mat
		x      []float32
		T      int
		forMul bool // Mul: outputs are rows of w
		cuts   []int
	}
	var cases []split
	for _, d := range dtypes {
		for _, s := range []shape{{64, 320}, {96, 784}, {64, 333}} {
			for _, forMul := range []bool{false, true} {
				// MulT sums over the rows, Mul over the columns: 64-96
				// either way, with 320-784 outputs (333: a last range
				// that is not a multiple of 4 or 16).
				rows, cols := s.rows, s.cols
				if forMul {
					rows, cols = cols, rows
				}
				var w Mat
				if d == Q8 {
					w = randQ8(rng, rows, cols, forMul)
				} else {
					w = randMat(rng, rows, cols, d)
				}
				in, out := rows, cols
				if forMul {
					in, out = cols, rows
				}
				for _, T := range []int{1, 3, 37, 130} {
					x := make([]float32, T*in)
					for i := range x {
						x[i] = float32(rng.NormFloat64())
					}
					cases = append(cases, split{w, x, T, forMul, []int{16, 48, 160, 272, (out - 16) &^ 15}})
				}
			}
		}
	}
	forEachVariant(t, func(t *testing.T) {
		for _, c := range cases {
			mul, in, out := MulT, c.w.Rows, c.w.Cols
			if c.forMul {
				mul, in, out = Mul, c.w.Cols, c.w.Rows
			}
			want := make([]float32, c.T*out)
			mul(want, out, c.x, in, c.T, &c.w, 0, out)
			for _, cut := range c.cuts {
				got := make([]float32, c.T*out)
				mul(got, out, c.x, in, c.T, &c.w, 0, cut)
				mul(got[cut:], out, c.x, in, c.T, &c.w, cut, out-cut)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%v [%d, %d] (Mul %v), T %d, cut at output %d: y[%d] = %v, %v unsplit",
							c.w.DType, c.w.Rows, c.w.Cols, c.forMul, c.T, cut, i, got[i], want[i])
					}
				}
			}
		}
	})
}
