// Package gpt2 runs GPT-2 language models in pure Go: load a model once,
// share it among goroutines, and hold one Session per conversation.
//
//	m, err := gpt2.Load("openai-community/gpt2") // "" is the built-in demo model
//	...
//	defer m.Close()
//	s := m.NewSession(gpt2.SessionOptions{})
//	defer s.Close()
//	for tok, err := range s.Generate(ctx, "Light is", gpt2.GenerateOptions{MaxTokens: 40, Temperature: 0.8, TopK: 40, Stop: []string{"\n\n"}}) {
//		if err != nil {
//			return err
//		}
//		fmt.Print(tok.Text)
//	}
//	fmt.Println(s.Result().Finish) // "stop" or "length"
//
// A Model is read-only and safe for concurrent use. A Session owns a KV
// cache: each Generate appends its prompt and the generated tokens to the
// conversation, so a later turn runs only its new tokens. When a
// conversation outgrows the model's context, the session drops its oldest
// turns and says so in Result. Sessions are independent: many may generate
// at once on one Model, and each gives the same tokens for the same seed as
// it would alone.
//
// Generation streams Tokens as an iter.Seq2. Each Token's Text is the text
// that step made visible: bytes of a UTF-8 character split across tokens
// and text that could still turn into a stop sequence are held back, so
// the concatenated Texts are exactly the output, without the stop
// sequence. Cancelling the context stops the generation before the next
// token. Each Token also carries the raw logits (and final hidden state)
// it was sampled from, for analysis.
//
// Chat wraps a Session in a plain "User: ... / Assistant: ..." transcript
// (GPT-2 is not instruction-tuned; see ChatPrompt), and package server
// serves a Model over an OpenAI-compatible HTTP API.
package gpt2
