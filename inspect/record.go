package inspect

import "github.com/gpt2go/gpt2/model"

// Recorder keeps a copy of the residual stream of a State's most recent
// Forward: the stream after the embeddings (layer 0) and after each block
// (layer i+1), before ln_f. It is the library hook for looking inside a
// generation: attach it, run the State as usual, and read Layers after each
// Forward (before the next one).
//
//	rec := inspect.Record(st)
//	defer rec.Stop()
//	logits, _ := st.Forward(ids, false)
//	x := rec.Layers // [L+1][T*C]
type Recorder struct {
	st   *model.State
	prev func(layer int, x []float32, T int)

	// Layers holds the residual stream of the last Forward, [L+1][T*C],
	// for all T tokens that Forward processed. The slices are reused by
	// the next Forward.
	Layers [][]float32
	// T is the number of tokens of the last Forward.
	T int
}

// Record attaches a Recorder to st through st.Observe. An observer st
// already had keeps being called.
func Record(st *model.State) *Recorder {
	L := len(st.Model().Blocks)
	r := &Recorder{st: st, prev: st.Observe, Layers: make([][]float32, L+1)}
	st.Observe = r.observe
	return r
}

func (r *Recorder) observe(layer int, x []float32, T int) {
	if layer == 0 {
		r.T = T
	}
	if layer < len(r.Layers) {
		r.Layers[layer] = append(r.Layers[layer][:0], x...)
	}
	if r.prev != nil {
		r.prev(layer, x, T)
	}
}

// Stop detaches the Recorder and restores st's previous observer.
func (r *Recorder) Stop() { r.st.Observe = r.prev }
