package weights

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/gpt2go/gpt2/internal/hugepages"
)

// Layout lists the tensors of a GPT-2 checkpoint with config c, by their
// Hugging Face names (without the "transformer." prefix): name → shape.
func (c Config) Layout() map[string][]int {
	C, I := c.NEmbd, c.NInner
	t := map[string][]int{
		"wte.weight": {c.VocabSize, C}, "wpe.weight": {c.NPositions, C},
		"ln_f.weight": {C}, "ln_f.bias": {C},
	}
	for i := range c.NLayer {
		for name, s := range map[string][]int{
			"ln_1.weight": {C}, "ln_1.bias": {C}, "ln_2.weight": {C}, "ln_2.bias": {C},
			"attn.c_attn.weight": {C, 3 * C}, "attn.c_attn.bias": {3 * C},
			"attn.c_proj.weight": {C, C}, "attn.c_proj.bias": {C},
			"mlp.c_fc.weight": {C, I}, "mlp.c_fc.bias": {I},
			"mlp.c_proj.weight": {I, C}, "mlp.c_proj.bias": {C},
		} {
			t[fmt.Sprintf("h.%d.%s", i, name)] = s
		}
	}
	return t
}

// Encode serialises tensors of one dtype ("F32", "F16" or "BF16") as a
// safetensors file, in name order, with 8-byte aligned data. fill writes
// each tensor's little-endian bytes into data, which it is given zeroed.
func Encode(dtype string, tensors map[string][]int, fill func(name string, data []byte)) ([]byte, error) {
	size := map[string]int{"F32": 4, "F16": 2, "BF16": 2}[dtype]
	if size == 0 {
		return nil, fmt.Errorf("weights: cannot encode dtype %q", dtype)
	}
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{}
	var spans [][2]int
	offset := 0
	for _, n := range names {
		elems := 1
		for _, d := range tensors[n] {
			elems *= d
		}
		header[n] = map[string]any{"dtype": dtype, "shape": tensors[n], "data_offsets": []int{offset, offset + elems*size}}
		spans = append(spans, [2]int{offset, offset + elems*size})
		offset += elems * size
	}
	h, err := json.Marshal(header)
	if err != nil {
		return nil, err
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	// In 2 MiB pages, as a mapped checkpoint's would be (see
	// largepages_linux.go), when the bytes serve as a synthetic checkpoint.
	buf := hugepages.Bytes(8 + len(h) + offset)
	binary.LittleEndian.PutUint64(buf, uint64(len(h)))
	copy(buf[8:], h)
	data := buf[8+len(h):]
	for i, n := range names {
		fill(n, data[spans[i][0]:spans[i][1]])
	}
	return buf, nil
}
