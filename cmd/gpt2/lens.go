package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gpt2go/gpt2/inspect"
)

func init() {
	register("lens", "logit lens: what each layer predicts at each position", runLens)
}

type lensFlags struct {
	modelFlags
	promptFlags
	top      int
	target   string
	targetID int
	format   string
	out      string
	full     string
	threads  int
}

func runLens(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("lens", stderr)
	var f lensFlags
	f.modelFlags.add(fs)
	f.promptFlags.add(fs)
	fs.IntVar(&f.top, "top", 5, "top tokens per layer and position")
	fs.StringVar(&f.target, "target", "", "report the rank and probability of this token (default: the next input token)")
	fs.IntVar(&f.targetID, "target-id", -1, "like --target, by token id")
	fs.StringVar(&f.format, "format", "table", "output: table, json or html")
	fs.StringVar(&f.out, "out", "", "write the output to `FILE` instead of standard output")
	fs.StringVar(&f.full, "dump-full", "", "write every layer's lens logits as a float32 NumPy array [layers+1, positions, vocab] to `FILE.npy`")
	fs.IntVar(&f.threads, "threads", 0, "worker threads (default: all cores)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if f.format != "table" && f.format != "json" && f.format != "html" {
		return fmt.Errorf("--format %q: want table, json or html", f.format)
	}
	if f.top < 0 {
		return fmt.Errorf("--top must be >= 0, got %d", f.top)
	}
	if f.target != "" && f.targetID >= 0 {
		return errors.New("--target and --target-id exclude each other")
	}
	l, err := f.load(stderr)
	if err != nil {
		return err
	}
	defer l.Close()
	ids, err := f.promptFlags.ids(l, pos)
	if err != nil {
		return err
	}
	if P := l.m.Config.NPositions; len(ids) > P {
		return fmt.Errorf("the input is %d tokens but the model's context holds %d", len(ids), P)
	}
	target := f.targetID
	switch {
	case f.target != "":
		if target, err = resolveToken(l, f.target, "--target-id"); err != nil {
			return fmt.Errorf("--target: %w", err)
		}
	case target >= 0:
		if err := checkID(l, target); err != nil {
			return fmt.Errorf("--target-id: %w", err)
		}
	}

	// Open the outputs before the work, so a bad path fails fast.
	var npy *os.File
	if f.full != "" {
		if npy, err = os.Create(f.full); err != nil {
			return fmt.Errorf("--dump-full: %w", err)
		}
		defer npy.Close()
	}
	w, closeOut, err := outFile(f.out, stdout)
	if err != nil {
		return err
	}
	defer closeOut()

	u := inspect.NewUnembedding(l.m, vocabOf(l))
	st := l.m.NewState(f.threads)
	defer st.Close()
	r, err := inspect.Lens(st, u, ids, inspect.LensOptions{K: f.top, Target: target, KeepLogits: npy != nil})
	if err != nil {
		return err
	}
	if npy != nil {
		flat := make([]float32, 0, len(r.Logits)*len(r.Logits[0]))
		for _, lg := range r.Logits {
			flat = append(flat, lg...)
		}
		if err := inspect.WriteNPY(npy, []int{len(r.Logits), len(ids), u.V}, flat); err != nil {
			return fmt.Errorf("--dump-full: %w", err)
		}
		if err := npy.Close(); err != nil {
			return fmt.Errorf("--dump-full: %w", err)
		}
	}
	switch f.format {
	case "json":
		err = writeLensJSON(w, l, u, r, target)
	case "html":
		err = inspect.WriteLensHTML(w, r, fmt.Sprintf("%s, %d positions", l.ck.Name, len(ids)))
	default:
		err = writeLensTable(w, l, u, r)
	}
	if err != nil {
		return fmt.Errorf("writing the lens: %w", err)
	}
	if err := closeOut(); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

func writeLensJSON(w io.Writer, l *loaded, u *inspect.Unembedding, r *inspect.LensReport, target int) error {
	v := struct {
		Model  string               `json:"model"`
		IDs    []int                `json:"ids"`
		Input  []*string            `json:"input"`
		Target *int                 `json:"target"`
		Note   string               `json:"note"`
		Layers [][]inspect.LensCell `json:"layers"`
	}{Model: l.ck.Name, IDs: r.IDs, Layers: r.Cells,
		Note: "layers[l][t]: layer 0 is after the embeddings, layer l after block l, the last is the model's output; " +
			"entropy and kl = KL(final || layer) in nats; target is the fixed target or else the next input token"}
	for _, id := range r.IDs {
		v.Input = append(v.Input, u.Text(id))
	}
	if target >= 0 {
		v.Target = &target
	}
	return writeJSON(w, v)
}

func writeLensTable(w io.Writer, l *loaded, u *inspect.Unembedding, r *inspect.LensReport) error {
	L := len(r.Cells) - 1
	var b strings.Builder
	fmt.Fprintf(&b, "logit lens of %s: %d positions, layers emb..%d (%d = model output)\n", l.ck.Name, len(r.IDs), L, L)
	fmt.Fprintf(&b, "H = entropy, KL = KL(final || layer), both in nats; target = next input token unless --target\n")
	for t, id := range r.IDs {
		fmt.Fprintf(&b, "\nposition %d  input %s", t, u.DisplayToken(id))
		if c := r.Cells[L][t]; c.Target != nil {
			fmt.Fprintf(&b, "  target %s", u.DisplayToken(c.Target.ID))
		}
		fmt.Fprintf(&b, "\n  %-5s %7s %7s %6s %9s  %s\n", "layer", "H", "KL", "t.rank", "t.prob", "top tokens (probability)")
		for l := L; l >= 0; l-- {
			c := r.Cells[l][t]
			name := fmt.Sprint(l)
			if l == 0 {
				name = "emb"
			}
			rank, prob := "-", "-"
			if c.Target != nil {
				rank, prob = fmt.Sprint(c.Target.Rank), fmt.Sprintf("%.3g", c.Target.Prob)
			}
			tops := make([]string, len(c.Top))
			for i, s := range c.Top {
				tops[i] = fmt.Sprintf("%s %.3f", u.DisplayToken(s.ID), s.Prob)
			}
			fmt.Fprintf(&b, "  %-5s %7.3f %7.4f %6s %9s  %s\n", name, c.Entropy, c.KL, rank, prob, strings.Join(tops, ", "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
