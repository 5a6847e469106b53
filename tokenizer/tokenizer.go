// Package tokenizer implements GPT-2's byte-level BPE tokenizer on top of
// github.com/pkoukk/tiktoken-go, fully offline.
//
// A Tokenizer comes either from a checkpoint's Hugging Face vocab.json and
// merges.txt (Load, LoadFS) or from GPT-2's r50k_base ranks embedded in the
// binary (GPT2). Encode matches OpenAI's tiktoken
// encode(text, disallowed_special=()); EncodeSpecial matches
// encode(text, allowed_special="all"). Decode is byte-exact.
//
// A Tokenizer is safe for concurrent use by multiple goroutines.
package tokenizer

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/dlclark/regexp2"
	"github.com/pkoukk/tiktoken-go"
)

// gpt2Pattern is GPT-2's pre-tokenization regex (tiktoken's r50k_base pat_str).
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// EndOfText is the content of GPT-2's end-of-text special token.
const EndOfText = "<|endoftext|>"

// ErrUnknownToken is returned (wrapped) for a token id outside the vocabulary.
var ErrUnknownToken = errors.New("unknown token id")

// Tokenizer encodes text to GPT-2 token ids and decodes ids back to bytes.
type Tokenizer struct {
	bpe *tiktoken.Tiktoken // regex split + byte pair merge; used through EncodeOrdinary only

	// rankToID maps tiktoken's rank (its merge priority, which tiktoken also
	// returns as the token) to our token id; nil when ranks are ids.
	rankToID []int

	ranks   map[string]int  // mergeable token bytes -> rank, for mergeLong
	pattern *regexp2.Regexp // gpt2Pattern, for appendSplit

	tokens   [][]byte // [V] raw bytes of each id; nil for an unused id
	specials []special
	eot      int // id of <|endoftext|>, or -1
}

// special is a special token, matched literally by EncodeSpecial.
type special struct {
	text string
	id   int
}

// newTokenizer builds a Tokenizer. ranks holds the mergeable tokens (every
// single byte and every merge result, never a special token) with their merge
// ranks; rankToID translates ranks to ids (nil: identity); tokens is indexed by
// id; specials maps special-token text to id.
func newTokenizer(ranks map[string]int, rankToID []int, tokens [][]byte, specials map[string]int) (*Tokenizer, error) {
	for b := 0; b < 256; b++ {
		if _, ok := ranks[string([]byte{byte(b)})]; !ok {
			return nil, fmt.Errorf("tokenizer: no token for byte 0x%02x", b)
		}
	}
	// Specials are matched by our own splitter (see EncodeSpecial), not by
	// tiktoken-go, so its CoreBPE gets none.
	core, err := tiktoken.NewCoreBPE(ranks, map[string]int{}, gpt2Pattern)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	pattern, err := compilePattern()
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	enc := &tiktoken.Encoding{Name: "gpt2", PatStr: gpt2Pattern, MergeableRanks: ranks, SpecialTokens: specials}
	t := &Tokenizer{
		bpe:      tiktoken.NewTiktoken(core, enc, map[string]any{}),
		rankToID: rankToID,
		ranks:    ranks,
		pattern:  pattern,
		tokens:   tokens,
		eot:      -1,
	}
	for text, id := range specials {
		if text == "" {
			return nil, errors.New("tokenizer: empty special token")
		}
		t.specials = append(t.specials, special{text, id})
		if text == EndOfText {
			t.eot = id
		}
	}
	// Longest first, so that at one position the longest special wins.
	sort.Slice(t.specials, func(i, j int) bool {
		a, b := t.specials[i].text, t.specials[j].text
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return a < b
	})
	return t, nil
}

// Encode returns the token ids of text, treating special-token text such as
// "<|endoftext|>" as ordinary text. Text that is not valid UTF-8 is encoded as
// if each invalid byte were U+FFFD.
func (t *Tokenizer) Encode(text string) []int {
	return t.appendOrdinary(nil, text)
}

// EncodeSpecial returns the token ids of text, encoding each occurrence of a
// special token such as "<|endoftext|>" as that token's id.
func (t *Tokenizer) EncodeSpecial(text string) []int {
	var ids []int
	for len(text) > 0 {
		at, sp := t.nextSpecial(text)
		if sp == nil {
			break
		}
		ids = t.appendOrdinary(ids, text[:at])
		ids = append(ids, sp.id)
		text = text[at+len(sp.text):]
	}
	ids = t.appendOrdinary(ids, text)
	if ids == nil {
		ids = []int{}
	}
	return ids
}

// nextSpecial returns the byte offset and the special token that occurs first
// in text (the longest one if several start there), or nil.
func (t *Tokenizer) nextSpecial(text string) (int, *special) {
	best, at := -1, len(text)
	for i := range t.specials {
		if j := strings.Index(text[:min(len(text), at+len(t.specials[i].text))], t.specials[i].text); j >= 0 && j < at {
			best, at = i, j
		}
	}
	if best < 0 {
		return 0, nil
	}
	return at, &t.specials[best]
}

// appendOrdinary appends the ids of text, with no special tokens, to ids.
func (t *Tokenizer) appendOrdinary(ids []int, text string) []int {
	if ids == nil {
		ids = []int{}
	}
	if text == "" {
		return ids
	}
	if mayHaveLongPiece(text) {
		return t.appendSplit(ids, text)
	}
	return t.appendRanks(ids, t.bpe.EncodeOrdinary(text))
}

// appendRanks appends the ids of tiktoken ranks to ids.
func (t *Tokenizer) appendRanks(ids []int, ranks []int) []int {
	if t.rankToID == nil {
		return append(ids, ranks...)
	}
	for _, r := range ranks {
		ids = append(ids, t.rankToID[r])
	}
	return ids
}

// Decode returns the bytes of ids concatenated, as a string that need not be
// valid UTF-8. It fails on an id outside the vocabulary.
func (t *Tokenizer) Decode(ids []int) (string, error) {
	var buf []byte
	for _, id := range ids {
		b, err := t.token(id)
		if err != nil {
			return "", err
		}
		buf = append(buf, b...)
	}
	return string(buf), nil
}

// TokenBytes returns a copy of the raw bytes of token id.
func (t *Tokenizer) TokenBytes(id int) ([]byte, error) {
	b, err := t.token(id)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), b...), nil
}

// token returns the bytes of id without copying.
func (t *Tokenizer) token(id int) ([]byte, error) {
	if id < 0 || id >= len(t.tokens) || t.tokens[id] == nil {
		return nil, fmt.Errorf("tokenizer: token id %d (vocabulary size %d): %w", id, len(t.tokens), ErrUnknownToken)
	}
	return t.tokens[id], nil
}

// VocabSize returns one more than the largest token id, special tokens
// included (50257 for GPT-2).
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// EOT returns the id of "<|endoftext|>" and whether the vocabulary has it as
// a special token.
func (t *Tokenizer) EOT() (int, bool) { return t.eot, t.eot >= 0 }
