package sampling

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func randomLogits(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 3)
	}
	return x
}

// expected computes the distribution the sampler should draw from by brute
// force: full sort, Hugging Face's warper order (temperature, top-k, top-p).
func expected(logits []float32, p Params) map[int]float64 {
	type tp struct {
		id int
		p  float64
	}
	var all []tp
	var sum float64
	for i, z := range logits {
		e := math.Exp(float64(z) / p.Temperature)
		all = append(all, tp{i, e})
		sum += e
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].p > all[b].p })
	if p.TopK > 0 && p.TopK < len(all) {
		all = all[:p.TopK]
	}
	sum = 0
	for _, x := range all {
		sum += x.p
	}
	var cum float64
	out := map[int]float64{}
	for _, x := range all {
		out[x.id] = x.p / sum
		cum += x.p / sum
		if cum >= p.TopP {
			break
		}
	}
	var z float64
	for _, v := range out {
		z += v
	}
	for k := range out {
		out[k] /= z
	}
	return out
}

func TestDistribution(t *testing.T) {
	logits := randomLogits(200, 7)
	for _, p := range []Params{
		{Temperature: 1, TopP: 1},
		{Temperature: 0.7, TopK: 10, TopP: 1},
		{Temperature: 1.3, TopP: 0.5},
		{Temperature: 1, TopK: 20, TopP: 0.8},
	} {
		want := expected(logits, p)
		s, err := New(p, 42)
		if err != nil {
			t.Fatal(err)
		}
		const n = 20000
		counts := map[int]int{}
		for range n {
			counts[s.Sample(logits)]++
		}
		for id := range counts {
			if _, ok := want[id]; !ok {
				t.Errorf("%+v: drew token %d outside the allowed set", p, id)
			}
		}
		for id, pr := range want {
			got := float64(counts[id]) / n
			// 5 standard deviations of a binomial frequency.
			if tol := 5*math.Sqrt(pr*(1-pr)/n) + 1e-4; math.Abs(got-pr) > tol {
				t.Errorf("%+v: token %d drawn with frequency %.4f, want %.4f ± %.4f", p, id, got, pr, tol)
			}
		}
	}
}

func TestGreedy(t *testing.T) {
	logits := randomLogits(1000, 3)
	best := 0
	for i, v := range logits {
		if v > logits[best] {
			best = i
		}
	}
	for _, p := range []Params{{Temperature: 0, TopP: 1}, {Temperature: 2, TopK: 1, TopP: 1}, {Temperature: 1, TopP: 1e-9}} {
		s, _ := New(p, 1)
		for range 10 {
			if got := s.Sample(logits); got != best {
				t.Errorf("%+v: got %d, want argmax %d", p, got, best)
			}
		}
	}
	if got := Argmax([]float32{1, 3, 3, 2}); got != 1 {
		t.Errorf("Argmax ties: got %d, want the lowest index 1", got)
	}
}

func TestSeedReproducible(t *testing.T) {
	logits := randomLogits(50257, 5)
	p := Params{Temperature: 1, TopK: 50, TopP: 0.9}
	draw := func(seed uint64) []int {
		s, _ := New(p, seed)
		var ids []int
		for range 50 {
			ids = append(ids, s.Sample(logits))
		}
		return ids
	}
	a, b, c := draw(9), draw(9), draw(10)
	same := func(x, y []int) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Error("same seed gave different tokens")
	}
	if same(a, c) {
		t.Error("different seeds gave identical 50-token draws")
	}
}

func TestValidate(t *testing.T) {
	for _, p := range []Params{
		{Temperature: -1, TopP: 1},
		{Temperature: math.NaN(), TopP: 1},
		{Temperature: 1, TopK: -1, TopP: 1},
		{Temperature: 1, TopP: 0},
		{Temperature: 1, TopP: 1.5},
	} {
		if _, err := New(p, 0); err == nil {
			t.Errorf("New(%+v) accepted bad settings", p)
		}
	}
}

// BenchmarkSample draws from GPT-2-sized logits: with top-p, with top-k
// (the CLI's default) and from the whole softmax, what an OpenAI-style
// request asks by default.
func BenchmarkSample(b *testing.B) {
	logits := randomLogits(50257, 5)
	for _, c := range []struct {
		name string
		p    Params
	}{
		{"top-p", Params{Temperature: 0.8, TopP: 0.9}},
		{"top-k", Params{Temperature: 0.8, TopK: 40, TopP: 1}},
		{"softmax", Params{Temperature: 0.8, TopP: 1}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, _ := New(c.p, 1)
			for b.Loop() {
				s.Sample(logits)
			}
		})
	}
}

func BenchmarkArgmax(b *testing.B) {
	logits := randomLogits(50257, 5)
	for b.Loop() {
		Argmax(logits)
	}
}

// TestDrawOrder checks that a draw does not depend on the order the
// candidates come in (top-k and top-p leave them partitioned): the same
// seed gives the same tokens for the candidates shuffled, small sets and
// large ones alike.
func TestDrawOrder(t *testing.T) {
	const V = 5000
	r := rand.New(rand.NewPCG(3, 4))
	probs := make([]float64, V)
	for i := range probs {
		probs[i] = r.Float64()
	}
	for _, n := range []int{7, 900, 3000, V} {
		sorted := r.Perm(V)[:n]
		sort.Ints(sorted)
		a, _ := New(Params{Temperature: 1, TopP: 1}, 11)
		b, _ := New(Params{Temperature: 1, TopP: 1}, 11)
		b.mark = make([]bool, V)
		for draw := range 200 {
			shuffled := append([]int(nil), sorted...)
			r.Shuffle(n, func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			want := a.draw(append([]int(nil), sorted...), probs)
			if got := b.draw(shuffled, probs); got != want {
				t.Fatalf("%d candidates, draw %d: %d from shuffled candidates, %d from sorted", n, draw, got, want)
			}
		}
	}
}

// TestArgmaxCases checks Argmax against the plain scan on short and long
// vectors with many ties, -Inf and NaNs: the lowest index of the largest
// value, NaNs passed over, 0 when x[0] is NaN.
func TestArgmaxCases(t *testing.T) {
	plain := func(x []float32) int {
		best := 0
		for i, v := range x {
			if v > x[best] {
				best = i
			}
		}
		return best
	}
	r := rand.New(rand.NewPCG(8, 9))
	nan, inf := float32(math.NaN()), float32(math.Inf(-1))
	for n := 0; n < 200; n++ {
		for trial := range 20 {
			x := make([]float32, n)
			for i := range x {
				switch r.IntN(10) {
				case 0:
					x[i] = nan
				case 1:
					x[i] = inf
				default:
					x[i] = float32(r.IntN(5)) // ties
				}
				if trial == 0 {
					x[i] = inf
				}
			}
			if got, want := Argmax(x), plain(x); got != want {
				t.Fatalf("%v: Argmax %d, want %d", x, got, want)
			}
		}
	}
}

// TestBrokenLogits checks that NaN and infinite logits (a broken checkpoint)
// never make Sample panic or return an id outside the vocabulary.
func TestBrokenLogits(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, p := range []Params{
		{Temperature: 1, TopK: 5, TopP: 1},
		{Temperature: 1, TopP: 0.9},
		{Temperature: 1, TopP: 1},
		{Temperature: 0.7, TopK: 3, TopP: 0.5},
	} {
		for _, poison := range [][]int{{0}, {0, 1, 2, 3, 4}, {7}, {1, 50}} {
			for _, v := range []float32{nan, inf, -inf} {
				logits := randomLogits(100, 3)
				for _, i := range poison {
					logits[i] = v
				}
				s, _ := New(p, 1)
				for range 20 {
					if id := s.Sample(logits); id < 0 || id >= len(logits) {
						t.Fatalf("%+v, %v at %v: id %d", p, v, poison, id)
					}
				}
			}
		}
	}
}
