package inspect

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Neighbor is a token close to another in the embedding.
type Neighbor struct {
	ID   int     `json:"id"`
	Text *string `json:"text"`
	Cos  float64 `json:"cos"` // cosine similarity of the two rows of E
}

// Neighbors returns the k tokens whose rows of E have the largest cosine
// similarity with row id, most similar first (ties by id), id itself excluded.
func (u *Unembedding) Neighbors(id, k int) ([]Neighbor, error) {
	if err := u.CheckID(id); err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	if k < 0 {
		return nil, fmt.Errorf("inspect: %d neighbors asked for", k)
	}
	sims := make([]float64, u.V)
	v := u.row(id)
	for i := range sims {
		if d := u.Norms[i] * u.Norms[id]; d > 0 {
			sims[i] = dot(u.row(i), v) / d
		}
	}
	sims[id] = math.Inf(-1)
	var out []Neighbor
	for _, i := range sortedDesc(sims)[:min(k, u.V-1)] {
		out = append(out, Neighbor{ID: i, Text: u.Text(i), Cos: sims[i]})
	}
	return out, nil
}

// TokenNorm is a token with the norm |v_i| of its row of E.
type TokenNorm struct {
	ID   int     `json:"id"`
	Text *string `json:"text"`
	Norm float64 `json:"norm"`
}

// NormStats summarises the distribution of the row norms |v_i| of E.
type NormStats struct {
	Mean, Std float64
	// Quantiles at 0, 1, 5, 25, 50, 75, 95, 99 and 100 percent
	// (linear interpolation, as numpy.quantile).
	Quantiles [9]float64
	Largest   []TokenNorm // the k largest, largest first
	Smallest  []TokenNorm // the k smallest, smallest first
}

// QuantileLevels are the levels of NormStats.Quantiles.
var QuantileLevels = [9]float64{0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1}

// NormStats returns the distribution of |v_i| with the k largest and
// smallest tokens.
func (u *Unembedding) NormStats(k int) NormStats {
	var s NormStats
	for _, n := range u.Norms {
		s.Mean += n
	}
	s.Mean /= float64(u.V)
	for _, n := range u.Norms {
		s.Std += (n - s.Mean) * (n - s.Mean)
	}
	s.Std = math.Sqrt(s.Std / float64(u.V))
	sorted := slices.Clone(u.Norms)
	slices.Sort(sorted)
	for i, q := range QuantileLevels {
		x := q * float64(u.V-1)
		lo := int(math.Floor(x))
		hi := min(lo+1, u.V-1)
		s.Quantiles[i] = sorted[lo] + (x-float64(lo))*(sorted[hi]-sorted[lo])
	}
	order := sortedDesc(u.Norms)
	k = min(max(k, 0), u.V)
	for _, i := range order[:k] {
		s.Largest = append(s.Largest, TokenNorm{i, u.Text(i), u.Norms[i]})
	}
	for j := range k {
		i := order[u.V-1-j]
		s.Smallest = append(s.Smallest, TokenNorm{i, u.Text(i), u.Norms[i]})
	}
	return s
}

// Spectrum holds the singular values of E.
type Spectrum struct {
	// Values are all min(V, C) singular values σ of E, largest first.
	Values []float64
	// Energy[i] is the share of the energy Σσ² held by the i+1 largest
	// singular values.
	Energy []float64
}

// Spectrum returns the singular values of E (computed in float64 by
// gonum's SVD) and the cumulative share of the energy they hold.
func (u *Unembedding) Spectrum() (Spectrum, error) {
	data := make([]float64, len(u.E))
	for i, v := range u.E {
		data[i] = float64(v)
	}
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(u.V, u.C, data), mat.SVDNone) {
		return Spectrum{}, errors.New("inspect: the SVD of the embedding did not converge")
	}
	s := Spectrum{Values: svd.Values(nil)}
	var total float64
	for _, v := range s.Values {
		total += v * v
	}
	var acc float64
	for _, v := range s.Values {
		acc += v * v
		s.Energy = append(s.Energy, acc/total)
	}
	return s, nil
}
