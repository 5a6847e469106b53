package gpt2

import (
	"context"
	"iter"
	"strings"
	"unicode"
)

// GPT-2 is not instruction-tuned: it continues text. Chat works by writing
// the conversation as a transcript and letting the model continue the
// assistant's line:
//
//	{system text}
//
//	User: {message}
//	Assistant: {reply}
//	User: {message}
//	Assistant:
//
// The reply is what the model writes up to the end of its line (ChatStop),
// with leading spaces removed. Newlines inside a message are replaced by
// spaces, so that every message is one line.

// Roles of chat messages.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// ChatStop ends an assistant's reply: the end of its line.
const ChatStop = "\n"

// Message is one message of a chat.
type Message struct {
	Role    string // RoleSystem, RoleUser or RoleAssistant
	Content string
}

// ChatPrompt writes msgs as a transcript ending with "Assistant:", ready
// for the model to continue with the assistant's reply (stopping at
// ChatStop). System messages, wherever they are, form the opening
// paragraph.
func ChatPrompt(msgs []Message) string {
	var sys []string
	var b strings.Builder
	for _, m := range msgs {
		switch m.Role {
		case RoleSystem:
			sys = append(sys, oneLine(m.Content))
		case RoleAssistant:
			b.WriteString("Assistant: " + oneLine(m.Content) + "\n")
		default:
			b.WriteString("User: " + oneLine(m.Content) + "\n")
		}
	}
	b.WriteString("Assistant:")
	if len(sys) > 0 {
		return strings.Join(sys, " ") + "\n\n" + b.String()
	}
	return b.String()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.TrimSpace(s)), " ")
}

// Chat is a multi-turn conversation in the transcript format above, on a
// Session: each Send appends only the new user line to the KV cache.
// Like a Session it is not safe for concurrent use.
type Chat struct {
	s      *Session
	turns  int
	System string
}

// NewChat starts a chat whose transcript opens with system (may be "").
func (m *Model) NewChat(system string, opts SessionOptions) *Chat {
	if system = oneLine(system); system != "" {
		opts.System = system + "\n\n"
	}
	return &Chat{s: m.NewSession(opts), System: system}
}

// Session returns the chat's session, for its Result and Stats.
func (c *Chat) Session() *Session { return c.s }

// Close releases the chat's session.
func (c *Chat) Close() { c.s.Close() }

// Send adds the user's message and streams the assistant's reply, as
// Session.Generate does. ChatStop is added to opts.Stop, and the reply's
// leading spaces are not yielded.
func (c *Chat) Send(ctx context.Context, message string, opts GenerateOptions) iter.Seq2[Token, error] {
	prompt := "User: " + oneLine(message) + "\nAssistant:"
	if c.turns > 0 {
		prompt = "\n" + prompt
	}
	opts.Stop = append(append([]string{}, opts.Stop...), ChatStop)
	return func(yield func(Token, error) bool) {
		c.turns++
		started := false
		for t, err := range c.s.Generate(ctx, prompt, opts) {
			if !started {
				t.Text = strings.TrimLeftFunc(t.Text, unicode.IsSpace)
				started = t.Text != ""
			}
			if !yield(t, err) {
				return
			}
		}
	}
}
