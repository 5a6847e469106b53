package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gpt2go/gpt2/internal/kernels"
	"github.com/gpt2go/gpt2/internal/parallel"
)

// BenchmarkAttend measures decode attention alone (no projections) at GPT-2
// 124M's width, one new token after 255 cached ones, cache in L2/L3.
func BenchmarkAttend(b *testing.B) {
	const C, NH, P, pos = 768, 12, 1024, 255
	a := Attention{NHead: NH, Scale: 0.125}
	a.CProj.W.Rows = C
	rng := rand.New(rand.NewPCG(1, 2))
	kv := &KV{K: make([]float32, P*C), V: make([]float32, P*C)}
	for i := range kv.K {
		kv.K[i], kv.V[i] = rng.Float32(), rng.Float32()
	}
	qkv, heads := make([]float32, 3*C), make([]float32, C)
	for i := range qkv {
		qkv[i] = rng.Float32()
	}
	for _, threads := range []int{1, 2} {
		b.Run(map[int]string{1: "threads=1", 2: "threads=2"}[threads], func(b *testing.B) {
			p := parallel.New(threads)
			defer p.Close()
			b.ReportAllocs()
			for b.Loop() {
				p.For(NH, 1, func(lo, hi int) { a.attend(heads, qkv, 1, pos, kv, lo, hi) })
			}
		})
	}
}

// TestAttendNaive checks attention over a cache of several tiles against
// a plain float64 evaluation of softmax(q·kᵀ·scale)·v per head, for a
// prompt taken in blocks of queries and then for decode's one token at a
// time; with a half-precision cache, against keys and values rounded to
// the nearest half (kernels.F32ToF16, checked against its definition in
// package kernels).
func TestAttendNaive(t *testing.T) {
	for _, f16 := range []bool{false, true} {
		t.Run(map[bool]string{false: "f32", true: "f16"}[f16], func(t *testing.T) { testAttendNaive(t, f16) })
	}
}

func testAttendNaive(t *testing.T, f16 bool) {
	const C, NH, P = 64, 4, 256
	HS := C / NH
	a := Attention{NHead: NH, Scale: 0.25}
	a.CProj.W.Rows = C
	rng := rand.New(rand.NewPCG(5, 6))
	const N = 200
	qkv := make([]float32, N*3*C)
	for i := range qkv {
		qkv[i] = float32(rng.NormFloat64())
	}
	cached := func(v float32) float64 {
		if f16 {
			return float64(kernels.F16ToF32(kernels.F32ToF16(v)))
		}
		return float64(v)
	}
	want := func(tok, h int) []float64 {
		q := qkv[tok*3*C+h*HS:]
		s := make([]float64, tok+1)
		top := math.Inf(-1)
		for j := range s {
			k := qkv[j*3*C+C+h*HS:]
			for d := 0; d < HS; d++ {
				s[j] += float64(q[d]) * cached(k[d])
			}
			s[j] *= float64(a.Scale)
			top = max(top, s[j])
		}
		var sum float64
		for j := range s {
			s[j] = math.Exp(s[j] - top)
			sum += s[j]
		}
		o := make([]float64, HS)
		for j := range s {
			v := qkv[j*3*C+2*C+h*HS:]
			for d := range o {
				o[d] += s[j] / sum * cached(v[d])
			}
		}
		return o
	}
	check := func(what string, heads []float32, tok0, T int) {
		t.Helper()
		for tok := tok0; tok < tok0+T; tok++ {
			for h := 0; h < NH; h++ {
				for d, w := range want(tok, h) {
					if got := heads[(tok-tok0)*C+h*HS+d]; math.Abs(float64(got)-w) > 1e-5*(1+math.Abs(w)) {
						t.Fatalf("%s: token %d head %d [%d] = %v, want %v", what, tok, h, d, got, w)
					}
				}
			}
		}
	}
	p := parallel.New(2)
	defer p.Close()
	kv := new(KV)
	*kv = NewKV(P, C, f16)
	const prompt = 150 // two blocks of queries, three tiles
	heads := make([]float32, prompt*C)
	p.For(NH, 1, func(lo, hi int) { a.attend(heads, qkv, prompt, 0, kv, lo, hi) })
	check("prompt", heads, 0, prompt)
	for tok := prompt; tok < N; tok++ {
		p.For(NH, 1, func(lo, hi int) { a.attend(heads, qkv[tok*3*C:], 1, tok, kv, lo, hi) })
		check("decode", heads, tok, 1)
	}
}
