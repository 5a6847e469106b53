package gpt2

import (
	"testing"

	"github.com/gpt2go/gpt2/internal/testmodel"
)

// testModel returns a small random GPT-2 (2 layers, 32 dims, a context of
// positions tokens) with the tiny test vocabulary of package tokenizer, so
// that it produces text. Its weights come from a fixed seed; the logits are
// spread wide enough that sampling and greedy decoding vary.
func testModel(t testing.TB, positions int) *Model {
	t.Helper()
	ck, err := testmodel.Checkpoint(positions)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(ck, Threads(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}
