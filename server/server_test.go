package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpt2go/gpt2"
	"github.com/gpt2go/gpt2/internal/testmodel"
)

// testModel is a tiny random GPT-2 with a tokenizer and a context of
// positions tokens.
func testModel(t testing.TB, positions int) *gpt2.Model {
	t.Helper()
	ck, err := testmodel.Checkpoint(positions)
	if err != nil {
		t.Fatal(err)
	}
	m, err := gpt2.New(ck, gpt2.Threads(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// newServer starts an httptest server; it is closed at the end of the test.
func newServer(t testing.TB, m *gpt2.Model, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "test-model"
	}
	cfg.Log = t.Logf
	s := New(m, cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); s.Close() })
	return s, ts
}

func post(t testing.TB, ts *httptest.Server, path, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(ts.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// events reads a server-sent event stream: the data of each event, up to
// and not including [DONE]; done says whether [DONE] came.
func events(t testing.TB, r io.Reader) (data []string, done bool) {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		d, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Fatalf("not an SSE data line: %q", line)
		}
		if d == "[DONE]" {
			for sc.Scan() {
				if sc.Text() != "" {
					t.Errorf("data after [DONE]: %q", sc.Text())
				}
			}
			return data, true
		}
		data = append(data, d)
	}
	return data, false
}

type completion struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Text         string  `json:"text"`
		Index        int     `json:"index"`
		FinishReason *string `json:"finish_reason"`
		Logprobs     *struct {
			Tokens        []string             `json:"tokens"`
			TokenLogprobs []float64            `json:"token_logprobs"`
			TopLogprobs   []map[string]float64 `json:"top_logprobs"`
			TextOffset    []int                `json:"text_offset"`
		} `json:"logprobs"`
		Message *struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"message"`
		Delta *struct {
			Role    string  `json:"role"`
			Content *string `json:"content"`
		} `json:"delta"`
	} `json:"choices"`
	Usage *usage `json:"usage"`
}

func decodeJSON[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return v
}

// direct runs the library the way the server should.
func direct(t testing.TB, m *gpt2.Model, prompt string, o gpt2.GenerateOptions) (string, gpt2.Result) {
	s := m.NewSession(gpt2.SessionOptions{Threads: 1})
	defer s.Close()
	text, err := s.Text(context.Background(), prompt, o)
	if err != nil {
		t.Fatal(err)
	}
	return text, s.Result()
}

func TestCompletions(t *testing.T) {
	m := testModel(t, 64)
	_, ts := newServer(t, m, Config{})
	resp, b := post(t, ts, "/v1/completions", `{"model":"x","prompt":"The fox","max_tokens":8,"temperature":0}`)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	c := decodeJSON[completion](t, b)
	want, _ := direct(t, m, "The fox", gpt2.GenerateOptions{MaxTokens: 8})
	want = asJSON(want)
	ids, _ := m.Encode("The fox")
	if c.Object != "text_completion" || c.Model != "test-model" || !strings.HasPrefix(c.ID, "cmpl-") || c.Created == 0 ||
		len(c.Choices) != 1 || c.Choices[0].Text != want || *c.Choices[0].FinishReason != "length" ||
		*c.Usage != (usage{len(ids), 8, len(ids) + 8}) || c.Choices[0].Logprobs != nil {
		t.Errorf("got %s; want text %q", b, want)
	}
	// Token-id prompts and stop sequences.
	stop := want[2:4]
	_, b = post(t, ts, "/v1/completions", fmt.Sprintf(`{"prompt":%s,"max_tokens":8,"temperature":0,"stop":[%q]}`, mustJSON(ids), stop))
	c = decodeJSON[completion](t, b)
	if c.Choices[0].Text != want[:strings.Index(want, stop)] || *c.Choices[0].FinishReason != "stop" {
		t.Errorf("with stop %q: %s", stop, b)
	}
}

// asJSON is s as it arrives through JSON: invalid UTF-8 bytes become U+FFFD.
func asJSON(s string) string {
	var out string
	json.Unmarshal([]byte(mustJSON(s)), &out)
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCompletionsStream(t *testing.T) {
	m := testModel(t, 64)
	_, ts := newServer(t, m, Config{})
	req := `{"prompt":"The fox","max_tokens":20,"temperature":1.2,"seed":5,"stop":"x","stream":%v,"stream_options":{"include_usage":true}}`
	_, b := post(t, ts, "/v1/completions", fmt.Sprintf(req, false))
	whole := decodeJSON[completion](t, b)

	resp, err := http.Post(ts.URL+"/v1/completions", "application/json", strings.NewReader(fmt.Sprintf(req, true)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, ct)
	}
	data, done := events(t, resp.Body)
	if !done || len(data) < 3 {
		t.Fatalf("done %v, %d events", done, len(data))
	}
	var text strings.Builder
	var finish string
	for i, d := range data {
		c := decodeJSON[completion](t, []byte(d))
		if c.Object != "text_completion" || c.ID != data0ID(t, data) {
			t.Errorf("event %d: %s", i, d)
		}
		if i == len(data)-1 {
			if len(c.Choices) != 0 || c.Usage == nil || *c.Usage != *whole.Usage {
				t.Errorf("usage event %s, want usage %+v", d, *whole.Usage)
			}
			continue
		}
		text.WriteString(c.Choices[0].Text)
		if f := c.Choices[0].FinishReason; f != nil {
			if i != len(data)-2 {
				t.Errorf("finish_reason in event %d of %d", i, len(data))
			}
			finish = *f
		}
	}
	if text.String() != whole.Choices[0].Text || finish != *whole.Choices[0].FinishReason {
		t.Errorf("stream %q (%s), whole %q (%s)", text.String(), finish, whole.Choices[0].Text, *whole.Choices[0].FinishReason)
	}
}

func data0ID(t testing.TB, data []string) string {
	return decodeJSON[completion](t, []byte(data[0])).ID
}

func TestChat(t *testing.T) {
	m := testModel(t, 128)
	_, ts := newServer(t, m, Config{})
	msgs := `[{"role":"system","content":"The dog."},{"role":"user","content":"the fox"},{"role":"assistant","content":"with the dog"},{"role":"user","content":[{"type":"text","text":"the"}]}]`
	req := `{"model":"m","messages":` + msgs + `,"max_tokens":12,"temperature":1,"seed":2,"stream":%v}`
	resp, b := post(t, ts, "/v1/chat/completions", fmt.Sprintf(req, false))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	c := decodeJSON[completion](t, b)
	prompt := gpt2.ChatPrompt([]gpt2.Message{
		{Role: "system", Content: "The dog."}, {Role: "user", Content: "the fox"},
		{Role: "assistant", Content: "with the dog"}, {Role: "user", Content: "the"}})
	want, res := direct(t, m, prompt, gpt2.GenerateOptions{MaxTokens: 12, Temperature: 1, Seed: 2, Stop: []string{"\n"}})
	want = asJSON(strings.TrimLeft(want, " "))
	ids, _ := m.Encode(prompt)
	if c.Object != "chat.completion" || !strings.HasPrefix(c.ID, "chatcmpl-") || len(c.Choices) != 1 ||
		c.Choices[0].Message == nil || c.Choices[0].Message.Role != "assistant" || c.Choices[0].Message.Content != want ||
		*c.Choices[0].FinishReason != res.Finish || *c.Usage != (usage{len(ids), res.Tokens, len(ids) + res.Tokens}) {
		t.Errorf("got %s\nwant content %q, %+v", b, want, res)
	}

	resp, err := http.Post(ts.URL+"/v1/chat/completions", "application/json", strings.NewReader(fmt.Sprintf(req, true)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, done := events(t, resp.Body)
	if !done || len(data) < 2 {
		t.Fatalf("done %v, events %q", done, data)
	}
	var text strings.Builder
	for i, d := range data {
		c := decodeJSON[completion](t, []byte(d))
		if c.Object != "chat.completion.chunk" || len(c.Choices) != 1 || c.Choices[0].Delta == nil {
			t.Fatalf("event %d: %s", i, d)
		}
		delta := c.Choices[0].Delta
		if (i == 0) != (delta.Role == "assistant") {
			t.Errorf("event %d: role %q", i, delta.Role)
		}
		if delta.Content != nil {
			text.WriteString(*delta.Content)
		}
		if f := c.Choices[0].FinishReason; (f != nil) != (i == len(data)-1) || f != nil && *f != res.Finish {
			t.Errorf("event %d: %s", i, d)
		}
	}
	if text.String() != want {
		t.Errorf("streamed %q, want %q", text.String(), want)
	}
}

func TestLogprobs(t *testing.T) {
	m := testModel(t, 64)
	_, ts := newServer(t, m, Config{})
	_, b := post(t, ts, "/v1/completions", `{"prompt":"The fox","max_tokens":5,"temperature":0,"logprobs":3}`)
	c := decodeJSON[completion](t, b)
	lp := c.Choices[0].Logprobs
	if lp == nil || len(lp.Tokens) != 5 || len(lp.TokenLogprobs) != 5 || len(lp.TopLogprobs) != 5 || len(lp.TextOffset) != 5 {
		t.Fatalf("logprobs: %s", b)
	}
	for i, top := range lp.TopLogprobs {
		// Greedy: the chosen token is the most likely one.
		best := -1e9
		for _, v := range top {
			best = max(best, v)
		}
		if len(top) == 0 || len(top) > 3 || lp.TokenLogprobs[i] > 0 || lp.TokenLogprobs[i] != best {
			t.Errorf("token %d: logprob %g, top %v", i, lp.TokenLogprobs[i], top)
		}
	}
	resp, b := post(t, ts, "/v1/chat/completions", `{"messages":[{"role":"user","content":"the"}],"max_tokens":4,"logprobs":true,"top_logprobs":2}`)
	var v struct {
		Choices []struct {
			Logprobs struct {
				Content []struct {
					Token       string  `json:"token"`
					Logprob     float64 `json:"logprob"`
					Bytes       []int   `json:"bytes"`
					TopLogprobs []struct {
						Token   string  `json:"token"`
						Logprob float64 `json:"logprob"`
					} `json:"top_logprobs"`
				} `json:"content"`
			} `json:"logprobs"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(b, &v); err != nil || resp.StatusCode != 200 || len(v.Choices) != 1 || len(v.Choices[0].Logprobs.Content) == 0 {
		t.Fatalf("chat logprobs: %v %s", err, b)
	}
	for _, tok := range v.Choices[0].Logprobs.Content {
		if len(tok.TopLogprobs) != 2 || len(tok.Bytes) == 0 || tok.Logprob > 0 {
			t.Errorf("token %+v", tok)
		}
	}
}

func TestBadRequests(t *testing.T) {
	m := testModel(t, 64)
	_, ts := newServer(t, m, Config{})
	long := strings.Repeat(" the", 80)
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		param                    string
	}{
		{"not JSON", "POST", "/v1/completions", `{"prompt":`, 400, ""},
		{"empty body", "POST", "/v1/completions", ``, 400, ""},
		{"no prompt", "POST", "/v1/completions", `{"max_tokens":3}`, 400, "prompt"},
		{"prompt type", "POST", "/v1/completions", `{"prompt":{"a":1}}`, 400, "prompt"},
		{"two prompts", "POST", "/v1/completions", `{"prompt":["a","b"]}`, 400, "prompt"},
		{"bad id", "POST", "/v1/completions", `{"prompt":[1,5000]}`, 400, "prompt"},
		{"n", "POST", "/v1/completions", `{"prompt":"a","n":2}`, 400, "n"},
		{"temperature", "POST", "/v1/completions", `{"prompt":"a","temperature":3}`, 400, "temperature"},
		{"top_p", "POST", "/v1/completions", `{"prompt":"a","top_p":0}`, 400, "top_p"},
		{"top_k", "POST", "/v1/completions", `{"prompt":"a","top_k":-1}`, 400, "top_k"},
		{"max_tokens", "POST", "/v1/completions", `{"prompt":"a","max_tokens":0}`, 400, "max_tokens"},
		{"stop count", "POST", "/v1/completions", `{"prompt":"a","stop":["a","b","c","d","e"]}`, 400, "stop"},
		{"stop type", "POST", "/v1/completions", `{"prompt":"a","stop":3}`, 400, "stop"},
		{"logprobs", "POST", "/v1/completions", `{"prompt":"a","logprobs":6}`, 400, "logprobs"},
		{"echo", "POST", "/v1/completions", `{"prompt":"a","echo":true}`, 400, "echo"},
		{"too long", "POST", "/v1/completions", `{"prompt":"` + long + `"}`, 400, "messages"},
		{"no messages", "POST", "/v1/chat/completions", `{"messages":[]}`, 400, "messages"},
		{"role", "POST", "/v1/chat/completions", `{"messages":[{"role":"tool","content":"x"}]}`, 400, "messages"},
		{"content", "POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}`, 400, "messages"},
		{"top_logprobs alone", "POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"top_logprobs":2}`, 400, "top_logprobs"},
		{"top_logprobs range", "POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"logprobs":true,"top_logprobs":21}`, 400, "top_logprobs"},
		{"method", "GET", "/v1/completions", ``, 405, ""},
		{"unknown", "POST", "/v1/engines", `{}`, 404, ""},
		{"unknown model", "GET", "/v1/models/gpt-4", ``, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var e struct {
				Error struct {
					Message string  `json:"message"`
					Type    string  `json:"type"`
					Param   *string `json:"param"`
				} `json:"error"`
			}
			if err := json.Unmarshal(b, &e); err != nil || resp.StatusCode != tc.status || e.Error.Message == "" || e.Error.Type == "" ||
				resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d, body %s; want %d with an error object", resp.StatusCode, b, tc.status)
			}
			if tc.param != "" && (e.Error.Param == nil || *e.Error.Param != tc.param) {
				t.Errorf("param %v, want %q (%s)", e.Error.Param, tc.param, b)
			}
		})
	}
}

func TestModelsAndHealth(t *testing.T) {
	m := testModel(t, 64)
	_, ts := newServer(t, m, Config{Parallel: 3})
	for path, want := range map[string]string{
		"/v1/models":            `{"object":"list","data":[{"id":"test-model","object":"model","created":0,"owned_by":"gpt2"}]}`,
		"/v1/models/test-model": `{"id":"test-model","object":"model","created":0,"owned_by":"gpt2"}`,
		"/health":               `{"active":0,"model":"test-model","parallel":3,"queued":0,"status":"ok"}`,
	} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != want {
			t.Errorf("%s: %d %s; want %s", path, resp.StatusCode, b, want)
		}
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestClientDisconnectStopsGeneration(t *testing.T) {
	m := testModel(t, 256)
	s, ts := newServer(t, m, Config{Parallel: 1})
	s.onStep = func() { time.Sleep(5 * time.Millisecond) }
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/v1/completions",
		strings.NewReader(`{"prompt":"The fox","max_tokens":200,"temperature":1,"stream":true}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	cancel()
	resp.Body.Close()
	waitFor(t, "the generation to stop", func() bool { return s.Stats().Active == 0 })
	if n := s.Stats().Tokens; n > 50 {
		t.Errorf("%d tokens generated after the client left", n)
	}
	// The slot is free again.
	resp2, b := post(t, ts, "/v1/completions", `{"prompt":"The fox","max_tokens":2}`)
	if resp2.StatusCode != 200 {
		t.Errorf("after disconnect: %d %s", resp2.StatusCode, b)
	}
}

func TestQueue(t *testing.T) {
	m := testModel(t, 64)
	s, ts := newServer(t, m, Config{Parallel: 1, MaxQueue: 1})
	gate := make(chan struct{})
	var once sync.Once
	s.onStep = func() { once.Do(func() { <-gate }) }

	type reply struct {
		status int
		body   []byte
	}
	results := make(chan reply, 2)
	send := func(ctx context.Context) {
		req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/v1/completions", strings.NewReader(`{"prompt":"The fox","max_tokens":3}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			results <- reply{0, []byte(err.Error())}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		results <- reply{resp.StatusCode, b}
	}
	go send(context.Background()) // runs, held at its first token
	waitFor(t, "the first request to run", func() bool { return s.Stats().Active == 1 })

	// A queued request whose client gives up leaves the queue.
	ctx, cancel := context.WithCancel(context.Background())
	go send(ctx)
	waitFor(t, "a request to queue", func() bool { return s.Stats().Queued == 1 })
	cancel()
	waitFor(t, "the cancelled request to leave", func() bool { return s.Stats().Queued == 0 })
	if r := <-results; r.status != 0 {
		t.Errorf("cancelled request: %d %s", r.status, r.body)
	}

	go send(context.Background())
	waitFor(t, "a request to queue", func() bool { return s.Stats().Queued == 1 })
	// The queue is full: 429.
	resp, b := post(t, ts, "/v1/completions", `{"prompt":"The fox","max_tokens":3}`)
	if resp.StatusCode != 429 || !bytes.Contains(b, []byte(`"queue_full"`)) {
		t.Errorf("over the queue limit: %d %s", resp.StatusCode, b)
	}
	close(gate)
	for range 2 {
		if r := <-results; r.status != 200 {
			t.Errorf("queued request: %d %s", r.status, r.body)
		}
	}
}

// TestConcurrentRequests sends many requests at once and checks each
// against the same request sent alone.
func TestConcurrentRequests(t *testing.T) {
	m := testModel(t, 128)
	_, ts := newServer(t, m, Config{Parallel: 4, Threads: 1})
	const N = 16
	body := func(i int) string {
		return fmt.Sprintf(`{"prompt":"The fox %d","max_tokens":24,"temperature":1,"top_k":30,"seed":%d,"stream":%v}`, i, i, i%2 == 0)
	}
	text := func(b []byte, stream bool) string {
		if !stream {
			return decodeJSON[completion](t, b).Choices[0].Text
		}
		data, done := events(t, bytes.NewReader(b))
		if !done {
			t.Errorf("stream without [DONE]")
		}
		var s strings.Builder
		for _, d := range data {
			if c := decodeJSON[completion](t, []byte(d)); len(c.Choices) > 0 {
				s.WriteString(c.Choices[0].Text)
			}
		}
		return s.String()
	}
	want := make([]string, N)
	for i := range N {
		_, b := post(t, ts, "/v1/completions", body(i))
		want[i] = text(b, i%2 == 0)
	}
	got := make([]string, N)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range N {
		wg.Go(func() {
			_, b := post(t, ts, "/v1/completions", body(i))
			got[i] = text(b, i%2 == 0)
		})
	}
	wg.Wait()
	t.Logf("%d concurrent requests in %v", N, time.Since(start))
	for i := range N {
		if got[i] != want[i] {
			t.Errorf("request %d: concurrent %q, alone %q", i, got[i], want[i])
		}
	}
}

func TestShutdown(t *testing.T) {
	m := testModel(t, 256)
	s := New(m, Config{Parallel: 2, Log: t.Logf})
	defer s.Close()
	s.onStep = func() { time.Sleep(2 * time.Millisecond) }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln, 100*time.Millisecond) }()
	url := "http://" + ln.Addr().String()

	// A short request finishes within the grace period; a long stream is
	// cut when it ends.
	short := make(chan int, 1)
	long, err := http.Post(url+"/v1/completions", "application/json", strings.NewReader(`{"prompt":"The","max_tokens":250,"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer long.Body.Close()
	br := bufio.NewReader(long.Body)
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	go func() {
		resp, err := http.Post(url+"/v1/completions", "application/json", strings.NewReader(`{"prompt":"The","max_tokens":10}`))
		if err != nil {
			short <- 0
			return
		}
		resp.Body.Close()
		short <- resp.StatusCode
	}()
	waitFor(t, "both requests to run", func() bool { return s.Stats().Active == 2 })
	stop()
	if code := <-short; code != 200 {
		t.Errorf("request in flight at shutdown: status %d", code)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	rest, _ := io.ReadAll(br)
	if bytes.Contains(rest, []byte("[DONE]")) {
		t.Errorf("the long stream completed: %d tokens", s.Stats().Tokens)
	}
	if s.Stats().Active != 0 {
		t.Errorf("%d requests still active", s.Stats().Active)
	}
}
