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

// Forward computes y[T, out] = x[T, in]·W + b.
//
// For T > 1 workers take column ranges, so each streams its own slice of W
// once, or for long prompts ranges of tokens (see forwardT). For one token
// (decode, bound by memory bandwidth) they take ranges of rows of float
// weights instead, y = Σ_k x[rows_k]·W[rows_k, :]: each worker then reads
// one contiguous stretch of W, which the hardware prefetchers follow best,
// and the partial sums are added at the end. int8 weights are stored by
// chunks of columns (kernels.Mat), so a range of columns is their
// contiguous stretch.
func (l *Linear) Forward(p *parallel.Pool, y, x []float32, T int) {
	in, out := l.W.Rows, l.W.Cols
	switch {
	case T == 1 && p.Threads() > 1 && l.splitRows():
		l.forward1(p, y[:out], x[:in])
	case T == 1:
		p.For(out, 16, func(lo, hi int) { l.cols(y, x, lo, hi) })
	default:
		l.forwardT(p, y, x, T, nil)
	}
}

// splitRows reports whether one-token products split W by rows (float
// weights) rather than by columns (int8: a worker's rows of c_attn or c_fc
// are a 6 KiB piece of every chunk, and decode split so was 15-20% slower).
func (l *Linear) splitRows() bool { return l.W.DType != kernels.Q8 }

// cols sets columns lo..hi of one token's y[out] = x[in]·W + b.
func (l *Linear) cols(y, x []float32, lo, hi int) {
	kernels.MulT(y[lo:], l.W.Cols, x, l.W.Rows, 1, &l.W, lo, hi-lo)
	kernels.Axpy(y[lo:hi], 1, l.B[lo:hi])
}

// forwardT sets y[T, out] = act(x[T, in]·W + b) for several tokens (act
// may be nil). Workers take ranges of columns, then ranges of tokens to
// add the bias and apply act: done with the columns, two workers working
// on the two halves of every row ran into each other's lines (prefill of
// 512 tokens on 2 threads 2-8% slower with float weights, 8-19% int8).
//
// Long prompts split the tokens instead (see tokenSplit): each worker
// then reads all of W, from cache mostly, but rounds or packs only its
// own tokens' activations and writes whole rows of y.
func (l *Linear) forwardT(p *parallel.Pool, y, x []float32, T int, act func([]float32)) {
	in, out := l.W.Rows, l.W.Cols
	if l.tokenSplit(T, p.Threads()) {
		p.For(T, 4, func(lo, hi int) {
			kernels.MulT(y[lo*out:], out, x[lo*in:], in, hi-lo, &l.W, 0, out)
			l.bias(y, lo, hi, act)
		})
		return
	}
	p.For(out, 16, func(lo, hi int) { kernels.MulT(y[lo:], out, x, in, T, &l.W, lo, hi-lo) })
	p.ForEach(T, 1, func(_, lo, hi int) { l.bias(y, lo, hi, act) })
}

// tokenSplit reports whether forwardT splits T tokens between threads
// workers rather than the columns: when each worker gets at least 64 of
// them with int8 weights, 256 with float weights. Alternated in one
// process (124M, 2 threads): 512-token prompts 6-9% faster so with every
// dtype, int8 ones of 128-256 tokens 3-6%; but float prompts of 128-256
// tokens -6 to +4%, of 64 tokens 11-17% slower (int8 6-11%), so the
// column split stays below the thresholds. Tokens go in fours, the int8 prefill
// kernel's group, so the logits are those of the column split bit for bit.
func (l *Linear) tokenSplit(T, threads int) bool {
	per := 256
	if l.W.DType == kernels.Q8 {
		per = 64
	}
	return threads > 1 && T >= per*threads
}

// bias adds b to rows lo..hi of y[T, out] and applies act to them (if act
// is not nil).
func (l *Linear) bias(y []float32, lo, hi int, act func([]float32)) {
	out := l.W.Cols
	for t := lo; t < hi; t++ {
		row := y[t*out : (t+1)*out]
		kernels.Axpy(row, 1, l.B)
		if act != nil {
			act(row)
		}
	}
}

// forward1 is Forward for one token, split over rows of W.
func (l *Linear) forward1(p *parallel.Pool, y, x []float32) {
	ps := l.split(p, x)
	ps.total(y, l.B, 0, len(y))
	ps.free()
}

// split computes the one-token product x·W as partial sums over ranges of
// rows of W, one range per worker, leaving the sum to the caller (who may
// take it a column range at a time).
func (l *Linear) split(p *parallel.Pool, x []float32) *sums {
	in, align := l.W.Rows, l.rowAlign()
	ps := newSums(p.Ranges(in, align), l.W.Cols)
	p.ForEach(in, align, func(k, lo, hi int) { l.rows(ps, k, x, lo, hi) })
	return ps
}

// rowAlign is the multiple of which the row ranges of split start: 16,
// or 32 for int8 weights (whole blocks).
func (l *Linear) rowAlign() int { return max(16, l.W.RowAlign()) }

// rows sets part k of ps to x[lo:hi]·W[lo:hi, :], what rows lo..hi of W
// contribute to the one-token product x·W.
func (l *Linear) rows(ps *sums, k int, x []float32, lo, hi int) {
	w := &ps.views[k]
	*w = l.W.RowRange(lo, hi)
	kernels.MulT(ps.part(k), l.W.Cols, x[lo:hi], hi-lo, 1, w, 0, l.W.Cols)
}

// sums holds the partial sums of one-token products, one vector of out
// floats per range of rows, and the rows' views of W that computed them
// (a Mat handed to a kernel escapes to the heap: kept here, it is not
// allocated on every product).
//
// The parts are partGap floats apart. Each core adds into its part on
// every pass over its rows, all at once, and with the parts end to end
// decode was 3-8% slower (F16 and F32, 2 threads; gaps of 64-256 bytes
// gained half as much as 1 or 4 KiB): a core's prefetchers run past the
// end of its part into the start of the next, which the other core is
// writing.
type sums struct {
	buf   []float32
	views []kernels.Mat
	n     int
	out   int
}

// partGap is the number of floats between the parts of sums.
const partGap = 1024

var sumsPool = sync.Pool{New: func() any { return new(sums) }}

func newSums(n, out int) *sums {
	s := sumsPool.Get().(*sums)
	if size := n*(out+partGap) - partGap; len(s.buf) < size {
		s.buf = make([]float32, size)
	}
	if len(s.views) < n {
		s.views = make([]kernels.Mat, n)
	}
	s.n, s.out = n, out
	return s
}

func (s *sums) part(k int) []float32 {
	at := k * (s.out + partGap)
	return s.buf[at : at+s.out : at+s.out]
}

// total sets y[lo:hi] to the sum of the parts' columns lo..hi plus b[lo:hi]
// (b may be nil).
func (s *sums) total(y, b []float32, lo, hi int) {
	y = y[lo:hi]
	copy(y, s.part(0)[lo:hi])
	for k := 1; k < s.n; k++ {
		kernels.Axpy(y, 1, s.part(k)[lo:hi])
	}
	if b != nil {
		kernels.Axpy(y, 1, b[lo:hi])
	}
}

func (s *sums) free() { sumsPool.Put(s) }
