package tokenizer

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"sync"
)

// r50kBase holds GPT-2's mergeable ranks (tiktoken's r50k_base), written by
// tools/tiktoken-corpus/r50k.mjs: gzip of, for ranks 0..50255 in order, a
// length byte followed by the token's bytes. A token's rank is its GPT-2 id.
//
//go:embed r50k_base.gz
var r50kBase []byte

const (
	gpt2Ranks = 50256 // mergeable tokens; ids 0..50255
	gpt2EOT   = 50256 // id of <|endoftext|>
)

// gpt2 builds the embedded tokenizer once, on first use.
var gpt2 = sync.OnceValues(buildGPT2)

// buildGPT2 builds the tokenizer from the embedded ranks.
func buildGPT2() (*Tokenizer, error) {
	tokens, err := readRanks(r50kBase, gpt2Ranks)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: embedded r50k_base: %w", err)
	}
	ranks := make(map[string]int, len(tokens))
	for id, tok := range tokens {
		if _, dup := ranks[string(tok)]; dup {
			return nil, fmt.Errorf("tokenizer: embedded r50k_base: duplicate token %q", tok)
		}
		ranks[string(tok)] = id
	}
	tokens = append(tokens, []byte(EndOfText))
	return newTokenizer(ranks, nil, tokens, map[string]int{EndOfText: gpt2EOT})
}

// GPT2 returns the tokenizer of OpenAI's GPT-2 models (tiktoken's "gpt2",
// alias r50k_base: 50257 tokens, <|endoftext|> = 50256) from ranks embedded in
// the binary. It is built on the first call and shared afterwards.
func GPT2() (*Tokenizer, error) {
	return gpt2()
}

// readRanks decodes the embedded rank file into n tokens indexed by rank.
func readRanks(gz []byte, n int) ([][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	tokens := make([][]byte, 0, n)
	for len(raw) > 0 {
		l := int(raw[0])
		if l == 0 || 1+l > len(raw) {
			return nil, fmt.Errorf("truncated at rank %d", len(tokens))
		}
		tokens = append(tokens, raw[1:1+l:1+l])
		raw = raw[1+l:]
	}
	if len(tokens) != n {
		return nil, fmt.Errorf("got %d ranks, want %d", len(tokens), n)
	}
	return tokens, nil
}
