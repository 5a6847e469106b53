package inspect

import (
	"errors"
	"fmt"
	"math"

	"github.com/gpt2go/gpt2/internal/parallel"
	"github.com/gpt2go/gpt2/model"
)

// TokenLogProb is how well the model predicted one token of a text.
type TokenLogProb struct {
	Pos      int     `json:"pos"` // index of the token in the text
	ID       int     `json:"id"`
	Text     *string `json:"text"`
	LogProb  float64 `json:"logprob"`
	Rank     int     `json:"rank"`      // 1: the model's most likely token
	GradNorm float64 `json:"grad_norm"` // |∇h| of -log P(token) at the predicting position
	Context  int     `json:"context"`   // tokens of context the prediction saw
}

// ScoreReport is the likelihood of a text under the model.
type ScoreReport struct {
	Tokens   int            `json:"tokens"` // tokens in the text
	Scored   int            `json:"scored"` // tokens with a prediction
	Window   int            `json:"window"` // max tokens per forward pass
	Stride   int            `json:"stride"`
	NLL      float64        `json:"nll"` // mean -log P over the scored tokens, nats
	PPL      float64        `json:"ppl"` // exp(NLL)
	PerToken []TokenLogProb `json:"per_token"`
}

// Score computes the log-probability, rank and gradient norm |∇h| of each
// token of ids given the tokens before it, and the mean NLL and perplexity.
//
// Texts longer than the context are scored with a sliding window as in
// Hugging Face's perplexity guide: windows of n_positions tokens starting
// every stride tokens (the last one ends at the end of the text); each
// window scores only the tokens the previous window did not reach (the first
// window all but the first token). A token at the very start of a window has
// no context there and is not scored, which only happens when stride ==
// n_positions. stride must be in [1, n_positions].
//
// Score runs from position 0 of st, truncating it for every window.
func Score(st *model.State, u *Unembedding, ids []int, stride int) (*ScoreReport, error) {
	m := st.Model()
	P, C, V := m.Config.NPositions, m.Config.NEmbd, u.V
	if stride < 1 || stride > P {
		return nil, fmt.Errorf("inspect: stride %d is outside [1, %d] (the model's context)", stride, P)
	}
	if len(ids) < 2 {
		return nil, errors.New("inspect: scoring needs at least 2 tokens")
	}
	if u.C != C || m.Config.VocabSize != V {
		return nil, fmt.Errorf("inspect: unembedding [%d, %d] does not fit the model [%d, %d]", u.V, u.C, m.Config.VocabSize, C)
	}
	for _, id := range ids {
		if err := u.CheckID(id); err != nil {
			return nil, fmt.Errorf("inspect: %w", err)
		}
	}
	r := &ScoreReport{Tokens: len(ids), Window: P, Stride: stride}
	pool := parallel.New(st.Threads())
	defer pool.Close()
	prevEnd := 0
	for begin := 0; begin < len(ids); begin += stride {
		end := min(begin+P, len(ids))
		first := max(prevEnd, begin+1) // first token scored in this window
		if first < end {
			st.Truncate(0)
			logits, err := st.Forward(ids[begin:end], true)
			if err != nil {
				return nil, fmt.Errorf("inspect: %w", err)
			}
			per := make([]TokenLogProb, end-first)
			// Token t is predicted at window position t-1-begin.
			pool.For(len(per), 1, func(lo, hi int) {
				logp := make([]float64, V)
				for k := lo; k < hi; k++ {
					t := first + k
					p := t - 1 - begin
					z := logits[p*V : (p+1)*V]
					LogSoftmax(logp, z)
					g := u.Grad(logp, ids[t])
					per[k] = TokenLogProb{Pos: t, ID: ids[t], Text: u.Text(ids[t]), LogProb: logp[ids[t]],
						Rank: Rank(z, ids[t]), GradNorm: norm64(g), Context: p + 1}
				}
			})
			r.PerToken = append(r.PerToken, per...)
		}
		prevEnd = end
		if end == len(ids) {
			break
		}
	}
	r.Scored = len(r.PerToken)
	for _, p := range r.PerToken {
		r.NLL -= p.LogProb
	}
	r.NLL /= float64(r.Scored)
	r.PPL = math.Exp(r.NLL)
	return r, nil
}

func norm64(a []float64) float64 {
	var s float64
	for _, x := range a {
		s += x * x
	}
	return math.Sqrt(s)
}
