// Package testmodel makes a tiny random GPT-2 with a tokenizer, for tests
// that need text without a real checkpoint.
package testmodel

import (
	"embed"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gpt2go/gpt2/tokenizer"
	"github.com/gpt2go/gpt2/weights"
)

// vocab is a copy of tokenizer/testdata/tiny's vocab.json and merges.txt.
//
//go:embed vocab.json merges.txt
var vocab embed.FS

// Checkpoint returns a small random GPT-2 (2 layers, 32 dims, a context of
// positions tokens, random weights from a fixed seed) with the tiny
// vocabulary of tokenizer/testdata/tiny (337 tokens), so that tests can
// generate text quickly. Embeddings of tokens that are not printable ASCII
// are scaled down, which keeps the output readable.
func Checkpoint(positions int) (*weights.Checkpoint, error) {
	cfg, model, err := Files(positions)
	if err != nil {
		return nil, err
	}
	return weights.FromBytes("random-test", cfg, model, vocab)
}

// WriteDir writes the checkpoint of Checkpoint as a model directory:
// config.json, model.safetensors, vocab.json and merges.txt.
func WriteDir(dir string, positions int) error {
	cfg, model, err := Files(positions)
	if err != nil {
		return err
	}
	v, _ := vocab.ReadFile("vocab.json")
	m, _ := vocab.ReadFile("merges.txt")
	for name, b := range map[string][]byte{"config.json": cfg, "model.safetensors": model, "vocab.json": v, "merges.txt": m} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Files returns the config.json and model.safetensors of Checkpoint.
func Files(positions int) (config, model []byte, err error) {
	const L, NH, C, V = 2, 2, 32, 337 // V: tokenizer/testdata/tiny/vocab.json
	P := positions
	cfg, _ := json.Marshal(map[string]any{"n_layer": L, "n_head": NH, "n_embd": C,
		"n_positions": P, "vocab_size": V, "bos_token_id": 336, "eos_token_id": 336, "model_type": "gpt2"})
	c, err := weights.ParseConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	tok, err := tokenizer.LoadFS(vocab, ".")
	if err != nil {
		return nil, nil, err
	}
	x := uint64(0x2545f4914f6cdd1d)
	buf, err := weights.Encode("F32", c.Layout(), func(name string, data []byte) {
		scale := float32(0.3)
		switch {
		case name == "wte.weight":
			scale = 1
		case strings.HasSuffix(name, "ln_1.weight"), strings.HasSuffix(name, "ln_2.weight"), name == "ln_f.weight":
			scale = 0
		}
		for i := 0; i < len(data); i += 4 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			v := (float32(x>>40)/(1<<24) - 0.5) * 2 * scale
			if name == "wte.weight" && !printable(tok, i/4/C) {
				v *= 0.05 // keep the output readable
			}
			if scale == 0 {
				v = 1 // LayerNorm gains
			}
			binary.LittleEndian.PutUint32(data[i:], math.Float32bits(v))
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return cfg, buf, nil
}

// printable reports whether token id is ASCII letters, digits, spaces,
// newlines and punctuation.
func printable(tok *tokenizer.Tokenizer, id int) bool {
	b, err := tok.TokenBytes(id)
	if err != nil || len(b) == 0 || id == 336 {
		return false
	}
	for _, c := range b {
		if c != '\n' && (c < ' ' || c > '~') {
			return false
		}
	}
	return true
}
