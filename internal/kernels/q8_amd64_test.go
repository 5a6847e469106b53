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

// TestRowdot4Exact checks that the rowdot4 kernels sum each of their four
// rows bit for bit as the one-row rowdots do: decode's logits must not
// depend on which of the two computed them.
func TestRowdot4Exact(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, v := range []struct {
		name string
		s    *simd
	}{{"avx2", &avx2}, {"avx512", &avx512}} {
		restore, ok := setLevel(v.name)
		restore()
		if !ok {
			continue
		}
		for d := range 3 {
			for _, n := range []int{16, 48, 768} {
				const rows, q = 16, 3 // rows 0, 3, 6, 9 side by side; the one-row kernel reads 4 from each
				w := randMat(rng, rows, n, DType(d))
				x := randVec(rng, n)
				ldw := n * esize(DType(d))
				var got, want [4]float32
				v.s.rowdot4[d](&got[0], &x[0], ptr(&w, 0), q*ldw, n)
				for r := range 4 {
					var one [4]float32
					v.s.rowdot[d](&one[0], &x[0], ptr(&w, r*q*n), ldw, n)
					want[r] = one[0]
				}
				for r := range 4 {
					if math.Float32bits(got[r]) != math.Float32bits(want[r]) {
						t.Errorf("%s %v n=%d: row %d: rowdot4 %v, rowdot %v", v.name, DType(d), n, r, got[r], want[r])
					}
				}
			}
		}
	}
}
