package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gpt2go/gpt2/model"
	"github.com/gpt2go/gpt2/tokenizer"
	"github.com/gpt2go/gpt2/weights"
)

// loaded is a model ready to run, with the tokenizer that goes with it.
type loaded struct {
	ck    *weights.Checkpoint
	m     *model.Model
	tok   *tokenizer.Tokenizer // nil when the model has no usable vocabulary
	noTok error                // why tok is nil
	took  time.Duration
}

func (l *loaded) Close() { l.ck.Close() }

// modelFlags are the flags every command that loads a model shares.
type modelFlags struct {
	model    string
	quantize string
}

func (f *modelFlags) add(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&f.model, "model", "", "checkpoint directory (default: the built-in demo model)")
	fs.StringVar(&f.quantize, "quantize", "", "convert large matrices at load: q8 (int8, one scale per 32 weights)")
}

// load opens the model named by the flags. With no --model it uses the
// embedded demo model and says so on stderr.
func (f *modelFlags) load(stderr io.Writer) (*loaded, error) {
	var opt model.Options
	switch f.quantize {
	case "":
	case "q8":
		opt.Quantize8 = true
	default:
		return nil, fmt.Errorf("--quantize %q: the supported format is q8", f.quantize)
	}
	start := time.Now()
	var ck *weights.Checkpoint
	var err error
	if f.model == "" {
		err = errors.New("--model is required (the built-in demo model is not in yet)")
	} else {
		if _, serr := os.Stat(f.model); serr != nil {
			return nil, fmt.Errorf("--model %s: %w", f.model, serr)
		}
		ck, err = weights.Open(f.model)
	}
	if err != nil {
		return nil, err
	}
	m, err := model.New(ck, opt)
	if err != nil {
		ck.Close()
		return nil, err
	}
	l := &loaded{ck: ck, m: m}
	l.tok, l.noTok = loadTokenizer(ck)
	l.took = time.Since(start)
	return l, nil
}

// loadTokenizer uses the checkpoint's own vocab.json and merges.txt, or
// GPT-2's vocabulary when the checkpoint has none and is GPT-2 sized.
func loadTokenizer(ck *weights.Checkpoint) (*tokenizer.Tokenizer, error) {
	tok, err := tokenizer.LoadFS(ck.FS, ".")
	switch {
	case err == nil:
	case errors.Is(err, tokenizer.ErrNoVocab) && ck.Config.VocabSize == 50257:
		tok, err = tokenizer.GPT2()
	case errors.Is(err, tokenizer.ErrNoVocab):
		return nil, fmt.Errorf("%s has no vocab.json/merges.txt and its vocabulary (%d tokens) is not GPT-2's: use token ids (--prompt-ids, --format ids)", ck.Name, ck.Config.VocabSize)
	}
	if err != nil {
		return nil, err
	}
	if tok.VocabSize() > ck.Config.VocabSize {
		return nil, fmt.Errorf("%s: tokenizer has %d tokens but the model only %d", ck.Name, tok.VocabSize(), ck.Config.VocabSize)
	}
	return tok, nil
}

// eot is the id that ends a text and starts one from nothing.
func (l *loaded) eot() int {
	if l.tok != nil {
		if id, ok := l.tok.EOT(); ok {
			return id
		}
	}
	return l.m.Config.EOSTokenID
}
