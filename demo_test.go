package gpt2_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gpt2go/gpt2"
	"github.com/gpt2go/gpt2/sampling"
	"github.com/gpt2go/gpt2/weights"
)

// The demo model's manifest holds figures PyTorch computed when it trained
// the model (tools/demomodel/train.py): held-out cross-entropy and logits for
// fixed prompts. These tests recompute them through our runtime.
type manifest struct {
	Corpus struct {
		CutChar       int `json:"cut_char"`
		HeldoutTokens int `json:"heldout_tokens"`
	} `json:"corpus"`
	Heldout struct {
		Window int     `json:"window"`
		Scored int     `json:"scored_tokens"`
		CE     float64 `json:"cross_entropy_nats_per_token"`
	} `json:"heldout_eval"`
	Reference struct {
		Prompts []struct {
			Text   string      `json:"text"`
			IDs    []int       `json:"ids"`
			Logits [][]float64 `json:"logits"`
		} `json:"prompts"`
	} `json:"reference_logits"`
	Greedy struct {
		IDs       []int `json:"ids"`
		NewTokens int   `json:"new_tokens"`
	} `json:"greedy"`
	Samples []struct {
		Fraction float64 `json:"corpus_word_fraction"`
	} `json:"samples"`
}

func loadManifest(t *testing.T) *manifest {
	data, err := os.ReadFile("weights/demo/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// opticks returns Newton's Opticks from the Go toolchain running the test.
func opticks(t *testing.T) string {
	root := runtime.GOROOT()
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		root = strings.TrimSpace(string(out))
	}
	data, err := os.ReadFile(filepath.Join(root, "src", "testdata", "Isaac.Newton-Opticks.txt"))
	if err != nil {
		t.Skipf("corpus not found in GOROOT: %v", err)
	}
	return string(data)
}

func loadDemo(t *testing.T) *gpt2.Model {
	m, err := gpt2.Load("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestDemoHeldOut recomputes the held-out cross-entropy with the protocol
// the manifest describes and compares it with PyTorch's figure.
func TestDemoHeldOut(t *testing.T) {
	man := loadManifest(t)
	text := []rune(opticks(t))
	if man.Corpus.CutChar <= 0 || man.Corpus.CutChar > len(text) || text[man.Corpus.CutChar-1] != '\n' {
		t.Fatalf("held-out split at character %d does not follow a newline", man.Corpus.CutChar)
	}
	m := loadDemo(t)
	ids, err := m.Encode(string(text[man.Corpus.CutChar:]))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != man.Corpus.HeldoutTokens {
		t.Fatalf("held-out text is %d tokens, PyTorch's tokenizer made %d", len(ids), man.Corpus.HeldoutTokens)
	}
	st := m.Transformer().NewState(0)
	defer st.Close()
	V, W := m.VocabSize(), man.Heldout.Window
	var nll float64
	scored := 0
	for k := 0; k+1 < len(ids); k += W {
		win := ids[k:min(k+W, len(ids))]
		st.Truncate(0)
		logits, err := st.Forward(win, true)
		if err != nil {
			t.Fatal(err)
		}
		for j := 1; j < len(win); j++ {
			nll -= logSoftmaxAt(logits[(j-1)*V:j*V], win[j])
			scored++
		}
	}
	ce := nll / float64(scored)
	rel := math.Abs(ce-man.Heldout.CE) / man.Heldout.CE
	t.Logf("held-out cross-entropy: ours %.6f nats/token (perplexity %.3f), PyTorch %.6f (perplexity %.3f), relative difference %.2g, %d tokens",
		ce, math.Exp(ce), man.Heldout.CE, math.Exp(man.Heldout.CE), rel, scored)
	if scored != man.Heldout.Scored {
		t.Errorf("scored %d tokens, PyTorch scored %d", scored, man.Heldout.Scored)
	}
	if rel > 0.01 {
		t.Errorf("cross-entropy %.6f differs from PyTorch's %.6f by more than 1%%", ce, man.Heldout.CE)
	}
}

func logSoftmaxAt(z []float32, target int) float64 {
	mx := float64(z[sampling.Argmax(z)])
	var sum float64
	for _, v := range z {
		sum += math.Exp(float64(v) - mx)
	}
	return float64(z[target]) - mx - math.Log(sum)
}

// TestDemoLogits compares the logits of every position of the manifest's
// prompts with PyTorch's: max abs error at most 1e-4 of max |logit|.
func TestDemoLogits(t *testing.T) {
	man := loadManifest(t)
	m := loadDemo(t)
	st := m.Transformer().NewState(0)
	defer st.Close()
	V := m.VocabSize()
	for _, p := range man.Reference.Prompts {
		if p.Text != "<|endoftext|>" {
			ids, err := m.Encode(p.Text)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids, p.IDs) {
				t.Errorf("%q: our tokenizer gives %v, the training tokenizer %v", p.Text, ids, p.IDs)
			}
		}
		st.Truncate(0)
		logits, err := st.Forward(p.IDs, true)
		if err != nil {
			t.Fatal(err)
		}
		var diff, scale float64
		for pos, want := range p.Logits {
			for i, w := range want {
				diff = max(diff, math.Abs(float64(logits[pos*V+i])-w))
				scale = max(scale, math.Abs(w))
			}
		}
		t.Logf("%q: max abs logit error %.3g, max |logit| %.3g (ratio %.2g)", short(p.Text), diff, scale, diff/scale)
		if diff > 1e-4*scale {
			t.Errorf("%q: max abs error %.3g > 1e-4 × %.3g", short(p.Text), diff, scale)
		}
	}
}

func short(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

// TestDemoGreedy checks the greedy continuation PyTorch recorded.
func TestDemoGreedy(t *testing.T) {
	man := loadManifest(t)
	m := loadDemo(t)
	n := man.Greedy.NewTokens
	prompt := man.Greedy.IDs[:len(man.Greedy.IDs)-n]
	s := m.NewSession(gpt2.SessionOptions{})
	defer s.Close()
	var got []int
	for tok, err := range s.GenerateIDs(context.Background(), prompt, gpt2.GenerateOptions{MaxTokens: n, Temperature: 0, TopP: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tok.ID)
	}
	if want := man.Greedy.IDs[len(prompt):]; !slices.Equal(got, want) {
		t.Errorf("greedy continuation %v, PyTorch %v", got, want)
	}
}

// TestDemoWritesNewtonsEnglish samples at temperature 0.8 and checks that
// nearly all words produced are words of the corpus.
func TestDemoWritesNewtonsEnglish(t *testing.T) {
	corpus := map[string]bool{}
	word := regexp.MustCompile(`[A-Za-z]+`)
	for _, w := range word.FindAllString(opticks(t), -1) {
		corpus[strings.ToLower(w)] = true
	}
	m := loadDemo(t)
	known, total := 0, 0
	for seed := range uint64(5) {
		s := m.NewSession(gpt2.SessionOptions{})
		text, err := s.Text(context.Background(), "Light is", gpt2.GenerateOptions{MaxTokens: 100, Temperature: 0.8, TopP: 1, Seed: seed})
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		k, n := 0, 0
		for _, w := range word.FindAllString(text, -1) {
			n++
			if corpus[strings.ToLower(w)] {
				k++
			}
		}
		t.Logf("seed %d: %d of %d words are in the corpus", seed, k, n)
		known, total = known+k, total+n
	}
	frac := float64(known) / float64(total)
	t.Logf("corpus-word fraction %.3f over %d words", frac, total)
	if total < 100 || frac < 0.85 {
		t.Errorf("only %.1f%% of %d generated words are words of the corpus", 100*frac, total)
	}
}

// TestDemoManifestHashes checks that the embedded files are the ones the
// manifest describes (so the manifest's reference figures apply to them).
func TestDemoManifestHashes(t *testing.T) {
	data, _ := os.ReadFile("weights/demo/manifest.json")
	var man struct {
		Files map[string]struct {
			SHA256 string `json:"sha256"`
		} `json:"files"`
	}
	if err := json.Unmarshal(data, &man); err != nil {
		t.Fatal(err)
	}
	if _, err := weights.Demo(); err != nil {
		t.Fatal(err)
	}
	for name, f := range man.Files {
		b, err := os.ReadFile(filepath.Join("weights/demo", name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%x", sha256Sum(b)); got != f.SHA256 {
			t.Errorf("%s: sha256 %s, manifest says %s", name, got, f.SHA256)
		}
	}
	if got := fmt.Sprintf("%x", sha256Sum(weights.DemoSafetensors())); got != man.Files["model.safetensors"].SHA256 {
		t.Errorf("embedded model.safetensors differs from the manifest's")
	}
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

// TestDemoQuantized8 measures what int8 weights (--quantize q8) cost on a
// trained model: logit error against PyTorch's F32 logits, and held-out
// agreement of the top token. The bounds only catch a broken quantizer.
func TestDemoQuantized8(t *testing.T) {
	man := loadManifest(t)
	m, err := gpt2.Load("", gpt2.Quantize8())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	st := m.Transformer().NewState(0)
	defer st.Close()
	V := m.VocabSize()
	var e refError
	for _, p := range man.Reference.Prompts {
		st.Truncate(0)
		logits, err := st.Forward(p.IDs, true)
		if err != nil {
			t.Fatal(err)
		}
		for pos, want := range p.Logits {
			e.add(logits[pos*V:(pos+1)*V], want)
		}
		// Token by token (the batch-1 kernels) the logits match the
		// prefill's closely: both use the same int8 weights.
		all := append([]float32(nil), logits...)
		st.Truncate(0)
		for pos, id := range p.IDs {
			one, err := st.Forward([]int{id}, false)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range one {
				if d := math.Abs(float64(v - all[pos*V+i])); d > 1e-4*(1+math.Abs(float64(v))) {
					t.Fatalf("q8 decode logit %d at position %d: %v, prefill gave %v", i, pos, v, all[pos*V+i])
				}
			}
		}
	}
	t.Logf("q8: max abs logit error %.3g of max |logit|; top token agrees with F32 at %d of %d positions", e.worst, e.agree, e.total)
	if e.worst > 0.05 || e.agree < e.total*9/10 {
		t.Errorf("q8 error %.3g of max |logit|, top-token agreement %d/%d", e.worst, e.agree, e.total)
	}
}

// refError gathers logits' errors against a reference: the largest
// max |got - want| relative to max |want|, and how often the top tokens agree.
type refError struct {
	worst        float64
	agree, total int
}

func (e *refError) add(got []float32, want []float64) {
	var diff, scale float64
	best := 0
	for i, w := range want {
		diff = max(diff, math.Abs(float64(got[i])-w))
		scale = max(scale, math.Abs(w))
		if w > want[best] {
			best = i
		}
	}
	e.worst = max(e.worst, diff/scale)
	e.total++
	if sampling.Argmax(got) == best {
		e.agree++
	}
}

// TestDemoKVCacheF16 measures what a half-precision KV cache costs on a
// trained model: logits against PyTorch's (float32 cache), by prefill and
// token by token. The cache's rounding must show (a float32 cache is
// within 1e-6 of max |logit|) and stay small.
func TestDemoKVCacheF16(t *testing.T) {
	man := loadManifest(t)
	m, err := gpt2.Load("", gpt2.KVCacheF16())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !m.Transformer().KVCacheF16() {
		t.Fatal("KVCacheF16 option not applied")
	}
	st := m.Transformer().NewState(0)
	defer st.Close()
	V := m.VocabSize()
	var e refError
	for _, p := range man.Reference.Prompts {
		st.Truncate(0)
		logits, err := st.Forward(p.IDs, true)
		if err != nil {
			t.Fatal(err)
		}
		for pos, want := range p.Logits {
			e.add(logits[pos*V:(pos+1)*V], want)
		}
		st.Truncate(0)
		for pos, id := range p.IDs {
			one, err := st.Forward([]int{id}, false)
			if err != nil {
				t.Fatal(err)
			}
			e.add(one, p.Logits[pos])
		}
	}
	t.Logf("kv f16: max abs logit error %.3g of max |logit|; top token as PyTorch's at %d of %d", e.worst, e.agree, e.total)
	if e.worst < 1e-5 || e.worst > 1e-2 || e.agree < e.total*95/100 {
		t.Errorf("kv f16 error %.3g of max |logit| (want 1e-5..1e-2), top-token agreement %d/%d", e.worst, e.agree, e.total)
	}
}
