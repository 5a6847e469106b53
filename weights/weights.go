// Package weights opens Hugging Face GPT-2 checkpoints: config.json plus
// model.safetensors (or its shards), memory-mapped read-only. Tensors are
// handed out as views into the mapping in their stored dtype; nothing is
// copied or converted except small vectors (biases, LayerNorm gains).
package weights

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"unsafe"

	"github.com/gpt2go/gpt2/internal/kernels"
	"github.com/nlpodyssey/safetensors"
)

// Checkpoint is an open checkpoint. Views it returns stay valid until Close.
type Checkpoint struct {
	Config Config
	// Name says where the checkpoint came from (a directory or "demo").
	Name string
	// FS holds the checkpoint's other files (vocab.json, merges.txt, ...).
	FS fs.FS

	tensors map[string]safetensors.TensorView
	unmaps  []func() error
	mapped  bool // tensors view file mappings (Open), not the heap
	size    int64
}

// Open opens the checkpoint in directory dir.
func Open(dir string) (*Checkpoint, error) {
	cfgData, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, serr := os.Stat(dir); serr != nil {
				return nil, fmt.Errorf("weights: model directory %s: %w", dir, serr)
			}
		}
		return nil, fmt.Errorf("weights: %w", err)
	}
	cfg, err := ParseConfig(cfgData)
	if err != nil {
		return nil, fmt.Errorf("weights: %s: %w", dir, err)
	}
	files, err := safetensorsFiles(dir)
	if err != nil {
		return nil, err
	}
	c := &Checkpoint{Config: cfg, Name: dir, FS: os.DirFS(dir), tensors: map[string]safetensors.TensorView{}, mapped: true}
	for _, f := range files {
		data, unmap, err := mapFile(filepath.Join(dir, f))
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("weights: %w", err)
		}
		c.unmaps = append(c.unmaps, unmap)
		if err := c.add(f, data); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// FromBytes makes a checkpoint of a config.json and one safetensors file held
// in memory (the embedded demo model). other holds the remaining files.
func FromBytes(name string, config, model []byte, other fs.FS) (*Checkpoint, error) {
	cfg, err := ParseConfig(config)
	if err != nil {
		return nil, fmt.Errorf("weights: %s: %w", name, err)
	}
	c := &Checkpoint{Config: cfg, Name: name, FS: other, tensors: map[string]safetensors.TensorView{}}
	if err := c.add("model.safetensors", model); err != nil {
		return nil, err
	}
	return c, nil
}

// safetensorsFiles lists the weight files of dir: model.safetensors, or the
// shards named by model.safetensors.index.json.
func safetensorsFiles(dir string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err == nil {
		return []string{"model.safetensors"}, nil
	}
	idx, err := os.ReadFile(filepath.Join(dir, "model.safetensors.index.json"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("weights: %s has neither model.safetensors nor model.safetensors.index.json (only safetensors checkpoints are supported)", dir)
		}
		return nil, fmt.Errorf("weights: %w", err)
	}
	var index struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(idx, &index); err != nil {
		return nil, fmt.Errorf("weights: %s: model.safetensors.index.json: %w", dir, err)
	}
	seen := map[string]bool{}
	var files []string
	for _, f := range index.WeightMap {
		if f != filepath.Base(f) {
			return nil, fmt.Errorf("weights: %s: model.safetensors.index.json names shard %q outside the directory", dir, f)
		}
		if !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("weights: %s: model.safetensors.index.json names no shards", dir)
	}
	sort.Strings(files)
	return files, nil
}

func (c *Checkpoint) add(file string, data []byte) error {
	st, err := safetensors.Deserialize(data)
	if err != nil {
		return fmt.Errorf("weights: %s: %w", file, err)
	}
	for _, t := range st.Tensors() {
		if _, dup := c.tensors[t.Name]; dup {
			return fmt.Errorf("weights: %s: tensor %q appears twice", file, t.Name)
		}
		c.tensors[t.Name] = t.TensorView
		c.size += int64(len(t.TensorView.Data()))
	}
	return nil
}

// Close releases the memory mappings. Views obtained earlier become invalid.
func (c *Checkpoint) Close() error {
	var errs []error
	for _, u := range c.unmaps {
		errs = append(errs, u())
	}
	c.unmaps = nil
	return errors.Join(errs...)
}

// Release tells the OS that the process no longer needs tensor name's
// pages resident, for a tensor that has been copied elsewhere (quantized).
// Views of it stay valid: touching them again reads the pages back from
// the file. It does nothing for checkpoints that are not memory-mapped.
func (c *Checkpoint) Release(name string) {
	if _, t, ok := c.lookup(name); ok && c.mapped {
		dontNeed(t.Data())
	}
}

// Bytes is the total size of the tensors in the checkpoint.
func (c *Checkpoint) Bytes() int64 { return c.size }

// Has reports whether the checkpoint holds tensor name (with or without the
// "transformer." prefix).
func (c *Checkpoint) Has(name string) bool {
	_, _, ok := c.lookup(name)
	return ok
}

func (c *Checkpoint) lookup(name string) (string, safetensors.TensorView, bool) {
	if t, ok := c.tensors[name]; ok {
		return name, t, true
	}
	full := "transformer." + name
	t, ok := c.tensors[full]
	return full, t, ok
}

// Matrix returns tensor name as a [rows, cols] matrix viewing the stored data.
func (c *Checkpoint) Matrix(name string, rows, cols int) (kernels.Mat, error) {
	full, t, err := c.tensor(name, rows, cols)
	if err != nil {
		return kernels.Mat{}, err
	}
	m := kernels.Mat{Rows: rows, Cols: cols}
	switch t.DType() {
	case safetensors.F32:
		m.DType, m.F32 = kernels.F32, view[float32](t.Data())
	case safetensors.F16:
		m.DType, m.U16 = kernels.F16, view[uint16](t.Data())
	case safetensors.BF16:
		m.DType, m.U16 = kernels.BF16, view[uint16](t.Data())
	default:
		return m, fmt.Errorf("weights: tensor %q: dtype %s is not supported (F32, F16, BF16 are)", full, t.DType())
	}
	return m, nil
}

// Vector returns tensor name, of n elements, as float32. F32 data is a view;
// F16 and BF16 vectors are converted (they are small: biases and gains).
func (c *Checkpoint) Vector(name string, n int) ([]float32, error) {
	m, err := c.Matrix(name, 1, n)
	if err != nil {
		return nil, err
	}
	if m.DType == kernels.F32 {
		return m.F32, nil
	}
	v := make([]float32, n)
	m.Row(v, 0)
	return v, nil
}

// tensor finds name and checks that its element count and shape match
// [rows, cols] (a vector is asked for as [1, n]).
func (c *Checkpoint) tensor(name string, rows, cols int) (string, safetensors.TensorView, error) {
	full, t, ok := c.lookup(name)
	if !ok {
		return name, t, fmt.Errorf("weights: %s: missing tensor %q", c.Name, name)
	}
	shape := t.Shape()
	want := []uint64{uint64(rows), uint64(cols)}
	if rows == 1 {
		want = want[1:]
	}
	if !equalShape(shape, want) {
		return full, t, fmt.Errorf("weights: tensor %q has shape %v, want %v", full, shape, want)
	}
	return full, t, nil
}

func equalShape(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// view reinterprets little-endian tensor bytes as []T without copying. The
// safetensors format does not promise alignment; a misaligned tensor (rare,
// hand-made files) is copied so every architecture can load it.
func view[T float32 | uint16](b []byte) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(b) == 0 {
		return nil
	}
	if uintptr(unsafe.Pointer(&b[0]))%uintptr(size) != 0 {
		aligned := make([]T, len(b)/size)
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&aligned[0])), len(b)), b)
		return aligned
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/size)
}
