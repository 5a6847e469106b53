package tokenizer

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// randomText returns n characters drawn from alphabet.
func randomText(r *rand.Rand, alphabet []rune, n int) string {
	var b strings.Builder
	for range n {
		b.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

// TestMergeLong checks mergeLong against tiktoken-go's own merge on single
// pieces of many kinds and lengths.
func TestMergeLong(t *testing.T) {
	tok := mustGPT2(t)
	r := rand.New(rand.NewPCG(3, 4))
	alphabets := []string{"ab", "abcdefghijklmnopqrstuvwxyz", "etaoinshr", "0123456789", "=-*#!.", "абвгд", "我爱语言", "éèàç"}
	var pieces []string
	for _, a := range alphabets {
		for _, n := range []int{1, 2, 3, 7, 50, 300, 1000} {
			pieces = append(pieces, randomText(r, []rune(a), n))
			pieces = append(pieces, " "+randomText(r, []rune(a), n))
		}
	}
	for _, c := range readCorpus(t) {
		m, _ := tok.pattern.FindStringMatch(c.Text)
		for ; m != nil; m, _ = tok.pattern.FindNextMatch(m) {
			pieces = append(pieces, m.String())
		}
	}
	for _, p := range pieces {
		want := tok.bpe.EncodeOrdinary(p)
		if m, _ := tok.pattern.FindStringMatch(p); m == nil || m.Length != len([]rune(p)) {
			t.Fatalf("%q is not a single piece", p)
		}
		if got := mergeLong([]byte(p), tok.ranks); !slices.Equal(got, want) {
			t.Errorf("mergeLong(%q)\n got %v\nwant %v", p, got, want)
		}
	}
}

// TestSplitPath checks that Encode of texts with long pieces, which goes
// through appendSplit, equals tiktoken-go's EncodeOrdinary of the whole text,
// for GPT-2 and for the tiny remapped vocabulary.
func TestSplitPath(t *testing.T) {
	tiny, err := Load("testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	long := func(a string) string { return randomText(r, []rune(a), 200+r.IntN(400)) }
	texts := []string{
		long("the") + "  " + long("0123") + "\n\n " + long("the") + " x",
		"  \t" + long("==") + "   " + long("的是") + " 's" + long("a") + "\n",
		"start" + long("a") + "'s " + long("b") + "'ll" + long("  ") + "end",
		strings.Repeat("word ", 100) + long("xyz") + strings.Repeat(" 12", 100),
		long("\u0301e") + long("!?") + "\xff\xfe" + long("z"),
	}
	for _, tok := range []*Tokenizer{mustGPT2(t), tiny} {
		for _, text := range texts {
			if !mayHaveLongPiece(text) {
				t.Fatalf("text %.40q... should take the split path", text)
			}
			want := tok.appendRanks(nil, tok.bpe.EncodeOrdinary(text))
			if got := tok.Encode(text); !slices.Equal(got, want) {
				t.Errorf("Encode(%.40q...)\n got %v\nwant %v", text, got, want)
			}
		}
	}
}

// TestVeryLongWord checks a 100k-letter word is not quadratic.
func TestVeryLongWord(t *testing.T) {
	tok := mustGPT2(t)
	text := randomText(rand.New(rand.NewPCG(7, 8)), []rune("abcdefghijklmnopqrstuvwxyz"), 100000)
	start := time.Now()
	ids := tok.Encode(text)
	t.Logf("%d bytes -> %d tokens in %v", len(text), len(ids), time.Since(start))
	if got, err := tok.Decode(ids); err != nil || got != text {
		t.Errorf("Decode does not round-trip (err %v)", err)
	}
}
