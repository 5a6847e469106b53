package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gpt2go/gpt2/model"
	"github.com/gpt2go/gpt2/sampling"
	"github.com/gpt2go/gpt2/tokenizer"
)

func init() {
	register("generate", "continue a prompt", runGenerate)
}

type generateFlags struct {
	modelFlags
	prompt, promptIDs string
	maxTokens         int
	sampling.Params
	seed    int64
	threads int
	format  string
	stats   bool
	special bool
	dumpFlags
}

func runGenerate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("generate", stderr)
	var f generateFlags
	f.modelFlags.add(fs)
	fs.StringVar(&f.prompt, "prompt", "", "prompt text (or give it as the argument)")
	fs.StringVar(&f.promptIDs, "prompt-ids", "", "prompt as token ids, e.g. 464,2068")
	fs.IntVar(&f.maxTokens, "max-tokens", 64, "stop after this many new tokens")
	fs.Float64Var(&f.Temperature, "temperature", 0.8, "divide logits by this; 0 is greedy")
	fs.IntVar(&f.TopK, "top-k", 40, "keep only the K most likely tokens (0: all)")
	fs.Float64Var(&f.TopP, "top-p", 1, "keep the most likely tokens up to this probability mass")
	fs.Int64Var(&f.seed, "seed", -1, "random seed (default: a fresh one, printed by --stats)")
	fs.IntVar(&f.threads, "threads", 0, "worker threads (default: all cores)")
	fs.StringVar(&f.format, "format", "text", "output: text, ids or json")
	fs.BoolVar(&f.stats, "stats", false, "print token counts and speeds to stderr")
	fs.BoolVar(&f.special, "special", false, "treat <|endoftext|> in the prompt as the special token")
	f.dumpFlags.add(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		if f.prompt != "" || f.promptIDs != "" {
			return errors.New("give the prompt either as an argument or with --prompt/--prompt-ids, not both")
		}
		f.prompt = strings.Join(pos, " ")
	}
	if f.prompt != "" && f.promptIDs != "" {
		return errors.New("--prompt and --prompt-ids exclude each other")
	}
	if f.maxTokens < 0 {
		return fmt.Errorf("--max-tokens must be >= 0, got %d", f.maxTokens)
	}
	if f.format != "text" && f.format != "ids" && f.format != "json" {
		return fmt.Errorf("--format %q: want text, ids or json", f.format)
	}
	if err := f.Params.Validate(); err != nil {
		return err
	}
	if f.seed < 0 {
		f.seed = rand.Int64N(1 << 31)
	}
	smp, err := sampling.New(f.Params, uint64(f.seed))
	if err != nil {
		return err
	}

	l, err := f.load(stderr)
	if err != nil {
		return err
	}
	defer l.Close()
	if l.tok == nil && (f.format == "text" || f.promptIDs == "") {
		return l.noTok
	}
	var prompt []int
	switch {
	case f.promptIDs != "":
		if prompt, err = parseIDs(f.promptIDs); err != nil {
			return fmt.Errorf("--prompt-ids: %w", err)
		}
	case f.special:
		prompt = l.tok.EncodeSpecial(f.prompt)
	default:
		prompt = l.tok.Encode(f.prompt)
	}
	if len(prompt) == 0 {
		prompt = []int{l.eot()} // GPT-2 starts a text from <|endoftext|>
	}
	ctxLen := l.m.Config.NPositions
	if len(prompt) > ctxLen {
		return fmt.Errorf("the prompt is %d tokens but the model's context holds %d", len(prompt), ctxLen)
	}

	st := l.m.NewState(f.threads)
	defer st.Close()
	var out outputWriter = &idsWriter{w: stdout}
	switch f.format {
	case "text":
		out = &textWriter{w: stdout, dec: tokenizer.NewStreamDecoder(l.tok)}
	case "json":
		out = &jsonWriter{w: stdout, tok: l.tok, prompt: prompt}
	}
	dump, err := f.dumpFlags.open(l, st, prompt, f.Params, f.seed)
	if err != nil {
		return err
	}
	defer dump.abort()
	r, err := generate(st, smp, prompt, f.maxTokens, l.eot(), func(id int, logits []float32) error {
		if err := dump.token(id, logits); err != nil {
			return err
		}
		return out.token(id)
	})
	if err != nil {
		return err
	}
	if err := dump.close(); err != nil {
		return err
	}
	if err := out.finish(r.stop); err != nil {
		return err
	}
	if f.stats {
		fmt.Fprintf(stderr, "model %s (%d layers, %d dims, %s kernels, %d threads), seed %d\n",
			l.ck.Name, l.m.Config.NLayer, l.m.Config.NEmbd, kernelName(), st.Threads(), f.seed)
		fmt.Fprintf(stderr, "load %.1f ms; prompt %d tokens, prefill %.1f tokens/s; generated %d tokens, decode %.1f tokens/s; stop: %s\n",
			ms(l.took), len(prompt), perSecond(len(prompt), r.prefill), len(r.ids), perSecond(len(r.ids)-1, r.decode), r.stop)
	}
	return nil
}

// result is what a generation did.
type result struct {
	ids             []int
	stop            string // "max_tokens", "eos" or "context"
	prefill, decode time.Duration
}

// generate prefills prompt into st, then samples up to maxTokens tokens,
// calling onToken with each one and the logits it was drawn from. It stops
// early at eot (not passed to onToken) or when the context is full.
func generate(st *model.State, smp *sampling.Sampler, prompt []int, maxTokens, eot int, onToken func(id int, logits []float32) error) (result, error) {
	var r result
	if maxTokens == 0 {
		r.stop = "max_tokens"
		return r, nil
	}
	start := time.Now()
	logits, err := st.Forward(prompt, false)
	if err != nil {
		return r, err
	}
	r.prefill = time.Since(start)
	start = time.Now()
	ctxLen := st.Model().Config.NPositions
	for {
		id := smp.Sample(logits)
		if id == eot {
			r.stop = "eos"
			break
		}
		r.ids = append(r.ids, id)
		if err := onToken(id, logits); err != nil {
			return r, err
		}
		if len(r.ids) == maxTokens {
			r.stop = "max_tokens"
			break
		}
		if st.Pos() == ctxLen {
			r.stop = "context"
			break
		}
		if logits, err = st.Forward([]int{id}, false); err != nil {
			return r, err
		}
	}
	r.decode = time.Since(start)
	return r, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 || n <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// outputWriter prints a generation in one of the --format forms.
type outputWriter interface {
	token(id int) error
	finish(stop string) error
}

// textWriter streams text as tokens arrive, holding back bytes of a UTF-8
// character split across tokens.
type textWriter struct {
	w   io.Writer
	dec *tokenizer.StreamDecoder
}

func (t *textWriter) token(id int) error {
	s, err := t.dec.Push(id)
	if err != nil {
		return err
	}
	_, err = io.WriteString(t.w, s)
	return err
}

// finish ends the text with a newline, so a shell prompt or the --stats
// line that follows starts on a line of its own.
func (t *textWriter) finish(string) error {
	_, err := io.WriteString(t.w, t.dec.Flush()+"\n")
	return err
}

type idsWriter struct {
	w   io.Writer
	ids []int
}

func (t *idsWriter) token(id int) error  { t.ids = append(t.ids, id); return nil }
func (t *idsWriter) finish(string) error { return writeIDs(t.w, t.ids) }

type jsonWriter struct {
	w      io.Writer
	tok    *tokenizer.Tokenizer
	prompt []int
	ids    []int
}

func (t *jsonWriter) token(id int) error { t.ids = append(t.ids, id); return nil }

func (t *jsonWriter) finish(stop string) error {
	v := struct {
		PromptIDs []int  `json:"prompt_ids"`
		IDs       []int  `json:"ids"`
		Text      string `json:"text"`
		Stop      string `json:"stop_reason"`
	}{PromptIDs: t.prompt, IDs: append([]int{}, t.ids...), Stop: stop}
	if t.tok != nil {
		text, err := t.tok.Decode(t.ids)
		if err != nil {
			return err
		}
		v.Text = text
	}
	enc := json.NewEncoder(t.w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
