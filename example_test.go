package gpt2_test

import (
	"context"
	"fmt"
	"log"
	"sync"

	"github.com/gpt2go/gpt2"
)

// A model without a tokenizer works on token ids. This one is the tiny test
// checkpoint; greedy decoding (Temperature 0) makes the output stable.
func Example() {
	m, err := gpt2.Load("testdata/tiny/f32")
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	s := m.NewSession(gpt2.SessionOptions{})
	defer s.Close()
	for tok, err := range s.GenerateIDs(context.Background(), []int{0}, gpt2.GenerateOptions{MaxTokens: 5}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(tok.ID, " ")
	}
	fmt.Println(s.Result().Finish)
	// Output: 116 116 116 116 116 length
}

// Many sessions may run at once on one Model; each gives what it would give
// alone.
func ExampleModel_NewSession() {
	m, err := gpt2.Load("testdata/tiny/f32", gpt2.Threads(1))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	prompts := [][]int{{1, 2, 3}, {4, 5}, {6}}
	out := make([][]int, len(prompts))
	var wg sync.WaitGroup
	for i, p := range prompts {
		wg.Go(func() {
			s := m.NewSession(gpt2.SessionOptions{})
			defer s.Close()
			opts := gpt2.GenerateOptions{MaxTokens: 4, Temperature: 1, Seed: 42}
			for tok, err := range s.GenerateIDs(context.Background(), p, opts) {
				if err != nil {
					log.Print(err)
					return
				}
				out[i] = append(out[i], tok.ID)
			}
		})
	}
	wg.Wait()
	for i := range out {
		fmt.Println(prompts[i], "->", out[i])
	}
	// Output:
	// [1 2 3] -> [226 158 51 227]
	// [4 5] -> [173 260 45 173]
	// [6] -> [1 152 152 272]
}
