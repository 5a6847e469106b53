package inspect

import (
	"errors"
	"fmt"
	"math"

	"github.com/gpt2go/gpt2/internal/parallel"
	"github.com/gpt2go/gpt2/model"
)

// LensOptions choose what Lens reports.
type LensOptions struct {
	// K is the number of top tokens reported per layer and position.
	K int
	// Target is a token whose rank and probability are reported at every
	// layer and position. A negative Target means the next input token
	// (ids[t+1]), so nothing is reported at the last position.
	Target int
	// KeepLogits keeps every layer's lens logits in LensReport.Logits.
	KeepLogits bool
}

// LensCell is what the lens sees at one layer and position.
type LensCell struct {
	Top     []TokenScore `json:"top"`
	Entropy float64      `json:"entropy"` // of the lens distribution, nats
	KL      float64      `json:"kl"`      // KL(final || this layer), nats
	HNorm   float64      `json:"hnorm"`   // |ln_f(x)|
	Target  *TokenScore  `json:"target"`  // nil when there is no target here
}

// LensReport is the logit lens of a sequence: for the residual stream x
// after the embeddings (layer 0) and after each block (layer l), the
// distribution softmax(E·ln_f(x)). The last layer is the model's own output.
type LensReport struct {
	IDs    []int        `json:"ids"`
	Cells  [][]LensCell `json:"layers"` // [L+1][T]
	Hidden [][]float32  `json:"-"`      // residual stream before ln_f, [L+1][T*C]
	Logits [][]float32  `json:"-"`      // lens logits [L+1][T*V], if KeepLogits
	V      int          `json:"-"`
	u      *Unembedding
}

// Lens runs ids through st from position 0 (it truncates st first) and
// applies the final LayerNorm and the unembedding u to the residual stream
// after every layer. ids must fit in the model's context.
func Lens(st *model.State, u *Unembedding, ids []int, opt LensOptions) (*LensReport, error) {
	m := st.Model()
	T, C, V := len(ids), m.Config.NEmbd, u.V
	if T == 0 {
		return nil, errors.New("inspect: lens of no tokens")
	}
	if opt.Target >= V {
		return nil, fmt.Errorf("inspect: target: %w", u.CheckID(opt.Target))
	}
	if u.C != C || m.Config.VocabSize != V {
		return nil, fmt.Errorf("inspect: unembedding [%d, %d] does not fit the model [%d, %d]", u.V, u.C, m.Config.VocabSize, C)
	}
	st.Truncate(0)
	rec := Record(st)
	final, err := st.Forward(ids, true)
	rec.Stop()
	if err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	L := len(rec.Layers) - 1
	r := &LensReport{IDs: append([]int(nil), ids...), Cells: make([][]LensCell, L+1), Hidden: rec.Layers, V: V, u: u}
	if opt.KeepLogits {
		r.Logits = make([][]float32, L+1)
	}
	pool := parallel.New(st.Threads())
	defer pool.Close()
	h := make([]float32, T*C)
	logits := make([]float32, T*V)
	finalLogp := make([]float64, T*V)
	for t := range T {
		LogSoftmax(finalLogp[t*V:(t+1)*V], final[t*V:(t+1)*V])
	}
	logp := make([]float64, V)
	for l := L; l >= 0; l-- {
		m.LnF.Forward(h, rec.Layers[l], T)
		if l == L {
			copy(logits, final) // the model's own logits, bit for bit
		} else {
			m.Head.Forward(pool, logits, h, T)
		}
		if opt.KeepLogits {
			r.Logits[l] = append([]float32(nil), logits...)
		}
		r.Cells[l] = make([]LensCell, T)
		for t := range T {
			z, ht := logits[t*V:(t+1)*V], h[t*C:(t+1)*C]
			LogSoftmax(logp, z)
			c := &r.Cells[l][t]
			c.Entropy = Entropy(logp)
			c.KL = KL(finalLogp[t*V:(t+1)*V], logp)
			c.HNorm = norm(ht)
			for i, id := range TopK(z, opt.K) {
				c.Top = append(c.Top, u.score(z, logp, ht, c.HNorm, id, i+1))
			}
			target := opt.Target
			if target < 0 && t+1 < T {
				target = ids[t+1]
			}
			if target >= 0 {
				s := u.score(z, logp, ht, c.HNorm, target, Rank(z, target))
				c.Target = &s
			}
		}
	}
	return r, nil
}

// score describes token id in the distribution of logits z with
// log-probabilities logp, for the hidden state h of norm hn.
func (u *Unembedding) score(z []float32, logp []float64, h []float32, hn float64, id, rank int) TokenScore {
	s := TokenScore{ID: id, Text: u.Text(id), Logit: z[id], LogProb: logp[id],
		Prob: math.Exp(logp[id]), Rank: rank, Norm: u.Norms[id]}
	if h != nil && hn > 0 && u.Norms[id] > 0 {
		s.Cos = dot(u.row(id), h) / (u.Norms[id] * hn)
	}
	return s
}
