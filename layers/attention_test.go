package layers

import (
	"math/rand/v2"
	"testing"

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
