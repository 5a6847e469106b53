package layers

import "github.com/gpt2go/gpt2/internal/kernels"

// LayerNorm normalises each token's C channels, then scales and shifts.
type LayerNorm struct {
	G, B []float32 // [C]
	Eps  float32
}

// Forward computes y[T, C] = LayerNorm(x[T, C]).
func (l *LayerNorm) Forward(y, x []float32, T int) {
	C := len(l.G)
	for t := 0; t < T; t++ {
		kernels.LayerNorm(y[t*C:(t+1)*C], x[t*C:(t+1)*C], l.G, l.B, l.Eps)
	}
}
