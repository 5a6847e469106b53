package layers

import (
	"math"

	"github.com/gpt2go/gpt2/internal/kernels"
	"github.com/gpt2go/gpt2/internal/parallel"
)

// MLP is the feed-forward half of a block: c_proj(act(c_fc(x))).
type MLP struct {
	CFc   Linear // [C, I]
	CProj Linear // [I, C]
	Act   func([]float32)
}

// Forward computes y[T, C] = MLP(x[T, C]) using hidden[T, I] as scratch.
func (m *MLP) Forward(p *parallel.Pool, y, x, hidden []float32, T int) {
	if T == 1 && p.Threads() > 1 && m.CFc.splitRows() {
		m.forward1(p, y, x, hidden)
		return
	}
	if T == 1 {
		// Workers take ranges of hidden units, each applying the
		// activation to the units it computed.
		p.For(m.CFc.W.Cols, 16, func(lo, hi int) {
			m.CFc.cols(hidden, x, lo, hi)
			m.Act(hidden[lo:hi])
		})
	} else {
		m.CFc.forwardT(p, hidden, x, T, m.Act)
	}
	m.CProj.Forward(p, y, hidden, T)
}

// forward1 is Forward for one token on several workers. c_fc is split over
// rows of its weights into partial sums (see Linear.split); then each
// worker adds up a range of the hidden units, applies the activation to
// them and multiplies them by their rows of c_proj, with no barrier
// between the activation and c_proj.
func (m *MLP) forward1(p *parallel.Pool, y, x, hidden []float32) {
	I, C := m.CFc.W.Cols, m.CProj.W.Cols
	hs := m.CFc.split(p, x[:m.CFc.W.Rows])
	defer hs.free()
	align := m.CProj.rowAlign()
	ys := newSums(p.Ranges(I, align), C)
	defer ys.free()
	p.ForEach(I, align, func(k, lo, hi int) {
		hs.total(hidden, m.CFc.B, lo, hi)
		m.Act(hidden[lo:hi])
		m.CProj.rows(ys, k, hidden, lo, hi)
	})
	ys.total(y, m.CProj.B, 0, C)
}

// Activation returns the in-place function for a config's
// activation_function, or nil if it is not one the runtime implements.
func Activation(name string) func([]float32) {
	switch name {
	case "gelu_new", "gelu_pytorch_tanh", "gelu_fast":
		return kernels.GELU
	case "gelu":
		return geluErf
	case "relu":
		return relu
	}
	return nil
}

// geluErf is the exact GELU, x·Φ(x).
func geluErf(x []float32) {
	for i, v := range x {
		x[i] = float32(0.5 * float64(v) * (1 + math.Erf(float64(v)/math.Sqrt2)))
	}
}

func relu(x []float32) {
	for i, v := range x {
		x[i] = max(v, 0)
	}
}
