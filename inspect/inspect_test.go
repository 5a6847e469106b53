package inspect

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTopKRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 7, 300} {
		z := make([]float32, n)
		for i := range z {
			z[i] = float32(rng.IntN(20)) // many ties
		}
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			if z[a] > z[b] {
				return -1
			} else if z[a] < z[b] {
				return 1
			}
			return 0
		})
		for _, k := range []int{0, 1, 5, n, n + 3} {
			if got, want := TopK(z, k), idx[:min(k, n)]; !slices.Equal(got, want) {
				t.Errorf("n=%d TopK(%d) = %v, want %v", n, k, got, want)
			}
		}
		for i := range z {
			want := 1
			for _, v := range z {
				if v > z[i] {
					want++
				}
			}
			if got := Rank(z, i); got != want {
				t.Errorf("Rank(%d) = %d, want %d", i, got, want)
			}
		}
	}
}

func TestDistribution(t *testing.T) {
	z := []float32{1000, 1000, -1000}
	logp := make([]float64, 3)
	LogSoftmax(logp, z)
	if math.Abs(logp[0]-math.Log(0.5)) > 1e-12 || math.Exp(logp[2]) != 0 {
		t.Errorf("LogSoftmax(%v) = %v", z, logp)
	}
	if h := Entropy(logp); math.Abs(h-math.Log(2)) > 1e-12 {
		t.Errorf("Entropy = %v, want log 2", h)
	}
	if d := KL(logp, logp); d != 0 {
		t.Errorf("KL(P||P) = %v", d)
	}
	q := []float64{math.Log(0.25), math.Log(0.75), math.Inf(-1)}
	want := 0.5*math.Log(0.5/0.25) + 0.5*math.Log(0.5/0.75)
	if d := KL(logp, q); math.Abs(d-want) > 1e-12 {
		t.Errorf("KL = %v, want %v", d, want)
	}
}

type fakeVocab map[int]string

func (v fakeVocab) TokenBytes(id int) ([]byte, error) {
	if s, ok := v[id]; ok {
		return []byte(s), nil
	}
	return nil, os.ErrNotExist
}

func TestStep(t *testing.T) {
	m := openTiny(t, "f32")
	u := NewUnembedding(m, fakeVocab{7: "seven"})
	st := m.NewState(1)
	defer st.Close()
	logits, err := st.Forward([]int{299, 5, 17}, false)
	if err != nil {
		t.Fatal(err)
	}
	h := st.Hidden()
	r, err := u.Step(logits, h, 7, 300)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for i, s := range r.Top {
		sum += s.Prob
		if s.Rank != i+1 || (i > 0 && s.Logit > r.Top[i-1].Logit) {
			t.Fatalf("top %d: %+v out of order", i, s)
		}
		// z_i = |v_i| |h| cos θ_i
		if d := math.Abs(float64(s.Logit) - s.Norm*r.HNorm*s.Cos); d > 1e-4 {
			t.Errorf("token %d: logit %v != |v||h|cos = %v", s.ID, s.Logit, s.Norm*r.HNorm*s.Cos)
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("probabilities sum to %v", sum)
	}
	if c := r.Chosen; c.ID != 7 || c.Text == nil || *c.Text != "seven" || r.Top[c.Rank-1].ID != 7 {
		t.Errorf("chosen = %+v", c)
	}
	if r.Top[0].Text != nil || u.Label(8) != "<id 8>" {
		t.Errorf("token without text: %v %q", r.Top[0].Text, u.Label(8))
	}
	for _, bad := range []struct {
		logits, h []float32
		chosen    int
	}{{logits[:10], h, 1}, {logits, h[:3], 1}, {logits, h, 300}} {
		if _, err := u.Step(bad.logits, bad.h, bad.chosen, 3); err == nil {
			t.Errorf("Step(%d logits, %d h, chosen %d): no error", len(bad.logits), len(bad.h), bad.chosen)
		}
	}
	// Without h: no norms of h or cosines, the rest unchanged.
	r2, err := u.Step(logits, nil, 7, 3)
	if err != nil || r2.HNorm != 0 || r2.Top[0].Cos != 0 || r2.Top[0].Prob != r.Top[0].Prob {
		t.Errorf("Step without h = %+v, %v", r2, err)
	}
}

func TestRecorder(t *testing.T) {
	m := openTiny(t, "f32")
	st := m.NewState(1)
	defer st.Close()
	calls := 0
	st.Observe = func(int, []float32, int) { calls++ }
	rec := Record(st)
	if _, err := st.Forward([]int{1, 2, 3}, false); err != nil {
		t.Fatal(err)
	}
	L, C := len(m.Blocks), m.Config.NEmbd
	if rec.T != 3 || len(rec.Layers) != L+1 || len(rec.Layers[L]) != 3*C || calls != L+1 {
		t.Fatalf("after 3 tokens: T=%d, %d layers of %d, previous observer called %d times", rec.T, len(rec.Layers), len(rec.Layers[L]), calls)
	}
	if _, err := st.Forward([]int{4}, false); err != nil {
		t.Fatal(err)
	}
	if rec.T != 1 || len(rec.Layers[0]) != C {
		t.Fatalf("after 1 more token: T=%d, layer 0 has %d values", rec.T, len(rec.Layers[0]))
	}
	rec.Stop()
	if st.Observe == nil {
		t.Fatal("Stop dropped the previous observer")
	}
}

func TestLensErrors(t *testing.T) {
	m := openTiny(t, "f32")
	u := NewUnembedding(m, nil)
	st := m.NewState(1)
	defer st.Close()
	for name, ids := range map[string][]int{"empty": nil, "unknown id": {1, 300}, "too long": make([]int, 65)} {
		if _, err := Lens(st, u, ids, LensOptions{K: 3, Target: -1}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Lens(st, u, []int{1}, LensOptions{Target: 300}); err == nil {
		t.Error("target 300: no error")
	}
	r, err := Lens(st, u, []int{1, 2}, LensOptions{K: 2, Target: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range r.Cells {
		for _, c := range row {
			if c.Target == nil || c.Target.ID != 7 || len(c.Top) != 2 {
				t.Fatalf("cell %+v", c)
			}
		}
	}
	if r.Cells[len(r.Cells)-1][0].KL != 0 {
		t.Errorf("KL of the last layer from itself = %v", r.Cells[len(r.Cells)-1][0].KL)
	}
}

// TestScoreSlidingWindow checks Score on a text longer than the context
// against a brute-force computation: every token's log-probability from a
// fresh forward pass over exactly the context its window gives it.
func TestScoreSlidingWindow(t *testing.T) {
	m := openTiny(t, "f32")
	u := NewUnembedding(m, nil)
	st := m.NewState(2)
	defer st.Close()
	P := m.Config.NPositions
	rng := rand.New(rand.NewPCG(3, 4))
	ids := make([]int, 150)
	for i := range ids {
		ids[i] = rng.IntN(u.V)
	}
	for _, stride := range []int{16, 64, 37} {
		got, err := Score(st, u, ids, stride)
		if err != nil {
			t.Fatal(err)
		}
		// The window of token i is the first one (starting at a multiple
		// of stride, P long, cut at the end of the text) that reaches past i.
		var want []TokenLogProb
		for i := 1; i < len(ids); i++ {
			begin := 0
			for min(begin+P, len(ids)) <= i {
				begin += stride
			}
			if begin == i {
				continue // first in its window: no context
			}
			ref := m.NewState(1)
			logits, err := ref.Forward(ids[begin:i+1], true)
			ref.Close()
			if err != nil {
				t.Fatal(err)
			}
			z := logits[(i-1-begin)*u.V : (i-begin)*u.V]
			logp := make([]float64, u.V)
			LogSoftmax(logp, z)
			want = append(want, TokenLogProb{Pos: i, ID: ids[i], LogProb: logp[ids[i]], Rank: Rank(z, ids[i]), Context: i - begin})
		}
		if len(got.PerToken) != len(want) {
			t.Fatalf("stride %d: %d tokens scored, want %d", stride, len(got.PerToken), len(want))
		}
		var nll, worst float64
		for k, w := range want {
			g := got.PerToken[k]
			if g.Pos != w.Pos || g.ID != w.ID || g.Rank != w.Rank || g.Context != w.Context {
				t.Fatalf("stride %d token %d: got %+v, want %+v", stride, k, g, w)
			}
			worst = max(worst, math.Abs(g.LogProb-w.LogProb))
			nll -= w.LogProb
		}
		nll /= float64(len(want))
		t.Logf("stride %d: %d tokens scored, NLL %.6f, max logprob diff %.3g", stride, len(want), got.NLL, worst)
		if worst > 1e-5 || math.Abs(got.NLL-nll) > 1e-5 || math.Abs(got.PPL-math.Exp(nll)) > 1e-5*math.Exp(nll) {
			t.Errorf("stride %d: NLL %v, want %v; max logprob diff %v", stride, got.NLL, nll, worst)
		}
		wantScored := len(ids) - 1
		if stride == P {
			wantScored -= (len(ids) - 1) / P // first token of each later window
		}
		if got.Scored != wantScored {
			t.Errorf("stride %d: scored %d, want %d", stride, got.Scored, wantScored)
		}
	}
	for _, stride := range []int{0, -1, P + 1} {
		if _, err := Score(st, u, ids, stride); err == nil || !strings.Contains(err.Error(), "stride") {
			t.Errorf("stride %d: error %v", stride, err)
		}
	}
	if _, err := Score(st, u, []int{1, 300}, 8); err == nil {
		t.Error("unknown id: no error")
	}
}

func TestNPY(t *testing.T) {
	data := make([]float32, 2*3*5)
	for i := range data {
		data[i] = float32(i) - 0.5
	}
	for _, shape := range [][]int{{30}, {6, 5}, {2, 3, 5}} {
		var b bytes.Buffer
		if err := WriteNPY(&b, shape, data); err != nil {
			t.Fatal(err)
		}
		hlen := int(b.Bytes()[8]) | int(b.Bytes()[9])<<8
		if (10+hlen)%64 != 0 || b.Len() != 10+hlen+4*len(data) {
			t.Errorf("shape %v: header %d bytes, file %d", shape, hlen, b.Len())
		}
		gotShape, got, err := ReadNPY(&b)
		if err != nil || !slices.Equal(gotShape, shape) || !slices.Equal(got, data) {
			t.Errorf("shape %v: read back %v, %v, %v", shape, gotShape, got, err)
		}
	}
	if err := WriteNPY(new(bytes.Buffer), []int{4, 4}, data); err == nil {
		t.Error("WriteNPY with a wrong shape: no error")
	}

	// Streaming: rows appended one by one, shape fixed up by Close.
	path := filepath.Join(t.TempDir(), "x.npy")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewNPYWriter(f, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(data[:15]); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(data[15:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(data[:4]); err == nil {
		t.Error("Append of a partial row: no error")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw[:npyStreamHeader]), "'shape': (2, 3, 5)") {
		t.Errorf("header %q", raw[:npyStreamHeader])
	}
	gotShape, got, err := ReadNPY(bytes.NewReader(raw))
	if err != nil || !slices.Equal(gotShape, []int{2, 3, 5}) || !slices.Equal(got, data) {
		t.Errorf("stream: read back %v, %v, %v", gotShape, got, err)
	}
}
