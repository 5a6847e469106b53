package layers

import "github.com/gpt2go/gpt2/internal/kernels"

// Embedding maps token ids at absolute positions to the residual stream.
type Embedding struct {
	WTE kernels.Mat // [V, C] token embedding, also the unembedding (Head)
	WPE kernels.Mat // [P, C] learned position embedding
}

// Forward writes x[t] = wte[ids[t]] + wpe[pos+t] for each t.
// The caller checks ids < V and pos+len(ids) <= P.
func (e *Embedding) Forward(x []float32, ids []int, pos int) {
	C := e.WTE.Cols
	wpe := make([]float32, C)
	for t, id := range ids {
		xt := x[t*C : (t+1)*C]
		e.WTE.Row(xt, id)
		e.WPE.Row(wpe, pos+t)
		for j := range xt {
			xt[j] += wpe[j]
		}
	}
}
