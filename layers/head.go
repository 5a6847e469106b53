package layers

import (
	"github.com/gpt2go/gpt2/internal/kernels"
	"github.com/gpt2go/gpt2/internal/parallel"
)

// Head is the unembedding: logits z = E·h, one dot product per vocabulary
// row, z_i = v_i·h. E is the token embedding itself when weights are tied,
// used in place: no copy, no transpose.
type Head struct {
	E kernels.Mat // [V, C]
}

// Forward computes logits[T, V] from the final hidden states h[T, C].
func (hd *Head) Forward(p *parallel.Pool, logits, h []float32, T int) {
	V, C := hd.E.Rows, hd.E.Cols
	// Many small chunks: each logit is one row's dot product, so any
	// worker can take any rows and the faster core can take more.
	p.ForChunks(V, 16, 64, func(lo, hi int) {
		kernels.Mul(logits[lo:], V, h, C, T, &hd.E, lo, hi-lo)
	})
}
