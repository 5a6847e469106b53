// Package parallel runs index ranges on a fixed set of worker goroutines.
//
// Decoding one token is a chain of short, memory-bound products; starting a
// goroutine per product (or per row) costs more than the product. A Pool keeps
// its workers alive and hands each one a contiguous range.
package parallel

import (
	"runtime"
	"sync"
)

// Pool is a fixed set of workers. Its For method is safe to call from one
// goroutine at a time; use one Pool per concurrently running model state.
type Pool struct {
	n    int
	work []chan task
	wg   sync.WaitGroup
}

type task struct {
	fn     func(lo, hi int)
	lo, hi int
}

// New starts a pool of n workers (n <= 0 means GOMAXPROCS). The calling
// goroutine counts as one of them.
func New(n int) *Pool {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	p := &Pool{n: n, work: make([]chan task, n-1)}
	for i := range p.work {
		ch := make(chan task)
		p.work[i] = ch
		go func() {
			for t := range ch {
				t.fn(t.lo, t.hi)
				p.wg.Done()
			}
		}()
	}
	return p
}

// Threads is the number of workers.
func (p *Pool) Threads() int { return p.n }

// For splits [0, n) into at most Threads() contiguous ranges whose bounds are
// multiples of align (except the last), runs fn on each, and waits.
func (p *Pool) For(n, align int, fn func(lo, hi int)) {
	if align < 1 {
		align = 1
	}
	chunks := (n + align - 1) / align
	workers := min(p.n, chunks)
	if workers <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	bound := func(k int) int { return min(n, (chunks*k/workers)*align) }
	p.wg.Add(workers - 1)
	for k := 1; k < workers; k++ {
		p.work[k-1] <- task{fn, bound(k), bound(k + 1)}
	}
	fn(0, bound(1))
	p.wg.Wait()
}

// Close stops the workers. The pool must not be used afterwards.
func (p *Pool) Close() {
	for _, ch := range p.work {
		close(ch)
	}
}
