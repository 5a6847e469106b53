package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gpt2go/gpt2/weights"
)

func init() {
	register("demo", "the built-in demo model: 'gpt2 demo export DIR' writes it as a checkpoint directory", runDemo)
}

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: gpt2 demo export DIR") }
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "export" {
		fs.Usage()
		return errUsage
	}
	return exportDemo(pos[1])
}

// exportDemo writes the embedded demo checkpoint into dir, refusing to
// overwrite files that are already there.
func exportDemo(dir string) error {
	files, err := weights.DemoFS()
	if err != nil {
		return err
	}
	out := map[string][]byte{"model.safetensors": weights.DemoSafetensors()}
	err = fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		out[path], err = fs.ReadFile(files, path)
		return err
	})
	if err != nil {
		return err
	}
	for name := range out {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return fmt.Errorf("%s already exists; not overwriting", filepath.Join(dir, name))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range out {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
