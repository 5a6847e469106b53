package gpt2

import (
	"errors"

	"github.com/gpt2go/gpt2/weights"
)

// demo opens the model built into the binary.
func demo() (*weights.Checkpoint, error) {
	return nil, errors.New("gpt2: no built-in demo model in this build: give a model directory or Hub name")
}
