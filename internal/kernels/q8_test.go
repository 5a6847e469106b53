package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// roundQ8 returns x as a Q8 product sees it, xq[k]·xs[k/32], exactly.
func roundQ8(x []float32) []float64 {
	xq, xs, corr := make([]int8, len(x)), make([]float32, len(x)/QBlock), make([]int32, len(x)/QBlock)
	q8QuantGeneric(xq, xs, corr, x)
	out := make([]float64, len(x))
	for k, q := range xq {
		out[k] = float64(q) * float64(xs[k/QBlock])
	}
	return out
}

// q8Specials returns activations whose blocks hold the cases the
// quantizers must agree on: ties at ±k.5, zeros and -0, a block below
// 2^-100, subnormals, a NaN, ±Inf, and random values.
func q8Specials(rng *rand.Rand) []float32 {
	x := make([]float32, 9*QBlock)
	for j := range QBlock { // block 0: scale 1, ties at ±k.5
		x[j] = float32(j%8) - 3.5
	}
	x[31] = 127
	x[32+8] = float32(math.Copysign(0, -1)) // block 1: zeros
	x[64] = 0x1p-101                        // block 2: all below 2^-100
	x[65] = -3e-39
	x[96] = 1e-30 // block 3: subnormals next to a normal max
	x[97] = 1e-40
	for j := 128; j < len(x); j++ {
		x[j] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(8)-4)))
	}
	x[160+7] = float32(math.NaN())   // block 5
	x[192+30] = float32(math.Inf(1)) // block 6
	x[224] = float32(math.Inf(-1))   // block 7
	return x
}

// TestQ8QuantGeneric checks the portable activation rounding against its
// definition: scale max|x|/127, values round(x/scale) half to even, the
// correction -128·Σ, NaN scales for non-finite blocks, zeros below 2^-100.
func TestQ8QuantGeneric(t *testing.T) {
	x := q8Specials(rand.New(rand.NewPCG(21, 22)))
	n := len(x) / QBlock
	xq, xs, corr := make([]int8, len(x)), make([]float32, n), make([]int32, n)
	q8QuantGeneric(xq, xs, corr, x)
	for b := range n {
		blk := x[b*QBlock : (b+1)*QBlock]
		var amax float64
		finite := true
		for _, v := range blk {
			amax = max(amax, math.Abs(float64(v)))
			finite = finite && !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
		}
		var sum int32
		for k := range QBlock {
			sum += int32(xq[b*QBlock+k])
		}
		switch {
		case !finite:
			if !math.IsNaN(float64(xs[b])) || sum != 0 || corr[b] != 0 {
				t.Errorf("block %d (not finite): scale %v, Σ %d, corr %d; want NaN, 0, 0", b, xs[b], sum, corr[b])
			}
			continue
		case amax < 0x1p-100:
			if xs[b] != 0 || sum != 0 || corr[b] != 0 {
				t.Errorf("block %d (tiny): scale %v, Σ %d, corr %d; want 0, 0, 0", b, xs[b], sum, corr[b])
			}
			continue
		}
		if want := float32(amax) / 127; xs[b] != want {
			t.Errorf("block %d: scale %v, want %v", b, xs[b], want)
		}
		if corr[b] != -128*sum {
			t.Errorf("block %d: corr %d, want %d", b, corr[b], -128*sum)
		}
		for k, v := range blk {
			r := float64(v * (1 / xs[b]))
			want := math.RoundToEven(r)
			if got := xq[b*QBlock+k]; float64(got) != want || got < -127 {
				t.Fatalf("block %d [%d]: %v/scale = %v rounds to %d, want %v", b, k, v, r, got, want)
			}
		}
	}
	if xq[1] != -2 || xq[2] != -2 || xq[3] != 0 || xq[4] != 0 || xq[5] != 2 {
		t.Errorf("ties: %v, want -4 -2 -2 0 0 2 2 4 ...", xq[:8])
	}
}

// TestF32ToF16 checks the rounding of Q8 scales to half precision against
// the neighbouring halves: nearest, ties to even, subnormals, overflow.
func TestF32ToF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	vals := []float32{0, 1, 65504, 65519, 0x1p-24, 0x1p-25, 0x1.8p-25, 0x1p-26, 0x1p-14, 0x1.ffcp-15, 1 + 0x1p-11, 1 + 0x3p-11}
	for range 20000 {
		vals = append(vals, float32(math.Exp(rng.Float64()*30-20)))
	}
	for _, v := range vals {
		h := f32ToF16(v)
		if v >= 65520 {
			if h != 0x7c00 {
				t.Errorf("f32ToF16(%v) = %#x, want +Inf", v, h)
			}
			continue
		}
		got := float64(F16ToF32(h))
		d := math.Abs(got - float64(v))
		for _, nb := range []uint16{h - 1, h + 1} {
			if h == 0 && nb == 0xffff || nb >= 0x7c00 {
				continue
			}
			dn := math.Abs(float64(F16ToF32(nb)) - float64(v))
			if dn < d || dn == d && h&1 == 1 {
				t.Fatalf("f32ToF16(%v) = %#x (%v); %#x (%v) is nearer or the even tie", v, h, got, nb, F16ToF32(nb))
			}
		}
	}
	if f32ToF16(65519) != 0x7bff || f32ToF16(65520) != 0x7c00 {
		t.Errorf("f32ToF16 at the top: %#x, %#x", f32ToF16(65519), f32ToF16(65520))
	}
}

// TestQuantize checks both layouts against the definition in Mat: each
// weight within scale/2 of the original, scales max|w|/127 in F16, bytes
// 1..255, padding zero; and the errors for what it cannot hold.
func TestQuantize(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, forMul := range []bool{false, true} {
		for _, d := range []DType{F32, F16, BF16} {
			rows, cols := 64, 37 // K = 64, N = 37 padded to 48
			if forMul {
				rows, cols = 37, 64
			}
			w := randMat(rng, rows, cols, d)
			q, err := Quantize(&w, forMul, nil, nil)
			if err != nil {
				t.Fatalf("%v forMul=%v: %v", d, forMul, err)
			}
			nq, ns := QLen(64, 37)
			if q.DType != Q8 || q.QMul != forMul || len(q.Q) != nq || len(q.Scale) != ns || nq != 64*48 || ns != 2*48 {
				t.Fatalf("%v: bad Q8 result %v %v %d %d", d, q.DType, q.QMul, len(q.Q), len(q.Scale))
			}
			if slices.Contains(q.Q, 0) {
				t.Fatalf("%v: a stored byte is 0 (value -128)", d)
			}
			var maxErr float64
			for n := range 48 {
				for b := range 2 {
					var amax float64
					for k := b * QBlock; k < (b+1)*QBlock && n < 37; k++ {
						i, j := k, n
						if forMul {
							i, j = n, k
						}
						amax = max(amax, math.Abs(float64(w.At(i, j))))
					}
					_, si := qIndex(2, b*QBlock, n)
					s := F16ToF32(q.Scale[si])
					if want := F16ToF32(f32ToF16(float32(amax) / 127)); s != want {
						t.Fatalf("%v forMul=%v: scale of output %d block %d = %v, want %v", d, forMul, n, b, s, want)
					}
					for k := b * QBlock; k < (b+1)*QBlock; k++ {
						qi, _ := qIndex(2, k, n)
						if n >= 37 {
							if q.Q[qi] != 128 {
								t.Fatalf("%v: padding output %d holds %d", d, n, q.Q[qi])
							}
							continue
						}
						i, j := k, n
						if forMul {
							i, j = n, k
						}
						diff := math.Abs(float64(q.At(i, j)) - float64(w.At(i, j)))
						if diff > float64(s)*0.5001 {
							t.Fatalf("%v: (%d, %d) round-trip error %v > scale/2 = %v", d, i, j, diff, s/2)
						}
						maxErr = max(maxErr, diff/amax)
					}
				}
			}
			t.Logf("%v forMul=%v: max round-trip error %.4f of block max (bound ~1/254 = %.4f)", d, forMul, maxErr, 1.0/254)
			// Into given destinations, whatever they held, the result is the same.
			dst, scale := make([]byte, nq+5), make([]uint16, ns+3)
			for i := range scale {
				scale[i] = uint16(i)
			}
			q2, err := Quantize(&w, forMul, dst, scale)
			if err != nil || &q2.Q[0] != &dst[0] || &q2.Scale[0] != &scale[0] || !slices.Equal(q2.Q, q.Q) || !slices.Equal(q2.Scale, q.Scale) {
				t.Fatalf("%v: Quantize into destinations differs (err %v)", d, err)
			}
			if _, err := Quantize(&w, forMul, dst, scale[:ns-1]); err == nil {
				t.Fatalf("%v: Quantize into a short scale destination succeeded", d)
			}
		}
	}
	for _, c := range []struct {
		rows, cols int
		forMul     bool
		set        func(m *Mat)
		what       string
	}{
		{48, 32, false, nil, "48 rows to sum, not a multiple of 32"},
		{32, 48, true, nil, "48 columns to sum, not a multiple of 32"},
		{32, 4, false, func(m *Mat) { m.F32[70] = float32(math.NaN()) }, "NaN"},
		{4, 32, true, func(m *Mat) { m.F32[3] = float32(math.Inf(1)) }, "Inf"},
		{32, 4, false, func(m *Mat) { m.F32[9] = 1e10 }, "1e10: scale beyond F16"},
	} {
		w := randMat(rng, c.rows, c.cols, F32)
		if c.set != nil {
			c.set(&w)
		}
		if _, err := Quantize(&w, c.forMul, nil, nil); err == nil {
			t.Errorf("Quantize([%d, %d], %v) with %s succeeded", c.rows, c.cols, c.forMul, c.what)
		} else {
			t.Logf("%s: %v", c.what, err)
		}
	}
	z := Mat{Rows: 32, Cols: 1, DType: F32, F32: make([]float32, 32)}
	if q, err := Quantize(&z, false, nil, nil); err != nil || q.Scale[0] != 0 || q.At(5, 0) != 0 {
		t.Errorf("Quantize(zeros) = %v, %v", q, err)
	}
}

// TestQ8RowRange checks products over a view of whole blocks of rows
// (decode splits c_attn and c_fc that way) against the exact sum, and
// that views not of whole blocks are refused.
func TestQ8RowRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	w := randQ8(rng, 160, 40, false)
	x := randVec(rng, 160)
	forEachVariant(t, func(t *testing.T) {
		for _, r := range [][2]int{{0, 32}, {32, 96}, {64, 160}, {128, 160}} {
			v := w.RowRange(r[0], r[1])
			y := make([]float32, 40)
			MulT(y, 40, x[r[0]:r[1]], r[1]-r[0], 1, &v, 0, 40)
			xr := roundQ8(x[r[0]:r[1]])
			for j := range 40 {
				var want, abs float64
				for i := r[0]; i < r[1]; i++ {
					p := xr[i-r[0]] * float64(w.At(i, j))
					want += p
					abs += math.Abs(p)
				}
				if !near(y[j], want, abs) {
					t.Fatalf("rows %v: y[%d] = %v, want %v", r, j, y[j], want)
				}
			}
		}
	})
	for _, r := range [][2]int{{4, 32}, {0, 40}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Q8 RowRange(%d, %d) did not panic", r[0], r[1])
				}
			}()
			w.RowRange(r[0], r[1])
		}()
	}
}

// TestQuantizeVariants quantizes the same matrices under every kernel
// family: values and scales must be the portable code's, bit for bit, ties
// (w/scale = k+0.5, rounded away from zero), zero blocks, -0 and
// subnormals included, and errors must name the same value.
func TestQuantizeVariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const rows, cols = 96, 40
	special := randMat(rng, rows, cols, F32)
	col := func(i int) *float32 { return &special.F32[i*cols] } // column 0, row i
	// Block 0 of output 0: scale 1, ties at ±k.5.
	for i := range 32 {
		*col(i) = float32(i%8) - 3.5
	}
	*col(31) = 127
	for i := 32; i < 64; i++ { // block 1: zeros and -0
		*col(i) = 0
	}
	*col(40) = float32(math.Copysign(0, -1))
	*col(64) = 1e-40 // block 2: subnormals
	*col(65) = -3e-39
	mats := []Mat{special, randMat(rng, rows, cols, F16), randMat(rng, rows, cols, BF16)}
	nan, inf, huge := randMat(rng, rows, cols, F32), randMat(rng, rows, cols, F32), randMat(rng, rows, cols, F32)
	nan.F32[70*cols+33] = float32(math.NaN())
	inf.F32[7*cols+3] = float32(math.Inf(-1))
	huge.F32[50*cols+20] = 1e9
	mats = append(mats, nan, inf, huge)
	type result struct {
		q   Mat
		err string
	}
	quantize := func() []result {
		var out []result
		for _, forMul := range []bool{false, true} {
			for _, w := range mats {
				if forMul { // the sum over columns needs 96 of them
					w.Rows, w.Cols = cols, rows
				}
				q, err := Quantize(&w, forMul, nil, nil)
				r := result{q: q}
				if err != nil {
					r.err = err.Error()
				}
				out = append(out, r)
			}
		}
		return out
	}
	restore, _ := setLevel("generic")
	want := quantize()
	restore()
	for _, k := range []int{3, 4, 5, 9, 10, 11} {
		if want[k].err == "" {
			t.Errorf("matrix %d (NaN, Inf or 1e9) was quantized without an error", k)
		}
	}
	for _, name := range variants {
		restore, ok := setLevel(name)
		if !ok {
			continue
		}
		got := quantize()
		restore()
		for k := range got {
			g, w := got[k], want[k]
			if g.err != w.err || !slices.Equal(g.q.Q, w.q.Q) || !slices.Equal(g.q.Scale, w.q.Scale) {
				t.Errorf("%s: matrix %d quantizes differently from the portable code (error %q, want %q)", name, k, g.err, w.err)
			}
		}
	}
}

// TestQ8Row checks the embedding's row lookup of a Mul layout against At.
func TestQ8Row(t *testing.T) {
	w := randQ8(rand.New(rand.NewPCG(29, 30)), 37, 96, true)
	row := make([]float32, 96)
	for i := range 37 {
		w.Row(row, i)
		for j, v := range row {
			if v != w.At(i, j) {
				t.Fatalf("Row(%d)[%d] = %v, At = %v", i, j, v, w.At(i, j))
			}
		}
	}
}

// TestQ8Name checks that every family names its int8 kernel.
func TestQ8Name(t *testing.T) {
	forEachVariant(t, func(t *testing.T) {
		want := map[string][]string{"generic": {"generic"}, "avx2": {"avx2"}, "avx512": {"avx512-vnni", "avx2"}}[Name()]
		if !slices.Contains(want, Q8Name()) {
			t.Errorf("%s: int8 kernel %q, want one of %q", Name(), Q8Name(), want)
		}
	})
}
