package tokenizer_test

import (
	"fmt"

	"github.com/gpt2go/gpt2/tokenizer"
)

func ExampleGPT2() {
	tok, err := tokenizer.GPT2()
	if err != nil {
		panic(err)
	}
	fmt.Println(tok.Encode("Hello, world!<|endoftext|>"))
	fmt.Println(tok.EncodeSpecial("Hello, world!<|endoftext|>"))
	text, err := tok.Decode([]int{15496, 11, 995, 0})
	fmt.Printf("%q %v\n", text, err)
	// Output:
	// [15496 11 995 0 27 91 437 1659 5239 91 29]
	// [15496 11 995 0 50256]
	// "Hello, world!" <nil>
}

func ExampleStreamDecoder() {
	tok, err := tokenizer.GPT2()
	if err != nil {
		panic(err)
	}
	d := tokenizer.NewStreamDecoder(tok)
	for _, id := range tok.Encode("pizza 🍕!") {
		s, err := d.Push(id)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%d %q\n", id, s)
	}
	fmt.Printf("%q\n", d.Flush())
	// Output:
	// 79 "p"
	// 9990 "izza"
	// 12520 " "
	// 235 ""
	// 243 "🍕"
	// 0 "!"
	// ""
}
