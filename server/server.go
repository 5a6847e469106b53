// Package server serves a gpt2.Model over an OpenAI-compatible HTTP API:
//
//	POST /v1/completions       prompt → text ("text_completion")
//	POST /v1/chat/completions  messages → reply ("chat.completion")
//	GET  /v1/models            the one model served
//	GET  /health               {"status":"ok"} (503 while shutting down)
//
// Both POST endpoints take max_tokens, temperature, top_p, top_k (an
// extension), seed, stop (a string or up to 4), n (only 1), stream
// (server-sent events, ending with "data: [DONE]"), stream_options
// {"include_usage"} and logprobs (completions: logprobs 0..5; chat:
// logprobs true and top_logprobs 0..20). Logprobs are those of the
// model's distribution, before temperature, top-k and top-p. The request's
// "model" field is accepted and ignored: the server has one model.
//
// Chat messages are written as a transcript (see gpt2.ChatPrompt) and the
// reply ends at the end of its line. Defaults follow OpenAI: temperature 1,
// top_p 1, max_tokens 16 for completions and the rest of the context for
// chat; a prompt plus max_tokens longer than the context gets fewer tokens
// (finish_reason "length"), and a prompt that fills the context alone is a
// 400 error.
//
// At most Config.Parallel requests generate at once; the others wait in
// line (up to Config.MaxQueue, then 429) until their turn or until their
// client goes away. A client that disconnects stops its generation before
// the next token.
package server

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gpt2go/gpt2"
)

// Config configures a Server. The zero value is usable.
type Config struct {
	// Name is the model id reported by /v1/models and in responses;
	// "" means the model's Name.
	Name string
	// Parallel is the most requests generating at once; 0 means
	// min(GOMAXPROCS, 4). Each running request has its own KV cache.
	Parallel int
	// Threads is the number of worker goroutines per request; 0 means
	// GOMAXPROCS/Parallel (at least 1).
	Threads int
	// MaxQueue is the most requests waiting for a turn; more get 429.
	// 0 means no limit.
	MaxQueue int
	// Log receives one line per request error; nil means log.Printf.
	Log func(format string, args ...any)
}

// Server is an http.Handler serving one model.
type Server struct {
	m     *gpt2.Model
	cfg   Config
	mux   *http.ServeMux
	slots chan *gpt2.Session // a free slot holds its session, or nil before first use

	active, queued atomic.Int64
	tokens         atomic.Int64 // tokens generated since start
	closing        atomic.Bool
	sessions       sync.Mutex
	all            []*gpt2.Session

	onStep func() // test hook: runs before each step is emitted
}

// New returns a server for m, which must stay open while the server runs.
func New(m *gpt2.Model, cfg Config) *Server {
	if cfg.Name == "" {
		cfg.Name = m.Name()
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = min(runtime.GOMAXPROCS(0), 4)
	}
	if cfg.Threads <= 0 {
		cfg.Threads = max(1, runtime.GOMAXPROCS(0)/cfg.Parallel)
	}
	if cfg.Log == nil {
		cfg.Log = log.Printf
	}
	s := &Server{m: m, cfg: cfg, mux: http.NewServeMux(), slots: make(chan *gpt2.Session, cfg.Parallel)}
	for range cfg.Parallel {
		s.slots <- nil
	}
	s.mux.HandleFunc("/v1/completions", s.post(s.completions))
	s.mux.HandleFunc("/v1/chat/completions", s.post(s.chat))
	s.mux.HandleFunc("/v1/models", s.get(s.models))
	s.mux.HandleFunc("/v1/models/{id...}", s.get(s.model))
	s.mux.HandleFunc("/health", s.get(s.health))
	s.mux.HandleFunc("/healthz", s.get(s.health))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{Status: 404, Type: "invalid_request_error",
			Message: fmt.Sprintf("unknown endpoint %s %s", r.Method, r.URL.Path)})
	})
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Stats are the server's counters.
type Stats struct {
	Active, Queued int   // requests generating and waiting
	Tokens         int64 // tokens generated since the server started
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	return Stats{Active: int(s.active.Load()), Queued: int(s.queued.Load()), Tokens: s.tokens.Load()}
}

// Close releases the sessions the server made. Call it after serving ends.
func (s *Server) Close() {
	s.sessions.Lock()
	defer s.sessions.Unlock()
	for _, ss := range s.all {
		ss.Close()
	}
	s.all = nil
}

// Serve serves HTTP on ln until ctx is done, then shuts down: it stops
// accepting connections, lets requests in flight finish for up to grace,
// cancels the generations still running (their clients see the stream end
// or an error) and returns once every handler has returned.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	hs := &http.Server{
		Handler:           s,
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.closing.Store(true)
	sctx, scancel := context.WithTimeout(context.Background(), grace)
	defer scancel()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		// Cancel what is still running and wait for its handlers.
		cancel()
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		err = hs.Shutdown(wctx)
	}
	if err != nil {
		hs.Close()
	}
	<-errc
	return err
}

func (s *Server) post(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return s.method(http.MethodPost, h)
}

func (s *Server) get(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return s.method(http.MethodGet, h)
}

func (s *Server) method(m string, h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != m && !(m == http.MethodGet && r.Method == http.MethodHead) {
			w.Header().Set("Allow", m)
			writeError(w, &apiError{Status: 405, Type: "invalid_request_error",
				Message: fmt.Sprintf("%s %s: use %s", r.Method, r.URL.Path, m)})
			return
		}
		if err := h(w, r); err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				if r.Context().Err() != nil {
					return // the client is gone
				}
				s.cfg.Log("%s %s: %v", r.Method, r.URL.Path, err)
				ae = &apiError{Status: 500, Type: "server_error", Message: err.Error()}
			}
			writeError(w, ae)
		}
	}
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.Status, struct {
		Error *apiError `json:"error"`
	}{e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	st := s.Stats()
	status, code := "ok", 200
	if s.closing.Load() {
		status, code = "shutting down", 503
	}
	writeJSON(w, code, map[string]any{"status": status, "model": s.cfg.Name,
		"active": st.Active, "queued": st.Queued, "parallel": s.cfg.Parallel})
	return nil
}

func (s *Server) info() modelInfo {
	return modelInfo{ID: s.cfg.Name, Object: "model", OwnedBy: "gpt2"}
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, 200, modelList{Object: "list", Data: []modelInfo{s.info()}})
	return nil
}

func (s *Server) model(w http.ResponseWriter, r *http.Request) error {
	if id := r.PathValue("id"); id != s.cfg.Name {
		return withCode(&apiError{Status: 404, Type: "invalid_request_error",
			Message: fmt.Sprintf("the model %q does not exist; this server has %q", id, s.cfg.Name)}, "model_not_found")
	}
	writeJSON(w, 200, s.info())
	return nil
}

// decode reads a JSON request body into v, whatever its Content-Type says
// (curl -d sends JSON as application/x-www-form-urlencoded).
func decode(r *http.Request, w http.ResponseWriter, v any) error {
	body := http.MaxBytesReader(w, r.Body, 8<<20)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return badRequest("", "the request body is empty; want a JSON object")
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{Status: 413, Type: "invalid_request_error", Message: "the request body is larger than 8 MiB"}
		}
		return badRequest("", "the request body is not valid JSON: %v", err)
	}
	return nil
}

// job is one generation a request asks for.
type job struct {
	prompt      []int
	opts        gpt2.GenerateOptions
	topLogprobs int  // candidates per token; -1: no logprobs
	trimLeft    bool // drop the reply's leading white space (chat)
}

// options checks the sampling fields and turns them into a job, with
// defaultMax tokens when max_tokens is absent (0: the rest of the context).
func (s *Server) options(r *samplingRequest, maxTokens *int, prompt []int, defaultMax int) (*job, error) {
	j := &job{prompt: prompt, topLogprobs: -1}
	o := &j.opts
	o.Temperature, o.TopP = 1, 1
	if r.N != nil && *r.N != 1 {
		return nil, badRequest("n", "n must be 1; this server makes one choice per request")
	}
	if t := r.Temperature; t != nil {
		if *t < 0 || *t > 2 {
			return nil, badRequest("temperature", "temperature must be in [0, 2], got %g", *t)
		}
		o.Temperature = *t
	}
	if p := r.TopP; p != nil {
		if !(*p > 0 && *p <= 1) {
			return nil, badRequest("top_p", "top_p must be in (0, 1], got %g", *p)
		}
		o.TopP = *p
	}
	if k := r.TopK; k != nil {
		if *k < 0 {
			return nil, badRequest("top_k", "top_k must be >= 0, got %d", *k)
		}
		o.TopK = *k
	}
	if r.Seed != nil {
		o.Seed = uint64(*r.Seed)
	} else {
		var b [8]byte
		rand.Read(b[:])
		o.Seed = binary.LittleEndian.Uint64(b[:])
	}
	stop, err := parseStop(r.Stop)
	if err != nil {
		return nil, err
	}
	o.Stop = stop
	ctxLen := s.m.ContextLen()
	if len(prompt) >= ctxLen {
		return nil, withCode(badRequest("messages", "this model's maximum context length is %d tokens, but the prompt has %d", ctxLen, len(prompt)), "context_length_exceeded")
	}
	room := ctxLen - max(len(prompt), 1)
	o.MaxTokens = room
	if defaultMax > 0 {
		o.MaxTokens = min(defaultMax, room)
	}
	if maxTokens != nil {
		if *maxTokens < 1 {
			return nil, badRequest("max_tokens", "max_tokens must be at least 1, got %d", *maxTokens)
		}
		o.MaxTokens = min(*maxTokens, room)
	}
	return j, nil
}

func parseStop(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if one == "" {
			return nil, nil
		}
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, badRequest("stop", "stop must be a string or an array of strings")
	}
	if len(many) > 4 {
		return nil, badRequest("stop", "stop may hold at most 4 sequences, got %d", len(many))
	}
	return many, nil
}

// acquire waits for a free slot, or for ctx to end.
func (s *Server) acquire(ctx context.Context) (*gpt2.Session, error) {
	if s.cfg.MaxQueue > 0 && s.queued.Load() >= int64(s.cfg.MaxQueue) && len(s.slots) == 0 {
		return nil, withCode(&apiError{Status: 429, Type: "server_busy",
			Message: fmt.Sprintf("%d requests are already waiting; try again later", s.cfg.MaxQueue)}, "queue_full")
	}
	s.queued.Add(1)
	defer s.queued.Add(-1)
	select {
	case ss := <-s.slots:
		if ss == nil {
			ss = s.m.NewSession(gpt2.SessionOptions{Threads: s.cfg.Threads})
			s.sessions.Lock()
			s.all = append(s.all, ss)
			s.sessions.Unlock()
		}
		s.active.Add(1)
		return ss, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Server) release(ss *gpt2.Session) {
	ss.Reset()
	s.active.Add(-1)
	s.slots <- ss
}

// step is one generated token as the endpoints report it.
type step struct {
	text     string // visible text
	token    string // the token's own text, for logprobs
	bytes    []byte
	logprob  float64
	top      []candidate
	finish   string
	eot      bool // the end-of-text token: no text, no logprobs entry
	hasProbs bool
}

type candidate struct {
	token   string
	bytes   []byte
	logprob float64
}

// run generates j on a free session, calling emit for each step.
func (s *Server) run(ctx context.Context, j *job, emit func(step) error) (gpt2.Result, error) {
	ss, err := s.acquire(ctx)
	if err != nil {
		return gpt2.Result{}, err
	}
	defer s.release(ss)
	started := !j.trimLeft
	for t, err := range ss.GenerateIDs(ctx, j.prompt, j.opts) {
		if err != nil {
			return ss.Result(), err
		}
		st := step{text: t.Text, finish: t.Finish, eot: t.ID == s.m.EOT() && t.Finish != ""}
		if !started {
			st.text = strings.TrimLeftFunc(st.text, unicode.IsSpace)
			started = st.text != ""
		}
		if j.topLogprobs >= 0 && !st.eot {
			st.hasProbs = true
			st.bytes, _ = s.m.TokenBytes(t.ID)
			st.token = string(st.bytes)
			st.logprob = t.Logprob()
			for _, c := range t.TopLogprobs(j.topLogprobs) {
				b, _ := s.m.TokenBytes(c.ID)
				st.top = append(st.top, candidate{string(b), b, c.Logprob})
			}
		}
		if !st.eot {
			s.tokens.Add(1)
		}
		if s.onStep != nil {
			s.onStep()
		}
		if err := emit(st); err != nil {
			return ss.Result(), err
		}
	}
	return ss.Result(), nil
}

func newID(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// sse writes server-sent events.
type sse struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func startSSE(w http.ResponseWriter) *sse {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(200)
	return &sse{w: w, rc: http.NewResponseController(w)}
}

// event writes v as one "data:" event and flushes it.
func (e *sse) event(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return e.raw(b)
}

func (e *sse) raw(b []byte) error {
	if _, err := fmt.Fprintf(e.w, "data: %s\n\n", b); err != nil {
		return err
	}
	return e.rc.Flush()
}

// fail ends a stream that has already started with an error event.
func (e *sse) fail(err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{Status: 500, Type: "server_error", Message: err.Error()}
	}
	e.event(struct {
		Error *apiError `json:"error"`
	}{ae})
}

func ptr[T any](v T) *T { return &v }

// validUTF8 replaces invalid bytes, as encoding/json would.
func validUTF8(s string) string { return strings.ToValidUTF8(s, string(utf8.RuneError)) }
