package tokenizer

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentEncode encodes the corpus from many goroutines at once,
// including the first call to GPT2 (run with -race).
func TestConcurrentEncode(t *testing.T) {
	corpus := readCorpus(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := GPT2()
			if err != nil {
				t.Error(err)
				return
			}
			for i := range corpus {
				c := corpus[(i+g)%len(corpus)]
				if got := tok.Encode(c.Text); !slices.Equal(got, c.IDs) {
					t.Errorf("goroutine %d: Encode(%q) = %v, want %v", g, c.Text, got, c.IDs)
				}
				if got := tok.EncodeSpecial(c.Text); !slices.Equal(got, c.Special) {
					t.Errorf("goroutine %d: EncodeSpecial(%q) = %v, want %v", g, c.Text, got, c.Special)
				}
				if got, err := tok.Decode(c.IDs); err != nil || got != c.Text {
					t.Errorf("goroutine %d: Decode = %q, %v", g, got, err)
				}
			}
		}()
	}
	wg.Wait()
}

// TestLongInput checks that a 10k-letter word, long whitespace runs and many
// special tokens encode in reasonable time and round-trip.
func TestLongInput(t *testing.T) {
	tok := mustGPT2(t)
	r := rand.New(rand.NewPCG(1, 2))
	word := make([]byte, 10000)
	for i := range word {
		word[i] = 'a' + byte(r.IntN(26))
	}
	for _, tc := range []struct {
		name string
		text string
	}{
		{"random word", string(word)},
		{"one letter", strings.Repeat("a", 10000)},
		{"spaces", strings.Repeat(" ", 10000) + "x"},
		{"digits", strings.Repeat("0123456789", 1000)},
		{"specials", strings.Repeat("hi<|endoftext|>", 2000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			ids := tok.EncodeSpecial(tc.text)
			elapsed := time.Since(start)
			t.Logf("%d bytes -> %d tokens in %v", len(tc.text), len(ids), elapsed)
			if elapsed > 5*time.Second {
				t.Errorf("took %v", elapsed)
			}
			if got, err := tok.Decode(ids); err != nil || got != tc.text {
				t.Errorf("Decode does not round-trip (err %v)", err)
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	tok := mustGPT2(b)
	var text strings.Builder
	for _, c := range readCorpus(b) {
		text.WriteString(c.Text)
	}
	b.SetBytes(int64(text.Len()))
	for b.Loop() {
		tok.Encode(text.String())
	}
}

func BenchmarkBuildGPT2(b *testing.B) {
	for b.Loop() {
		buildGPT2()
	}
}

func BenchmarkEncodeProse(b *testing.B) {
	tok := mustGPT2(b)
	text := strings.Repeat("The quick brown fox jumps over the lazy dog; it's 2024, and we've seen 1234 such dogs.\n", 200)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		tok.Encode(text)
	}
}
