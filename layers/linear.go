package layers

import (
	"sync"

	"github.com/gpt2go/gpt2/internal/kernels"
	"github.com/gpt2go/gpt2/internal/parallel"
)

// Linear is GPT-2's Conv1D: y = x·W + b with W stored [in, out], the
// transpose of torch.nn.Linear's layout.
type Linear struct {
	W kernels.Mat // [in, out]
	B []float32   // [out]
}

// partials holds the per-worker partial sums of split decode products.
var partials = sync.Pool{New: func() any { return new([]float32) }}

// Forward computes y[T, out] = x[T, in]·W + b.
//
// For T > 1 workers take column ranges, so each streams its own slice of W
// once. For one token (decode, bound by memory bandwidth) they take ranges
// of rows instead, y = Σ_k x[rows_k]·W[rows_k, :]: each worker then reads
// one contiguous stretch of W, which the hardware prefetchers follow best,
// and the partial sums are added at the end.
func (l *Linear) Forward(p *parallel.Pool, y, x []float32, T int) {
	in, out := l.W.Rows, l.W.Cols
	if T == 1 && p.Threads() > 1 {
		l.forward1(p, y[:out], x[:in])
		return
	}
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

// forward1 is Forward for one token, split over rows of W.
func (l *Linear) forward1(p *parallel.Pool, y, x []float32) {
	in, out := l.W.Rows, l.W.Cols
	bp := partials.Get().(*[]float32)
	defer partials.Put(bp)
	if need := (p.Threads() - 1) * out; len(*bp) < need {
		*bp = make([]float32, need)
	}
	buf := *bp
	p.ForEach(in, 16, func(k, lo, hi int) {
		dst := y // range 0 sums straight into y
		if k > 0 {
			dst = buf[(k-1)*out : k*out]
		}
		w := l.W.RowRange(lo, hi)
		kernels.MulT(dst, out, x[lo:hi], hi-lo, 1, &w, 0, out)
	})
	for k := 1; k < min(p.Threads(), (in+15)/16); k++ { // the ranges ForEach made
		kernels.Axpy(y, 1, buf[(k-1)*out:k*out])
	}
	if l.B != nil {
		kernels.Axpy(y, 1, l.B)
	}
}
