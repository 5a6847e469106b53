package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corpusCase is one string of testdata/tiktoken_gpt2.json with the ids
// OpenAI's tiktoken gives it (written by tools/tiktoken-corpus/gen.mjs).
type corpusCase struct {
	Name    string `json:"name"`
	Text    string `json:"text"`
	IDs     []int  `json:"ids"`     // encode(text, disallowed_special=())
	Special []int  `json:"special"` // encode(text, allowed_special="all")
}

func readCorpus(t testing.TB) []corpusCase {
	t.Helper()
	data, err := os.ReadFile("testdata/tiktoken_gpt2.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Cases []corpusCase }
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 50 {
		t.Fatalf("corpus has %d cases, want at least 50", len(f.Cases))
	}
	return f.Cases
}

func mustGPT2(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := GPT2()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestGPT2Corpus checks Encode and EncodeSpecial against tiktoken's ids and
// that Decode round-trips byte-exact.
func TestGPT2Corpus(t *testing.T) {
	tok := mustGPT2(t)
	for _, c := range readCorpus(t) {
		t.Run(c.Name, func(t *testing.T) {
			if got := tok.Encode(c.Text); !slices.Equal(got, c.IDs) {
				t.Errorf("Encode(%q)\n got %v\nwant %v", c.Text, got, c.IDs)
			}
			if got := tok.EncodeSpecial(c.Text); !slices.Equal(got, c.Special) {
				t.Errorf("EncodeSpecial(%q)\n got %v\nwant %v", c.Text, got, c.Special)
			}
			for _, ids := range [][]int{c.IDs, c.Special} {
				got, err := tok.Decode(ids)
				if err != nil {
					t.Fatal(err)
				}
				if got != c.Text {
					t.Errorf("Decode(%v) = %q, want %q", ids, got, c.Text)
				}
			}
		})
	}
}

// TestTinyVocab checks Load on a tiny GPT-2-format vocabulary whose ids are
// not in merge order against the Python reference tools/tiktoken-corpus/hf_bpe.py.
func TestTinyVocab(t *testing.T) {
	tok, err := Load("testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	if tok.rankToID == nil {
		t.Fatal("tiny vocabulary should need rank remapping")
	}
	fromFS, err := LoadFS(os.DirFS("testdata"), "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fromFS.Encode("the fox's 2024"), tok.Encode("the fox's 2024"); !slices.Equal(got, want) {
		t.Errorf("LoadFS gives %v, Load %v", got, want)
	}
	data, err := os.ReadFile("testdata/tiny/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want struct{ Cases []corpusCase }
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	corpus := readCorpus(t)
	if len(want.Cases) != len(corpus) {
		t.Fatalf("expected.json has %d cases, corpus %d; rerun hf_bpe.py", len(want.Cases), len(corpus))
	}
	if got, want := tok.VocabSize(), 256+80+1; got != want {
		t.Errorf("VocabSize() = %d, want %d", got, want)
	}
	if id, ok := tok.EOT(); !ok || id != 256+80 {
		t.Errorf("EOT() = %d, %v, want %d, true", id, ok, 256+80)
	}
	for i, c := range corpus {
		w := want.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			if got := tok.Encode(c.Text); !slices.Equal(got, w.IDs) {
				t.Errorf("Encode(%q)\n got %v\nwant %v", c.Text, got, w.IDs)
			}
			if got := tok.EncodeSpecial(c.Text); !slices.Equal(got, w.Special) {
				t.Errorf("EncodeSpecial(%q)\n got %v\nwant %v", c.Text, got, w.Special)
			}
			if got, err := tok.Decode(w.Special); err != nil || got != c.Text {
				t.Errorf("Decode(%v) = %q, %v, want %q", w.Special, got, err, c.Text)
			}
		})
	}
}

// writeHF writes tok's mergeable tokens as a Hugging Face vocab.json and
// merges.txt in dir, splitting each token the way tiktoken rebuilds it.
func writeHF(t *testing.T, tok *Tokenizer, dir string) {
	t.Helper()
	ranks := make(map[string]int, tok.VocabSize())
	for id := 0; id < gpt2Ranks; id++ {
		ranks[string(tok.tokens[id])] = id
	}
	u := func(b []byte) string {
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = byteToUnicode(c)
		}
		return string(r)
	}
	vocab := make(map[string]int, tok.VocabSize())
	var merges strings.Builder
	merges.WriteString("#version: 0.2\n")
	for id := 0; id < gpt2Ranks; id++ {
		b := tok.tokens[id]
		vocab[u(b)] = id
		if id < 256 {
			continue
		}
		cut, ok := splitPair(b, ranks, id)
		if !ok {
			t.Fatalf("token %d (%q) is not a merge of two tokens", id, b)
		}
		fmt.Fprintf(&merges, "%s %s\n", u(b[:cut]), u(b[cut:]))
	}
	vocab[EndOfText] = gpt2EOT
	vj, err := json.Marshal(vocab)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vocab.json"), vj, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "merges.txt"), []byte(merges.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGPT2FromHFFiles converts the embedded ranks to GPT-2's vocab.json and
// merges.txt and checks that Load gives the same ids as GPT2 on the corpus.
func TestGPT2FromHFFiles(t *testing.T) {
	ref := mustGPT2(t)
	dir := t.TempDir()
	writeHF(t, ref, dir)
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tok.rankToID != nil {
		t.Error("GPT-2 merges.txt order should give ranks equal to ids")
	}
	if got, want := tok.VocabSize(), 50257; got != want {
		t.Errorf("VocabSize() = %d, want %d", got, want)
	}
	if id, ok := tok.EOT(); !ok || id != gpt2EOT {
		t.Errorf("EOT() = %d, %v, want %d, true", id, ok, gpt2EOT)
	}
	for _, c := range readCorpus(t) {
		if got := tok.Encode(c.Text); !slices.Equal(got, c.IDs) {
			t.Errorf("%s: Encode\n got %v\nwant %v", c.Name, got, c.IDs)
		}
		if got := tok.EncodeSpecial(c.Text); !slices.Equal(got, c.Special) {
			t.Errorf("%s: EncodeSpecial\n got %v\nwant %v", c.Name, got, c.Special)
		}
	}
	for id := range 50257 {
		a, _ := ref.TokenBytes(id)
		b, err := tok.TokenBytes(id)
		if err != nil || !bytes.Equal(a, b) {
			t.Fatalf("TokenBytes(%d) = %q, %v, want %q", id, b, err, a)
		}
	}
}

func TestGPT2Info(t *testing.T) {
	tok := mustGPT2(t)
	if got, want := tok.VocabSize(), 50257; got != want {
		t.Errorf("VocabSize() = %d, want %d", got, want)
	}
	if id, ok := tok.EOT(); !ok || id != 50256 {
		t.Errorf("EOT() = %d, %v, want 50256, true", id, ok)
	}
	for _, tc := range []struct {
		id   int
		want string
	}{{0, "!"}, {220, " "}, {198, "\n"}, {15496, "Hello"}, {50256, "<|endoftext|>"}} {
		got, err := tok.TokenBytes(tc.id)
		if err != nil || string(got) != tc.want {
			t.Errorf("TokenBytes(%d) = %q, %v, want %q", tc.id, got, err, tc.want)
		}
	}
	// TokenBytes returns a copy.
	b, _ := tok.TokenBytes(15496)
	b[0] = 'J'
	if got, _ := tok.TokenBytes(15496); string(got) != "Hello" {
		t.Errorf("TokenBytes aliases internal storage: %q", got)
	}
	if again, _ := GPT2(); again != tok {
		t.Error("GPT2() built the tokenizer twice")
	}
}
