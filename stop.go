package gpt2

import "strings"

// stopper finds stop sequences in a stream of text. It releases text only
// once no stop sequence can start in it: a tail that is a proper prefix of
// some stop sequence is held back until the next push decides it.
type stopper struct {
	stops   []string
	pending string // text received but not released
}

// newStopper returns a stopper for the non-empty strings of stops.
func newStopper(stops []string) *stopper {
	st := &stopper{}
	for _, s := range stops {
		if s != "" {
			st.stops = append(st.stops, s)
		}
	}
	return st
}

// push adds text and returns the text now safe to release. When a stop
// sequence appears, out is the text before it, stop is that sequence and
// found is true; the stop sequence and everything after it are discarded.
func (st *stopper) push(text string) (out, stop string, found bool) {
	st.pending += text
	at := -1
	for _, s := range st.stops {
		if i := strings.Index(st.pending, s); i >= 0 && (at < 0 || i < at) {
			at, stop = i, s
		}
	}
	if at >= 0 {
		out = st.pending[:at]
		st.pending = ""
		return out, stop, true
	}
	n := len(st.pending) - st.holdback()
	out, st.pending = st.pending[:n], st.pending[n:]
	return out, "", false
}

// holdback is the length of the longest suffix of pending that is a proper
// prefix of a stop sequence.
func (st *stopper) holdback() int {
	h := 0
	for _, s := range st.stops {
		for k := min(len(s)-1, len(st.pending)); k > h; k-- {
			if strings.HasSuffix(st.pending, s[:k]) {
				h = k
				break
			}
		}
	}
	return h
}

// flush releases the held-back text: the stream has ended, so it can no
// longer become a stop sequence.
func (st *stopper) flush() string {
	out := st.pending
	st.pending = ""
	return out
}
