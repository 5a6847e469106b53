package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// runCmd runs the command in-process and returns stdout, stderr and the exit code.
func runCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return out.String(), errb.String(), code
}

const tinyModel = "../../testdata/tiny/f32"

func TestGenerateFormats(t *testing.T) {
	// Greedy continuation of ids [0] from the NumPy reference (testdata/tiny/golden.json).
	want := "116 116 116 116 116 116 116 116"
	out, stderr, code := runCmd(t, "generate", "--model", tinyModel, "--prompt-ids", "0", "--temperature", "0", "--max-tokens", "8", "--format", "ids")
	if code != 0 || strings.TrimSpace(out) != want {
		t.Fatalf("ids: code %d, out %q, stderr %q; want %q", code, out, stderr, want)
	}
	out, _, code = runCmd(t, "generate", "--model", tinyModel, "--prompt-ids", "0", "--temperature", "0", "--max-tokens", "8", "--format", "json")
	var v struct {
		PromptIDs []int  `json:"prompt_ids"`
		IDs       []int  `json:"ids"`
		Stop      string `json:"stop_reason"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || len(v.IDs) != 8 || v.Stop != "max_tokens" || len(v.PromptIDs) != 1 {
		t.Fatalf("json: code %d, out %q", code, out)
	}
}

func TestGenerateSeeded(t *testing.T) {
	args := []string{"generate", "--model", tinyModel, "--prompt-ids", "5,6,7", "--temperature", "1.5", "--top-k", "0", "--max-tokens", "20", "--format", "ids"}
	a, _, _ := runCmd(t, append(args, "--seed", "3")...)
	b, _, _ := runCmd(t, append(args, "--seed", "3")...)
	c, _, _ := runCmd(t, append(args, "--seed", "4")...)
	if a != b || a == c {
		t.Errorf("seed 3 twice: %q, %q; seed 4: %q", a, b, c)
	}
}

func TestGenerateStopsAtContext(t *testing.T) {
	// The tiny model has 64 positions: a 60-token prompt leaves room for 4 tokens.
	ids := strings.Repeat("1,", 59) + "1"
	out, _, code := runCmd(t, "generate", "--model", tinyModel, "--prompt-ids", ids, "--max-tokens", "50", "--format", "json", "--seed", "1")
	var v struct {
		IDs  []int  `json:"ids"`
		Stop string `json:"stop_reason"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
		t.Fatalf("code %d, out %q", code, out)
	}
	if v.Stop != "context" || len(v.IDs) != 5 {
		t.Errorf("stop %q after %d tokens, want context after 5 (positions 60..63 plus the token predicted at 63)", v.Stop, len(v.IDs))
	}
}

func TestGenerateErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--prompt-ids", "1,300"}, "outside the vocabulary"},
		{[]string{"--prompt-ids", "1,x"}, "not a non-negative integer"},
		{[]string{"--prompt-ids", strings.Repeat("1,", 64) + "1"}, "context"},
		{[]string{"--prompt-ids", "1", "--temperature", "-1"}, "temperature"},
		{[]string{"--prompt-ids", "1", "--top-p", "0"}, "top-p"},
		{[]string{"--prompt-ids", "1", "--top-k", "-2"}, "top-k"},
		{[]string{"--prompt-ids", "1", "--max-tokens", "-1"}, "max-tokens"},
		{[]string{"--prompt-ids", "1", "--format", "xml"}, "format"},
		{[]string{"--prompt-ids", "1", "--quantize", "q3"}, "quantize"},
		{[]string{"--prompt-ids", "1", "--format", "text"}, "vocab.json"},
		{[]string{"--prompt-ids", "1", "--nope"}, "nope"},
	} {
		args := append([]string{"generate", "--model", tinyModel, "--format", "ids"}, tc.args...)
		_, stderr, code := runCmd(t, args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want non-zero exit and %q", tc.args, code, stderr, tc.want)
		}
	}
	_, stderr, code := runCmd(t, "generate", "--model", "/does/not/exist", "hi")
	if code == 0 || !strings.Contains(stderr, "/does/not/exist") {
		t.Errorf("missing model: exit %d, stderr %q", code, stderr)
	}
	_, _, code = runCmd(t, "frobnicate")
	if code == 0 {
		t.Error("unknown command exited 0")
	}
}

// TestGenerateTextMatchesIDs runs the demo model (the default) with one seed
// in the three formats: the streamed text must be byte-identical to the
// decoding of the ids, and the ids the same in every format.
func TestGenerateTextMatchesIDs(t *testing.T) {
	args := []string{"generate", "Light is", "--seed", "7", "--max-tokens", "40", "--temperature", "1.2"}
	text, stderr, code := runCmd(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "demo model") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr should say in one line that the demo model is used, got %q", stderr)
	}
	ids, _, _ := runCmd(t, append(args, "--format", "ids")...)
	js, _, _ := runCmd(t, append(args, "--format", "json")...)
	var v struct {
		IDs  []int  `json:"ids"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatal(err)
	}
	// The text form ends with one newline; json and detokenize give the bytes alone.
	if v.Text+"\n" != text {
		t.Errorf("streamed text %q differs from the decoded ids %q", text, v.Text)
	}
	decoded, _, code := runCmd(t, append([]string{"detokenize"}, strings.Fields(ids)...)...)
	if code != 0 || decoded+"\n" != text {
		t.Errorf("detokenize of the ids gives %q, streamed %q", decoded, text)
	}
}

func TestTokenizeRoundTrip(t *testing.T) {
	text := "Light is refracted  by\tthe Prism; <|endoftext|> 12345 é"
	ids, stderr, code := runCmd(t, "tokenize", text)
	if code != 0 {
		t.Fatalf("tokenize: exit %d: %s", code, stderr)
	}
	back, _, code := runCmd(t, append([]string{"detokenize"}, strings.Fields(ids)...)...)
	if code != 0 || back != text {
		t.Errorf("round trip: %q, want %q", back, text)
	}
	special, _, _ := runCmd(t, "tokenize", "--special", "<|endoftext|>")
	if strings.TrimSpace(special) != "2047" {
		t.Errorf("--special <|endoftext|> = %q, want the demo vocabulary's id 2047", special)
	}
	plain, _, _ := runCmd(t, "tokenize", "<|endoftext|>")
	if len(strings.Fields(plain)) < 2 {
		t.Errorf("without --special, <|endoftext|> should be ordinary text, got %q", plain)
	}
	_, stderr, code = runCmd(t, "detokenize", "5000")
	if code == 0 || !strings.Contains(stderr, "5000") {
		t.Errorf("detokenize of an unknown id: exit %d, %q", code, stderr)
	}
}

// TestDemoExport writes the demo model out and loads it back as an ordinary
// directory: the same seed must give the same text.
func TestDemoExport(t *testing.T) {
	dir := t.TempDir() + "/demo"
	if _, stderr, code := runCmd(t, "demo", "export", dir); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	if _, stderr, code := runCmd(t, "demo", "export", dir); code == 0 || !strings.Contains(stderr, "already exists") {
		t.Errorf("second export into the same directory: exit %d, %q", code, stderr)
	}
	args := []string{"generate", "The Rays of", "--seed", "3", "--max-tokens", "30"}
	want, _, _ := runCmd(t, args...)
	got, stderr, code := runCmd(t, append(args, "--model", dir)...)
	if code != 0 || got != want || strings.Contains(stderr, "demo model") {
		t.Errorf("exported model: exit %d, %q (stderr %q); built-in: %q", code, got, stderr, want)
	}
}

func TestInfo(t *testing.T) {
	// The tiny checkpoint: 3 layers of 48 dims, context 64 (testdata/tiny/f32/config.json):
	// 3·2·48 keys and values a position.
	for _, c := range []struct{ kv, want string }{
		{"f32", "kv cache:    f32, 0.07 MB for the full context (1.2 KB a position)"},
		{"f16", "kv cache:    f16, 0.04 MB for the full context (0.6 KB a position)"},
	} {
		out, stderr, code := runCmd(t, "info", "--model", tinyModel, "--kv-cache", c.kv)
		if code != 0 || !strings.Contains(out, c.want) || !strings.Contains(out, "kernels:") {
			t.Errorf("--kv-cache %s: code %d, stderr %q, out:\n%s\nwant a line %q", c.kv, code, stderr, out, c.want)
		}
	}
	if _, stderr, code := runCmd(t, "info", "--model", tinyModel, "--kv-cache", "f8"); code == 0 || !strings.Contains(stderr, "--kv-cache") {
		t.Errorf("--kv-cache f8: code %d, stderr %q", code, stderr)
	}
}
