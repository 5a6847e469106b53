package weights

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const tiny = "../testdata/tiny"

func TestOpenVariants(t *testing.T) {
	for _, v := range []string{"f32", "f32-prefix", "f16", "bf16", "untied", "inverse-layer", "buffers", "sharded"} {
		t.Run(v, func(t *testing.T) {
			ck, err := Open(filepath.Join(tiny, v))
			if err != nil {
				t.Fatal(err)
			}
			defer ck.Close()
			c := ck.Config
			if c.NLayer != 3 || c.NEmbd != 48 || c.VocabSize != 300 || c.NPositions != 64 {
				t.Errorf("config %+v", c)
			}
			if want := map[string]int{"inverse-layer": 100}[v]; want != 0 && c.NInner != want || want == 0 && c.NInner != 192 {
				t.Errorf("n_inner = %d", c.NInner)
			}
			wte, err := ck.Matrix("wte.weight", 300, 48)
			if err != nil {
				t.Fatal(err)
			}
			if wte.At(299, 47) == 0 && wte.At(0, 0) == 0 {
				t.Error("wte looks empty")
			}
			if _, err := ck.Matrix("h.2.mlp.c_proj.weight", c.NInner, 48); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestShapeAndMissingErrors(t *testing.T) {
	ck, err := Open(filepath.Join(tiny, "f32"))
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	if _, err := ck.Matrix("h.0.attn.c_attn.weight", 144, 48); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("transposed shape: err = %v", err)
	}
	if _, err := ck.Matrix("h.7.attn.c_attn.weight", 48, 144); err == nil || !strings.Contains(err.Error(), "h.7.attn.c_attn.weight") {
		t.Errorf("missing tensor: err = %v", err)
	}
}

func TestBrokenCheckpoints(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(tiny, "f32", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := os.ReadFile(filepath.Join(tiny, "f32", "config.json"))
	hugeHeader := make([]byte, 8)
	binary.LittleEndian.PutUint64(hugeHeader, 1<<40)
	for _, tc := range []struct {
		name, config string
		model        []byte
		want         string
	}{
		{"truncated", string(cfg), good[:len(good)-100], "model.safetensors"},
		{"empty file", string(cfg), nil, "model.safetensors"},
		{"huge header", string(cfg), hugeHeader, "header"},
		{"garbage header", string(cfg), append([]byte{4, 0, 0, 0, 0, 0, 0, 0}, "{{{{"...), "model.safetensors"},
		{"bad json config", "{", good, "config.json"},
		{"odd heads", `{"n_embd": 48, "n_head": 5}`, good, "n_head"},
		{"unsupported activation", `{"activation_function": "swish"}`, good, "activation_function"},
		{"not gpt2", `{"model_type": "llama"}`, good, "model_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "config.json"), []byte(tc.config), 0o644)
			os.WriteFile(filepath.Join(dir, "model.safetensors"), tc.model, 0o644)
			ck, err := Open(dir)
			if err == nil {
				ck.Close()
				t.Fatal("opened a broken checkpoint")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	if _, err := Open(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing directory: err = %v", err)
	}
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "config.json"), cfg, 0o644)
	if _, err := Open(empty); err == nil || !strings.Contains(err.Error(), "model.safetensors") {
		t.Errorf("no weights: err = %v", err)
	}
}

func TestConfigDefaults(t *testing.T) {
	c, err := ParseConfig([]byte(`{"n_ctx": 512, "n_inner": null}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.NPositions != 512 || c.NInner != 3072 || c.NLayer != 12 || c.VocabSize != 50257 || !c.TieWordEmbeddings || !c.ScaleAttnWeights {
		t.Errorf("defaults: %+v", c)
	}
}

func TestEncodeLayoutRoundTrip(t *testing.T) {
	cfgJSON := []byte(`{"n_layer": 2, "n_head": 2, "n_embd": 8, "n_positions": 16, "vocab_size": 40, "n_inner": 12}`)
	cfg, err := ParseConfig(cfgJSON)
	if err != nil {
		t.Fatal(err)
	}
	model, err := Encode("BF16", cfg.Layout(), func(name string, data []byte) {
		for i := range data {
			data[i] = byte(len(name) + i)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), cfgJSON, 0o644)
	os.WriteFile(filepath.Join(dir, "model.safetensors"), model, 0o644)
	ck, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	for name, shape := range cfg.Layout() {
		rows, cols := 1, shape[0]
		if len(shape) == 2 {
			rows, cols = shape[0], shape[1]
		}
		if _, err := ck.Matrix(name, rows, cols); err != nil {
			t.Error(err)
		}
	}
	if _, err := Encode("F64", cfg.Layout(), nil); err == nil {
		t.Error("Encode accepted F64")
	}
}

func TestSyntheticSpecs(t *testing.T) {
	for _, spec := range []string{"synthetic:", "synthetic:gpt3", "synthetic:gpt2:f8", "gpt2", "synthetic:gpt2:f16:x"} {
		if _, err := Synthetic(spec); err == nil {
			t.Errorf("Synthetic(%q) accepted a bad spec", spec)
		}
	}
}

// TestRelease drops a mapped tensor's pages after it was read: on Linux
// the resident set shrinks by about its size, and the view still reads the
// same values (the pages come back from the file).
func TestRelease(t *testing.T) {
	const rows, cols = 1024, 1024 // 4 MiB of F32
	dir := t.TempDir()
	data, err := Encode("F32", map[string][]int{"big.weight": {rows, cols}}, func(_ string, b []byte) {
		for i := 0; i < len(b); i += 4 {
			binary.LittleEndian.PutUint32(b[i:], math.Float32bits(float32(i/4%1000)))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := `{"n_embd": 8, "n_head": 2, "n_layer": 1, "n_positions": 8, "vocab_size": 10}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	ck, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	m, err := ck.Matrix("big.weight", rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, v := range m.F32 {
		sum += float64(v)
	}
	before := rssKB()
	ck.Release("big.weight")
	after := rssKB()
	if before > 0 && before-after < 3<<10 {
		t.Errorf("resident set %d KB -> %d KB after releasing a 4 MiB tensor", before, after)
	}
	var again float64
	for _, v := range m.F32 {
		again += float64(v)
	}
	if again != sum {
		t.Errorf("tensor sums to %v after Release, %v before", again, sum)
	}
	ck.Release("no.such.tensor") // a no-op
}

// rssKB is the process's resident set in KB, or 0 where /proc is missing.
func rssKB() int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if kb, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")))
			return n
		}
	}
	return 0
}
