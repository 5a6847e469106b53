package tokenizer

import (
	"encoding/json"
	"os"
	"slices"
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
