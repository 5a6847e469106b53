package weights

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Shapes of the published GPT-2 checkpoints, for synthetic models.
var shapes = map[string]struct{ layers, heads, embd int }{
	"gpt2":        {12, 12, 768},
	"distilgpt2":  {6, 12, 768},
	"gpt2-medium": {24, 16, 1024},
	"gpt2-large":  {36, 20, 1280},
	"gpt2-xl":     {48, 25, 1600},
}

// Synthetic builds a checkpoint with random weights of a real model's shape,
// for measuring speed without the real weights. spec is
// "synthetic:NAME[:DTYPE]", NAME one of gpt2, distilgpt2, gpt2-medium,
// gpt2-large, gpt2-xl and DTYPE f32 (default), f16 or bf16. The tensors are
// serialised as a safetensors file in memory and loaded like any other.
func Synthetic(spec string) (*Checkpoint, error) {
	config, model, err := SyntheticFiles(spec)
	if err != nil {
		return nil, err
	}
	return FromBytes(spec, config, model, nil)
}

// SyntheticFiles returns the config.json and model.safetensors contents of
// the synthetic checkpoint spec (see Synthetic).
func SyntheticFiles(spec string) (config, model []byte, err error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "synthetic" {
		return nil, nil, fmt.Errorf("weights: %q is not synthetic:NAME[:DTYPE]", spec)
	}
	shape, ok := shapes[parts[1]]
	if !ok {
		return nil, nil, fmt.Errorf("weights: %q: unknown model %q (gpt2, distilgpt2, gpt2-medium, gpt2-large, gpt2-xl)", spec, parts[1])
	}
	dtype := "F32"
	if len(parts) == 3 {
		dtype = strings.ToUpper(parts[2])
	}
	size := map[string]int{"F32": 4, "F16": 2, "BF16": 2}[dtype]
	if size == 0 {
		return nil, nil, fmt.Errorf("weights: %q: dtype must be f32, f16 or bf16", spec)
	}
	cfg := map[string]any{"n_layer": shape.layers, "n_head": shape.heads, "n_embd": shape.embd,
		"n_positions": 1024, "vocab_size": 50257, "model_type": "gpt2"}
	cfgJSON, _ := json.Marshal(cfg)

	c, err := ParseConfig(cfgJSON)
	if err != nil {
		return nil, nil, err
	}
	// LayerNorm gains of 1 keep activations in range; everything else is
	// small noise from a fixed-seed generator.
	x := uint64(0x9e3779b97f4a7c15)
	buf, err := Encode(dtype, c.Layout(), func(name string, data []byte) {
		gain := strings.HasSuffix(name, "ln_1.weight") || strings.HasSuffix(name, "ln_2.weight") || name == "ln_f.weight"
		f32, u16 := view[float32](data), view[uint16](data)
		for i := range len(data) / size {
			v := float32(1)
			if !gain {
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
				v = (float32(x>>40)/(1<<24) - 0.5) * 0.04
			}
			switch dtype {
			case "F32":
				f32[i] = v
			case "BF16":
				u16[i] = uint16(math.Float32bits(v) >> 16)
			default:
				u16[i] = f32ToF16(v)
			}
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return cfgJSON, buf, nil
}

// f32ToF16 rounds a float32 of modest magnitude (|v| < 65504, normal or
// zero) to half precision, to nearest. Synthetic weights need nothing more.
func f32ToF16(v float32) uint16 {
	b := math.Float32bits(v)
	sign := uint16(b>>16) & 0x8000
	exp := int((b>>23)&0xff) - 127 + 15
	mant := b & 0x7fffff
	if exp <= 0 {
		return sign // flush tiny values to zero
	}
	h := uint32(exp)<<10 | mant>>13
	if mant&0x1fff > 0x1000 || (mant&0x1fff == 0x1000 && h&1 == 1) {
		h++
	}
	return sign | uint16(h)
}
