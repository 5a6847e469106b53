package inspect

import (
	"fmt"
	"math"
)

// TokenScore is one token's part in a distribution over the vocabulary.
type TokenScore struct {
	ID      int     `json:"id"`
	Text    *string `json:"text"` // nil without a vocabulary
	Logit   float32 `json:"logit"`
	Prob    float64 `json:"prob"`
	LogProb float64 `json:"logprob"`
	Rank    int     `json:"rank"` // 1 is the most likely token
	Norm    float64 `json:"norm"` // |v_i|
	Cos     float64 `json:"cos"`  // cos θ_i between v_i and h
}

// StepReport describes one generated token: the distribution it was drawn
// from and where the chosen token stood in it.
type StepReport struct {
	Chosen  TokenScore   `json:"chosen"`
	Entropy float64      `json:"entropy"` // of P, in nats
	HNorm   float64      `json:"hnorm"`   // |h|, h after ln_f; 0 if h was not given
	Top     []TokenScore `json:"top"`
}

// Step explains the logits z[V] = E·h of one position: the chosen token and
// the k most likely ones with their logit, probability, log-probability,
// |v_i| and cos θ_i, and the entropy of P = softmax(z). h[C] is the hidden
// state after ln_f (model.State.Hidden); if it is nil, HNorm and the cosines
// are left zero. chosen < 0 leaves Chosen empty.
func (u *Unembedding) Step(logits, h []float32, chosen, k int) (StepReport, error) {
	if len(logits) != u.V {
		return StepReport{}, fmt.Errorf("inspect: %d logits for a vocabulary of %d", len(logits), u.V)
	}
	if h != nil && len(h) != u.C {
		return StepReport{}, fmt.Errorf("inspect: hidden state has %d values, the model %d", len(h), u.C)
	}
	if chosen >= u.V {
		return StepReport{}, u.CheckID(chosen)
	}
	logp := make([]float64, u.V)
	LogSoftmax(logp, logits)
	r := StepReport{Entropy: Entropy(logp)}
	if h != nil {
		r.HNorm = norm(h)
	}
	for i, id := range TopK(logits, k) {
		r.Top = append(r.Top, u.score(logits, logp, h, r.HNorm, id, i+1))
	}
	if chosen >= 0 {
		r.Chosen = u.score(logits, logp, h, r.HNorm, chosen, Rank(logits, chosen))
	}
	return r, nil
}

// Cosines returns cos θ_i between h[C] and every row v_i of E.
func (u *Unembedding) Cosines(h []float32) []float64 {
	cos := make([]float64, u.V)
	hn := norm(h)
	for i := range cos {
		if d := u.Norms[i] * hn; d > 0 {
			cos[i] = dot(u.row(i), h) / d
		}
	}
	return cos
}

// Grad returns ∇h = Σ_i P_i v_i - v_target, the gradient of -log P(target)
// with respect to h, for the log-probabilities logp[V] of one position.
func (u *Unembedding) Grad(logp []float64, target int) []float64 {
	g := make([]float64, u.C)
	for i, l := range logp {
		p := math.Exp(l)
		if p == 0 {
			continue
		}
		for j, v := range u.row(i) {
			g[j] += p * float64(v)
		}
	}
	for j, v := range u.row(target) {
		g[j] -= float64(v)
	}
	return g
}
