package weights

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
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

	C, V, P := shape.embd, 50257, 1024
	tensors := map[string][]int{"wte.weight": {V, C}, "wpe.weight": {P, C}, "ln_f.weight": {C}, "ln_f.bias": {C}}
	for i := range shape.layers {
		for name, s := range map[string][]int{
			"ln_1.weight": {C}, "ln_1.bias": {C}, "ln_2.weight": {C}, "ln_2.bias": {C},
			"attn.c_attn.weight": {C, 3 * C}, "attn.c_attn.bias": {3 * C},
			"attn.c_proj.weight": {C, C}, "attn.c_proj.bias": {C},
			"mlp.c_fc.weight": {C, 4 * C}, "mlp.c_fc.bias": {4 * C},
			"mlp.c_proj.weight": {4 * C, C}, "mlp.c_proj.bias": {C},
		} {
			tensors[fmt.Sprintf("h.%d.%s", i, name)] = s
		}
	}
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{}
	offset := 0
	for _, n := range names {
		elems := 1
		for _, d := range tensors[n] {
			elems *= d
		}
		header[n] = map[string]any{"dtype": dtype, "shape": tensors[n], "data_offsets": []int{offset, offset + elems*size}}
		offset += elems * size
	}
	h, _ := json.Marshal(header)
	for (8+len(h))%8 != 0 {
		h = append(h, ' ')
	}
	buf := make([]byte, 8+len(h)+offset)
	binary.LittleEndian.PutUint64(buf, uint64(len(h)))
	copy(buf[8:], h)
	data := buf[8+len(h):]
	// LayerNorm gains of 1 keep activations in range; everything else is
	// small noise from a fixed-seed generator.
	f32, u16 := view[float32](data), view[uint16](data)
	x := uint64(0x9e3779b97f4a7c15)
	off := 0
	for _, n := range names {
		elems := 1
		for _, d := range tensors[n] {
			elems *= d
		}
		gain := strings.HasSuffix(n, "ln_1.weight") || strings.HasSuffix(n, "ln_2.weight") || n == "ln_f.weight"
		for i := off; i < off+elems; i++ {
			v := float32(1)
			if !gain {
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
				v = (float32(x>>40)/(1<<24) - 0.5) * 0.04
			}
			switch size {
			case 4:
				f32[i] = v
			default:
				if dtype == "BF16" {
					u16[i] = uint16(math.Float32bits(v) >> 16)
				} else {
					u16[i] = f32ToF16(v)
				}
			}
		}
		off += elems
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
