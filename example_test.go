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
	// [1 2 3] -> [211 278 144 285]
	// [4 5] -> [208 251 153 272]
	// [6] -> [235 274 152 274]
}

// Generate streams the continuation of a prompt. The demo model was trained
// on Newton's Opticks; its sampler is seeded, which makes the output
// stable for a seed. The stop sequence ends the text and is not part of it.
func ExampleSession_Generate() {
	m, err := gpt2.Load("") // the demo model built into the binary
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	s := m.NewSession(gpt2.SessionOptions{})
	defer s.Close()
	opts := gpt2.GenerateOptions{MaxTokens: 40, Temperature: 0.7, TopK: 40, Seed: 4, Stop: []string{" Rays"}}
	for tok, err := range s.Generate(context.Background(), "The Rays of Light", opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(tok.Text)
	}
	r := s.Result()
	fmt.Printf("\n%s %q after %d tokens\n", r.Finish, r.Stop, r.Tokens)
	// Output:
	// is
	// the Prism, and then upon the Lens, which, and the Sun's Light, and found that
	// posture, and being equally refrangible
	// stop " Rays" after 32 tokens
}

// A Chat keeps the conversation in its session's KV cache: the second
// message runs only its own tokens.
func ExampleChat() {
	m, err := gpt2.Load("")
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	c := m.NewChat("Questions about light and colours.", gpt2.SessionOptions{})
	defer c.Close()
	for _, msg := range []string{"What is light?", "And colours?"} {
		fmt.Println("User:", msg)
		fmt.Print("Assistant: ")
		for tok, err := range c.Send(context.Background(), msg, gpt2.GenerateOptions{MaxTokens: 20, Temperature: 0.8, Seed: 4}) {
			if err != nil {
				log.Fatal(err)
			}
			fmt.Print(tok.Text)
		}
		r := c.Session().Result()
		fmt.Printf("\n(%d prompt tokens, %d run)\n", r.PromptTokens, r.Prefilled)
	}
	// Output:
	// User: What is light?
	// Assistant: For in the nite A Substances which
	// (17 prompt tokens, 28 run)
	// User: And colours?
	// Assistant: For by Light, so that Bodies may a mixture of Water,
	// (16 prompt tokens, 16 run)
}
