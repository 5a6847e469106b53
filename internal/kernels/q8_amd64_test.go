//go:build amd64 && !purego

package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestQ8QuantVariants checks the assembly activation rounding against the
// portable code bit for bit, scales, values and corrections alike.
func TestQ8QuantVariants(t *testing.T) {
	x := q8Specials(rand.New(rand.NewPCG(27, 28)))
	n := len(x) / QBlock
	want := [3]any{make([]int8, len(x)), make([]float32, n), make([]int32, n)}
	q8QuantGeneric(want[0].([]int8), want[1].([]float32), want[2].([]int32), x)
	for _, v := range []struct {
		name string
		s    *simd
	}{{"avx2", &avx2}, {"avx512", &avx512}} {
		t.Run(v.name, func(t *testing.T) {
			restore, ok := setLevel(v.name)
			restore()
			if !ok {
				t.Skipf("variant %s not available", v.name)
			}
			xq, xs, corr := make([]int8, len(x)), make([]float32, n), make([]int32, n)
			v.s.q8Quant(xq, xs, corr, x)
			bits := func(f []float32) []uint32 {
				var u []uint32
				for _, v := range f {
					u = append(u, math.Float32bits(v))
				}
				return u
			}
			if !slices.Equal(xq, want[0].([]int8)) || !slices.Equal(bits(xs), bits(want[1].([]float32))) || !slices.Equal(corr, want[2].([]int32)) {
				t.Errorf("differs from the portable code:\n xq %v\nwant %v\n xs %v\nwant %v\n corr %v\nwant %v", xq, want[0], xs, want[1], corr, want[2])
			}
		})
	}
}
