package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpt2go/gpt2/internal/testmodel"
)

// textModel writes a tiny random model with a tokenizer to a directory.
func textModel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := testmodel.WriteDir(dir, 128); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestChatCommand(t *testing.T) {
	dir := textModel(t)
	stdin = strings.NewReader("hello there\n/reset\nwhat is light?\n")
	defer func() { stdin = os.Stdin }()
	var out, errb bytes.Buffer
	if code := run([]string{"chat", "--model", dir, "--max-tokens", "60", "--seed", "1", "--stats"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	replies := regexp.MustCompile(`Assistant: ([^\n]*)\n`).FindAllStringSubmatch(out.String(), -1)
	if len(replies) != 2 || strings.Count(errb.String(), "reply tokens") != 2 || !strings.Contains(errb.String(), "(conversation cleared)") {
		t.Errorf("stdout %q\nstderr %q", out.String(), errb.String())
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeCommand(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sends itself SIGINT")
	}
	dir := textModel(t)
	var errb syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- run([]string{"serve", "--model", dir, "--addr", "127.0.0.1:0", "--name", "tiny"}, io.Discard, &errb)
	}()
	re := regexp.MustCompile(`on (http://[0-9.:]+) `)
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if m := re.FindStringSubmatch(errb.String()); m != nil {
			url = m[1]
		}
		select {
		case code := <-exit:
			t.Fatalf("serve exited with %d: %s", code, errb.String())
		default:
		}
	}
	if url == "" {
		t.Fatalf("serve did not start: %s", errb.String())
	}
	resp, err := http.Post(url+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"tiny","messages":[{"role":"user","content":"Hello"}],"max_tokens":5}`))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Model   string `json:"model"`
		Choices []struct {
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
	}
	err = json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || v.Model != "tiny" || len(v.Choices) != 1 {
		t.Errorf("status %d, %+v, %v", resp.StatusCode, v, err)
	}
	p, _ := os.FindProcess(os.Getpid())
	p.Signal(os.Interrupt)
	select {
	case code := <-exit:
		if code != 0 || !strings.Contains(errb.String(), "stopped after") {
			t.Errorf("exit %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop on SIGINT")
	}
}
