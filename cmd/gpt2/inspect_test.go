package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gpt2go/gpt2/inspect"
)

const tinyF32 = "../../testdata/tiny/f32"

// runGPT2 runs the gpt2 command line and returns its exit code and output.
func runGPT2(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runGPT2(t, args...)
	if code != 0 {
		t.Fatalf("gpt2 %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

func readNPY(t *testing.T, path string) ([]int, []float32) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	shape, data, err := inspect.ReadNPY(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return shape, data
}

type stepLine struct {
	Step     int `json:"step"`
	Position int `json:"position"`
	inspect.StepReport
}

func readDump(t *testing.T, path string) (map[string]any, []stepLine) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var header map[string]any
	var steps []stepLine
	for sc.Scan() {
		if header == nil {
			if err := json.Unmarshal(sc.Bytes(), &header); err != nil || header["type"] != "header" {
				t.Fatalf("first line %s: %v", sc.Bytes(), err)
			}
			continue
		}
		var s stepLine
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, s)
	}
	return header, steps
}

// TestGenerateDump checks that the dumps of a generation agree with the
// tokens it printed, greedy and sampled, and that probabilities are the
// model's own softmax whatever the temperature.
func TestGenerateDump(t *testing.T) {
	prompt := []int{299, 5, 17, 0, 123, 256, 42}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"greedy", []string{"--temperature", "0"}},
		{"sampled", []string{"--temperature", "1.5", "--top-k", "0", "--seed", "7"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			jl, npy := filepath.Join(dir, "d.jsonl"), filepath.Join(dir, "d.npy")
			args := append([]string{"generate", "--model", tinyF32, "--prompt-ids", "299,5,17,0,123,256,42",
				"--max-tokens", "8", "--format", "ids", "--dump-logits", jl, "--dump-top", "5", "--dump-full", npy}, tc.args...)
			out := mustRun(t, args...)
			printed, err := parseIDs(out)
			if err != nil || len(printed) == 0 {
				t.Fatalf("output %q: %v", out, err)
			}
			header, steps := readDump(t, jl)
			smp := header["sampling"].(map[string]any)
			if (tc.name == "greedy") != (smp["greedy"] == true) {
				t.Errorf("header sampling = %v", smp)
			}
			shape, logits := readNPY(t, npy)
			V := 300
			if len(shape) != 2 || shape[0] != len(printed) || shape[1] != V {
				t.Fatalf(".npy shape %v, want [%d %d]", shape, len(printed), V)
			}
			if len(steps) != len(printed) {
				t.Fatalf("%d steps dumped, %d tokens printed", len(steps), len(printed))
			}
			logp := make([]float64, V)
			for i, s := range steps {
				z := logits[i*V : (i+1)*V]
				inspect.LogSoftmax(logp, z)
				if s.Step != i || s.Position != len(prompt)+i || s.Chosen.ID != printed[i] || len(s.Top) != 5 {
					t.Fatalf("step %d = %+v, printed token %d", i, s, printed[i])
				}
				if d := math.Abs(s.Chosen.LogProb - logp[printed[i]]); d > 1e-9 {
					t.Errorf("step %d: logprob %v, softmax of the dumped logits %v", i, s.Chosen.LogProb, logp[printed[i]])
				}
				if s.Chosen.Rank != inspect.Rank(z, printed[i]) || s.Chosen.Logit != z[printed[i]] {
					t.Errorf("step %d: chosen %+v disagrees with the .npy", i, s.Chosen)
				}
				if tc.name == "greedy" && (s.Chosen.Rank != 1 || s.Top[0].ID != printed[i]) {
					t.Errorf("greedy step %d chose rank %d", i, s.Chosen.Rank)
				}
				if s.HNorm <= 0 || s.Entropy <= 0 || s.Top[0].Cos == 0 {
					t.Errorf("step %d: |h| %v, entropy %v, cos %v", i, s.HNorm, s.Entropy, s.Top[0].Cos)
				}
				// z_i = |v_i| |h| cos θ_i
				if d := math.Abs(float64(s.Top[0].Logit) - s.Top[0].Norm*s.HNorm*s.Top[0].Cos); d > 1e-4 {
					t.Errorf("step %d: logit %v != |v||h|cos %v", i, s.Top[0].Logit, s.Top[0].Norm*s.HNorm*s.Top[0].Cos)
				}
			}
		})
	}
}

func TestGenerateDumpGolden(t *testing.T) {
	// The greedy tokens of the reference, through the command.
	data, err := os.ReadFile("../../testdata/tiny/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases map[string][]struct {
			IDs    []int `json:"ids"`
			Greedy []int `json:"greedy"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	c := g.Cases["f32"][1]
	jl := filepath.Join(t.TempDir(), "d.jsonl")
	mustRun(t, "generate", "--model", tinyF32, "--prompt-ids", strings.Trim(fmt.Sprint(c.IDs), "[]"), "--temperature", "0",
		"--max-tokens", strconv.Itoa(len(c.Greedy)), "--format", "ids", "--dump-logits", jl)
	_, steps := readDump(t, jl)
	for i, s := range steps {
		if s.Chosen.ID != c.Greedy[i] {
			t.Fatalf("dumped greedy tokens differ from the reference at step %d: %d, want %d", i, s.Chosen.ID, c.Greedy[i])
		}
	}
}

func TestLensCommand(t *testing.T) {
	dir := t.TempDir()
	ids := "299,5,17,0,123,256,42"
	npy := filepath.Join(dir, "lens.npy")
	out := mustRun(t, "lens", "--model", tinyF32, "--prompt-ids", ids, "--format", "json", "--top", "3", "--dump-full", npy)
	var r struct {
		IDs    []int                `json:"ids"`
		Layers [][]inspect.LensCell `json:"layers"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Layers) != 4 || len(r.Layers[3]) != 7 || len(r.Layers[0][0].Top) != 3 {
		t.Fatalf("lens JSON has %d layers", len(r.Layers))
	}
	shape, lens := readNPY(t, npy)
	if fmt.Sprint(shape) != "[4 7 300]" {
		t.Fatalf(".npy shape %v, want [4 7 300]", shape)
	}
	// The last layer is the model's own output: compare with generate's dump.
	jl := filepath.Join(dir, "g.npy")
	mustRun(t, "generate", "--model", tinyF32, "--prompt-ids", ids, "--temperature", "0", "--max-tokens", "1", "--format", "ids", "--dump-full", jl)
	_, gen := readNPY(t, jl)
	last := lens[(3*7+6)*300 : (3*7+7)*300]
	for i := range gen {
		if gen[i] != last[i] {
			t.Fatalf("lens last layer logit %d = %v, model %v", i, last[i], gen[i])
		}
	}
	for l, row := range r.Layers {
		for p, c := range row {
			if top := c.Top[0]; lens[(l*7+p)*300+top.ID] != top.Logit {
				t.Fatalf("layer %d pos %d: JSON top logit %v, .npy %v", l, p, top.Logit, lens[(l*7+p)*300+top.ID])
			}
		}
	}
	if tgt := r.Layers[3][0].Target; tgt == nil || tgt.ID != 5 {
		t.Errorf("default target at position 0 = %+v, want the next input 5", tgt)
	}

	table := mustRun(t, "lens", "--model", tinyF32, "--prompt-ids", ids, "--target-id", "281")
	if !strings.Contains(table, "position 6  input <id 42>  target <id 281>") || !strings.Contains(table, "emb ") {
		t.Errorf("table:\n%s", table)
	}

	html := filepath.Join(dir, "lens.html")
	mustRun(t, "lens", "--model", tinyF32, "--prompt-ids", ids, "--format", "html", "--out", html)
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"http://", "https://", "src=", "<link", "@import"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("HTML page refers to outside resources: %q", bad)
		}
	}
	if n := bytes.Count(page, []byte(`<td class="c`)); n != 4*7 {
		t.Errorf("HTML has %d heatmap cells, want 28", n)
	}
}

func TestScoreCommand(t *testing.T) {
	ids := make([]string, 150)
	for i := range ids {
		ids[i] = strconv.Itoa((i*37 + 11) % 300)
	}
	out := mustRun(t, "score", "--model", tinyF32, "--prompt-ids", strings.Join(ids, ","), "--stride", "16", "--format", "json")
	var r struct {
		Tokens   int                    `json:"tokens"`
		Scored   int                    `json:"scored"`
		NLL      float64                `json:"nll"`
		PPL      float64                `json:"ppl"`
		PerToken []inspect.TokenLogProb `json:"per_token"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	var nll float64
	for _, p := range r.PerToken {
		nll -= p.LogProb
	}
	nll /= float64(len(r.PerToken))
	if r.Tokens != 150 || r.Scored != 149 || len(r.PerToken) != 149 || math.Abs(nll-r.NLL) > 1e-9 || math.Abs(math.Exp(r.NLL)-r.PPL) > 1e-9*r.PPL {
		t.Errorf("score JSON: tokens %d scored %d (%d listed) nll %v (mean %v) ppl %v", r.Tokens, r.Scored, len(r.PerToken), r.NLL, nll, r.PPL)
	}
	text := mustRun(t, "score", "--model", tinyF32, "--prompt-ids", "299,5,17,0,123,256,42")
	// The NumPy reference's perplexity for these ids (testdata/tiny/f32_analysis.json).
	var ppl float64
	if i := strings.Index(text, "perplexity "); i < 0 {
		t.Errorf("score text has no perplexity:\n%s", text)
	} else if _, err := fmt.Sscanf(text[i:], "perplexity %g", &ppl); err != nil || math.Abs(ppl-7402.07779) > 1e-5*7402 {
		t.Errorf("score text: perplexity %v, reference 7402.07779:\n%s", ppl, text)
	}
}

func TestEmbedCommand(t *testing.T) {
	out := mustRun(t, "embed", "neighbors", "--model", tinyF32, "0", "-k", "3", "--format", "json")
	var nb struct {
		Neighbors []inspect.Neighbor `json:"neighbors"`
	}
	if err := json.Unmarshal([]byte(out), &nb); err != nil {
		t.Fatal(err)
	}
	// Reference (f32_analysis.json): 233, 214, 25.
	if len(nb.Neighbors) != 3 || nb.Neighbors[0].ID != 233 || nb.Neighbors[1].ID != 214 || nb.Neighbors[2].ID != 25 {
		t.Errorf("neighbors of 0 = %+v", nb.Neighbors)
	}
	if out := mustRun(t, "embed", "norms", "--model", tinyF32, "-k", "2"); !strings.Contains(out, "largest:") {
		t.Errorf("norms:\n%s", out)
	}
	if out := mustRun(t, "embed", "spectrum", "--model", tinyF32, "--top", "5"); !strings.Contains(out, "7.07396") {
		t.Errorf("spectrum:\n%s", out)
	}
}

// withVocab copies the tiny checkpoint and gives it a byte-level vocabulary
// with two merges ("h e" -> "he", "Ġ t" -> "Ġt"), 259 tokens in all.
func withVocab(t *testing.T) string {
	dir := t.TempDir()
	for _, f := range []string{"config.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(tinyF32, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// GPT-2's bytes_to_unicode.
	var bs []int
	for b := '!'; b <= '~'; b++ {
		bs = append(bs, int(b))
	}
	for b := '¡'; b <= '¬'; b++ {
		bs = append(bs, int(b))
	}
	for b := '®'; b <= 'ÿ'; b++ {
		bs = append(bs, int(b))
	}
	uni := map[int]rune{}
	for _, b := range bs {
		uni[b] = rune(b)
	}
	n := 0
	for b := range 256 {
		if _, ok := uni[b]; !ok {
			uni[b] = rune(256 + n)
			n++
		}
	}
	vocab := map[string]int{}
	for b := range 256 {
		vocab[string(uni[b])] = b
	}
	vocab["he"], vocab["Ġt"], vocab["<|endoftext|>"] = 256, 257, 258
	vj, _ := json.Marshal(vocab)
	os.WriteFile(filepath.Join(dir, "vocab.json"), vj, 0o644)
	os.WriteFile(filepath.Join(dir, "merges.txt"), []byte("#version: 0.2\nh e\nĠ t\n"), 0o644)
	return dir
}

func TestTokenText(t *testing.T) {
	m := withVocab(t)
	out := mustRun(t, "lens", "--model", m, "--prompt", "he t", "--target", "he", "--format", "json", "--top", "2")
	var r struct {
		IDs    []int     `json:"ids"`
		Input  []*string `json:"input"`
		Target *int      `json:"target"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.IDs) != "[256 257]" || *r.Input[1] != " t" || r.Target == nil || *r.Target != 256 {
		t.Errorf("lens with a vocabulary: ids %v input %v target %v", r.IDs, r.Input, r.Target)
	}
	code, _, errs := runGPT2(t, "lens", "--model", m, "--prompt", "he t", "--target", "hello")
	if code == 0 || !strings.Contains(errs, `"hello" is 4 tokens, not one`) || !strings.Contains(errs, "--target-id") {
		t.Errorf("multi-token target: exit %d, %s", code, errs)
	}
	out = mustRun(t, "embed", "neighbors", "--model", m, "he", "-k", "1")
	if !strings.Contains(out, `nearest tokens to "he" (id 256`) {
		t.Errorf("neighbors by text:\n%s", out)
	}
	jl := filepath.Join(t.TempDir(), "d.jsonl")
	mustRun(t, "generate", "--model", m, "--prompt", "he", "--temperature", "0", "--max-tokens", "3", "--format", "ids", "--dump-logits", jl)
	_, steps := readDump(t, jl)
	for _, s := range steps {
		if s.Chosen.ID < 259 && s.Chosen.Text == nil {
			t.Errorf("token %d has no text in the dump", s.Chosen.ID)
		}
	}
}

// TestBadInput: clear errors, non-zero exit, no panic.
func TestBadInput(t *testing.T) {
	m := "--model=" + tinyF32
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lens", m, "--prompt-ids", "1,300"}, "outside the model's vocabulary"},
		{[]string{"lens", m, "--prompt-ids", "1,x"}, "not a non-negative integer"},
		{[]string{"lens", m, "--prompt-ids", "1", "--target", "abc"}, "no vocabulary, give a token id"},
		{[]string{"lens", m, "--prompt-ids", "1", "--target", "300"}, "outside"},
		{[]string{"lens", m, "--prompt-ids", "1", "--target-id", "301"}, "outside"},
		{[]string{"lens", m, "--prompt-ids", "1", "--format", "svg"}, "want table, json or html"},
		{[]string{"lens", m, "--prompt-ids", "1", "--out", filepath.Join(dir, "no", "x.html")}, "--out"},
		{[]string{"lens", m, "--prompt-ids", "1", "--dump-full", filepath.Join(dir, "no", "x.npy")}, "--dump-full"},
		{[]string{"lens", m, "--prompt-ids", strings.Repeat("1,", 65)}, "context holds 64"},
		{[]string{"lens", m, "some text"}, "use token ids"},
		{[]string{"lens", m}, "no input"},
		{[]string{"score", m, "--prompt-ids", "1,2,3", "--stride", "0"}, "must be in [1, 64]"},
		{[]string{"score", m, "--prompt-ids", "1,2,3", "--stride", "65"}, "must be in [1, 64]"},
		{[]string{"score", m, "--prompt-ids", "1"}, "at least 2"},
		{[]string{"score", m, "--file", filepath.Join(dir, "missing.txt")}, "--file"},
		{[]string{"embed", "neighbors", m, "300"}, "outside"},
		{[]string{"embed", "neighbors", m, "--id", "-5"}, "needs a TOKEN"},
		{[]string{"embed", "neighbors", m}, "needs a TOKEN"},
		{[]string{"embed", "norms", m, "-k", "-1"}, "-k must be"},
		{[]string{"embed", "frobnicate", m}, "unknown subcommand"},
		{[]string{"generate", m, "--prompt-ids", "1", "--format", "ids", "--dump-logits", filepath.Join(dir, "no", "d.jsonl")}, "--dump-logits"},
		{[]string{"generate", m, "--prompt-ids", "1", "--format", "ids", "--dump-full", filepath.Join(dir, "no", "d.npy")}, "--dump-full"},
		{[]string{"generate", m, "--prompt-ids", "1", "--format", "ids", "--dump-logits", filepath.Join(dir, "d.jsonl"), "--dump-top", "-1"}, "--dump-top"},
	} {
		code, _, errs := runGPT2(t, tc.args...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("gpt2 %s: exit %d, stderr %q; want an error containing %q", strings.Join(tc.args, " "), code, errs, tc.want)
		}
	}
}
