// Package testmodel makes a tiny random GPT-2 with a tokenizer, for tests
// that need text without a real checkpoint.
package testmodel

import (
	"embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

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
	shapes := map[string][]int{"wte.weight": {V, C}, "wpe.weight": {P, C}, "ln_f.weight": {C}, "ln_f.bias": {C}}
	for i := range L {
		for name, s := range map[string][]int{
			"ln_1.weight": {C}, "ln_1.bias": {C}, "ln_2.weight": {C}, "ln_2.bias": {C},
			"attn.c_attn.weight": {C, 3 * C}, "attn.c_attn.bias": {3 * C},
			"attn.c_proj.weight": {C, C}, "attn.c_proj.bias": {C},
			"mlp.c_fc.weight": {C, 4 * C}, "mlp.c_fc.bias": {4 * C},
			"mlp.c_proj.weight": {4 * C, C}, "mlp.c_proj.bias": {C},
		} {
			shapes[fmt.Sprintf("h.%d.%s", i, name)] = s
		}
	}
	names := make([]string, 0, len(shapes))
	for n := range shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{}
	var data []byte
	tok, err := tokenizer.LoadFS(vocab, ".")
	if err != nil {
		return nil, nil, err
	}
	x := uint64(0x2545f4914f6cdd1d)
	for _, n := range names {
		elems := 1
		for _, d := range shapes[n] {
			elems *= d
		}
		scale := float32(0.3)
		switch n {
		case "wte.weight":
			scale = 1
		case "ln_f.weight", "h.0.ln_1.weight", "h.0.ln_2.weight", "h.1.ln_1.weight", "h.1.ln_2.weight":
			scale = 0
		}
		start := len(data)
		for range elems {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			v := (float32(x>>40)/(1<<24) - 0.5) * 2 * scale
			if n == "wte.weight" && !printable(tok, (len(data)-start)/4/C) {
				v *= 0.05 // keep the output readable
			}
			if scale == 0 {
				v = 1 // LayerNorm gains
			}
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
		}
		header[n] = map[string]any{"dtype": "F32", "shape": shapes[n], "data_offsets": []int{start, len(data)}}
	}
	h, _ := json.Marshal(header)
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	buf := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	buf = append(append(buf, h...), data...)
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
