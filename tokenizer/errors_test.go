package tokenizer

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestDecodeErrors(t *testing.T) {
	tok := mustGPT2(t)
	for _, id := range []int{-1, 50257, 1 << 40} {
		if _, err := tok.Decode([]int{15496, id}); !errors.Is(err, ErrUnknownToken) {
			t.Errorf("Decode(..., %d) error = %v, want ErrUnknownToken", id, err)
		}
		if _, err := tok.TokenBytes(id); !errors.Is(err, ErrUnknownToken) {
			t.Errorf("TokenBytes(%d) error = %v, want ErrUnknownToken", id, err)
		}
	}
	if got, err := tok.Decode(nil); err != nil || got != "" {
		t.Errorf("Decode(nil) = %q, %v", got, err)
	}
}

func TestLoadNoVocab(t *testing.T) {
	if _, err := Load(t.TempDir()); !errors.Is(err, ErrNoVocab) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(empty dir) error = %v, want ErrNoVocab and fs.ErrNotExist", err)
	}
	fsys := fstest.MapFS{"m/vocab.json": {Data: []byte(`{}`)}}
	if _, err := LoadFS(fsys, "m"); !errors.Is(err, ErrNoVocab) {
		t.Errorf("LoadFS(no merges.txt) error = %v, want ErrNoVocab", err)
	}
}

// byteVocab returns vocab.json entries for the 256 byte tokens plus extra.
func byteVocab(extra ...string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range 256 {
		fmt.Fprintf(&b, "%q: %d, ", string(byteToUnicode(byte(i))), i)
	}
	for i, s := range extra {
		fmt.Fprintf(&b, "%q: %d, ", s, 256+i)
	}
	fmt.Fprintf(&b, "%q: %d}", EndOfText, 256+len(extra))
	return b.String()
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, vocab, merges, want string
	}{
		{"malformed vocab", `{"a": 0,`, "", "vocab.json"},
		{"vocab not an object", `[1, 2]`, "", "vocab.json"},
		{"negative id", `{"a": -1}`, "", "outside"},
		{"duplicate id", `{"a": 0, "b": 0}`, "", "used twice"},
		{"not byte-level", byteVocab("€x"), "", "not byte-level"},
		{"missing byte", `{"a": 0}`, "", "no token for byte"},
		{"unknown merge token", byteVocab("ab"), "a b\nab zz\n", `"zz" is not in vocab.json`},
		{"merge result missing", byteVocab(), "a b\n", `result "ab" is not in vocab.json`},
		{"three fields", byteVocab("ab"), "a b c\n", "want 2 tokens"},
		{"duplicate merge result", byteVocab("ab", "bc", "abc"), "a b\nb c\nab c\na bc\n", "already produced"},
		{"merge twice", byteVocab("ab"), "a b\na b\n", "already produced"},
		// tiktoken would merge a+bc into abc; Hugging Face stops at [a bc].
		{"rank order disagrees", byteVocab("bc", "ab", "abc"), "b c\na b\nab c\n", "not reproducible"},
		{"merge of later token", byteVocab("abc", "ab"), "ab c\na b\n", "not reproducible"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"vocab.json": {Data: []byte(tc.vocab)},
				"merges.txt": {Data: []byte(tc.merges)},
			}
			_, err := LoadFS(fsys, ".")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadFS error = %v, want one containing %q", err, tc.want)
			}
			if errors.Is(err, ErrNoVocab) {
				t.Errorf("LoadFS error %v should not be ErrNoVocab", err)
			}
		})
	}
}

func TestLoadSpecialsFromConfig(t *testing.T) {
	fsys := fstest.MapFS{
		"vocab.json": {Data: []byte(strings.Replace(byteVocab("ab"), EndOfText, "<eos>", 1))},
		"merges.txt": {Data: []byte("#version: 0.2\na b\n")},
		"tokenizer_config.json": {Data: []byte(`{"added_tokens_decoder": {
			"300": {"content": "<|pad|>", "special": true},
			"301": {"content": "<|word|>", "special": false}}}`)},
		"special_tokens_map.json": {Data: []byte(`{"eos_token": {"content": "<eos>"}, "pad_token": "<|pad|>", "unk_token": "<absent>"}`)},
	}
	tok, err := LoadFS(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := tok.EOT(); ok {
		t.Errorf("EOT() = %d, true for a vocabulary without <|endoftext|>", id)
	}
	if got, want := tok.VocabSize(), 301; got != want {
		t.Errorf("VocabSize() = %d, want %d", got, want)
	}
	text := "ab<eos>b<|pad|><|word|>"
	want := []int{256, 257, 'b', 300} // byteVocab gives byte b id b
	want = append(want, tok.Encode("<|word|>")...)
	if got := tok.EncodeSpecial(text); !slices.Equal(got, want) {
		t.Errorf("EncodeSpecial(%q) = %v, want %v", text, got, want)
	}
	if got, _ := tok.Decode(want); got != text {
		t.Errorf("Decode = %q, want %q", got, text)
	}
	if got := tok.Encode("<eos>"); slices.Contains(got, 257) {
		t.Errorf("Encode(%q) = %v uses the special token", "<eos>", got)
	}

	bad := fstest.MapFS{
		"vocab.json":            fsys["vocab.json"],
		"merges.txt":            fsys["merges.txt"],
		"tokenizer_config.json": {Data: []byte(`{"added_tokens_decoder": `)},
	}
	if _, err := LoadFS(bad, "."); err == nil || !strings.Contains(err.Error(), "tokenizer_config.json") {
		t.Errorf("LoadFS(malformed tokenizer_config.json) error = %v", err)
	}
}
