package gpt2

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"sort"
	"sync/atomic"

	"github.com/gpt2go/gpt2/model"
	"github.com/gpt2go/gpt2/sampling"
	"github.com/gpt2go/gpt2/tokenizer"
)

// DefaultMaxTokens is the number of tokens Generate makes when
// GenerateOptions.MaxTokens is 0.
const DefaultMaxTokens = 256

// Finish reasons, as in OpenAI's API.
const (
	// FinishStop: a stop sequence matched or the model ended the text.
	FinishStop = "stop"
	// FinishLength: MaxTokens were made, or the context is full.
	FinishLength = "length"
)

// prefillChunk is the most prompt tokens run in one forward pass, so that a
// cancelled context stops a long prompt early.
const prefillChunk = 128

// GenerateOptions control one generation. The zero value generates up to
// DefaultMaxTokens tokens greedily.
type GenerateOptions struct {
	// MaxTokens is the most tokens to generate; 0 means DefaultMaxTokens.
	// Fewer are made when the context fills up (Result.Finish "length").
	MaxTokens int
	// Temperature divides the logits before sampling; 0 is greedy.
	Temperature float64
	// TopK keeps only the K most likely tokens; 0 keeps all.
	TopK int
	// TopP keeps the most likely tokens up to this probability mass, in
	// (0, 1]; 0 means 1 (all).
	TopP float64
	// Seed seeds the sampler. The same seed, prompt, options and session
	// history give the same tokens, whatever else runs at the same time.
	Seed uint64
	// Stop ends the generation at the first of these strings. They are
	// matched on the text, across token boundaries, and are not part of the
	// output: text that could still become a stop sequence is held back.
	Stop []string
}

func (o GenerateOptions) params() sampling.Params {
	p := sampling.Params{Temperature: o.Temperature, TopK: o.TopK, TopP: o.TopP}
	if p.TopP == 0 {
		p.TopP = 1
	}
	return p
}

// Token is one step of a generation.
type Token struct {
	// ID is the sampled token. On the last step of a text the model ended,
	// it is the end-of-text token (Model.EOT), which is not part of the
	// output.
	ID int
	// Text is the text this step made visible: the token's text, less
	// bytes of a UTF-8 character that the next token completes and text
	// that could still become a stop sequence, plus whatever such text
	// earlier steps held back and this one released. It may be empty.
	// It is always empty for a model without a tokenizer.
	Text string
	// Logits are the scores over the vocabulary ([VocabSize]) that ID was
	// sampled from, before temperature, top-k or top-p. Hidden is the final
	// hidden state (after ln_f, [n_embd]) they were computed from:
	// Logits = wte · Hidden. Both are only valid until the next step; copy
	// them to keep them.
	Logits, Hidden []float32
	// Finish is "" until the last step, which has FinishStop or
	// FinishLength.
	Finish string
}

// Logprob is the log-probability of the token under the model's
// distribution (a log-softmax of Logits, without temperature).
func (t Token) Logprob() float64 { return logprobOf(t.Logits, t.ID) }

// Candidate is a token and its log-probability.
type Candidate struct {
	ID      int
	Logprob float64
}

// TopLogprobs returns the n most likely tokens of the step, most likely
// first (ties by lower id).
func (t Token) TopLogprobs(n int) []Candidate {
	if n <= 0 || len(t.Logits) == 0 {
		return nil
	}
	lse := logSumExp(t.Logits)
	n = min(n, len(t.Logits))
	top := make([]Candidate, 0, n+1)
	for id, z := range t.Logits {
		if len(top) == n && z <= float32(top[n-1].Logprob) {
			continue
		}
		i := sort.Search(len(top), func(i int) bool { return float64(z) > top[i].Logprob })
		top = slices.Insert(top, i, Candidate{id, float64(z)})
		if len(top) > n {
			top = top[:n]
		}
	}
	for i := range top {
		top[i].Logprob -= lse
	}
	return top
}

func logprobOf(logits []float32, id int) float64 {
	if id < 0 || id >= len(logits) {
		return math.Inf(-1)
	}
	return float64(logits[id]) - logSumExp(logits)
}

func logSumExp(x []float32) float64 {
	mx := float64(x[sampling.Argmax(x)])
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - mx)
	}
	return mx + math.Log(s)
}

// Result describes a finished generation.
type Result struct {
	// Finish is FinishStop or FinishLength; "" when the generation was
	// cancelled, failed or abandoned by its consumer.
	Finish string
	// Stop is the stop sequence that matched; "" when the model ended the
	// text or Finish is not FinishStop.
	Stop string
	// PromptTokens is the length of the prompt in tokens; Tokens the number
	// of tokens generated (not counting an end-of-text token).
	PromptTokens, Tokens int
	// Prefilled is the number of tokens run through the model before the
	// first new token: the prompt, plus whatever of the conversation had
	// to be recomputed. Earlier turns kept in the cache are not counted.
	Prefilled int
	// DroppedTurns and DroppedTokens are what was forgotten from the start
	// of the conversation to make room (see Session).
	DroppedTurns, DroppedTokens int
}

// Stats are a session's totals over all its generations.
type Stats struct {
	Prefilled, Generated, DroppedTurns, DroppedTokens int
}

// SessionOptions configure a Session.
type SessionOptions struct {
	// Threads is the number of worker goroutines of the session's forward
	// passes; 0 means the model's default (see the Threads option).
	Threads int
	// System is text the conversation starts with (a system prompt). It is
	// prefilled with the first generation and is kept when older turns are
	// dropped, unless it alone leaves no room.
	System string
}

// Session is one conversation with a Model: it owns a KV cache holding the
// conversation so far, so that each Generate only runs its new prompt.
//
// Each Generate call is a turn: its prompt and the tokens generated for it.
// When a prompt plus its MaxTokens would not fit in the context, the
// session drops whole turns, oldest first (keeping SessionOptions.System),
// recomputes the cache for what is kept, and reports it in Result. If the
// prompt is too long even alone, its oldest tokens are dropped too. The
// room kept for generation is min(MaxTokens, ContextLen/2) tokens; the rest
// of MaxTokens is generated only while the context has room.
//
// A Session is not safe for concurrent use: run one generation at a time.
// Different Sessions of one Model may run concurrently.
type Session struct {
	m  *Model
	st *model.State

	ids    []int // tokens in the KV cache: len(ids) == st.Pos()
	tail   []int // tokens of the conversation not in the cache yet
	turns  []int // where each turn starts in ids+tail, oldest first
	pinned int   // the first pinned tokens of ids+tail are the system text

	system     string // SessionOptions.System
	sysPending bool   // system is not in ids+tail yet
	busy       atomic.Bool
	last       Result
	stats      Stats
}

// NewSession starts an empty conversation. The session's KV cache for the
// whole context is allocated here; Close releases its workers.
func (m *Model) NewSession(opts SessionOptions) *Session {
	threads := opts.Threads
	if threads <= 0 {
		threads = m.opts.threads
	}
	return &Session{m: m, st: m.m.NewState(threads), system: opts.System, sysPending: opts.System != ""}
}

// Close stops the session's worker goroutines.
func (s *Session) Close() { s.st.Close() }

// Model returns the model the session runs.
func (s *Session) Model() *Model { return s.m }

// Threads is the number of worker goroutines of the session.
func (s *Session) Threads() int { return s.st.Threads() }

// Len is the number of tokens of the conversation so far.
func (s *Session) Len() int { return len(s.ids) + len(s.tail) }

// Result describes the last generation.
func (s *Session) Result() Result { return s.last }

// Stats returns the session's totals.
func (s *Session) Stats() Stats { return s.stats }

// Reset forgets the conversation, keeping the allocated cache. The system
// text (SessionOptions.System) is kept, or recomputed if it was dropped.
func (s *Session) Reset() {
	if s.pinned == 0 || len(s.ids) < s.pinned {
		s.pinned = 0
		s.sysPending = s.system != ""
	}
	s.st.Truncate(s.pinned)
	s.ids = s.ids[:s.pinned]
	s.tail, s.turns = nil, nil
	s.last = Result{}
}

// Generate appends prompt to the conversation and generates a continuation,
// yielding each step's Token. Ranging over the sequence runs the
// generation; it is single-use. On an error (including ctx being done,
// which is checked before each token) the sequence yields it with a zero
// Token and ends. Stopping the range early abandons the generation; the
// tokens yielded so far stay in the conversation.
//
// An empty prompt on an empty conversation starts from the end-of-text
// token, as GPT-2 does for unconditional text.
func (s *Session) Generate(ctx context.Context, prompt string, opts GenerateOptions) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		tok, err := s.m.tokens()
		if tok == nil {
			yield(Token{}, fmt.Errorf("gpt2: %w", err))
			return
		}
		s.run(ctx, tok.Encode(prompt), opts, yield)
	}
}

// GenerateIDs is Generate with the prompt as token ids; it also works for
// models without a tokenizer, whose Tokens have no Text.
func (s *Session) GenerateIDs(ctx context.Context, prompt []int, opts GenerateOptions) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		s.run(ctx, prompt, opts, yield)
	}
}

// Text runs Generate to the end and returns the generated text.
func (s *Session) Text(ctx context.Context, prompt string, opts GenerateOptions) (string, error) {
	var out []byte
	for t, err := range s.Generate(ctx, prompt, opts) {
		if err != nil {
			return string(out), err
		}
		out = append(out, t.Text...)
	}
	return string(out), nil
}

var errBusy = errors.New("gpt2: session is already generating (a Session is not safe for concurrent use)")

// run does one turn; see Generate.
func (s *Session) run(ctx context.Context, prompt []int, o GenerateOptions, yield func(Token, error) bool) {
	if !s.busy.CompareAndSwap(false, true) {
		yield(Token{}, errBusy)
		return
	}
	defer s.busy.Store(false)
	s.last = Result{PromptTokens: len(prompt)}
	fail := func(err error) { yield(Token{}, err) }

	if o.MaxTokens < 0 {
		fail(fmt.Errorf("gpt2: MaxTokens must be >= 0, got %d", o.MaxTokens))
		return
	}
	if o.MaxTokens == 0 {
		o.MaxTokens = DefaultMaxTokens
	}
	smp, err := sampling.New(o.params(), o.Seed)
	if err != nil {
		fail(fmt.Errorf("gpt2: %w", err))
		return
	}
	tok, noTok := s.m.tokens()
	eot := s.m.EOT()
	var stop *stopper
	if len(o.Stop) > 0 {
		if tok == nil {
			fail(fmt.Errorf("gpt2: stop sequences need a tokenizer: %w", noTok))
			return
		}
		stop = newStopper(o.Stop)
	}
	V := s.m.VocabSize()
	for _, id := range prompt {
		if id < 0 || id >= V {
			fail(fmt.Errorf("gpt2: token id %d is outside the vocabulary [0, %d)", id, V))
			return
		}
	}
	if s.sysPending && len(s.ids)+len(s.tail) == 0 {
		sys, err := s.m.Encode(s.system)
		if err != nil {
			fail(err)
			return
		}
		s.tail, s.pinned, s.sysPending = sys, len(sys), false
	}

	// What to run: the tail of the conversation and the prompt, after
	// dropping old turns if they do not fit.
	if len(s.ids)+len(s.tail)+len(prompt) == 0 {
		prompt = []int{s.m.EOT()}
	}
	newIDs := append(append([]int{}, s.tail...), prompt...)
	turn := len(s.ids) + len(s.tail)
	s.tail = nil
	newIDs, turn = s.fit(newIDs, turn, o.MaxTokens)
	if len(newIDs) == 0 {
		// Nothing new (an empty prompt after a finished turn): rerun the
		// last token for its logits.
		n := len(s.ids) - 1
		newIDs, s.ids = []int{s.ids[n]}, s.ids[:n]
		s.st.Truncate(n)
	}
	if len(prompt) > 0 {
		s.turns = append(s.turns, turn)
	}
	before := len(s.ids)
	logits, err := s.prefill(ctx, newIDs)
	if err != nil {
		// Forget the unfinished turn; keep the conversation before it.
		if turn <= len(s.ids) {
			s.st.Truncate(turn)
			s.ids = s.ids[:turn]
		} else {
			s.tail = newIDs[len(s.ids)-before : turn-before]
		}
		if len(prompt) > 0 {
			s.turns = s.turns[:len(s.turns)-1]
		}
		fail(err)
		return
	}

	// Generate.
	P := s.m.ContextLen()
	limit := min(o.MaxTokens, P-len(s.ids))
	var dec *tokenizer.StreamDecoder
	if tok != nil {
		dec = tokenizer.NewStreamDecoder(tok)
	}
	var (
		gen      []int  // generated tokens; all but the last are in the cache
		genBytes []byte // their bytes
		ends     []int  // ends[i]: len(genBytes) after gen[i]
		released int    // bytes of genBytes given out as Text
	)
	start := len(s.ids)
	for {
		if err := ctx.Err(); err != nil {
			s.last.Tokens = len(gen)
			s.stats.Generated += len(gen)
			fail(err)
			return
		}
		id := smp.Sample(logits)
		t := Token{ID: id, Logits: logits, Hidden: s.st.Hidden()}
		if id == eot {
			// The model ended the text: release what was held back.
			if dec != nil {
				t.Text = dec.Flush()
			}
			if stop != nil {
				out, sq, found := stop.push(t.Text)
				if found {
					s.last.Stop = sq
					t.Text = out
				} else {
					t.Text = out + stop.flush()
				}
			}
			s.finish(&t, FinishStop, len(gen))
			yield(t, nil)
			return
		}
		gen = append(gen, id)
		if dec != nil {
			b, err := tok.TokenBytes(id)
			if err != nil {
				fail(err)
				return
			}
			genBytes = append(genBytes, b...)
			ends = append(ends, len(genBytes))
			if t.Text, err = dec.Push(id); err != nil {
				fail(err)
				return
			}
		}
		if stop != nil {
			out, sq, found := stop.push(t.Text)
			t.Text = out
			if found {
				// Keep in the conversation the tokens wholly before the
				// stop sequence, and the text of the rest re-encoded.
				visible := released + len(out)
				k := sort.SearchInts(ends, visible+1) // tokens ending at or before visible
				k = min(k, len(gen)-1)
				from := 0
				if k > 0 {
					from = ends[k-1]
				}
				s.st.Truncate(start + k)
				s.ids = s.ids[:start+k]
				s.tail = tok.Encode(string(genBytes[from:visible]))
				s.last.Stop = sq
				s.finish(&t, FinishStop, len(gen))
				yield(t, nil)
				return
			}
		}
		released += len(t.Text)
		if len(gen) == limit {
			if dec != nil {
				t.Text += dec.Flush()
			}
			if stop != nil {
				t.Text += stop.flush()
			}
			s.tail = []int{id}
			s.finish(&t, FinishLength, len(gen))
			yield(t, nil)
			return
		}
		if !yield(t, nil) {
			s.tail = []int{id}
			s.last.Tokens = len(gen)
			s.stats.Generated += len(gen)
			return
		}
		if logits, err = s.forward([]int{id}); err != nil {
			s.tail = []int{id}
			fail(err)
			return
		}
	}
}

// finish records the end of a generation in t and the session's result.
func (s *Session) finish(t *Token, reason string, n int) {
	t.Finish = reason
	s.last.Finish = reason
	s.last.Tokens = n
	s.stats.Generated += n
}

// forward runs ids through the model and appends them to the cache.
func (s *Session) forward(ids []int) ([]float32, error) {
	logits, err := s.st.Forward(ids, false)
	if err != nil {
		return nil, err
	}
	s.ids = append(s.ids, ids...)
	return logits, nil
}

// prefill runs ids in chunks, checking ctx between them.
func (s *Session) prefill(ctx context.Context, ids []int) ([]float32, error) {
	var logits []float32
	for len(ids) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(len(ids), prefillChunk)
		var err error
		if logits, err = s.forward(ids[:n]); err != nil {
			return nil, err
		}
		ids = ids[n:]
		s.last.Prefilled += n
		s.stats.Prefilled += n
	}
	return logits, nil
}

// fit makes room in the context for newIDs (appended after the cache;
// the current turn starts at index turn of ids+newIDs) plus up to maxTokens
// generated ones. It drops old turns, oldest first, then the oldest tokens
// of newIDs, and returns what to prefill and where the current turn now
// starts. The cache keeps only the pinned system text; everything after it
// is returned for prefill.
func (s *Session) fit(newIDs []int, turn, maxTokens int) ([]int, int) {
	P := s.m.ContextLen()
	budget := P - min(maxTokens, P/2)
	total := len(s.ids) + len(newIDs)
	if total <= budget {
		return newIDs, turn
	}
	pinned := s.pinned // the system text, in the cache or at the start of newIDs
	all := append(append([]int{}, s.ids...), newIDs...)
	if pinned >= budget {
		// The system text alone leaves no room: give it up.
		pinned, s.pinned = 0, 0
	}
	// Drop turns [pinned, cut) for the first turn start cut that fits.
	cut := -1
	dropped := 0
	for _, t := range append(append([]int{}, s.turns...), turn) {
		if t < pinned {
			continue
		}
		if pinned+total-t <= budget {
			cut = t
			break
		}
		if t < turn {
			dropped++
		}
	}
	if cut < 0 {
		// Even the current turn alone is too long: keep its newest tokens.
		cut = total - (budget - pinned)
		dropped = 0
		for _, t := range s.turns {
			if t >= pinned && t < turn {
				dropped++
			}
		}
	}
	shift := cut - pinned
	var turns []int
	for _, t := range s.turns {
		if t >= cut {
			turns = append(turns, t-shift)
		}
	}
	s.turns = turns
	s.last.DroppedTurns += dropped
	s.last.DroppedTokens += shift
	s.stats.DroppedTurns += dropped
	s.stats.DroppedTokens += shift
	// The cache stays valid up to the system text, if that is in it.
	keep := min(pinned, len(s.ids))
	s.st.Truncate(keep)
	s.ids = s.ids[:keep]
	out := append(all[keep:pinned:pinned], all[cut:]...)
	return out, max(turn-shift, pinned)
}
