package inspect_test

import (
	"fmt"
	"log"

	"github.com/gpt2go/gpt2/inspect"
	"github.com/gpt2go/gpt2/model"
	"github.com/gpt2go/gpt2/sampling"
	"github.com/gpt2go/gpt2/weights"
)

// Example logs, for each token of a greedy generation, what the unembedding
// did, and looks at the residual stream through a Recorder.
func Example() {
	ck, err := weights.Open("../testdata/tiny/f32")
	if err != nil {
		log.Fatal(err)
	}
	defer ck.Close()
	m, err := model.New(ck, model.Options{})
	if err != nil {
		log.Fatal(err)
	}
	st := m.NewState(1)
	defer st.Close()
	u := inspect.NewUnembedding(m, nil) // a *tokenizer.Tokenizer gives token text
	rec := inspect.Record(st)           // optional: residual stream per layer
	defer rec.Stop()

	logits, err := st.Forward([]int{299, 5, 17}, false)
	if err != nil {
		log.Fatal(err)
	}
	for range 3 {
		id := sampling.Argmax(logits)
		rep, err := u.Step(logits, st.Hidden(), id, 2)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s p=%.3f rank %d, runner-up %s; entropy %.2f nats, |h| %.2f, %d layers of %d tokens\n",
			u.Label(id), rep.Chosen.Prob, rep.Chosen.Rank, u.Label(rep.Top[1].ID), rep.Entropy, rep.HNorm, len(rec.Layers), rec.T)
		if logits, err = st.Forward([]int{id}, false); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// <id 281> p=0.226 rank 1, runner-up <id 157>; entropy 3.79 nats, |h| 7.16, 4 layers of 3 tokens
	// <id 281> p=0.568 rank 1, runner-up <id 278>; entropy 2.41 nats, |h| 7.18, 4 layers of 1 tokens
	// <id 281> p=0.606 rank 1, runner-up <id 245>; entropy 2.20 nats, |h| 7.16, 4 layers of 1 tokens
}
