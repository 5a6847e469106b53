package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gpt2go/gpt2/inspect"
)

func init() {
	register("score", "log-probability of each token of a text, NLL and perplexity", runScore)
}

func runScore(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("score", stderr)
	var mf modelFlags
	var pf promptFlags
	mf.add(fs)
	pf.add(fs)
	file := fs.String("file", "", "score the text of `FILE` (- for standard input)")
	stride := fs.Int("stride", 0, "sliding-window step for texts longer than the context, in [1, n_positions] (default: n_positions/2)")
	format := fs.String("format", "text", "output: text or json")
	threads := fs.Int("threads", 0, "worker threads (default: all cores)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format %q: want text or json", *format)
	}
	if *file != "" {
		if len(pos) > 0 || pf.prompt != "" || pf.promptIDs != "" {
			return errors.New("--file excludes a text argument, --prompt and --prompt-ids")
		}
		var b []byte
		if *file == "-" {
			b, err = io.ReadAll(os.Stdin)
		} else {
			b, err = os.ReadFile(*file)
		}
		if err != nil {
			return fmt.Errorf("--file: %w", err)
		}
		if len(b) == 0 {
			return fmt.Errorf("--file %s is empty", *file)
		}
		pf.prompt = string(b)
	}
	l, err := mf.load(stderr)
	if err != nil {
		return err
	}
	defer l.Close()
	ids, err := pf.ids(l, pos)
	if err != nil {
		return err
	}
	P := l.m.Config.NPositions
	strideSet := false
	fs.Visit(func(f *flag.Flag) { strideSet = strideSet || f.Name == "stride" })
	if !strideSet {
		*stride = max(P/2, 1)
	}
	if *stride < 1 || *stride > P {
		return fmt.Errorf("--stride %d: must be in [1, %d] (the model's context)", *stride, P)
	}
	if len(ids) < 2 {
		return fmt.Errorf("the text is %d token; scoring needs at least 2", len(ids))
	}
	u := inspect.NewUnembedding(l.m, vocabOf(l))
	st := l.m.NewState(*threads)
	defer st.Close()
	r, err := inspect.Score(st, u, ids, *stride)
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(stdout, struct {
			Model string `json:"model"`
			*inspect.ScoreReport
		}{l.ck.Name, r})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%6s %-16s %10s %7s %9s %7s\n", "pos", "token", "logprob", "rank", "|grad h|", "context")
	for _, p := range r.PerToken {
		fmt.Fprintf(&b, "%6d %-16s %10.4f %7d %9.4f %7d\n", p.Pos, u.DisplayToken(p.ID), p.LogProb, p.Rank, p.GradNorm, p.Context)
	}
	fmt.Fprintf(&b, "\n%s: %d tokens, %d scored (window %d, stride %d)\nmean NLL %.4f nats/token, perplexity %.4f\n",
		l.ck.Name, r.Tokens, r.Scored, r.Window, r.Stride, r.NLL, r.PPL)
	_, err = io.WriteString(stdout, b.String())
	return err
}
