package tokenizer

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestStreamDecoder pushes each corpus case token by token: every chunk must
// be valid UTF-8 and the chunks must add up to Decode.
func TestStreamDecoder(t *testing.T) {
	tok := mustGPT2(t)
	held := 0 // pushes that held back part of a character
	for _, c := range readCorpus(t) {
		d := NewStreamDecoder(tok)
		var got strings.Builder
		for _, id := range c.Special {
			chunk, err := d.Push(id)
			if err != nil {
				t.Fatal(err)
			}
			if !utf8.ValidString(chunk) {
				t.Errorf("%s: Push(%d) = %q, not valid UTF-8", c.Name, id, chunk)
			}
			if len(d.pending) > 0 {
				held++
			}
			got.WriteString(chunk)
		}
		got.WriteString(d.Flush())
		if want, _ := tok.Decode(c.Special); got.String() != want {
			t.Errorf("%s: stream = %q, want %q", c.Name, got.String(), want)
		}
	}
	if held == 0 {
		t.Error("no corpus case split a character across tokens")
	}
}

// byteToken returns the GPT-2 id of the single-byte token b.
func byteToken(t *testing.T, tok *Tokenizer, b byte) int {
	t.Helper()
	for id := range 256 {
		if tb, _ := tok.TokenBytes(id); len(tb) == 1 && tb[0] == b {
			return id
		}
	}
	t.Fatalf("no token for byte %#x", b)
	return -1
}

func TestStreamDecoderBytes(t *testing.T) {
	tok := mustGPT2(t)
	for _, tc := range []struct {
		name   string
		in     string
		chunks []string // one per pushed byte, then Flush
	}{
		{"emoji", "🍕", []string{"", "", "", "🍕", ""}},
		{"cjk then ascii", "语a", []string{"", "", "语", "a", ""}},
		{"invalid byte", "\xffa", []string{"\xff", "a", ""}},
		{"continuation alone", "\x80\x80", []string{"\x80", "\x80", ""}},
		{"bad second byte", "\xe0\x41", []string{"", "\xe0A", ""}},
		{"truncated at end", "a\xe4\xbd", []string{"a", "", "", "\xe4\xbd"}},
		{"new lead after truncated", "\xe4\xe4\xbd\xa0", []string{"", "\xe4", "", "你", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewStreamDecoder(tok)
			var got []string
			for i := 0; i < len(tc.in); i++ {
				s, err := d.Push(byteToken(t, tok, tc.in[i]))
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, s)
			}
			got = append(got, d.Flush())
			if strings.Join(got, "|") != strings.Join(tc.chunks, "|") {
				t.Errorf("chunks = %q, want %q", got, tc.chunks)
			}
		})
	}
}

func TestStreamDecoderUnknownID(t *testing.T) {
	tok := mustGPT2(t)
	d := NewStreamDecoder(tok)
	if _, err := d.Push(byteToken(t, tok, 0xe4)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Push(tok.VocabSize()); err == nil {
		t.Error("Push of an unknown id succeeded")
	}
	if got := d.Flush(); got != "\xe4" {
		t.Errorf("Flush() = %q after failed Push, want %q", got, "\xe4")
	}
}
