package main

import (
	"fmt"
	"io"
	"time"

	"github.com/gpt2go/gpt2"
	"github.com/gpt2go/gpt2/model"
	"github.com/gpt2go/gpt2/tokenizer"
	"github.com/gpt2go/gpt2/weights"
)

// loaded is a model ready to run, with the tokenizer that goes with it. It
// is loaded by the library (gpt2.Load); the other fields are views of gm
// for commands that work below the library.
type loaded struct {
	gm    *gpt2.Model
	ck    *weights.Checkpoint
	m     *model.Model
	tok   *tokenizer.Tokenizer // nil when the model has no usable vocabulary
	noTok error                // why tok is nil
	took  time.Duration
}

func (l *loaded) Close() { l.gm.Close() }

// modelFlags are the flags every command that loads a model shares.
type modelFlags struct {
	model    string
	quantize string
	kvCache  string
}

func (f *modelFlags) add(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&f.model, "model", "", "checkpoint directory or Hugging Face name, e.g. openai-community/gpt2 (default: the built-in demo model)")
	fs.StringVar(&f.quantize, "quantize", "", "convert large matrices at load: q8 (int8, one scale per 32 weights)")
	fs.StringVar(&f.kvCache, "kv-cache", "f32", "KV cache precision: f32, or f16 (half the memory and cache reads; keys and values rounded)")
}

// options are the library's load options the flags ask for.
func (f *modelFlags) options() ([]gpt2.Option, error) {
	mo, err := f.modelOptions()
	if err != nil {
		return nil, err
	}
	var opts []gpt2.Option
	if mo.Quantize8 {
		opts = append(opts, gpt2.Quantize8())
	}
	if mo.KVCacheF16 {
		opts = append(opts, gpt2.KVCacheF16())
	}
	return opts, nil
}

// modelOptions are the flags as model.Options, for commands that build
// the model themselves.
func (f *modelFlags) modelOptions() (model.Options, error) {
	var o model.Options
	switch f.quantize {
	case "":
	case "q8":
		o.Quantize8 = true
	default:
		return o, fmt.Errorf("--quantize %q: the supported format is q8", f.quantize)
	}
	switch f.kvCache {
	case "f32", "":
	case "f16":
		o.KVCacheF16 = true
	default:
		return o, fmt.Errorf("--kv-cache %q: the supported precisions are f32 and f16", f.kvCache)
	}
	return o, nil
}

// load opens the model named by the flags. With no --model it uses the
// embedded demo model and says so on stderr.
func (f *modelFlags) load(stderr io.Writer, extra ...gpt2.Option) (*loaded, error) {
	gm, err := f.open(stderr, extra...)
	if err != nil {
		return nil, err
	}
	l := &loaded{gm: gm, ck: gm.Checkpoint(), m: gm.Transformer(), took: gm.LoadTime()}
	l.tok, l.noTok = gm.Tokenizer()
	return l, nil
}

// open loads the model named by the flags through the library, without
// building its tokenizer (the library does that on first use).
func (f *modelFlags) open(stderr io.Writer, extra ...gpt2.Option) (*gpt2.Model, error) {
	opts, err := f.options()
	if err != nil {
		return nil, err
	}
	gm, err := gpt2.Load(f.model, append(opts, extra...)...)
	if err != nil {
		return nil, err
	}
	if f.model == "" {
		fmt.Fprintf(stderr, "(using the built-in demo model; --model selects another)\n")
	}
	return gm, nil
}

// eot is the id that ends a text and starts one from nothing.
func (l *loaded) eot() int { return l.gm.EOT() }
