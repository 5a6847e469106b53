package gpt2

import "github.com/gpt2go/gpt2/weights"

// demo opens the model built into the binary.
func demo() (*weights.Checkpoint, error) { return weights.Demo() }
