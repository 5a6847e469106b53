// Package layers implements the pieces of a GPT-2 forward pass. Each layer is
// a struct of weight views with a Forward method taking the destination first.
// Activations are row-major [T, C] slices of float32: T tokens, C channels.
package layers

import (
	"github.com/gpt2go/gpt2/internal/kernels"
	"github.com/gpt2go/gpt2/internal/parallel"
)

// Linear is GPT-2's Conv1D: y = x·W + b with W stored [in, out], the
// transpose of torch.nn.Linear's layout.
type Linear struct {
	W kernels.Mat // [in, out]
	B []float32   // [out]
}

// Forward computes y[T, out] = x[T, in]·W + b. Workers take column ranges so
// each streams its own slice of W once per call, whatever T is.
func (l *Linear) Forward(p *parallel.Pool, y, x []float32, T int) {
	in, out := l.W.Rows, l.W.Cols
	p.For(out, 16, func(lo, hi int) {
		kernels.MulT(y[lo:], out, x, in, T, &l.W, lo, hi-lo)
		for t := 0; t < T; t++ {
			yt := y[t*out+lo : t*out+hi]
			for j, b := range l.B[lo:hi] {
				yt[j] += b
			}
		}
	})
}
