package gpt2

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gpt2go/gpt2/hub"
)

// collect runs a generation and returns its tokens' ids and texts.
func collect(t testing.TB, seq func(func(Token, error) bool)) (ids []int, texts []string, err error) {
	t.Helper()
	for tok, e := range seq {
		if e != nil {
			return ids, texts, e
		}
		ids = append(ids, tok.ID)
		texts = append(texts, tok.Text)
	}
	return ids, texts, nil
}

func TestStopper(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stops  []string
		pushes []string
		want   []string // released per push
		stop   string   // matched stop, "" for none
		flush  string
	}{
		{"none", nil, []string{"ab", "c"}, []string{"ab", "c"}, "", ""},
		{"one push", []string{"END"}, []string{"abENDcd"}, []string{"ab"}, "END", ""},
		{"across pushes", []string{"END"}, []string{"abE", "N", "Dx"}, []string{"ab", "", ""}, "END", ""},
		{"false start released", []string{"END"}, []string{"abE", "N", "x"}, []string{"ab", "", "ENx"}, "", ""},
		{"held at the end", []string{"END"}, []string{"abEN"}, []string{"ab"}, "", "EN"},
		{"earliest wins", []string{"cd", "b"}, []string{"abcd"}, []string{"a"}, "b", ""},
		{"overlapping prefix", []string{"aab"}, []string{"a", "a", "a", "b"}, []string{"", "", "a", ""}, "aab", ""},
		{"newline", []string{"\n"}, []string{"Hi", " there\nUser"}, []string{"Hi", " there"}, "\n", ""},
		{"empty stop ignored", []string{""}, []string{"ab"}, []string{"ab"}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStopper(tc.stops)
			var got []string
			stop := ""
			for _, p := range tc.pushes {
				out, s, found := st.push(p)
				got = append(got, out)
				if found {
					stop = s
					break
				}
			}
			if !slices.Equal(got, tc.want) || stop != tc.stop {
				t.Errorf("released %q, stop %q; want %q, %q", got, stop, tc.want, tc.stop)
			}
			if f := st.flush(); f != tc.flush {
				t.Errorf("flush %q, want %q", f, tc.flush)
			}
		})
	}
}

// TestStopAcrossTokens generates a text, picks stop sequences that span
// token boundaries in it, and checks that generating again with them
// streams exactly the text before the stop, never part of the stop.
func TestStopAcrossTokens(t *testing.T) {
	m := testModel(t, 64)
	ctx := context.Background()
	opts := GenerateOptions{MaxTokens: 40, Temperature: 2, Seed: 7}
	s := m.NewSession(SessionOptions{})
	defer s.Close()
	_, texts, err := collect(t, s.Generate(ctx, "The fox", opts))
	if err != nil {
		t.Fatal(err)
	}
	full := strings.Join(texts, "")
	// Byte offsets where each token's text starts.
	var starts []int
	n := 0
	for _, x := range texts {
		starts = append(starts, n)
		n += len(x)
	}
	if len(texts) < 10 {
		t.Fatalf("want a longer text, got %q", full)
	}
	for _, span := range []struct{ from, to int }{{3, 5}, {5, 8}, {7, 9}} {
		// From the last byte of token from-1 to the first byte of token to.
		a, b := starts[span.from]-1, starts[span.to]+1
		stop := full[a:b]
		want := full[:strings.Index(full, stop)]
		t.Run(fmt.Sprintf("%q", stop), func(t *testing.T) {
			s.Reset()
			o := opts
			o.Stop = []string{stop}
			_, texts, err := collect(t, s.Generate(ctx, "The fox", o))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(texts, "")
			if got != want {
				t.Errorf("got %q, want %q (full %q)", got, want, full)
			}
			r := s.Result()
			if r.Finish != FinishStop || r.Stop != stop {
				t.Errorf("result %+v, want stop %q", r, stop)
			}
			// No prefix of the text released so far may end inside the stop.
			acc := ""
			for _, x := range texts {
				acc += x
				if !strings.HasPrefix(want, acc) {
					t.Errorf("stream leaked %q", acc)
				}
			}
		})
	}
	// A stop that never completes: everything is released by the end.
	t.Run("never", func(t *testing.T) {
		s.Reset()
		o := opts
		o.Stop = []string{full[len(full)-1:] + "\x00"}
		_, texts, err := collect(t, s.Generate(ctx, "The fox", o))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(texts, ""); got != full {
			t.Errorf("got %q, want %q", got, full)
		}
	})
}

// TestStopKeepsConversation checks that text after a stop sequence is not
// in the conversation: the next turn continues from the visible text.
func TestStopKeepsConversation(t *testing.T) {
	m := testModel(t, 64)
	ctx := context.Background()
	opts := GenerateOptions{MaxTokens: 30, Temperature: 2, Seed: 3}
	s := m.NewSession(SessionOptions{})
	defer s.Close()
	full, err := s.Text(ctx, "The fox", opts)
	if err != nil {
		t.Fatal(err)
	}
	stop := full[5:7]
	want := full[:strings.Index(full, stop)]
	s.Reset()
	opts.Stop = []string{stop}
	got, err := s.Text(ctx, "The fox", opts)
	if err != nil || got != want {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	text, err := m.Decode(append(slices.Clone(s.ids), s.tail...))
	if err != nil || text != "The fox"+want {
		t.Errorf("conversation is %q, want %q", text, "The fox"+want)
	}
}

func TestCancelWithinOneToken(t *testing.T) {
	m := testModel(t, 64)
	s := m.NewSession(SessionOptions{})
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for _, err := range s.Generate(ctx, "The fox", GenerateOptions{MaxTokens: 50, Temperature: 1}) {
		if err != nil {
			last = err
			continue
		}
		n++
		if n == 3 {
			cancel()
		}
	}
	if n != 3 || !errors.Is(last, context.Canceled) {
		t.Errorf("got %d tokens and error %v; want 3 and context.Canceled", n, last)
	}
	// Already cancelled: no token at all, not even a prefill.
	before, size := s.Stats().Prefilled, s.Len()
	n = 0
	for _, err := range s.Generate(ctx, "The fox", GenerateOptions{}) {
		if err == nil {
			n++
		}
	}
	if n != 0 || s.Stats().Prefilled != before || s.Len() != size {
		t.Errorf("cancelled context still ran: %d tokens, %d prefilled, conversation %d -> %d tokens", n, s.Stats().Prefilled-before, size, s.Len())
	}
	// The session is usable afterwards.
	if _, err := s.Text(context.Background(), " again", GenerateOptions{MaxTokens: 3}); err != nil {
		t.Error(err)
	}
}

func TestMultiTurnReusesCache(t *testing.T) {
	m := testModel(t, 64)
	ctx := context.Background()
	s := m.NewSession(SessionOptions{})
	defer s.Close()
	turns := []string{"The fox", " and the dog", " with the"}
	total := 0
	for i, p := range turns {
		ids, _ := m.Encode(p)
		total += len(ids) + 5
		if _, err := s.Text(ctx, p, GenerateOptions{MaxTokens: 5}); err != nil {
			t.Fatal(err)
		}
		r := s.Result()
		// The last generated token of the previous turn is run with
		// this turn's prompt; nothing else is recomputed.
		want := len(ids)
		if i > 0 {
			want++
		}
		if r.Prefilled != want || r.PromptTokens != len(ids) || r.Tokens != 5 || r.DroppedTurns != 0 {
			t.Errorf("turn %d: %+v; want %d prefilled", i, r, want)
		}
	}
	if got, want := s.Len(), total; got != want {
		t.Errorf("Len %d, want %d", got, want)
	}
}

func TestContextOverflowDropsTurns(t *testing.T) {
	m := testModel(t, 64)
	ctx := context.Background()
	s := m.NewSession(SessionOptions{System: "The dog."})
	defer s.Close()
	sys, _ := m.Encode("The dog.")
	var dropped int
	for i := range 12 {
		p := fmt.Sprintf(" %d the fox with the dog", i)
		if _, err := s.Text(ctx, p, GenerateOptions{MaxTokens: 8, Temperature: 1, Seed: uint64(i)}); err != nil {
			t.Fatalf("turn %d: %v", i, err)
		}
		r := s.Result()
		dropped += r.DroppedTurns
		if s.Len() > m.ContextLen() {
			t.Fatalf("turn %d: %d tokens in a context of %d", i, s.Len(), m.ContextLen())
		}
		if r.DroppedTurns > 0 && r.Prefilled <= r.PromptTokens {
			t.Errorf("turn %d dropped turns but prefilled only %d", i, r.Prefilled)
		}
		if !slices.Equal(s.ids[:len(sys)], sys) {
			t.Fatalf("turn %d: the system text was dropped", i)
		}
	}
	if dropped == 0 || s.Stats().DroppedTurns != dropped {
		t.Errorf("dropped %d turns (stats %+v); want some", dropped, s.Stats())
	}
}

func TestPromptLongerThanContext(t *testing.T) {
	m := testModel(t, 64)
	s := m.NewSession(SessionOptions{})
	defer s.Close()
	prompt := strings.Repeat(" the fox", 60)
	ids, _ := m.Encode(prompt)
	got, err := s.Text(context.Background(), prompt, GenerateOptions{MaxTokens: 100})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Result()
	if r.DroppedTokens != len(ids)-32 || r.Tokens != 32 || r.Finish != FinishLength || got == "" {
		t.Errorf("%+v; want %d tokens dropped and 32 generated", r, len(ids)-32)
	}
}

func TestEmptyPrompt(t *testing.T) {
	m := testModel(t, 64)
	s := m.NewSession(SessionOptions{})
	defer s.Close()
	for i := range 2 {
		if _, err := s.Text(context.Background(), "", GenerateOptions{MaxTokens: 4}); err != nil {
			t.Fatal(err)
		}
		if s.Result().Tokens != 4 {
			t.Errorf("turn %d: %+v", i, s.Result())
		}
	}
}

// TestConcurrentSessions runs sessions at once on one model and checks that
// each gives what it gives alone.
func TestConcurrentSessions(t *testing.T) {
	m := testModel(t, 64)
	const N = 8
	run := func(i int) string {
		s := m.NewSession(SessionOptions{Threads: 1 + i%2})
		defer s.Close()
		ctx := context.Background()
		var out strings.Builder
		for turn := range 3 {
			txt, err := s.Text(ctx, fmt.Sprintf(" %d the", i+turn), GenerateOptions{MaxTokens: 12, Temperature: 1.5, TopK: 20, TopP: 0.95, Seed: uint64(i)})
			if err != nil {
				t.Error(err)
			}
			out.WriteString(txt + "|")
		}
		return out.String()
	}
	want := make([]string, N)
	for i := range N {
		want[i] = run(i)
	}
	got := make([]string, N)
	var wg sync.WaitGroup
	for i := range N {
		wg.Go(func() { got[i] = run(i) })
	}
	wg.Wait()
	for i := range N {
		if got[i] != want[i] {
			t.Errorf("session %d: concurrent %q, alone %q", i, got[i], want[i])
		}
	}
}

func TestSessionBusy(t *testing.T) {
	m := testModel(t, 64)
	s := m.NewSession(SessionOptions{})
	defer s.Close()
	ctx := context.Background()
	for _, err := range s.Generate(ctx, "The", GenerateOptions{MaxTokens: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		_, err := s.Text(ctx, "x", GenerateOptions{})
		if !errors.Is(err, errBusy) {
			t.Fatalf("nested Generate: %v, want errBusy", err)
		}
	}
}

func TestBadOptions(t *testing.T) {
	m := testModel(t, 64)
	s := m.NewSession(SessionOptions{})
	defer s.Close()
	ctx := context.Background()
	for _, o := range []GenerateOptions{{MaxTokens: -1}, {Temperature: -1}, {TopP: 2}, {TopK: -3}} {
		if _, err := s.Text(ctx, "The", o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if _, _, err := collect(t, s.GenerateIDs(ctx, []int{1, 400}, GenerateOptions{})); err == nil {
		t.Error("out-of-vocabulary id: no error")
	}
}

func TestNoTokenizer(t *testing.T) {
	m, err := Load("testdata/tiny/f32", Threads(1))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.NewSession(SessionOptions{})
	defer s.Close()
	if _, err := s.Text(context.Background(), "hi", GenerateOptions{}); !errors.Is(err, ErrNoTokenizer) {
		t.Errorf("Generate: %v, want ErrNoTokenizer", err)
	}
	// Greedy continuation of [0] from the NumPy reference (testdata/tiny/golden.json).
	ids, texts, err := collect(t, s.GenerateIDs(context.Background(), []int{0}, GenerateOptions{MaxTokens: 8}))
	if err != nil || !slices.Equal(ids, []int{116, 116, 116, 116, 116, 116, 116, 116}) || strings.Join(texts, "") != "" {
		t.Errorf("ids %v, texts %q, %v", ids, texts, err)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Setenv("HF_HUB_CACHE", t.TempDir())
	t.Setenv("HF_HUB_OFFLINE", "1")
	_, err := Load("openai-community/gpt2")
	if !errors.Is(err, hub.ErrNotCached) || !strings.Contains(err.Error(), "gpt2 download openai-community/gpt2") {
		t.Errorf("uncached Hub model: %v", err)
	}
	if _, err := Load("./no/such/dir"); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "x")); err == nil {
		t.Error("missing absolute directory: no error")
	}
}

func TestTopLogprobs(t *testing.T) {
	tok := Token{ID: 2, Logits: []float32{1, 3, 2, 3, -1}}
	top := tok.TopLogprobs(3)
	lse := math.Log(math.Exp(1) + 2*math.Exp(3) + math.Exp(2) + math.Exp(-1))
	want := []Candidate{{1, 3 - lse}, {3, 3 - lse}, {2, 2 - lse}}
	if len(top) != 3 {
		t.Fatalf("got %v", top)
	}
	for i := range want {
		if top[i].ID != want[i].ID || math.Abs(top[i].Logprob-want[i].Logprob) > 1e-9 {
			t.Errorf("top %v, want %v", top, want)
		}
	}
	if lp := tok.Logprob(); math.Abs(lp-(2-lse)) > 1e-9 {
		t.Errorf("Logprob %g, want %g", lp, 2-lse)
	}
}

func TestChatPrompt(t *testing.T) {
	got := ChatPrompt([]Message{
		{RoleSystem, "Be brief."},
		{RoleUser, "Hi\nthere"},
		{RoleAssistant, " Hello. "},
		{RoleUser, "What is light?"},
	})
	want := "Be brief.\n\nUser: Hi there\nAssistant: Hello.\nUser: What is light?\nAssistant:"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestChatTurns(t *testing.T) {
	m := testModel(t, 64)
	c := m.NewChat("The dog.", SessionOptions{})
	defer c.Close()
	ctx := context.Background()
	for i, msg := range []string{"the fox", "the dog"} {
		_, texts, err := collect(t, c.Send(ctx, msg, GenerateOptions{MaxTokens: 6, Temperature: 1, Seed: 1}))
		if err != nil {
			t.Fatal(err)
		}
		reply := strings.Join(texts, "")
		if strings.Contains(reply, "\n") || strings.HasPrefix(reply, " ") {
			t.Errorf("turn %d: reply %q", i, reply)
		}
	}
	text, _ := m.Decode(append(slices.Clone(c.s.ids), c.s.tail...))
	if !strings.HasPrefix(text, "The dog.\n\nUser: the fox\nAssistant:") || !strings.Contains(text, "\nUser: the dog\nAssistant:") {
		t.Errorf("transcript %q", text)
	}
}
