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
