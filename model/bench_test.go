package model

import (
	"os"
	"testing"

	"github.com/gpt2go/gpt2/weights"
)

// benchModel opens the checkpoint named by GPT2_BENCH_MODEL (a directory or
// synthetic:NAME[:DTYPE]), or the tiny test model.
func benchModel(b *testing.B) *Model {
	spec := os.Getenv("GPT2_BENCH_MODEL")
	var ck *weights.Checkpoint
	var err error
	switch {
	case spec == "":
		ck, err = weights.Open("../testdata/tiny/f32")
	case len(spec) > 10 && spec[:10] == "synthetic:":
		ck, err = weights.Synthetic(spec)
	default:
		ck, err = weights.Open(spec)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ck.Close() })
	m, err := New(ck, Options{Quantize8: os.Getenv("GPT2_BENCH_Q8") != ""})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkDecode measures one token through the whole model, KV cache
// growing from empty (reset every 64 tokens).
func BenchmarkDecode(b *testing.B) {
	m := benchModel(b)
	st := m.NewState(0)
	defer st.Close()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if st.Pos() == min(64, m.Config.NPositions) {
			st.Truncate(0)
		}
		if _, err := st.Forward([]int{i % m.Config.VocabSize}, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkPrefill measures a 64-token prompt (or the whole context if shorter).
func BenchmarkPrefill(b *testing.B) {
	m := benchModel(b)
	st := m.NewState(0)
	defer st.Close()
	ids := make([]int, min(64, m.Config.NPositions))
	for i := range ids {
		ids[i] = (i * 31) % m.Config.VocabSize
	}
	for b.Loop() {
		st.Truncate(0)
		if _, err := st.Forward(ids, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(ids))/b.Elapsed().Seconds(), "tokens/s")
}
