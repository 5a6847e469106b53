package model

import (
	"os"
	"slices"
	"testing"

	"github.com/gpt2go/gpt2/sampling"
	"github.com/gpt2go/gpt2/weights"
)

// TestExternalTinyRandom checks greedy continuations of the public
// hf-internal-testing/tiny-random-gpt2 model against the outputs published
// by onnxruntime-genai's test suite (see ../shared/external/README.md). The
// material lives beside the repository, so the test skips without it.
func TestExternalTinyRandom(t *testing.T) {
	dir := "../../shared/external/tiny-random-gpt2"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("external test model not present: %v", err)
	}
	ck, err := weights.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	m, err := New(ck, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want []int }{
		{[]int{0, 0, 0, 52}, []int{204, 204, 204, 204, 204, 204}},
		{[]int{0, 0, 195, 731}, []int{731, 114, 114, 114, 114, 114}},
	} {
		st := m.NewState(2)
		logits, err := st.Forward(tc.in, false)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for len(got) < len(tc.want) {
			id := sampling.Argmax(logits)
			got = append(got, id)
			if logits, err = st.Forward([]int{id}, false); err != nil {
				t.Fatal(err)
			}
		}
		st.Close()
		if !slices.Equal(got, tc.want) {
			t.Errorf("greedy(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
