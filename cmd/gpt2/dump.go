package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/gpt2go/gpt2/inspect"
	"github.com/gpt2go/gpt2/model"
	"github.com/gpt2go/gpt2/sampling"
)

// This file holds generate's --dump-logits/--dump-full and the helpers that
// the analysis commands (lens, score, embed) share.

// dumpFlags are generate's flags for recording every step's distribution.
type dumpFlags struct {
	dumpLogits string
	dumpTop    int
	dumpFull   string
}

func (d *dumpFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&d.dumpLogits, "dump-logits", "", "write each step's distribution (chosen token, entropy, |h|, top tokens) as JSON Lines to `FILE`")
	fs.IntVar(&d.dumpTop, "dump-top", 10, "tokens per step in --dump-logits")
	fs.StringVar(&d.dumpFull, "dump-full", "", "write the raw logits of every step as a float32 NumPy array [steps, vocab] to `FILE.npy`")
}

// dumper records a generation for --dump-logits and --dump-full. A nil
// *dumper does nothing.
type dumper struct {
	st       *model.State
	u        *inspect.Unembedding
	k        int
	step     int
	pos      int
	jsonFile *os.File
	enc      *json.Encoder
	npyFile  *os.File
	npy      *inspect.NPYWriter
}

// dumpHeader is the first line of --dump-logits.
type dumpHeader struct {
	Type      string  `json:"type"` // "header"
	Model     string  `json:"model"`
	Vocab     int     `json:"vocab"`
	PromptIDs []int   `json:"prompt_ids"`
	Top       int     `json:"top"`
	Sampling  dumpSmp `json:"sampling"`
	Note      string  `json:"note"`
}

type dumpSmp struct {
	Temperature float64 `json:"temperature"`
	TopK        int     `json:"top_k"`
	TopP        float64 `json:"top_p"`
	Seed        int64   `json:"seed"`
	Greedy      bool    `json:"greedy"`
}

// dumpStep is one line of --dump-logits per generated token.
type dumpStep struct {
	Step     int `json:"step"`
	Position int `json:"position"` // index of the generated token in the sequence, prompt included
	inspect.StepReport
}

// open creates the dump files, if any were asked for, and writes the header.
func (d *dumpFlags) open(l *loaded, st *model.State, prompt []int, p sampling.Params, seed int64) (*dumper, error) {
	if d.dumpLogits == "" && d.dumpFull == "" {
		return nil, nil
	}
	if d.dumpTop < 0 {
		return nil, fmt.Errorf("--dump-top must be >= 0, got %d", d.dumpTop)
	}
	u := inspect.NewUnembedding(l.m, vocabOf(l))
	dp := &dumper{st: st, u: u, k: d.dumpTop, pos: len(prompt)}
	if d.dumpLogits != "" {
		f, err := os.Create(d.dumpLogits)
		if err != nil {
			return nil, fmt.Errorf("--dump-logits: %w", err)
		}
		dp.jsonFile, dp.enc = f, json.NewEncoder(f)
		dp.enc.SetEscapeHTML(false)
		h := dumpHeader{Type: "header", Model: l.ck.Name, Vocab: u.V, PromptIDs: prompt, Top: d.dumpTop,
			Sampling: dumpSmp{p.Temperature, p.TopK, p.TopP, seed, p.Greedy()},
			Note:     "prob, logprob, rank and entropy are of softmax(raw logits), whatever the sampling settings; logs are natural"}
		if err := dp.enc.Encode(h); err != nil {
			dp.abort()
			return nil, fmt.Errorf("--dump-logits: %w", err)
		}
	}
	if d.dumpFull != "" {
		f, err := os.Create(d.dumpFull)
		if err != nil {
			dp.abort()
			return nil, fmt.Errorf("--dump-full: %w", err)
		}
		dp.npyFile = f
		if dp.npy, err = inspect.NewNPYWriter(f, u.V); err != nil {
			dp.abort()
			return nil, fmt.Errorf("--dump-full: %w", err)
		}
	}
	return dp, nil
}

// token records the step that chose id from logits. It must be called
// before the next Forward of st, whose Hidden is the h of these logits.
func (d *dumper) token(id int, logits []float32) error {
	if d == nil {
		return nil
	}
	if d.enc != nil {
		rep, err := d.u.Step(logits, d.st.Hidden(), id, d.k)
		if err != nil {
			return err
		}
		if err := d.enc.Encode(dumpStep{d.step, d.pos, rep}); err != nil {
			return fmt.Errorf("--dump-logits: %w", err)
		}
	}
	if d.npy != nil {
		if err := d.npy.Append(logits); err != nil {
			return fmt.Errorf("--dump-full: %w", err)
		}
	}
	d.step++
	d.pos++
	return nil
}

// close finishes the files and reports any write error.
func (d *dumper) close() error {
	if d == nil {
		return nil
	}
	var errs []error
	if d.jsonFile != nil {
		if err := d.jsonFile.Close(); err != nil {
			errs = append(errs, fmt.Errorf("--dump-logits: %w", err))
		}
		d.jsonFile = nil
	}
	if d.npyFile != nil {
		if err := d.npy.Close(); err != nil {
			errs = append(errs, fmt.Errorf("--dump-full: %w", err))
		}
		if err := d.npyFile.Close(); err != nil {
			errs = append(errs, fmt.Errorf("--dump-full: %w", err))
		}
		d.npyFile = nil
	}
	return errors.Join(errs...)
}

// abort closes the files after a failure; the error is already reported.
func (d *dumper) abort() {
	if d != nil {
		d.close()
	}
}

// vocabOf returns the model's vocabulary for token text, or nil.
func vocabOf(l *loaded) inspect.Vocab {
	if l.tok == nil {
		return nil
	}
	return l.tok
}

// promptFlags are the ways analysis commands take a token sequence.
type promptFlags struct {
	prompt, promptIDs string
	special           bool
}

func (p *promptFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&p.prompt, "prompt", "", "text (or give it as the argument)")
	fs.StringVar(&p.promptIDs, "prompt-ids", "", "token ids instead of text, e.g. 464,2068")
	fs.BoolVar(&p.special, "special", false, "treat <|endoftext|> in the text as the special token")
}

// ids returns the token ids given by the flags or the positional text pos,
// checked against the model's vocabulary.
func (p *promptFlags) ids(l *loaded, pos []string) ([]int, error) {
	text := p.prompt
	if len(pos) > 0 {
		if p.prompt != "" || p.promptIDs != "" {
			return nil, errors.New("give the text either as an argument or with --prompt/--prompt-ids, not both")
		}
		text = strings.Join(pos, " ")
	}
	var ids []int
	switch {
	case text != "" && p.promptIDs != "":
		return nil, errors.New("--prompt and --prompt-ids exclude each other")
	case p.promptIDs != "":
		var err error
		if ids, err = parseIDs(p.promptIDs); err != nil {
			return nil, fmt.Errorf("--prompt-ids: %w", err)
		}
	case text == "":
		return nil, errors.New("no input: give a text, --prompt or --prompt-ids")
	case l.tok == nil:
		return nil, l.noTok
	case p.special:
		ids = l.tok.EncodeSpecial(text)
	default:
		ids = l.tok.Encode(text)
	}
	if len(ids) == 0 {
		return nil, errors.New("the input has no tokens")
	}
	for _, id := range ids {
		if id < 0 || id >= l.m.Config.VocabSize {
			return nil, fmt.Errorf("token id %d is outside the model's vocabulary [0, %d)", id, l.m.Config.VocabSize)
		}
	}
	return ids, nil
}

// resolveToken turns the text of one token into its id. Without a
// vocabulary the token must be given as an id. idFlag names the flag that
// takes an id instead, for the error message.
func resolveToken(l *loaded, s, idFlag string) (int, error) {
	V := l.m.Config.VocabSize
	if l.tok == nil {
		id, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return 0, fmt.Errorf("token %q: the model has no vocabulary, give a token id", s)
		}
		if id < 0 || id >= V {
			return 0, fmt.Errorf("token id %d is outside the model's vocabulary [0, %d)", id, V)
		}
		return id, nil
	}
	ids := l.tok.EncodeSpecial(s)
	switch len(ids) {
	case 1:
		return ids[0], nil
	case 0:
		return 0, errors.New("empty token")
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		b, _ := l.tok.TokenBytes(id)
		parts[i] = fmt.Sprintf("%q (%d)", b, id)
	}
	return 0, fmt.Errorf("%q is %d tokens, not one: %s; give a single token, or an id with %s", s, len(ids), strings.Join(parts, " "), idFlag)
}

// checkID reports an id outside the model's vocabulary.
func checkID(l *loaded, id int) error {
	if V := l.m.Config.VocabSize; id < 0 || id >= V {
		return fmt.Errorf("token id %d is outside the model's vocabulary [0, %d)", id, V)
	}
	return nil
}

// outFile opens --out, or returns stdout when path is empty. The caller
// must call the returned close function and check its error.
func outFile(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--out: %w", err)
	}
	return f, f.Close, nil
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	return enc.Encode(v)
}
