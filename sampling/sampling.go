// Package sampling picks the next token from a vector of logits: greedy,
// temperature, top-k and top-p (nucleus), applied in that order as Hugging
// Face transformers does. Randomness comes only from the Sampler's own
// seeded generator, so a seed and the same logits give the same tokens on
// every run and every machine.
package sampling

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Params are the sampling settings.
type Params struct {
	// Temperature divides the logits; 0 means greedy (argmax).
	Temperature float64
	// TopK keeps the K most likely tokens; 0 keeps all.
	TopK int
	// TopP keeps the smallest set of most likely tokens whose probability
	// reaches P; 1 keeps all. Must be in (0, 1].
	TopP float64
}

// Validate reports settings that make no sense.
func (p Params) Validate() error {
	var errs []error
	if p.Temperature < 0 || math.IsNaN(p.Temperature) || math.IsInf(p.Temperature, 0) {
		errs = append(errs, fmt.Errorf("temperature must be >= 0, got %g", p.Temperature))
	}
	if p.TopK < 0 {
		errs = append(errs, fmt.Errorf("top-k must be >= 0, got %d", p.TopK))
	}
	if !(p.TopP > 0 && p.TopP <= 1) {
		errs = append(errs, fmt.Errorf("top-p must be in (0, 1], got %g", p.TopP))
	}
	return errors.Join(errs...)
}

// Greedy reports whether the settings always pick the most likely token.
func (p Params) Greedy() bool { return p.Temperature == 0 || p.TopK == 1 }

// Sampler draws tokens. It is not safe for concurrent use.
type Sampler struct {
	p     Params
	rng   *rand.Rand
	probs []float64
	idx   []int
}

// New returns a sampler with settings p and a generator seeded with seed.
func New(p Params, seed uint64) (*Sampler, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("sampling: %w", err)
	}
	// PCG is specified exactly, so the stream is the same everywhere.
	return &Sampler{p: p, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}, nil
}

// Params returns the sampler's settings.
func (s *Sampler) Params() Params { return s.p }

// Sample returns the id of the chosen token.
func (s *Sampler) Sample(logits []float32) int {
	if s.p.Greedy() {
		return Argmax(logits)
	}
	// Temperature, then softmax over all tokens.
	if cap(s.probs) < len(logits) {
		s.probs = make([]float64, len(logits))
		s.idx = make([]int, len(logits))
	}
	probs, idx := s.probs[:len(logits)], s.idx[:len(logits)]
	mx := logits[Argmax(logits)]
	var sum float64
	for i, z := range logits {
		e := math.Exp((float64(z) - float64(mx)) / s.p.Temperature)
		probs[i] = e
		sum += e
		idx[i] = i
	}
	if s.p.TopK > 0 && s.p.TopK < len(idx) {
		idx = topK(idx, probs, s.p.TopK)
		sum = 0
		for _, i := range idx {
			sum += probs[i]
		}
	}
	if s.p.TopP < 1 {
		idx = nucleus(idx, probs, s.p.TopP*sum)
	}
	// Draw in a fixed order (descending probability, then id) so the
	// outcome does not depend on how the candidates were partitioned.
	sortDesc(idx, probs)
	var kept float64
	for _, i := range idx {
		kept += probs[i]
	}
	r := s.rng.Float64() * kept
	for _, i := range idx {
		r -= probs[i]
		if r < 0 {
			return i
		}
	}
	return idx[len(idx)-1]
}

// Argmax returns the index of the largest value, the lowest one on ties.
func Argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// topK keeps the k most probable candidates, and any tied with the k-th
// (as Hugging Face's TopKLogitsWarper does, which keeps logits >= the k-th).
// Like nucleus it partitions instead of sorting all V candidates.
func topK(idx []int, p []float64, k int) []int {
	kept := 0 // idx[:kept] are kept; idx[kept:] are undecided
	for {
		gt, lt := partition(idx[kept:], p)
		switch {
		case kept+gt == k:
			return idx[:k]
		case kept+gt > k:
			idx = idx[:kept+gt] // the k-th lies among the larger ones
		case kept+lt >= k:
			return idx[:kept+lt] // the k-th is the pivot: keep its ties
		default:
			kept += lt
		}
	}
}

// nucleus keeps the most probable candidates until their mass reaches need.
func nucleus(idx []int, p []float64, need float64) []int {
	kept := 0 // idx[:kept] are kept; idx[kept:] are undecided
	for kept < len(idx) {
		rest := idx[kept:]
		gt, lt := partition(rest, p)
		sgt := mass(rest[:gt], p)
		if sgt >= need {
			if gt == 1 {
				return idx[:kept+1]
			}
			idx = idx[:kept+gt] // the boundary lies among the larger ones
			continue
		}
		need -= sgt
		seq := mass(rest[gt:lt], p)
		kept += lt
		if seq >= need {
			return idx[:kept]
		}
		need -= seq
	}
	return idx
}

// partition reorders idx around the probability of its middle element:
// idx[:gt] are more probable, idx[gt:lt] equally and idx[lt:] less.
func partition(idx []int, p []float64) (gt, lt int) {
	pivot := p[idx[len(idx)/2]]
	lt = len(idx)
	for i := 0; i < lt; {
		switch v := p[idx[i]]; {
		case v > pivot:
			idx[gt], idx[i] = idx[i], idx[gt]
			gt++
			i++
		case v < pivot:
			lt--
			idx[lt], idx[i] = idx[i], idx[lt]
		default:
			i++
		}
	}
	return gt, lt
}

func mass(idx []int, p []float64) float64 {
	var s float64
	for _, i := range idx {
		s += p[i]
	}
	return s
}

func sortDesc(idx []int, p []float64) {
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case p[a] > p[b]:
			return -1
		case p[a] < p[b]:
			return 1
		}
		return a - b
	})
}
