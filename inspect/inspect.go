// Package inspect explains what a GPT-2 model's unembedding did: which tokens
// won and by how much, how sure the model was, how a prediction formed layer
// by layer (the logit lens), how well it predicts a text (score), and the
// geometry of the embedding matrix.
//
// The unembedding is logits z = E·h, where h[C] is the final hidden state
// after ln_f and E[V, C] the (tied) token embedding, so for each token
//
//	z_i = v_i·h = |v_i| |h| cos θ_i
//
// and the model's distribution is P = softmax(z). The loss of a true next
// token is -log P(true); its gradient with respect to h is
//
//	∇h = Σ_i P_i v_i - v_true
//
// Every quantity here is computed in float64 from the model's float32 logits,
// hidden states and weights. Probabilities are always the model's own
// (softmax of the raw logits), whatever sampling settings produced a token.
// Logarithms are natural: entropies, KL divergences and NLLs are in nats.
//
// The CLI commands gpt2 lens, score, embed and generate --dump-logits are thin
// wrappers around this package; library users call it the same way:
//
//	u := inspect.NewUnembedding(m, tok) // once per model
//	logits, _ := st.Forward(ids, false)
//	id := sampler.Sample(logits)
//	rep := u.Step(logits, st.Hidden(), id, 10)
package inspect

import (
	"fmt"
	"math"
	"slices"

	"github.com/gpt2go/gpt2/model"
)

// Vocab turns token ids into their bytes; *tokenizer.Tokenizer is one.
type Vocab interface {
	TokenBytes(id int) ([]byte, error)
}

// Unembedding is a model's output matrix E[V, C] as float32, with its row
// norms |v_i| and an optional vocabulary for token text. It is read-only and
// safe for concurrent use.
type Unembedding struct {
	V, C  int
	E     []float32 // [V, C], row i is v_i
	Norms []float64 // [V], |v_i|
	Vocab Vocab     // nil: tokens have no text
}

// NewUnembedding returns the unembedding m actually uses (wte when tied,
// lm_head otherwise). Float32 weights are used in place; other dtypes (F16,
// BF16, Q8) are converted once. vocab may be nil.
func NewUnembedding(m *model.Model, vocab Vocab) *Unembedding {
	hd := &m.Head.E
	V, C := hd.Rows, hd.Cols
	var e []float32
	if len(hd.F32) == V*C {
		e = hd.F32
	} else {
		e = make([]float32, V*C)
		for i := range V {
			hd.Row(e[i*C:(i+1)*C], i)
		}
	}
	u, _ := FromMatrix(e, V, C, vocab)
	return u
}

// FromMatrix wraps a row-major [V, C] unembedding matrix e (not copied).
func FromMatrix(e []float32, V, C int, vocab Vocab) (*Unembedding, error) {
	if V <= 0 || C <= 0 || len(e) != V*C {
		return nil, fmt.Errorf("inspect: matrix of %d values is not [%d, %d]", len(e), V, C)
	}
	u := &Unembedding{V: V, C: C, E: e, Norms: make([]float64, V), Vocab: vocab}
	for i := range V {
		u.Norms[i] = norm(u.row(i))
	}
	return u, nil
}

func (u *Unembedding) row(i int) []float32 { return u.E[i*u.C : (i+1)*u.C] }

// Text returns the text of token id, or nil when there is no vocabulary or
// the vocabulary does not know id. Bytes that are not valid UTF-8 (part of a
// character split across tokens) become U+FFFD when encoded as JSON.
func (u *Unembedding) Text(id int) *string {
	if u.Vocab == nil {
		return nil
	}
	b, err := u.Vocab.TokenBytes(id)
	if err != nil {
		return nil
	}
	s := string(b)
	return &s
}

// Label returns the text of token id for display: the token's text, or
// "<id N>" when it has none.
func (u *Unembedding) Label(id int) string {
	if s := u.Text(id); s != nil {
		return *s
	}
	return fmt.Sprintf("<id %d>", id)
}

// CheckID reports an id outside the vocabulary.
func (u *Unembedding) CheckID(id int) error {
	if id < 0 || id >= u.V {
		return fmt.Errorf("token id %d is outside the vocabulary [0, %d)", id, u.V)
	}
	return nil
}

// LogSoftmax writes log P_i = z_i - log Σ_j exp z_j into dst ([len(z)]) and
// returns the log-partition log Σ_j exp z_j.
func LogSoftmax(dst []float64, z []float32) float64 {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = max(mx, float64(v))
	}
	var s float64
	for _, v := range z {
		s += math.Exp(float64(v) - mx)
	}
	lse := mx + math.Log(s)
	for i, v := range z {
		dst[i] = float64(v) - lse
	}
	return lse
}

// Entropy returns -Σ P_i log P_i of a distribution given by its log-probabilities.
func Entropy(logp []float64) float64 {
	var h float64
	for _, l := range logp {
		if p := math.Exp(l); p > 0 {
			h -= p * l
		}
	}
	return h
}

// KL returns the divergence KL(P || Q) = Σ_i P_i (log P_i - log Q_i) of two
// distributions given by their log-probabilities.
func KL(logp, logq []float64) float64 {
	var d float64
	for i, l := range logp {
		if p := math.Exp(l); p > 0 {
			d += p * (l - logq[i])
		}
	}
	return max(d, 0)
}

// Rank returns 1 + the number of logits strictly greater than z[id]: the
// most likely token has rank 1.
func Rank(z []float32, id int) int {
	r := 1
	for _, v := range z {
		if v > z[id] {
			r++
		}
	}
	return r
}

// TopK returns the ids of the k largest logits, largest first; ties go to
// the smaller id.
func TopK(z []float32, k int) []int {
	k = min(max(k, 0), len(z))
	// Selection by partial insertion: k is small next to the vocabulary.
	top := make([]int, 0, k+1)
	for i, v := range z {
		if len(top) == k && (k == 0 || v <= z[top[k-1]]) {
			continue
		}
		j := len(top)
		top = append(top, i)
		for j > 0 && z[top[j-1]] < v {
			top[j] = top[j-1]
			j--
		}
		top[j] = i
		if len(top) > k {
			top = top[:k]
		}
	}
	return top
}

func dot(a, b []float32) float64 {
	var s float64
	for i, x := range a {
		s += float64(x) * float64(b[i])
	}
	return s
}

func norm(a []float32) float64 { return math.Sqrt(dot(a, a)) }

// sortedDesc returns the indexes of v sorted by decreasing value, ties by index.
func sortedDesc(v []float64) []int {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case v[a] > v[b]:
			return -1
		case v[a] < v[b]:
			return 1
		}
		return 0
	})
	return idx
}
