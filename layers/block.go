package layers

import "github.com/gpt2go/gpt2/internal/parallel"

// Block is one pre-LayerNorm transformer block:
//
//	x = x + attn(ln_1(x))
//	x = x + mlp(ln_2(x))
type Block struct {
	Ln1  LayerNorm
	Attn Attention
	Ln2  LayerNorm
	MLP  MLP
}

// Scratch holds a block's intermediate activations for up to T tokens.
type Scratch struct {
	Norm, Out, Heads []float32 // [T, C]
	QKV              []float32 // [T, 3C]
	Hidden           []float32 // [T, I]
}

// NewScratch sizes scratch space for T tokens of width C and MLP width I.
func NewScratch(T, C, I int) *Scratch {
	return &Scratch{
		Norm: make([]float32, T*C), Out: make([]float32, T*C), Heads: make([]float32, T*C),
		QKV: make([]float32, T*3*C), Hidden: make([]float32, T*I),
	}
}

// Forward updates the residual stream x[T, C] of tokens at pos..pos+T-1.
func (b *Block) Forward(p *parallel.Pool, x []float32, T, pos int, kv *KV, s *Scratch) {
	b.Ln1.Forward(s.Norm, x, T)
	b.Attn.Forward(p, s.Out, s.Norm, T, pos, kv, s.QKV, s.Heads)
	add(x, s.Out[:len(x)])
	b.Ln2.Forward(s.Norm, x, T)
	b.MLP.Forward(p, s.Out, s.Norm, s.Hidden, T)
	add(x, s.Out[:len(x)])
}

func add(x, y []float32) {
	for i := range x {
		x[i] += y[i]
	}
}
