package layers

import (
	"github.com/gpt2go/gpt2/internal/kernels"
	"github.com/gpt2go/gpt2/internal/parallel"
)

// Attention is causal multi-head self-attention with a KV cache.
type Attention struct {
	CAttn Linear // [C, 3C]: q, k, v side by side
	CProj Linear // [C, C]
	NHead int
	// Scale multiplies q·k: 1/√HS, and also 1/(layer+1) when the config
	// sets scale_attn_by_inverse_layer_idx.
	Scale float32
}

// KV is one layer's cache: keys and values of every position so far,
// row-major [P, C] with head h at columns h*HS..(h+1)*HS.
type KV struct {
	K, V []float32
}

// Forward computes y[T, C] for the normalised input x[T, C] of the tokens at
// positions pos..pos+T-1, after storing their keys and values in kv.
// qkv[T, 3C] and heads[T, C] are scratch.
func (a *Attention) Forward(p *parallel.Pool, y, x []float32, T, pos int, kv *KV, qkv, heads []float32) {
	C := a.CProj.W.Rows
	HS := C / a.NHead
	a.CAttn.Forward(p, qkv, x, T)
	for t := 0; t < T; t++ {
		row := qkv[t*3*C : (t+1)*3*C]
		copy(kv.K[(pos+t)*C:(pos+t+1)*C], row[C:2*C])
		copy(kv.V[(pos+t)*C:(pos+t+1)*C], row[2*C:])
	}
	// One work item per (token, head): token t attends to positions 0..pos+t.
	p.For(T*a.NHead, 1, func(lo, hi int) {
		att := make([]float32, pos+T)
		for i := lo; i < hi; i++ {
			t, h := i/a.NHead, i%a.NHead
			q := qkv[t*3*C+h*HS : t*3*C+(h+1)*HS]
			n := pos + t + 1
			for s := range n {
				att[s] = kernels.Dot(q, kv.K[s*C+h*HS:s*C+(h+1)*HS]) * a.Scale
			}
			kernels.Softmax(att[:n])
			o := heads[t*C+h*HS : t*C+(h+1)*HS]
			clear(o)
			for s := range n {
				kernels.Axpy(o, att[s], kv.V[s*C+h*HS:s*C+(h+1)*HS])
			}
		}
	})
	a.CProj.Forward(p, y, heads, T)
}
