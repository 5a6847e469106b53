package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gpt2go/gpt2/inspect"
)

func init() {
	register("embed", "geometry of the token embedding: neighbors, norms, spectrum", runEmbed)
}

const embedUsage = `usage: gpt2 embed neighbors [--model DIR] TOKEN [-k K] [--id N]
       gpt2 embed norms     [--model DIR] [-k K]
       gpt2 embed spectrum  [--model DIR] [--top N]`

func runEmbed(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, embedUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := newFlags("embed "+sub, stderr)
	var mf modelFlags
	mf.add(fs)
	format := fs.String("format", "text", "output: text or json")
	var k, id, top *int
	switch sub {
	case "neighbors":
		k = fs.Int("k", 10, "number of neighbors")
		id = fs.Int("id", -1, "the token by id instead of TOKEN")
	case "norms":
		k = fs.Int("k", 10, "number of largest and smallest tokens to list")
	case "spectrum":
		top = fs.Int("top", 10, "number of singular values to print (0: all)")
	case "-h", "--help", "help":
		fmt.Fprintln(stderr, embedUsage)
		return nil
	default:
		fmt.Fprintf(stderr, "gpt2 embed: unknown subcommand %q\n%s\n", sub, embedUsage)
		return errUsage
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format %q: want text or json", *format)
	}
	if k != nil && *k < 0 {
		return fmt.Errorf("-k must be >= 0, got %d", *k)
	}
	if top != nil && *top < 0 {
		return fmt.Errorf("--top must be >= 0, got %d", *top)
	}
	if sub != "neighbors" && len(pos) > 0 {
		return fmt.Errorf("embed %s takes no arguments, got %q", sub, pos)
	}
	l, err := mf.load(stderr)
	if err != nil {
		return err
	}
	defer l.Close()
	u := inspect.NewUnembedding(l.m, vocabOf(l))
	var b strings.Builder
	switch sub {
	case "neighbors":
		tok := *id
		switch {
		case tok >= 0 && len(pos) > 0:
			return errors.New("give the token either as TOKEN or with --id, not both")
		case tok >= 0:
			if err := checkID(l, tok); err != nil {
				return fmt.Errorf("--id: %w", err)
			}
		case len(pos) == 0:
			return errors.New("embed neighbors needs a TOKEN (or --id N)")
		default:
			if tok, err = resolveToken(l, strings.Join(pos, " "), "--id"); err != nil {
				return err
			}
		}
		nb, err := u.Neighbors(tok, *k)
		if err != nil {
			return err
		}
		if *format == "json" {
			return writeJSON(stdout, struct {
				ID        int                `json:"id"`
				Text      *string            `json:"text"`
				Norm      float64            `json:"norm"`
				Neighbors []inspect.Neighbor `json:"neighbors"`
			}{tok, u.Text(tok), u.Norms[tok], nb})
		}
		fmt.Fprintf(&b, "nearest tokens to %s (id %d, |v| %.4f) by cosine similarity in E:\n", u.DisplayToken(tok), tok, u.Norms[tok])
		for i, n := range nb {
			fmt.Fprintf(&b, "%4d  %8.5f  %6d  %s\n", i+1, n.Cos, n.ID, u.DisplayToken(n.ID))
		}
	case "norms":
		s := u.NormStats(*k)
		if *format == "json" {
			return writeJSON(stdout, struct {
				Mean      float64             `json:"mean"`
				Std       float64             `json:"std"`
				Levels    [9]float64          `json:"quantile_levels"`
				Quantiles [9]float64          `json:"quantiles"`
				Largest   []inspect.TokenNorm `json:"largest"`
				Smallest  []inspect.TokenNorm `json:"smallest"`
			}{s.Mean, s.Std, inspect.QuantileLevels, s.Quantiles, s.Largest, s.Smallest})
		}
		fmt.Fprintf(&b, "|v_i| over %d tokens: mean %.4f, std %.4f\n", u.V, s.Mean, s.Std)
		for i, q := range inspect.QuantileLevels {
			fmt.Fprintf(&b, "  %5.1f%%  %.4f\n", 100*q, s.Quantiles[i])
		}
		list := func(name string, ts []inspect.TokenNorm) {
			fmt.Fprintf(&b, "%s:\n", name)
			for _, t := range ts {
				fmt.Fprintf(&b, "  %8.4f  %6d  %s\n", t.Norm, t.ID, u.DisplayToken(t.ID))
			}
		}
		list("largest", s.Largest)
		list("smallest", s.Smallest)
	case "spectrum":
		if u.V*u.C > 1<<22 {
			fmt.Fprintf(stderr, "computing the SVD of E [%d, %d] in float64 (about 30 s for GPT-2 small on 2 cores)...\n", u.V, u.C)
		}
		sp, err := u.Spectrum()
		if err != nil {
			return err
		}
		n := len(sp.Values)
		if *top > 0 {
			n = min(*top, n)
		}
		if *format == "json" {
			return writeJSON(stdout, struct {
				Shape  [2]int    `json:"shape"`
				Values []float64 `json:"singular_values"`
				Energy []float64 `json:"energy_share"`
			}{[2]int{u.V, u.C}, sp.Values[:n], sp.Energy[:n]})
		}
		fmt.Fprintf(&b, "singular values of E [%d, %d] and the share of the energy Σσ² held by the largest ones:\n", u.V, u.C)
		fmt.Fprintf(&b, "%5s %12s %10s\n", "i", "σ", "cum.share")
		for i := range n {
			fmt.Fprintf(&b, "%5d %12.5f %10.5f\n", i+1, sp.Values[i], sp.Energy[i])
		}
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}
