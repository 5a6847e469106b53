package gpt2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gpt2go/gpt2/hub"
	"github.com/gpt2go/gpt2/model"
	"github.com/gpt2go/gpt2/tokenizer"
	"github.com/gpt2go/gpt2/weights"
)

// Model is a loaded GPT-2 with its tokenizer. It is read-only once loaded:
// any number of Sessions may run on it at once from different goroutines.
// Close it when no Session uses it any more.
type Model struct {
	ck   *weights.Checkpoint
	m    *model.Model
	opts loadOptions
	took time.Duration

	// The tokenizer is built on first use (~50-65 ms for GPT-2's 50,257
	// tokens), so programs that work on ids, or only measure, never pay.
	tokOnce sync.Once
	tok     *tokenizer.Tokenizer // nil when the checkpoint has no usable vocabulary
	noTok   error                // why tok is nil
	eot     int
}

// An Option changes how Load and New prepare a model.
type Option func(*loadOptions)

type loadOptions struct {
	quantize8 bool
	kvF16     bool
	threads   int
}

// Quantize8 converts the large matrices to int8 with one scale per 32
// weights at load, and rounds their products' activations to int8 too:
// about a quarter of F32's memory traffic per token, at a small cost in
// accuracy (1.5% of the largest logit on the demo model).
func Quantize8() Option { return func(o *loadOptions) { o.quantize8 = true } }

// KVCacheF16 keeps each Session's KV cache in half precision: half its
// memory, and half the bytes decode reads from it, which at long contexts
// is a large part of a token (GPT-2 124M at position 900: decode 12%
// faster with F16 weights, 30% with int8). Cached keys and values are rounded to
// 11 significant bits, so logits differ slightly from the float32 cache's.
func KVCacheF16() Option { return func(o *loadOptions) { o.kvF16 = true } }

// Threads sets the default number of worker goroutines of each Session's
// forward passes (SessionOptions.Threads overrides it). The default is
// GOMAXPROCS, right for one conversation at a time; a program running N
// sessions at once should give each about GOMAXPROCS/N.
func Threads(n int) Option { return func(o *loadOptions) { o.threads = n } }

// Load loads a model by name:
//
//   - "" is the small demo model built into the binary;
//   - an existing directory (or a name containing a path separator or
//     starting with ".") is a checkpoint directory: config.json,
//     model.safetensors (or its shards), and vocab.json and merges.txt when
//     the vocabulary is not GPT-2's;
//   - anything else is a Hugging Face Hub name such as
//     openai-community/gpt2 or gpt2@main, taken from the local Hugging Face
//     cache. Load never uses the network: when the model is not cached the
//     error (wrapping hub.ErrNotCached) says to run `gpt2 download NAME`.
func Load(name string, opts ...Option) (*Model, error) {
	start := time.Now()
	ck, err := open(name)
	if err != nil {
		return nil, err
	}
	m, err := New(ck, opts...)
	if err != nil {
		ck.Close()
		return nil, err
	}
	m.took = time.Since(start)
	return m, nil
}

// open finds and opens the checkpoint name refers to; see Load.
func open(name string) (*weights.Checkpoint, error) {
	switch {
	case name == "":
		return demo()
	case strings.HasPrefix(name, "synthetic:"):
		return weights.Synthetic(name)
	case hub.IsLocalDir(name) || isPath(name):
		if _, err := os.Stat(name); err != nil {
			return nil, fmt.Errorf("gpt2: model directory %s: %w", name, err)
		}
		return weights.Open(name)
	}
	dir, err := hub.Resolve(name)
	if errors.Is(err, hub.ErrNotCached) {
		return nil, fmt.Errorf("gpt2: %w; run `gpt2 download %s` first", err, name)
	}
	if err != nil {
		return nil, fmt.Errorf("gpt2: %q is neither a directory nor a Hub model name: %w", name, err)
	}
	return weights.Open(dir)
}

// isPath reports whether name is meant as a file system path even though
// nothing exists there (so that a typo in a path is not looked up on the Hub).
func isPath(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") || filepath.IsAbs(name) ||
		strings.HasPrefix(name, "/") || strings.Count(name, "/") > 1 || strings.ContainsRune(name, '\\')
}

// New makes a Model of an open checkpoint, which it then owns: Model.Close
// closes it. The tokenizer is the checkpoint's own vocab.json and
// merges.txt, else GPT-2's when the vocabulary has GPT-2's size; a model
// without either works on token ids only (Session.GenerateIDs).
func New(ck *weights.Checkpoint, opts ...Option) (*Model, error) {
	start := time.Now()
	var o loadOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.threads <= 0 {
		o.threads = runtime.GOMAXPROCS(0)
	}
	m, err := model.New(ck, model.Options{Quantize8: o.quantize8, KVCacheF16: o.kvF16})
	if err != nil {
		return nil, err
	}
	md := &Model{ck: ck, m: m, opts: o}
	md.took = time.Since(start)
	return md, nil
}

// tokens returns the tokenizer (or why there is none), building it and
// settling the end-of-text id on first use.
func (m *Model) tokens() (*tokenizer.Tokenizer, error) {
	m.tokOnce.Do(func() {
		m.eot = m.m.Config.EOSTokenID
		m.tok, m.noTok = loadTokenizer(m.ck)
		if m.tok != nil {
			if id, ok := m.tok.EOT(); ok {
				m.eot = id
			}
		}
	})
	return m.tok, m.noTok
}

// loadTokenizer uses the checkpoint's own vocab.json and merges.txt, or
// GPT-2's vocabulary when the checkpoint has none and is GPT-2 sized.
func loadTokenizer(ck *weights.Checkpoint) (*tokenizer.Tokenizer, error) {
	var tok *tokenizer.Tokenizer
	err := tokenizer.ErrNoVocab
	if ck.FS != nil {
		tok, err = tokenizer.LoadFS(ck.FS, ".")
	}
	switch {
	case err == nil:
	case errors.Is(err, tokenizer.ErrNoVocab) && ck.Config.VocabSize == 50257:
		tok, err = tokenizer.GPT2()
	case errors.Is(err, tokenizer.ErrNoVocab):
		return nil, fmt.Errorf("%s has no vocab.json/merges.txt and its vocabulary (%d tokens) is not GPT-2's: use token ids: %w", ck.Name, ck.Config.VocabSize, ErrNoTokenizer)
	}
	if err != nil {
		return nil, err
	}
	if tok.VocabSize() > ck.Config.VocabSize {
		return nil, fmt.Errorf("%s: tokenizer has %d tokens but the model only %d: %w", ck.Name, tok.VocabSize(), ck.Config.VocabSize, ErrNoTokenizer)
	}
	return tok, nil
}

// ErrNoTokenizer is wrapped by errors of text calls on a model that has no
// usable tokenizer; such a model works on token ids only.
var ErrNoTokenizer = errors.New("model has no tokenizer")

// Close releases the model's weights. No Session of the model may run
// after Close.
func (m *Model) Close() error { return m.ck.Close() }

// Name says where the model came from: its directory, or "demo".
func (m *Model) Name() string { return m.ck.Name }

// ContextLen is the number of positions the model attends over
// (n_positions): prompt and generated tokens of a Session together.
func (m *Model) ContextLen() int { return m.m.Config.NPositions }

// VocabSize is the number of token ids the model scores.
func (m *Model) VocabSize() int { return m.m.Config.VocabSize }

// EOT is the id of the end-of-text token, which ends a generation.
func (m *Model) EOT() int {
	m.tokens()
	return m.eot
}

// LoadTime is how long Load or New took (the tokenizer is built later, on
// first use).
func (m *Model) LoadTime() time.Duration { return m.took }

// Tokenizer returns the model's tokenizer and nil, or nil and an error
// (wrapping ErrNoTokenizer) saying why the model has none.
func (m *Model) Tokenizer() (*tokenizer.Tokenizer, error) { return m.tokens() }

// Encode returns the token ids of text. Special tokens such as
// <|endoftext|> are encoded as ordinary text.
func (m *Model) Encode(text string) ([]int, error) {
	tok, err := m.tokens()
	if tok == nil {
		return nil, err
	}
	return tok.Encode(text), nil
}

// Decode returns the text of ids.
func (m *Model) Decode(ids []int) (string, error) {
	tok, err := m.tokens()
	if tok == nil {
		return "", err
	}
	return tok.Decode(ids)
}

// TokenBytes returns the bytes token id stands for; a token may hold part of
// a UTF-8 character.
func (m *Model) TokenBytes(id int) ([]byte, error) {
	tok, err := m.tokens()
	if tok == nil {
		return nil, err
	}
	return tok.TokenBytes(id)
}

// Checkpoint returns the open checkpoint the model runs, for tools that
// inspect weights. It must not be closed separately.
func (m *Model) Checkpoint() *weights.Checkpoint { return m.ck }

// Transformer returns the underlying model.Model, for tools that run
// forward passes themselves (see package model). It is read-only.
func (m *Model) Transformer() *model.Model { return m.m }
