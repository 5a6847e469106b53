// Package model assembles GPT-2 from its layers and runs it over a KV cache:
//
//	x = wte[ids] + wpe[pos]
//	for each block: x += attn(ln_1(x)); x += mlp(ln_2(x))
//	logits = E · ln_f(x)
package model

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gpt2go/gpt2/internal/hugepages"
	"github.com/gpt2go/gpt2/internal/kernels"
	"github.com/gpt2go/gpt2/layers"
	"github.com/gpt2go/gpt2/weights"
)

// Model is a loaded GPT-2. It is read-only after New and may be shared by
// any number of States running concurrently.
type Model struct {
	Config weights.Config
	Embed  layers.Embedding
	Blocks []layers.Block
	LnF    layers.LayerNorm
	Head   layers.Head

	kvF16 bool // States' KV caches in half precision (Options.KVCacheF16)
}

// Options change how weights are used.
type Options struct {
	// Quantize8 converts the large matrices (attention, MLP and the
	// unembedding) to int8 with one scale per 32 weights at load; their
	// products round the activations to int8 too (see kernels.Mat).
	Quantize8 bool
	// KVCacheF16 keeps the States' KV caches in half precision: half their
	// memory, and decode reads half the bytes from them, which at long
	// contexts is a large part of a token (GPT-2 124M at position 900: 34
	// MB instead of 68, beside 252 MB of F16 weights). Cached keys and
	// values are rounded to 11 significant bits, so logits move off the
	// float32 reference slightly (see testdata/tiny/golden_kv16.json),
	// and a key or value beyond ±65504 would become infinite.
	KVCacheF16 bool
}

// New builds a model over the tensors of ck. It reports every missing or
// misshapen tensor, not just the first.
func New(ck *weights.Checkpoint, opt Options) (*Model, error) {
	cfg := ck.Config
	C, I, V, P := cfg.NEmbd, cfg.NInner, cfg.VocabSize, cfg.NPositions
	act := layers.Activation(cfg.Activation)
	if act == nil {
		return nil, fmt.Errorf("model: activation %q is not supported", cfg.Activation)
	}
	l := loader{ck: ck}
	m := &Model{Config: cfg, kvF16: opt.KVCacheF16}
	m.Embed.WTE = l.matrix("wte.weight", V, C)
	m.Embed.WPE = l.matrix("wpe.weight", P, C)
	eps := float32(cfg.LayerNormEpsilon)
	for i := range cfg.NLayer {
		pre := fmt.Sprintf("h.%d.", i)
		scale := float32(1)
		if cfg.ScaleAttnWeights {
			scale /= float32(math.Sqrt(float64(C / cfg.NHead)))
		}
		if cfg.ScaleAttnByInverseLayerIdx {
			scale /= float32(i + 1)
		}
		m.Blocks = append(m.Blocks, layers.Block{
			Ln1: l.norm(pre+"ln_1", C, eps),
			Attn: layers.Attention{
				CAttn: l.linear(pre+"attn.c_attn", C, 3*C),
				CProj: l.linear(pre+"attn.c_proj", C, C),
				NHead: cfg.NHead,
				Scale: scale,
			},
			Ln2: l.norm(pre+"ln_2", C, eps),
			MLP: layers.MLP{
				CFc:   l.linear(pre+"mlp.c_fc", C, I),
				CProj: l.linear(pre+"mlp.c_proj", I, C),
				Act:   act,
			},
		})
	}
	m.LnF = l.norm("ln_f", C, eps)
	// An untied model has its own lm_head; a tied one unembeds with wte
	// itself. Checkpoints saved by GPT2LMHeadModel may also carry a tied
	// lm_head.weight equal to wte: use wte, so it is mapped once.
	tied := cfg.TieWordEmbeddings || !ck.Has("lm_head.weight")
	if !tied {
		m.Head.E = l.matrix("lm_head.weight", V, C)
	} else if !cfg.TieWordEmbeddings {
		return nil, fmt.Errorf("model: %s: config says tie_word_embeddings false but there is no lm_head.weight", ck.Name)
	} else {
		m.Head.E = m.Embed.WTE
	}
	if l.err != nil {
		return nil, fmt.Errorf("model: %s: %w", ck.Name, l.err)
	}
	if opt.Quantize8 {
		m.quantize(ck, tied)
	}
	return m, nil
}

// quantize converts the large matrices to Q8, in parallel, and lets the OS
// drop the pages of the mapped originals. A tied matrix is both the
// embedding and the head: it is quantized once and used for both.
// Matrices the format cannot hold (the dimension a product sums over not
// a multiple of 32, or weights beyond F16 scales) stay as stored. The int8
// values of all matrices share one allocation in 2 MiB pages (see
// internal/hugepages): most matrices are smaller than one.
func (m *Model) quantize(ck *weights.Checkpoint, tied bool) {
	type job struct {
		name   string
		w      *kernels.Mat
		forMul bool // the unembedding: Mul, summing over its columns
	}
	var jobs []job
	for i := range m.Blocks {
		b, pre := &m.Blocks[i], fmt.Sprintf("h.%d.", i)
		jobs = append(jobs, job{pre + "attn.c_attn.weight", &b.Attn.CAttn.W, false}, job{pre + "attn.c_proj.weight", &b.Attn.CProj.W, false},
			job{pre + "mlp.c_fc.weight", &b.MLP.CFc.W, false}, job{pre + "mlp.c_proj.weight", &b.MLP.CProj.W, false})
	}
	if tied {
		jobs = append(jobs, job{"wte.weight", &m.Embed.WTE, true})
	} else {
		jobs = append(jobs, job{"lm_head.weight", &m.Head.E, true})
	}
	// Each matrix, and each matrix's scales, starts on a cache line of a
	// shared allocation in 2 MiB pages. (The scales in 4 KiB pages cost
	// decode 0.3-2.4%.)
	lens := func(j job) (q, s int, ok bool) {
		K, N := j.w.Rows, j.w.Cols
		if j.forMul {
			K, N = N, K
		}
		q, s = kernels.QLen(K, N)
		return (q + 63) &^ 63, (s + 31) &^ 31, K%kernels.QBlock == 0
	}
	total, stotal := 0, 0
	for _, j := range jobs {
		if q, s, ok := lens(j); ok {
			total += q
			stotal += s
		}
	}
	arena := hugepages.Bytes(total)
	sb := hugepages.Bytes(2 * stotal)
	sarena := unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(sb))), stotal)
	dst := make([][]byte, len(jobs))
	sdst := make([][]uint16, len(jobs))
	for k, off, soff := 0, 0, 0; k < len(jobs); k++ {
		if q, s, ok := lens(jobs[k]); ok {
			dst[k], off = arena[off:off+q], off+q
			sdst[k], soff = sarena[soff:soff+s], soff+s
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			for k := int(next.Add(1)) - 1; k < len(jobs); k = int(next.Add(1)) - 1 {
				if dst[k] == nil {
					continue
				}
				if q, err := kernels.Quantize(jobs[k].w, jobs[k].forMul, dst[k], sdst[k]); err == nil {
					*jobs[k].w = q
					ck.Release(jobs[k].name)
				}
			}
		})
	}
	wg.Wait()
	hugepages.Collapse(arena)
	hugepages.Collapse(sb)
	if tied {
		m.Head.E = m.Embed.WTE
	}
}

// loader collects every error instead of stopping at the first, so a
// checkpoint with many missing tensors is diagnosed in one run.
type loader struct {
	ck  *weights.Checkpoint
	err error
}

func (l *loader) matrix(name string, rows, cols int) kernels.Mat {
	m, err := l.ck.Matrix(name, rows, cols)
	if err != nil {
		l.err = errors.Join(l.err, err)
	}
	return m
}

func (l *loader) vector(name string, n int) []float32 {
	v, err := l.ck.Vector(name, n)
	if err != nil {
		l.err = errors.Join(l.err, err)
	}
	return v
}

func (l *loader) linear(name string, in, out int) layers.Linear {
	return layers.Linear{W: l.matrix(name+".weight", in, out), B: l.vector(name+".bias", out)}
}

func (l *loader) norm(name string, n int, eps float32) layers.LayerNorm {
	return layers.LayerNorm{G: l.vector(name+".weight", n), B: l.vector(name+".bias", n), Eps: eps}
}

// KVCacheF16 reports whether the model's States keep their KV caches in
// half precision (Options.KVCacheF16).
func (m *Model) KVCacheF16() bool { return m.kvF16 }

// KVBytesPerPosition is the KV cache's storage for one position, every
// layer's key and value: what decoding a token reads for each cached one.
func (m *Model) KVBytesPerPosition() int64 {
	size := int64(4)
	if m.kvF16 {
		size = 2
	}
	return int64(m.Config.NLayer) * 2 * int64(m.Config.NEmbd) * size
}

// Bytes is the weight storage the model streams per decoded token.
func (m *Model) Bytes() int64 {
	n := int64(m.Head.E.Bytes())
	for i := range m.Blocks {
		b := &m.Blocks[i]
		for _, w := range []*kernels.Mat{&b.Attn.CAttn.W, &b.Attn.CProj.W, &b.MLP.CFc.W, &b.MLP.CProj.W} {
			n += int64(w.Bytes())
		}
	}
	return n
}
