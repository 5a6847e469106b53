package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/gpt2go/gpt2"
)

func init() {
	register("chat", "chat with a model in the terminal", runChat)
}

// stdin is what chat reads; tests replace it.
var stdin io.Reader = os.Stdin

const defaultSystem = "A conversation between a curious user and a helpful, knowledgeable assistant."

// runChat is the worked example of a Go chatbot on package gpt2: one Model,
// one Chat (a Session holding the conversation's KV cache), and a streamed
// reply per line of input. GPT-2 is not instruction-tuned, so the
// conversation is a plain transcript (see gpt2.ChatPrompt).
func runChat(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("chat", stderr)
	var mf modelFlags
	mf.add(fs)
	system := fs.String("system", defaultSystem, "text the transcript opens with")
	var o gpt2.GenerateOptions
	fs.IntVar(&o.MaxTokens, "max-tokens", 100, "longest reply in tokens")
	fs.Float64Var(&o.Temperature, "temperature", 0.7, "divide logits by this; 0 is greedy")
	fs.IntVar(&o.TopK, "top-k", 40, "keep only the K most likely tokens (0: all)")
	fs.Float64Var(&o.TopP, "top-p", 0.9, "keep the most likely tokens up to this probability mass")
	seed := fs.Int64("seed", -1, "random seed of the first reply; reply i uses seed+i (default: a fresh one)")
	threads := fs.Int("threads", 0, "worker threads (default: all cores)")
	stats := fs.Bool("stats", false, "print token counts and speed after each reply")
	if pos, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q: chat reads messages from standard input", pos[0])
	}
	if o.MaxTokens < 1 {
		return fmt.Errorf("--max-tokens must be at least 1, got %d", o.MaxTokens)
	}
	if *seed < 0 {
		*seed = rand.Int64N(1 << 31)
	}

	l, err := mf.load(stderr)
	if err != nil {
		return err
	}
	defer l.Close()
	if l.tok == nil {
		return l.noTok
	}
	c := l.gm.NewChat(*system, gpt2.SessionOptions{Threads: *threads})
	defer c.Close()

	// Ctrl-C stops the reply being written; at the prompt it ends the chat.
	var (
		mu          sync.Mutex
		cancelReply context.CancelFunc
	)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() {
		for range sig {
			mu.Lock()
			if cancelReply == nil {
				fmt.Fprintln(stderr)
				os.Exit(130)
			}
			cancelReply()
			mu.Unlock()
		}
	}()

	fmt.Fprintf(stderr, "Chatting with %s (context %d tokens). Empty line or Ctrl-D ends; /reset starts over; Ctrl-C stops a reply.\n",
		l.ck.Name, l.gm.ContextLen())
	in := bufio.NewScanner(stdin)
	for turn := 0; ; turn++ {
		fmt.Fprint(stdout, "User: ")
		if !in.Scan() {
			fmt.Fprintln(stdout)
			return in.Err()
		}
		msg := strings.TrimSpace(in.Text())
		switch msg {
		case "", "/quit", "/exit":
			return nil
		case "/reset":
			c.Session().Reset()
			fmt.Fprintln(stderr, "(conversation cleared)")
			continue
		}

		ctx, cancel := context.WithCancel(context.Background())
		mu.Lock()
		cancelReply = cancel
		mu.Unlock()
		o.Seed = uint64(*seed) + uint64(turn)
		fmt.Fprint(stdout, "Assistant: ")
		start := time.Now()
		for tok, err := range c.Send(ctx, msg, o) {
			if errors.Is(err, context.Canceled) {
				fmt.Fprint(stdout, " [stopped]")
				break
			}
			if err != nil {
				cancel()
				return err
			}
			fmt.Fprint(stdout, tok.Text)
		}
		fmt.Fprintln(stdout)
		mu.Lock()
		cancelReply = nil
		mu.Unlock()
		cancel()

		r := c.Session().Result()
		if r.DroppedTurns > 0 || r.DroppedTokens > 0 {
			fmt.Fprintf(stderr, "(the conversation outgrew the context: dropped the %d oldest turns, %d tokens)\n", r.DroppedTurns, r.DroppedTokens)
		}
		if *stats {
			fmt.Fprintf(stderr, "(%d prompt tokens, %d run; %d reply tokens in %.0f ms; stop: %s; seed %d)\n",
				r.PromptTokens, r.Prefilled, r.Tokens, ms(time.Since(start)), r.Finish, o.Seed)
		}
	}
}
