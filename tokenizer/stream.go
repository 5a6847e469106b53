package tokenizer

import "unicode/utf8"

// StreamDecoder decodes a stream of token ids into text, holding back a UTF-8
// sequence split across tokens until it is complete. A StreamDecoder is not
// safe for concurrent use.
type StreamDecoder struct {
	t       *Tokenizer
	pending []byte // undelivered bytes: at most an incomplete UTF-8 sequence between calls
}

// NewStreamDecoder returns a StreamDecoder that decodes ids of t.
func NewStreamDecoder(t *Tokenizer) *StreamDecoder {
	return &StreamDecoder{t: t}
}

// Push adds token id to the stream and returns the text that is now complete:
// everything pending except an incomplete UTF-8 sequence at the end. Invalid
// bytes that cannot start a valid sequence are returned as they are. On an
// unknown id it returns an error and leaves the stream unchanged.
func (d *StreamDecoder) Push(id int) (string, error) {
	b, err := d.t.token(id)
	if err != nil {
		return "", err
	}
	d.pending = append(d.pending, b...)
	n := completeLen(d.pending)
	out := string(d.pending[:n])
	d.pending = d.pending[:copy(d.pending, d.pending[n:])]
	return out, nil
}

// Flush returns whatever is pending, even an incomplete UTF-8 sequence, and
// resets the stream.
func (d *StreamDecoder) Flush() string {
	out := string(d.pending)
	d.pending = d.pending[:0]
	return out
}

// completeLen returns the length of p without a trailing incomplete (but so
// far valid) UTF-8 sequence.
func completeLen(p []byte) int {
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax+1; i-- {
		switch {
		case p[i] < utf8.RuneSelf:
			return len(p)
		case p[i] >= 0xC0: // lead byte (or invalid, which FullRune reports as full)
			if !utf8.FullRune(p[i:]) {
				return i
			}
			return len(p)
		}
		// Continuation byte: keep looking for its lead byte.
	}
	return len(p)
}
