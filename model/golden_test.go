package model

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gpt2go/gpt2/internal/kernels"
	"github.com/gpt2go/gpt2/internal/testmodel"
	"github.com/gpt2go/gpt2/sampling"
	"github.com/gpt2go/gpt2/weights"
)

// The goldens come from an independent NumPy float64 implementation
// (tools/reference, regenerate with /usr/bin/python3 tools/reference/make_testdata.py).
type golden struct {
	Variants map[string]struct {
		Dir   string `json:"dir"`
		Cases string `json:"cases"`
	} `json:"variants"`
	Cases map[string][]goldenCase `json:"cases"`
}

type goldenCase struct {
	IDs    []int       `json:"ids"`
	Logits [][]float64 `json:"logits"`
	Greedy []int       `json:"greedy"`
}

func loadGolden(t testing.TB) *golden { return loadGoldenFile(t, "golden.json") }

func loadGoldenFile(t testing.TB, name string) *golden {
	data, err := os.ReadFile(filepath.Join("../testdata/tiny", name))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

func openTiny(t testing.TB, dir string, opt Options) *Model {
	ck, err := weights.Open(filepath.Join("../testdata/tiny", dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ck.Close() })
	m, err := New(ck, opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// maxErr returns max |got - want| and max |want| over one row of logits.
func maxErr(got []float32, want []float64) (diff, scale float64) {
	for i, w := range want {
		diff = max(diff, math.Abs(float64(got[i])-w))
		scale = max(scale, math.Abs(w))
	}
	return diff, scale
}

// TestGolden runs every checkpoint variant three ways (whole prompt at once
// with all logits, one token at a time through the KV cache, and on 1 and 3
// threads) and compares all logits and the greedy continuation with the
// reference. Tolerance: max abs error <= 1e-4 of the largest |logit|.
func TestGolden(t *testing.T) {
	g := loadGolden(t)
	for name, v := range g.Variants {
		t.Run(name, func(t *testing.T) { checkGolden(t, openTiny(t, v.Dir, Options{}), g.Cases[v.Cases], 1e-4, true) })
	}
}

// TestGoldenKV16 is TestGolden with a half-precision KV cache, against a
// reference whose keys and values are rounded to float16 (the float32
// cache's goldens are up to 3.4e-3 and 4.1e-3 away, 4.4e-4 and 5.4e-4 of
// max |logit|). Rounding to 11 bits is a step: the runtime's float32 keys
// differ from the float64 reference's by ~1e-7, enough to round a few of
// them the other way, which moved logits by up to 1.7e-4 of max |logit|.
// So the tolerance is 5e-4, and the test checks besides that the float32
// cache is further from these goldens than the float16 cache is.
func TestGoldenKV16(t *testing.T) {
	g := loadGoldenFile(t, "golden_kv16.json")
	if len(g.Variants) == 0 {
		t.Fatal("golden_kv16.json has no variants")
	}
	for name, v := range g.Variants {
		t.Run(name, func(t *testing.T) {
			f16 := checkGolden(t, openTiny(t, v.Dir, Options{KVCacheF16: true}), g.Cases[v.Cases], 5e-4, true)
			f32 := checkGolden(t, openTiny(t, v.Dir, Options{}), g.Cases[v.Cases], math.Inf(1), false)
			t.Logf("worst relative logit error: float16 cache %.2g, float32 cache %.2g", f16, f32)
			if f32 <= f16 {
				t.Errorf("the float32 cache (worst relative error %.2g) is as close to the float16 goldens as the float16 cache (%.2g)", f32, f16)
			}
		})
	}
}

// checkGolden runs m over the cases three ways (whole prompt at once with
// all logits, one token at a time through the KV cache, and on 1 and 3
// threads) and compares all logits with them (max abs error at most tol
// of the largest |logit|) and, if greedy is set, the greedy continuation.
// It returns the worst relative error.
func checkGolden(t *testing.T, m *Model, cases []goldenCase, tol float64, greedy bool) (worstAll float64) {
	if len(cases) == 0 {
		t.Fatal("no golden cases")
	}
	V := m.Config.VocabSize
	for _, threads := range []int{1, 3} {
		for _, c := range cases {
			var worst float64
			check := func(how string, pos int, got []float32) {
				diff, scale := maxErr(got, c.Logits[pos])
				worst = max(worst, diff/scale)
				worstAll = max(worstAll, diff/scale)
				if diff > tol*scale {
					t.Errorf("%s, T=%d, position %d: max abs error %.3g > %g × %.3g", how, len(c.IDs), pos, diff, tol, scale)
				}
			}
			st := m.NewState(threads)
			all, err := st.Forward(c.IDs, true)
			if err != nil {
				t.Fatal(err)
			}
			for pos := range c.IDs {
				check("prefill", pos, all[pos*V:(pos+1)*V])
			}
			st.Truncate(0)
			for pos, id := range c.IDs {
				logits, err := st.Forward([]int{id}, false)
				if err != nil {
					t.Fatal(err)
				}
				check("cached decode", pos, logits)
			}
			st.Truncate(0)
			logits, err := st.Forward(c.IDs, false)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int
			for len(ids) < len(c.Greedy) {
				id := sampling.Argmax(logits)
				ids = append(ids, id)
				if logits, err = st.Forward([]int{id}, false); err != nil {
					t.Fatal(err)
				}
			}
			st.Close()
			if greedy && !slices.Equal(ids, c.Greedy) {
				t.Errorf("threads %d, T=%d: greedy %v, want %v", threads, len(c.IDs), ids, c.Greedy)
			}
			if threads == 1 && greedy {
				t.Logf("T=%d: worst relative logit error %.2g", len(c.IDs), worst)
			}
		}
	}
	return worstAll
}

// TestDecodeRepeatable checks that decoding on several workers gives the
// same logits, bit for bit, on every run: where the ranges of the products
// split by outputs fall follows the workers' speed (parallel.Pool.For),
// the sums must not.
func TestDecodeRepeatable(t *testing.T) {
	m := openTiny(t, "f32", Options{})
	decode := func() []float32 {
		st := m.NewState(3)
		defer st.Close()
		var all []float32
		for i := range 40 {
			logits, err := st.Forward([]int{(i*37 + 5) % 300}, false)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, logits...)
		}
		return all
	}
	want := decode()
	for run := range 5 {
		for i, v := range decode() {
			if math.Float32bits(v) != math.Float32bits(want[i]) {
				t.Fatalf("run %d: logit %d is %v, first run %v", run+2, i, v, want[i])
			}
		}
	}
}

func TestContextAndVocabErrors(t *testing.T) {
	m := openTiny(t, "f32", Options{})
	st := m.NewState(1)
	defer st.Close()
	if _, err := st.Forward([]int{300}, false); err == nil {
		t.Error("id 300 in a 300-token vocabulary was accepted")
	}
	if _, err := st.Forward([]int{-1}, false); err == nil {
		t.Error("id -1 was accepted")
	}
	if _, err := st.Forward(nil, false); err == nil {
		t.Error("no tokens was accepted")
	}
	if _, err := st.Forward(make([]int, 65), false); err == nil {
		t.Error("65 tokens in a 64-position context were accepted")
	}
	if _, err := st.Forward(make([]int, 64), false); err != nil {
		t.Fatalf("64 tokens in a 64-position context: %v", err)
	}
	if _, err := st.Forward([]int{1}, false); err == nil {
		t.Error("a token past the full context was accepted")
	}
}

// TestQuantized8 measures the logit error of int8 weights (one scale per 32,
// activations rounded to int8 too)
// against the float64 reference. It is a loss of precision by design; the
// bound only catches a broken quantizer or kernel.
func TestQuantized8(t *testing.T) {
	g := loadGolden(t)
	m := openTiny(t, "f32", Options{Quantize8: true})
	// Q8 sums whole blocks of 32: with n_embd 48, the MLP's c_proj
	// [192, 48] is quantized and c_attn [48, 144] stays as stored.
	if q, f := m.Blocks[0].MLP.CProj.W.DType.String(), m.Blocks[0].Attn.CAttn.W.DType.String(); q != "Q8" || f != "F32" {
		t.Fatalf("mlp.c_proj %s, c_attn %s; want Q8, F32", q, f)
	}
	V := m.Config.VocabSize
	st := m.NewState(2)
	defer st.Close()
	var worst float64
	for _, c := range g.Cases["f32"] {
		st.Truncate(0)
		all, err := st.Forward(c.IDs, true)
		if err != nil {
			t.Fatal(err)
		}
		for pos := range c.IDs {
			diff, scale := maxErr(all[pos*V:(pos+1)*V], c.Logits[pos])
			worst = max(worst, diff/scale)
		}
		// Token by token: the batch-1 kernels, rows split over workers.
		st.Truncate(0)
		for pos, id := range c.IDs {
			logits, err := st.Forward([]int{id}, false)
			if err != nil {
				t.Fatal(err)
			}
			diff, scale := maxErr(logits, c.Logits[pos])
			worst = max(worst, diff/scale)
		}
	}
	t.Logf("q8: worst logit error %.3g of the largest |logit|", worst)
	if worst > 0.05 {
		t.Errorf("q8 logit error %.3g of max |logit| exceeds 5%%", worst)
	}
}

// TestDecodeAllocs bounds what one decoded token allocates on two workers:
// the closures handed to the pool (four per block for float weights, up to
// eight for int8, and the head's), not an
// object per product. A kernel's scratch or a Mat view passed through the
// kernel table escapes to the heap; such an allocation per product, come
// back, fails this.
func TestDecodeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops buffers at random under the race detector")
	}
	// testmodel's widths are multiples of 32, so with q8 every matrix,
	// the unembedding included, is int8.
	ck, err := testmodel.Checkpoint(64)
	if err != nil {
		t.Fatal(err)
	}
	for _, q8 := range []bool{false, true} {
		m, err := New(ck, Options{Quantize8: q8})
		if err != nil {
			t.Fatal(err)
		}
		if q8 && m.Head.E.DType != kernels.Q8 {
			t.Fatalf("q8: the unembedding is %v", m.Head.E.DType)
		}
		st := m.NewState(2)
		defer st.Close()
		i := 0
		step := func() {
			if st.Pos() == m.Config.NPositions {
				st.Truncate(0)
			}
			if _, err := st.Forward([]int{i % m.Config.VocabSize}, false); err != nil {
				t.Fatal(err)
			}
			i++
		}
		for range 8 { // the pools' buffers
			step()
		}
		got := testing.AllocsPerRun(100, step)
		limit := float64(4*m.Config.NLayer + 8)
		if q8 { // column-split products: p.For wraps each closure in another
			limit = float64(8*m.Config.NLayer + 8)
		}
		if got > limit {
			t.Errorf("q8 %v: decode allocates %.1f objects per token on 2 workers, want at most %.0f", q8, got, limit)
		}
		t.Logf("q8 %v: %.1f allocations per token, %d layers", q8, got, m.Config.NLayer)
	}
}

// TestDecodeMatchesPrefill checks, past the tiny reference models' 64
// positions (the key tiles hold 64 positions each), that decoding token by
// token gives the logits that one prefill of the same tokens gives, on one
// and two workers, after a prefill that ends inside a tile.
func TestDecodeMatchesPrefill(t *testing.T) {
	const n = 300
	ck, err := testmodel.Checkpoint(n)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(ck, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int, n)
	for i := range ids {
		ids[i] = (i*131 + 7) % m.Config.VocabSize
	}
	V := m.Config.VocabSize
	st := m.NewState(1)
	want, err := st.Forward(ids, true)
	if err != nil {
		t.Fatal(err)
	}
	want = slices.Clone(want)
	st.Close()
	for _, threads := range []int{1, 2} {
		st := m.NewState(threads)
		const pre = 70
		got, err := st.Forward(ids[:pre], true)
		if err != nil {
			t.Fatal(err)
		}
		got = slices.Clone(got)
		for _, id := range ids[pre:] {
			logits, err := st.Forward([]int{id}, false)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, logits...)
		}
		st.Close()
		for p := range n {
			w, g := want[p*V:(p+1)*V], got[p*V:(p+1)*V]
			var top, diff float64
			for i := range w {
				top = max(top, math.Abs(float64(w[i])))
				diff = max(diff, math.Abs(float64(g[i]-w[i])))
			}
			if diff > 1e-5*top {
				t.Fatalf("%d threads, position %d: logits differ from the prefill's by %.3g (max |logit| %.3g)", threads, p, diff, top)
			}
		}
	}
}

// TestQuantized8Threads checks that int8 logits do not depend on the
// number of workers: int8 products split by columns, each output summed
// whole by one worker in one order (float products split by rows and add
// partial sums, whose rounding depends on the split).
func TestQuantized8Threads(t *testing.T) {
	ck, err := testmodel.Checkpoint(64)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(ck, Options{Quantize8: true})
	if err != nil {
		t.Fatal(err)
	}
	ids := []int{3, 14, 15, 92, 65, 35, 89, 79}
	sameOnThreads(t, m, "decode", func(st *State) []float32 {
		var got []float32
		for _, id := range ids { // token by token: the decode paths
			logits, err := st.Forward([]int{id}, false)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, logits...)
		}
		return got
	})
}

// sameOnThreads fails unless run gives the same logits, bit for bit, on
// states of 1, 2 and 3 workers.
func sameOnThreads(t *testing.T, m *Model, what string, run func(st *State) []float32) {
	t.Helper()
	var want []float32
	for _, threads := range []int{1, 2, 3} {
		st := m.NewState(threads)
		got := run(st)
		st.Close()
		if want == nil {
			want = got
			continue
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s, %d workers: logit %d (position %d) = %v, %v on one", what, threads, i, i/m.Config.VocabSize, got[i], want[i])
			}
		}
	}
}

// TestPrefillThreads checks that a prompt's logits do not depend on the
// number of workers, bit for bit: long prompts split their products by
// tokens on 2 workers (Linear.tokenSplit) and by columns on 3, and one
// worker splits nothing. 601 tokens: over the float threshold on 2
// workers, over int8's on 2 and 3, and not a multiple of the four tokens
// int8 prefill takes at a time.
func TestPrefillThreads(t *testing.T) {
	const T = 601
	ck, err := testmodel.Checkpoint(T)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int, T)
	for i := range ids {
		ids[i] = (i*31 + 7) % ck.Config.VocabSize
	}
	for _, q8 := range []bool{false, true} {
		m, err := New(ck, Options{Quantize8: q8})
		if err != nil {
			t.Fatal(err)
		}
		sameOnThreads(t, m, fmt.Sprintf("q8 %v", q8), func(st *State) []float32 {
			got, err := st.Forward(ids, true)
			if err != nil {
				t.Fatal(err)
			}
			return append([]float32(nil), got...)
		})
	}
}
