package model

import (
	"errors"
	"fmt"

	"github.com/gpt2go/gpt2/internal/parallel"
	"github.com/gpt2go/gpt2/layers"
)

// ErrContextFull is returned when tokens would go past the model's context.
var ErrContextFull = errors.New("context length exceeded")

// State is one sequence being processed: its KV cache and scratch space.
// A State is not safe for concurrent use; make one per conversation.
type State struct {
	m    *Model
	pool *parallel.Pool
	kv   []layers.KV
	pos  int

	x, hidden, logits []float32
	scratch           *layers.Scratch
	cap               int // tokens the scratch buffers hold
	lastT             int // positions whose logits the last Forward returned

	// Observe, when set, sees the residual stream x[T, C] after the
	// embedding (layer 0) and after each block (layer i+1) of every Forward.
	// x must not be modified or kept.
	Observe func(layer int, x []float32, T int)
}

// NewState makes an empty state running on threads workers (<= 0 means
// GOMAXPROCS). The KV cache for the whole context is allocated up front.
func (m *Model) NewState(threads int) *State {
	C := m.Config.NEmbd
	P := (m.Config.NPositions + layers.KTile - 1) / layers.KTile * layers.KTile
	s := &State{m: m, pool: parallel.New(threads), kv: make([]layers.KV, len(m.Blocks))}
	for i := range s.kv {
		// 4 KiB pages, so that only what a sequence has used is resident:
		// 2 MiB pages decoded 2-6% faster at positions 900-1000 but made
		// even a short sequence hold the whole cache (every head's values
		// are touched from the first token), which a server with many
		// sessions cannot afford.
		s.kv[i] = layers.NewKV(P, C, m.kvF16)
	}
	return s
}

// Close stops the state's workers.
func (s *State) Close() { s.pool.Close() }

// Threads is the number of workers the state runs on.
func (s *State) Threads() int { return s.pool.Threads() }

// Pos is the number of tokens in the cache.
func (s *State) Pos() int { return s.pos }

// Truncate forgets every cached token from position n on.
func (s *State) Truncate(n int) {
	if n < s.pos {
		s.pos = max(n, 0)
	}
}

// Forward appends ids to the sequence and returns the logits of the last
// position ([V]) or, if all is set, of every new position ([T, V]). The
// returned slice is reused by the next call.
func (s *State) Forward(ids []int, all bool) ([]float32, error) {
	cfg := &s.m.Config
	T, C, V := len(ids), cfg.NEmbd, cfg.VocabSize
	if T == 0 {
		return nil, errors.New("model: no tokens to process")
	}
	if s.pos+T > cfg.NPositions {
		return nil, fmt.Errorf("model: %d tokens after %d cached need %d positions, the model has %d: %w",
			T, s.pos, s.pos+T, cfg.NPositions, ErrContextFull)
	}
	for _, id := range ids {
		if id < 0 || id >= V {
			return nil, fmt.Errorf("model: token id %d is outside the vocabulary [0, %d)", id, V)
		}
	}
	s.grow(T, all)
	x := s.x[:T*C]
	s.m.Embed.Forward(x, ids, s.pos)
	s.observe(0, x, T)
	for i := range s.m.Blocks {
		s.m.Blocks[i].Forward(s.pool, x, T, s.pos, &s.kv[i], s.scratch)
		s.observe(i+1, x, T)
	}
	s.pos += T
	if !all {
		// Only the last position's logits are wanted: skip ln_f and the
		// head (the largest matrix) for the others.
		x, T = x[(T-1)*C:], 1
	}
	h := s.hidden[:T*C]
	s.m.LnF.Forward(h, x, T)
	logits := s.logits[:T*V]
	s.m.Head.Forward(s.pool, logits, h, T)
	return logits, nil
}

// Hidden returns the final hidden states (after ln_f) of the positions whose
// logits the last Forward returned, [T, C]: the h in logits = E·h.
func (s *State) Hidden() []float32 {
	return s.hidden[:s.lastT*s.m.Config.NEmbd]
}

func (s *State) observe(layer int, x []float32, T int) {
	if s.Observe != nil {
		s.Observe(layer, x, T)
	}
}

// grow sizes the scratch buffers for T tokens.
func (s *State) grow(T int, all bool) {
	cfg := &s.m.Config
	C, V := cfg.NEmbd, cfg.VocabSize
	if T > s.cap {
		s.cap = T
		s.x = make([]float32, T*C)
		s.scratch = layers.NewScratch(T, C, cfg.NInner)
	}
	n := 1
	if all {
		n = T
	}
	if len(s.hidden) < n*C {
		s.hidden = make([]float32, n*C)
		s.logits = make([]float32, n*V)
	}
	s.lastT = n
}

// Model returns the model the state runs.
func (s *State) Model() *Model { return s.m }
