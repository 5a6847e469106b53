package tokenizer

import (
	"container/heap"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// tiktoken-go merges a piece (one regex match) in O(n²) time, which is fine
// for words but takes seconds for a run of ~10⁴ letters, digits or
// punctuation and minutes beyond. Text that may hold such a piece is split
// here instead: runs of ordinary pieces still go to tiktoken-go, and each long
// piece is merged by mergeLong, the same algorithm in O(n log n).

// longPiece is the piece length in bytes above which mergeLong is used.
const longPiece = 256

// mayHaveLongPiece reports whether text may contain a piece longer than
// longPiece bytes: a piece is at most a space and a run of one character
// class, so a text without a class run of longPiece/utf8.UTFMax runes has none.
func mayHaveLongPiece(text string) bool {
	if len(text) <= longPiece {
		return false
	}
	run, prev := 0, -1
	for _, r := range text {
		c := charClass(r)
		if c == prev {
			run++
		} else {
			run, prev = 1, c
		}
		if run >= longPiece/utf8.UTFMax-1 {
			return true
		}
	}
	return false
}

// charClass approximates the classes of gpt2Pattern: letter, number, space,
// other. A mistake here costs time, never correctness.
func charClass(r rune) int {
	switch {
	case unicode.IsLetter(r):
		return 0
	case unicode.IsNumber(r):
		return 1
	case unicode.IsSpace(r):
		return 2
	}
	return 3
}

// appendSplit encodes text (no specials) whose pieces may be long.
func (t *Tokenizer) appendSplit(ids []int, text string) []int {
	runes := []rune(text) // regexp2 indexes runes; invalid bytes become U+FFFD as in tiktoken-go
	m, _ := t.pattern.FindRunesMatch(runes)
	short := 0 // start (rune index) of the pending run of short pieces
	for ; m != nil; m, _ = t.pattern.FindNextMatch(m) {
		piece := string(runes[m.Index : m.Index+m.Length])
		if len(piece) <= longPiece {
			continue
		}
		// Pieces re-match identically when encoded apart from their context:
		// only \s+(?!\S) looks ahead, and it cannot match past the run's end.
		ids = t.appendRanks(ids, t.bpe.EncodeOrdinary(string(runes[short:m.Index])))
		ids = t.appendRanks(ids, mergeLong([]byte(piece), t.ranks))
		short = m.Index + m.Length
	}
	return t.appendRanks(ids, t.bpe.EncodeOrdinary(string(runes[short:])))
}

// mergeLong is tiktoken's byte pair merge: repeatedly merge the adjacent pair
// of parts whose concatenation has the lowest rank, the leftmost on ties,
// until no concatenation has a rank. It returns the ranks of the parts.
func mergeLong(piece []byte, ranks map[string]int) []int {
	n := len(piece)
	// Parts form a linked list over byte offsets: part i is piece[i:end[i]].
	end := make([]int, n)
	prev := make([]int, n)
	for i := range n {
		end[i], prev[i] = i+1, i-1
	}
	h := &pairHeap{}
	push := func(i int) { // queue the merge of part i with the next part
		if i < 0 || end[i] >= n {
			return
		}
		j := end[end[i]]
		if r, ok := ranks[string(piece[i:j])]; ok {
			heap.Push(h, pair{rank: r, start: i, end: j})
		}
	}
	for i := 0; i < n-1; i++ {
		push(i)
	}
	for h.Len() > 0 {
		p := heap.Pop(h).(pair)
		// Skip stale entries: part start must still begin a part whose
		// next part ends at p.end.
		if end[p.start] == 0 || end[p.start] >= n || end[end[p.start]] != p.end {
			continue
		}
		mid := end[p.start]
		end[p.start] = p.end
		end[mid] = 0 // mid no longer starts a part
		if p.end < n {
			prev[p.end] = p.start
		}
		push(prev[p.start])
		push(p.start)
	}
	var out []int
	for i := 0; i < n; i = end[i] {
		out = append(out, ranks[string(piece[i:end[i]])])
	}
	return out
}

// pair is a queued merge of the parts piece[start:mid] and piece[mid:end].
type pair struct{ rank, start, end int }

// pairHeap orders pairs by rank, then by position.
type pairHeap []pair

func (h pairHeap) Len() int { return len(h) }
func (h pairHeap) Less(i, j int) bool {
	return h[i].rank < h[j].rank || h[i].rank == h[j].rank && h[i].start < h[j].start
}
func (h pairHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pairHeap) Push(x any)   { *h = append(*h, x.(pair)) }
func (h *pairHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	*h = old[:len(old)-1]
	return p
}

// compilePattern compiles gpt2Pattern as tiktoken-go does.
func compilePattern() (*regexp2.Regexp, error) {
	return regexp2.Compile(gpt2Pattern, regexp2.None)
}
