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
	I := m.CFc.W.Cols
	m.CFc.Forward(p, hidden, x, T)
	p.For(T*I, 256, func(lo, hi int) { m.Act(hidden[lo:hi]) })
	m.CProj.Forward(p, y, hidden, T)
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
