package inspect

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gpt2go/gpt2/model"
	"github.com/gpt2go/gpt2/weights"
)

// analysis is testdata/tiny/f32_analysis.json, written by the independent
// NumPy float64 reference (regenerate with
// /usr/bin/python3 tools/reference/make_testdata.py; schema in
// testdata/README.md).
type analysis struct {
	WNorm          []float64 `json:"wnorm"`
	SingularValues []float64 `json:"singular_values"`
	EnergyTop5     float64   `json:"energy_share_top5"`
	Neighbors      []struct {
		ID   int       `json:"id"`
		IDs  []int     `json:"ids"`
		Sims []float64 `json:"sims"`
	} `json:"neighbors"`
	Sequences []struct {
		IDs        []int         `json:"ids"`
		Hidden     [][][]float64 `json:"hidden"`
		LensLogits [][][]float64 `json:"lens_logits"`
		HNorm      []float64     `json:"hnorm"`
		Cos        []float64     `json:"cos"`
		LogProbs   []float64     `json:"logprobs"`
		NLLMean    *float64      `json:"nll_mean"`
		PPL        *float64      `json:"ppl"`
		GradHNorm  []float64     `json:"grad_h_norm"`
	} `json:"sequences"`
}

const tinyDir = "../testdata/tiny"

func openTiny(t testing.TB, variant string) *model.Model {
	t.Helper()
	ck, err := weights.Open(filepath.Join(tinyDir, variant))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ck.Close() })
	m, err := model.New(ck, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func loadAnalysis(t testing.TB) *analysis {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(tinyDir, "f32_analysis.json"))
	if err != nil {
		t.Fatal(err)
	}
	var a analysis
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

// errs accumulates, per quantity, max |got - want| and max |want|.
type errs map[string]*[2]float64

func (e errs) add(name string, got, want float64) {
	p := e[name]
	if p == nil {
		p = new([2]float64)
		e[name] = p
	}
	p[0] = max(p[0], math.Abs(got-want))
	p[1] = max(p[1], math.Abs(want))
	if math.IsNaN(got) {
		p[0] = math.Inf(1)
	}
}

// check requires max abs error <= 1e-4 of the largest |reference value|
// for every quantity, and logs the measured errors.
func (e errs) check(t *testing.T) {
	t.Helper()
	names := make([]string, 0, len(e))
	for n := range e {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p := e[n]
		rel := p[0] / p[1]
		t.Logf("%-18s max abs err %.3g (max |ref| %.4g, relative %.3g)", n, p[0], p[1], rel)
		if !(rel <= 1e-4) {
			t.Errorf("%s: max abs error %.3g exceeds 1e-4 * %.4g", n, p[0], p[1])
		}
	}
}

// TestReference compares every quantity of f32_analysis.json with what this
// package computes from the float32 runtime.
func TestReference(t *testing.T) {
	a := loadAnalysis(t)
	m := openTiny(t, "f32")
	u := NewUnembedding(m, nil)
	st := m.NewState(2)
	defer st.Close()
	e := errs{}

	for i, w := range a.WNorm {
		e.add("wnorm", u.Norms[i], w)
	}
	sp, err := u.Spectrum()
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Values) != len(a.SingularValues) {
		t.Fatalf("%d singular values, want %d", len(sp.Values), len(a.SingularValues))
	}
	for i, w := range a.SingularValues {
		e.add("singular_values", sp.Values[i], w)
	}
	e.add("energy_share_top5", sp.Energy[4], a.EnergyTop5)
	for _, nb := range a.Neighbors {
		got, err := u.Neighbors(nb.ID, len(nb.IDs))
		if err != nil {
			t.Fatal(err)
		}
		for j, w := range nb.Sims {
			if got[j].ID != nb.IDs[j] {
				t.Errorf("neighbor %d of %d is %d, want %d", j, nb.ID, got[j].ID, nb.IDs[j])
			}
			e.add("neighbors", got[j].Cos, w)
		}
	}

	for _, sq := range a.Sequences {
		T := len(sq.IDs)
		lens, err := Lens(st, u, sq.IDs, LensOptions{K: 5, Target: -1, KeepLogits: true})
		if err != nil {
			t.Fatal(err)
		}
		C, V := u.C, u.V
		for l := range sq.Hidden {
			for p := range T {
				for j, w := range sq.Hidden[l][p] {
					e.add("hidden", float64(lens.Hidden[l][p*C+j]), w)
				}
				for j, w := range sq.LensLogits[l][p] {
					e.add("lens_logits", float64(lens.Logits[l][p*V+j]), w)
				}
			}
		}
		L := len(sq.Hidden) - 1
		for p, w := range sq.HNorm {
			e.add("hnorm", lens.Cells[L][p].HNorm, w)
		}

		// Cosines and Step at the last position, from a plain Forward.
		st.Truncate(0)
		logits, err := st.Forward(sq.IDs, false)
		if err != nil {
			t.Fatal(err)
		}
		h := st.Hidden()
		for i, w := range u.Cosines(h) {
			e.add("cos", w, sq.Cos[i])
		}
		rep, err := u.Step(logits, h, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		e.add("hnorm", rep.HNorm, sq.HNorm[T-1])
		for _, s := range append(rep.Top, rep.Chosen) {
			e.add("cos", s.Cos, sq.Cos[s.ID])
		}

		if T < 2 {
			if _, err := Score(st, u, sq.IDs, 64); err == nil {
				t.Errorf("Score of %d token: no error", T)
			}
			if sq.NLLMean != nil {
				t.Errorf("reference has an NLL for %d token", T)
			}
			continue
		}
		sc, err := Score(st, u, sq.IDs, 64)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Scored != T-1 {
			t.Fatalf("scored %d tokens, want %d", sc.Scored, T-1)
		}
		for p, w := range sq.LogProbs {
			e.add("logprobs", sc.PerToken[p].LogProb, w)
			e.add("grad_h_norm", sc.PerToken[p].GradNorm, sq.GradHNorm[p])
			// Lens at the last layer reports the same target log-probability.
			e.add("logprobs", lens.Cells[L][p].Target.LogProb, w)
		}
		e.add("nll_mean", sc.NLL, *sq.NLLMean)
		e.add("ppl", sc.PPL, *sq.PPL)
	}
	e.check(t)
}
