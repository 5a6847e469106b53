package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
)

// ErrNoVocab is returned (wrapped) by Load and LoadFS when the directory has
// no vocab.json or merges.txt, so that the caller can fall back to GPT2.
var ErrNoVocab = errors.New("no vocab.json and merges.txt")

// maxVocab bounds token ids read from vocab.json.
const maxVocab = 1 << 22

// Load reads a Hugging Face GPT-2 tokenizer (vocab.json and merges.txt, plus
// special tokens from tokenizer_config.json and special_tokens_map.json if
// present) from directory dir.
func Load(dir string) (*Tokenizer, error) {
	t, err := LoadFS(os.DirFS(dir), ".")
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, dir)
	}
	return t, nil
}

// LoadFS is like Load but reads directory dir of fsys, such as an embed.FS.
//
// The merge ranks come from the line order of merges.txt, the ids from
// vocab.json; they need not agree. Load fails if a merge refers to a token
// that is not in vocab.json, if a merge result is missing from vocab.json or
// produced twice, if a byte has no token, or if tiktoken's merge-by-rank
// algorithm would not rebuild each merge result from its own merge pair (in
// which case it could disagree with Hugging Face's pair-rank algorithm).
// Tokens of vocab.json that are neither a byte, a merge result nor a special
// token can be decoded but are never produced by Encode.
func LoadFS(fsys fs.FS, dir string) (*Tokenizer, error) {
	vocabPath, mergesPath := path.Join(dir, "vocab.json"), path.Join(dir, "merges.txt")
	vocabJSON, err := fs.ReadFile(fsys, vocabPath)
	if err != nil {
		return nil, noVocab(err)
	}
	mergesTxt, err := fs.ReadFile(fsys, mergesPath)
	if err != nil {
		return nil, noVocab(err)
	}
	var vocab map[string]int
	if err := json.Unmarshal(vocabJSON, &vocab); err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", vocabPath, err)
	}
	specials, err := readSpecials(fsys, dir, vocab)
	if err != nil {
		return nil, err
	}
	return fromHF(vocab, mergesTxt, specials)
}

// noVocab wraps a read error with ErrNoVocab when the file does not exist.
func noVocab(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("tokenizer: %w: %w", ErrNoVocab, err)
	}
	return fmt.Errorf("tokenizer: %w", err)
}

// fromHF builds a Tokenizer from vocab.json contents, merges.txt contents and
// the special tokens (text to id).
func fromHF(vocab map[string]int, mergesTxt []byte, specials map[string]int) (*Tokenizer, error) {
	byteOf := unicodeToByte()

	// tokens: id -> bytes, from vocab.json and the specials.
	size := 0
	for s, id := range vocab {
		if id < 0 || id >= maxVocab {
			return nil, fmt.Errorf("tokenizer: vocab.json: token %q has id %d outside [0, %d)", s, id, maxVocab)
		}
		size = max(size, id+1)
	}
	for _, id := range specials {
		size = max(size, id+1)
	}
	tokens := make([][]byte, size)
	for s, id := range vocab {
		b, ok := decodeBytes(s, byteOf)
		if _, sp := specials[s]; sp {
			b = []byte(s) // specials are stored as their text, not byte-encoded
		} else if !ok {
			return nil, fmt.Errorf("tokenizer: vocab.json: token %q (id %d) is not byte-level encoded", s, id)
		}
		if tokens[id] != nil {
			return nil, fmt.Errorf("tokenizer: vocab.json: id %d is used twice", id)
		}
		tokens[id] = b
	}
	for s, id := range specials {
		if tokens[id] == nil {
			tokens[id] = []byte(s)
		}
	}

	// ranks: single bytes rank 0..255 in id order (their rank never orders a
	// merge), merge line i ranks 256+i. For GPT-2 itself, ranks are ids.
	ranks := make(map[string]int, len(vocab))
	rankToID := make([]int, 0, 256)
	for b := 0; b < 256; b++ {
		s := string(byteToUnicode(byte(b)))
		id, ok := vocab[s]
		if !ok {
			return nil, fmt.Errorf("tokenizer: vocab.json: no token for byte 0x%02x (%q)", b, s)
		}
		rankToID = append(rankToID, id)
	}
	slices.Sort(rankToID)
	for rank, id := range rankToID {
		ranks[string(tokens[id])] = rank
	}
	type merge struct{ left, right string }
	var merges []merge
	sc := bufio.NewScanner(bytes.NewReader(mergesTxt))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if line == 1 && strings.HasPrefix(text, "#version") || strings.TrimSpace(text) == "" {
			continue
		}
		f := strings.Fields(text)
		if len(f) != 2 {
			return nil, fmt.Errorf("tokenizer: merges.txt:%d: want 2 tokens, got %q", line, text)
		}
		for _, s := range f {
			if _, ok := vocab[s]; !ok {
				return nil, fmt.Errorf("tokenizer: merges.txt:%d: token %q is not in vocab.json", line, s)
			}
		}
		result := f[0] + f[1]
		id, ok := vocab[result]
		if !ok {
			return nil, fmt.Errorf("tokenizer: merges.txt:%d: merge result %q is not in vocab.json", line, result)
		}
		if _, sp := specials[result]; sp {
			return nil, fmt.Errorf("tokenizer: merges.txt:%d: merge result %q is a special token", line, result)
		}
		b := string(tokens[id])
		if r, dup := ranks[b]; dup {
			return nil, fmt.Errorf("tokenizer: merges.txt:%d: merge result %q was already produced (rank %d)", line, result, r)
		}
		ranks[b] = len(rankToID)
		rankToID = append(rankToID, id)
		merges = append(merges, merge{f[0], f[1]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tokenizer: merges.txt: %w", err)
	}

	// tiktoken merges any adjacent pair whose concatenation has the lowest
	// rank; Hugging Face merges only listed pairs. They agree when each merge
	// result, split into bytes, is rebuilt by tiktoken from exactly its pair.
	for i, m := range merges {
		l, r := tokens[vocab[m.left]], tokens[vocab[m.right]]
		piece := append(append([]byte(nil), l...), r...)
		if cut, ok := splitPair(piece, ranks, 256+i); !ok || cut != len(l) {
			return nil, fmt.Errorf("tokenizer: merges.txt: merge %d (%q %q) is not reproducible by rank order; ranks and merges disagree", i+1, m.left, m.right)
		}
	}

	if isIdentity(rankToID) {
		rankToID = nil
	}
	return newTokenizer(ranks, rankToID, tokens, specials)
}

// splitPair runs tiktoken's merge loop on piece using only ranks below
// maxRank. It reports where the resulting two parts meet, or false if the loop
// does not end in exactly two parts.
func splitPair(piece []byte, ranks map[string]int, maxRank int) (int, bool) {
	// Part i is piece[bounds[i]:bounds[i+1]]; pairRank[i] is the rank of
	// parts i and i+1 merged, or maxRank if they cannot merge.
	bounds := make([]int, len(piece)+1)
	pairRank := make([]int, len(piece))
	rank := func(i int) int {
		if i+2 >= len(bounds) {
			return maxRank
		}
		if r, ok := ranks[string(piece[bounds[i]:bounds[i+2]])]; ok && r < maxRank {
			return r
		}
		return maxRank
	}
	for i := range bounds {
		bounds[i] = i
	}
	for i := range pairRank {
		pairRank[i] = rank(i)
	}
	for len(bounds) > 3 {
		best, at := maxRank, -1
		for i, r := range pairRank[:len(bounds)-2] {
			if r < best {
				best, at = r, i
			}
		}
		if at < 0 {
			return 0, false
		}
		bounds = append(bounds[:at+1], bounds[at+2:]...)
		pairRank = append(pairRank[:at+1], pairRank[at+2:]...)
		pairRank[at] = rank(at)
		if at > 0 {
			pairRank[at-1] = rank(at - 1)
		}
	}
	if len(bounds) != 3 {
		return 0, false
	}
	return bounds[1], true
}

// isIdentity reports whether m[i] == i for all i.
func isIdentity(m []int) bool {
	for i, v := range m {
		if v != i {
			return false
		}
	}
	return true
}

// readSpecials collects the special tokens: <|endoftext|> if vocab.json has
// it, added_tokens_decoder entries marked special in tokenizer_config.json,
// and the bos, eos, unk, pad and additional special tokens of
// tokenizer_config.json and special_tokens_map.json that vocab.json has.
func readSpecials(fsys fs.FS, dir string, vocab map[string]int) (map[string]int, error) {
	specials := map[string]int{}
	if id, ok := vocab[EndOfText]; ok {
		specials[EndOfText] = id
	}
	var named []string
	for _, name := range []string{"tokenizer_config.json", "special_tokens_map.json"} {
		p := path.Join(dir, name)
		data, err := fs.ReadFile(fsys, p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
		var cfg struct {
			AddedTokensDecoder map[string]struct {
				Content string `json:"content"`
				Special bool   `json:"special"`
			} `json:"added_tokens_decoder"`
			BOS        json.RawMessage   `json:"bos_token"`
			EOS        json.RawMessage   `json:"eos_token"`
			UNK        json.RawMessage   `json:"unk_token"`
			PAD        json.RawMessage   `json:"pad_token"`
			Additional []json.RawMessage `json:"additional_special_tokens"`
		}
		if err := json.Unmarshal(data, &cfg); err != nil {
			return nil, fmt.Errorf("tokenizer: %s: %w", p, err)
		}
		for key, tok := range cfg.AddedTokensDecoder {
			if !tok.Special || tok.Content == "" {
				continue
			}
			id, err := strconv.Atoi(key)
			if err != nil || id < 0 || id >= maxVocab {
				return nil, fmt.Errorf("tokenizer: %s: added_tokens_decoder: bad id %q", p, key)
			}
			if vid, ok := vocab[tok.Content]; ok && vid != id {
				return nil, fmt.Errorf("tokenizer: %s: %q has id %d, but %d in vocab.json", p, tok.Content, id, vid)
			}
			specials[tok.Content] = id
		}
		for _, raw := range append([]json.RawMessage{cfg.BOS, cfg.EOS, cfg.UNK, cfg.PAD}, cfg.Additional...) {
			if s := tokenContent(raw); s != "" {
				named = append(named, s)
			}
		}
	}
	for _, s := range named {
		if id, ok := vocab[s]; ok {
			specials[s] = id
		}
	}
	return specials, nil
}

// tokenContent returns the text of a special token given as a JSON string or
// as an object with a "content" field, or "".
func tokenContent(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Content string `json:"content"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.Content
	}
	return ""
}

// byteToUnicode is GPT-2's bytes_to_unicode: printable Latin-1 bytes map to
// themselves, the other 68 bytes to U+0100 onward, in byte order.
func byteToUnicode(b byte) rune {
	if printable(b) {
		return rune(b)
	}
	n := 0
	for c := 0; c < int(b); c++ {
		if !printable(byte(c)) {
			n++
		}
	}
	return rune(256 + n)
}

// printable reports whether bytes_to_unicode maps b to itself.
func printable(b byte) bool {
	return '!' <= b && b <= '~' || '¡' <= b && b <= '¬' || '®' <= b
}

// unicodeToByte returns the inverse of byteToUnicode.
func unicodeToByte() map[rune]byte {
	m := make(map[rune]byte, 256)
	for b := 0; b < 256; b++ {
		m[byteToUnicode(byte(b))] = byte(b)
	}
	return m
}

// decodeBytes maps a byte-level encoded token back to its bytes, or reports
// false if s has a character outside bytes_to_unicode's range.
func decodeBytes(s string, byteOf map[rune]byte) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		c, ok := byteOf[r]
		if !ok {
			return nil, false
		}
		b = append(b, c)
	}
	return b, true
}
