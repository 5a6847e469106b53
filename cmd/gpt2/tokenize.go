package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

func init() {
	register("tokenize", "print the token ids of a text (standard input when no TEXT)", runTokenize)
	register("detokenize", "print the text of token ids", runDetokenize)
}

func runTokenize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tokenize", stderr)
	var mf modelFlags
	mf.add(fs)
	special := fs.Bool("special", false, "treat <|endoftext|> in the text as the special token")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	var text string
	if len(pos) > 0 {
		text = strings.Join(pos, " ")
	} else {
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
		text = string(b)
	}
	l, err := mf.load(io.Discard)
	if err != nil {
		return err
	}
	defer l.Close()
	if l.tok == nil {
		return l.noTok
	}
	ids := l.tok.Encode(text)
	if *special {
		ids = l.tok.EncodeSpecial(text)
	}
	return writeIDs(stdout, ids)
}

func runDetokenize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("detokenize", stderr)
	var mf modelFlags
	mf.add(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	ids, err := parseIDs(strings.Join(pos, " "))
	if err != nil {
		return err
	}
	l, err := mf.load(io.Discard)
	if err != nil {
		return err
	}
	defer l.Close()
	if l.tok == nil {
		return l.noTok
	}
	text, err := l.tok.Decode(ids)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, text)
	return err
}

// parseIDs reads ids separated by commas and/or spaces.
func parseIDs(s string) ([]int, error) {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
	ids := make([]int, 0, len(f))
	for _, w := range f {
		id, err := strconv.Atoi(w)
		if err != nil || id < 0 {
			return nil, fmt.Errorf("token id %q is not a non-negative integer", w)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func writeIDs(w io.Writer, ids []int) error {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(id))
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}
