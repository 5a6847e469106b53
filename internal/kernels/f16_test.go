package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// f16Inputs returns floats across the half-precision range and beyond:
// random values from 2⁻³⁰ to 2¹⁷ of both signs, the exact midpoints between
// neighbouring halves (ties), the halves themselves, ±0, ±Inf and a NaN.
func f16Inputs(rng *rand.Rand) []float32 {
	var in []float32
	for range 20000 {
		e := rng.IntN(48) - 30
		v := float32(math.Ldexp(1+rng.Float64(), e))
		if rng.IntN(2) == 0 {
			v = -v
		}
		in = append(in, v)
	}
	for h := uint16(0); h < 0x7c00; h += 7 {
		lo, hi := float64(F16ToF32(h)), float64(F16ToF32(h+1))
		in = append(in, F16ToF32(h), float32((lo+hi)/2), -float32((lo+hi)/2))
	}
	return append(in, 0, float32(math.Copysign(0, -1)), 65504, 65519.99, 65520, 1e6,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()))
}

// TestF32ToF16Signed checks the exported rounding against its definition
// over both signs, exact ties, Inf and NaN: the result is
// the half nearest to v (ties to an even mantissa), ±Inf from 65520 on.
func TestF32ToF16Signed(t *testing.T) {
	for _, v := range f16Inputs(rand.New(rand.NewPCG(3, 4))) {
		h := F32ToF16(v)
		a, sign := math.Abs(float64(v)), h&0x8000
		switch {
		case math.IsNaN(float64(v)):
			if h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
				t.Fatalf("F32ToF16(NaN) = %#04x, not a NaN", h)
			}
			continue
		case math.Signbit(float64(v)) != (sign != 0):
			t.Fatalf("F32ToF16(%v) = %#04x: wrong sign", v, h)
		case a >= 65520:
			if h&0x7fff != 0x7c00 {
				t.Fatalf("F32ToF16(%v) = %#04x, want Inf", v, h)
			}
			continue
		}
		m := h & 0x7fff
		if m >= 0x7c00 {
			t.Fatalf("F32ToF16(%v) = %#04x: Inf or NaN for a value below 65520", v, h)
		}
		got := math.Abs(float64(F16ToF32(m)))
		for _, n := range []uint16{m - 1, m + 1} {
			if n > 0x7bff { // below 0, or past the largest finite half
				continue
			}
			other := math.Abs(float64(F16ToF32(n)))
			d, dn := math.Abs(a-got), math.Abs(a-other)
			if dn < d || dn == d && m&1 == 1 {
				t.Fatalf("F32ToF16(%v) = %#04x (%v); %#04x (%v) is nearer or the even tie", v, h, got, n, other)
			}
		}
	}
	for h := range 0x10000 {
		if h&0x7fff > 0x7c00 { // NaNs
			continue
		}
		if got := F32ToF16(F16ToF32(uint16(h))); got != uint16(h) {
			t.Fatalf("half %#04x round trip gives %#04x", h, got)
		}
	}
}

// TestToF16 checks every kernel family against F32ToF16, bit for bit, at
// lengths that are not multiples of the vector width.
func TestToF16(t *testing.T) {
	in := f16Inputs(rand.New(rand.NewPCG(7, 8)))
	forEachVariant(t, func(t *testing.T) {
		for _, n := range vecLengths() {
			for _, off := range []int{0, 1, 5} {
				src := in[off+n*7%1000:][:n]
				dst := make([]uint16, n+2)
				dst[n], dst[n+1] = 0xdead, 0xbeef
				ToF16(dst[:n], src)
				for i, v := range src {
					if want := F32ToF16(v); dst[i] != want && !(math.IsNaN(float64(v)) && dst[i]&0x7c00 == 0x7c00 && dst[i]&0x3ff != 0) {
						t.Fatalf("n=%d off=%d: ToF16(%v) = %#04x, want %#04x", n, off, v, dst[i], want)
					}
				}
				if dst[n] != 0xdead || dst[n+1] != 0xbeef {
					t.Fatalf("n=%d: ToF16 wrote past len(dst)", n)
				}
			}
		}
	})
}

// TestWidenF16 checks every kernel family's widening of all 65536 halves
// (VCVTPH2PS on amd64, a table on the portable path) against F16ToF32,
// itself checked by TestF32ToF16Signed's round trip: the same value, or NaN
// for NaN. One-token products widen on paths of their own (the portable
// ones without a buffer), so each finite half also goes through MulT and
// Mul times a unit vector, which must return it unchanged.
func TestWidenF16(t *testing.T) {
	all := make([]uint16, 1<<16)
	var finite []uint16
	for h := range all {
		all[h] = uint16(h)
		if h&0x7c00 != 0x7c00 {
			finite = append(finite, uint16(h))
		}
	}
	same := func(got, want float32) bool {
		return got == want || math.IsNaN(float64(got)) && math.IsNaN(float64(want))
	}
	const cols = 1024
	rows := len(finite) / cols // 62: the four-row loops and their remainder
	w := Mat{Rows: rows, Cols: cols, DType: F16, U16: finite[:rows*cols]}
	forEachVariant(t, func(t *testing.T) {
		got := make([]float32, len(all))
		cur.convert(got, &Mat{Rows: 1, Cols: len(all), DType: F16, U16: all}, 0)
		for h, v := range got {
			if want := F16ToF32(uint16(h)); !same(v, want) {
				t.Fatalf("convert %#04x = %v, want %v", h, v, want)
			}
		}
		y, x := make([]float32, max(rows, cols)), make([]float32, max(rows, cols))
		for i := range rows { // MulT: row i of W
			clear(x)
			x[i] = 1
			MulT(y, cols, x, rows, 1, &w, 0, cols)
			for j, v := range y[:cols] {
				if want := F16ToF32(w.U16[i*cols+j]); v != want {
					t.Fatalf("MulT with unit vector %d: y[%d] = %v, want %v", i, j, v, want)
				}
			}
		}
		for j := range cols { // Mul: column j of W
			clear(x)
			x[j] = 1
			Mul(y, rows, x, cols, 1, &w, 0, rows)
			for i, v := range y[:rows] {
				if want := F16ToF32(w.U16[i*cols+j]); v != want {
					t.Fatalf("Mul with unit vector %d: y[%d] = %v, want %v", j, i, v, want)
				}
			}
		}
	})
}
