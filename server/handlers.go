package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gpt2go/gpt2"
)

// completionPrompt reads the prompt field: a string, an array of token
// ids, or a one-element array of either.
func (s *Server) completionPrompt(raw json.RawMessage) ([]int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, badRequest("prompt", "prompt is required")
	}
	var text string
	if json.Unmarshal(raw, &text) == nil {
		return s.encode(text)
	}
	var ids []int
	if json.Unmarshal(raw, &ids) == nil {
		return ids, s.checkIDs(ids)
	}
	var texts []string
	if json.Unmarshal(raw, &texts) == nil && len(texts) == 1 {
		return s.encode(texts[0])
	}
	var idss [][]int
	if json.Unmarshal(raw, &idss) == nil && len(idss) == 1 {
		return idss[0], s.checkIDs(idss[0])
	}
	if json.Unmarshal(raw, &texts) == nil || json.Unmarshal(raw, &idss) == nil {
		return nil, badRequest("prompt", "only one prompt per request is supported")
	}
	return nil, badRequest("prompt", "prompt must be a string or an array of token ids")
}

func (s *Server) encode(text string) ([]int, error) {
	ids, err := s.m.Encode(text)
	if err != nil {
		return nil, badRequest("prompt", "this model takes token ids only: %v", err)
	}
	return ids, nil
}

func (s *Server) checkIDs(ids []int) error {
	for _, id := range ids {
		if id < 0 || id >= s.m.VocabSize() {
			return badRequest("prompt", "token id %d is outside the vocabulary [0, %d)", id, s.m.VocabSize())
		}
	}
	return nil
}

func (s *Server) completions(w http.ResponseWriter, r *http.Request) error {
	var req completionRequest
	if err := decode(r, w, &req); err != nil {
		return err
	}
	prompt, err := s.completionPrompt(req.Prompt)
	if err != nil {
		return err
	}
	switch {
	case req.Echo:
		return badRequest("echo", "echo is not supported")
	case req.BestOf != nil && *req.BestOf != 1:
		return badRequest("best_of", "best_of must be 1")
	case req.Suffix != nil && *req.Suffix != "":
		return badRequest("suffix", "suffix is not supported")
	}
	j, err := s.options(&req.samplingRequest, req.MaxTokens, prompt, 16)
	if err != nil {
		return err
	}
	if n := req.Logprobs; n != nil {
		if *n < 0 || *n > 5 {
			return badRequest("logprobs", "logprobs must be in [0, 5], got %d", *n)
		}
		j.topLogprobs = *n
	}
	id, created := newID("cmpl-"), time.Now().Unix()
	chunk := func(text string, lp *completionLogprobs, finish *string) completionResponse {
		return completionResponse{ID: id, Object: "text_completion", Created: created, Model: s.cfg.Name,
			Choices: []completionChoice{{Text: text, Logprobs: lp, FinishReason: finish}}}
	}
	var (
		text   strings.Builder
		all    *completionLogprobs
		stream *sse
	)
	if j.topLogprobs >= 0 {
		all = &completionLogprobs{}
	}
	res, err := s.run(r.Context(), j, func(st step) error {
		var lp *completionLogprobs
		if st.hasProbs {
			lp = &completionLogprobs{}
			if !req.Stream {
				lp = all
			}
			top := map[string]float64{}
			for _, c := range st.top {
				top[validUTF8(c.token)] = c.logprob
			}
			lp.Tokens = append(lp.Tokens, validUTF8(st.token))
			lp.TokenLogprobs = append(lp.TokenLogprobs, st.logprob)
			lp.TopLogprobs = append(lp.TopLogprobs, top)
			lp.TextOffset = append(lp.TextOffset, text.Len())
		}
		text.WriteString(st.text)
		if !req.Stream {
			return nil
		}
		if stream == nil {
			stream = startSSE(w)
		}
		if st.text != "" || lp != nil {
			if err := stream.event(chunk(st.text, lp, nil)); err != nil {
				return err
			}
		}
		if st.finish != "" {
			return stream.event(chunk("", nil, &st.finish))
		}
		return nil
	})
	u := &usage{PromptTokens: len(prompt), CompletionTokens: res.Tokens, TotalTokens: len(prompt) + res.Tokens}
	if !req.Stream {
		if err != nil {
			return err
		}
		resp := chunk(text.String(), all, &res.Finish)
		resp.Usage = u
		writeJSON(w, 200, resp)
		return nil
	}
	return s.endStream(r, stream, err, req.StreamOpts != nil && req.StreamOpts.IncludeUsage, func() any {
		c := chunk("", nil, nil)
		c.Choices, c.Usage = []completionChoice{}, u
		return c
	})
}

// endStream finishes a server-sent event stream: the usage chunk if asked
// for and [DONE], or an error event (or, if nothing was sent yet, an
// ordinary error response).
func (s *Server) endStream(r *http.Request, stream *sse, err error, includeUsage bool, usageChunk func() any) error {
	if err != nil {
		if stream == nil {
			return err
		}
		if r.Context().Err() == nil {
			s.cfg.Log("%s %s: %v", r.Method, r.URL.Path, err)
			stream.fail(err)
		}
		return nil
	}
	if includeUsage {
		if err := stream.event(usageChunk()); err != nil {
			return nil
		}
	}
	stream.raw([]byte("[DONE]"))
	return nil
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) error {
	var req chatRequest
	if err := decode(r, w, &req); err != nil {
		return err
	}
	if len(req.Messages) == 0 {
		return badRequest("messages", "messages must hold at least one message")
	}
	msgs := make([]gpt2.Message, len(req.Messages))
	for i, m := range req.Messages {
		text, err := m.text()
		if err != nil {
			return badRequest("messages", "messages[%d]: %v", i, err)
		}
		switch m.Role {
		case "system", "developer":
			msgs[i] = gpt2.Message{Role: gpt2.RoleSystem, Content: text}
		case "user", "assistant":
			msgs[i] = gpt2.Message{Role: m.Role, Content: text}
		default:
			return badRequest("messages", "messages[%d]: role %q is not supported (system, user or assistant)", i, m.Role)
		}
	}
	prompt, err := s.encode(gpt2.ChatPrompt(msgs))
	if err != nil {
		return err
	}
	maxTokens := req.MaxTokens
	if req.MaxCompletionTokens != nil {
		maxTokens = req.MaxCompletionTokens
	}
	j, err := s.options(&req.samplingRequest, maxTokens, prompt, 0)
	if err != nil {
		return err
	}
	j.opts.Stop = append(j.opts.Stop, gpt2.ChatStop)
	j.trimLeft = true
	switch {
	case req.Logprobs && req.TopLogprobs != nil && (*req.TopLogprobs < 0 || *req.TopLogprobs > 20):
		return badRequest("top_logprobs", "top_logprobs must be in [0, 20], got %d", *req.TopLogprobs)
	case req.Logprobs && req.TopLogprobs != nil:
		j.topLogprobs = *req.TopLogprobs
	case req.Logprobs:
		j.topLogprobs = 0
	case req.TopLogprobs != nil:
		return badRequest("top_logprobs", "top_logprobs needs logprobs: true")
	}

	id, created := newID("chatcmpl-"), time.Now().Unix()
	object := "chat.completion"
	if req.Stream {
		object = "chat.completion.chunk"
	}
	resp := func(c chatChoice) chatResponse {
		return chatResponse{ID: id, Object: object, Created: created, Model: s.cfg.Name, Choices: []chatChoice{c}}
	}
	var (
		text   strings.Builder
		all    *chatLogprobs
		stream *sse
	)
	if j.topLogprobs >= 0 {
		all = &chatLogprobs{Content: []tokenLogprob{}}
	}
	res, err := s.run(r.Context(), j, func(st step) error {
		var lp *chatLogprobs
		if st.hasProbs {
			lp = &chatLogprobs{}
			if !req.Stream {
				lp = all
			}
			t := tokenLogprob{Token: validUTF8(st.token), Logprob: st.logprob, Bytes: ints(st.bytes), TopLogprobs: []tokenLogprob{}}
			for _, c := range st.top {
				t.TopLogprobs = append(t.TopLogprobs, tokenLogprob{Token: validUTF8(c.token), Logprob: c.logprob, Bytes: ints(c.bytes)})
			}
			lp.Content = append(lp.Content, t)
		}
		text.WriteString(st.text)
		if !req.Stream {
			return nil
		}
		if stream == nil {
			stream = startSSE(w)
			if err := stream.event(resp(chatChoice{Delta: &chatOut{Role: "assistant", Content: ptr("")}})); err != nil {
				return err
			}
		}
		if st.text != "" || lp != nil {
			if err := stream.event(resp(chatChoice{Delta: &chatOut{Content: ptr(st.text)}, Logprobs: lp})); err != nil {
				return err
			}
		}
		if st.finish != "" {
			return stream.event(resp(chatChoice{Delta: &chatOut{}, FinishReason: &st.finish}))
		}
		return nil
	})
	u := &usage{PromptTokens: len(prompt), CompletionTokens: res.Tokens, TotalTokens: len(prompt) + res.Tokens}
	if !req.Stream {
		if err != nil {
			return err
		}
		c := resp(chatChoice{Message: &chatOut{Role: "assistant", Content: ptr(text.String())}, Logprobs: all, FinishReason: &res.Finish})
		c.Usage = u
		writeJSON(w, 200, c)
		return nil
	}
	return s.endStream(r, stream, err, req.StreamOpts != nil && req.StreamOpts.IncludeUsage, func() any {
		c := resp(chatChoice{})
		c.Choices, c.Usage = []chatChoice{}, u
		return c
	})
}

func ints(b []byte) []int {
	out := make([]int, len(b))
	for i, c := range b {
		out[i] = int(c)
	}
	return out
}
