// Package parallel runs index ranges on a fixed set of worker goroutines.
//
// Decoding one token is a chain of short, memory-bound products; starting a
// goroutine per product (or per row) costs more than the product. A Pool keeps
// its workers alive and hands each one a contiguous range.
//
// Between products a worker spins briefly on an atomic before parking:
// waking a parked goroutine takes a futex call and a reschedule, which on a
// virtual machine costs tens of microseconds, about as long as the product.
package parallel

import (
	"runtime"
	"sync/atomic"
	"time"
)

// SpinFor is how long an idle worker (or For waiting for its workers)
// polls before parking. Decode issues products every few microseconds,
// but a worker that finishes its range early, or waits out the head and
// sampling, can idle for a few hundred; parked, it then costs the next
// product a wake-up of 50-100 µs on a VM. With 100 µs of spinning the
// 99th percentile from post to start was 50-73 µs in a decode run; with
// 2 ms it is 1-4 µs. The spin yields (Gosched) so it never starves other
// goroutines, and it stops 2 ms after the last product.
const SpinFor = 2 * time.Millisecond

// Pool is a fixed set of workers. Its For method is safe to call from one
// goroutine at a time; use one Pool per concurrently running model state.
type Pool struct {
	n       int
	workers []*worker
	pending atomic.Int32 // ranges handed out and not yet finished
	waiting atomic.Bool  // For is parked on done
	done    chan struct{}
	left    atomic.Uint64 // ForChunks: chunks not yet taken, first<<32 | end
}

type worker struct {
	seq      atomic.Uint64 // tasks posted; the worker runs each once
	sleeping atomic.Bool
	wake     chan struct{}
	fn       func(k, lo, hi int)
	k        int
	lo, hi   int
	closed   bool
}

// New starts a pool of n workers (n <= 0 means GOMAXPROCS). The calling
// goroutine counts as one of them.
func New(n int) *Pool {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	p := &Pool{n: n, done: make(chan struct{}, 1)}
	for range n - 1 {
		w := &worker{wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, w)
		go p.run(w)
	}
	return p
}

// run is a worker's loop: wait for the next task, run it, report.
func (p *Pool) run(w *worker) {
	var last uint64
	for {
		last = wait(&w.seq, last, &w.sleeping, w.wake)
		if w.closed {
			return
		}
		w.fn(w.k, w.lo, w.hi)
		if p.pending.Add(-1) == 0 && p.waiting.Load() {
			select {
			case p.done <- struct{}{}:
			default:
			}
		}
	}
}

// wait returns once seq differs from last, spinning for up to SpinFor and
// then parking on wake. The poster increments seq before reading sleeping,
// and wait sets sleeping before re-reading seq, so one of the two always
// sees the other (a stale wake-up only costs one more check).
func wait(seq *atomic.Uint64, last uint64, sleeping *atomic.Bool, wake chan struct{}) uint64 {
	var start time.Time
	for i := 0; ; i++ {
		if s := seq.Load(); s != last {
			return s
		}
		if i&63 != 63 {
			continue
		}
		// Let a worker that shares our thread run (threads > GOMAXPROCS).
		runtime.Gosched()
		if start.IsZero() {
			start = time.Now()
			continue
		}
		if time.Since(start) < SpinFor {
			continue
		}
		sleeping.Store(true)
		if s := seq.Load(); s != last {
			sleeping.Store(false)
			return s
		}
		<-wake
		sleeping.Store(false)
	}
}

// post hands a task to w and wakes it if it is parked.
func (w *worker) post() {
	w.seq.Add(1)
	if w.sleeping.Load() {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// Threads is the number of workers.
func (p *Pool) Threads() int { return p.n }

// For splits [0, n) into at most Threads() contiguous ranges whose bounds are
// multiples of align (except the last), runs fn on each, and waits.
func (p *Pool) For(n, align int, fn func(lo, hi int)) {
	p.ForEach(n, align, func(_, lo, hi int) { fn(lo, hi) })
}

// ForEach is For with the index k of each range (0 for the one starting at
// 0, up to Threads()-1), for callers that keep per-range partial results.
//
// The calling goroutine runs the last range. Which one it takes is not
// neutral on the machine this was written on: taking the last, it waited
// 20-25% less for the other worker at the end of each product, and decode
// took 1-3% less time per token (alternating the two by token in one
// process; F32, BF16 and int8 gained as much or nothing). Which worker runs
// a range does not change what the range computes.
func (p *Pool) ForEach(n, align int, fn func(k, lo, hi int)) {
	align = max(align, 1)
	chunks := (n + align - 1) / align
	workers := p.Ranges(n, align)
	if workers <= 1 {
		if n > 0 {
			fn(0, 0, n)
		}
		return
	}
	bound := func(k int) int { return min(n, (chunks*k/workers)*align) }
	p.pending.Store(int32(workers - 1))
	last := workers - 1
	for k := range last {
		w := p.workers[k]
		w.fn, w.k, w.lo, w.hi = fn, k, bound(k), bound(k+1)
		w.post()
	}
	fn(last, bound(last), n)
	p.wait()
}

// Ranges is the number of ranges ForEach(n, align, ...) runs: their
// indices k are 0..Ranges-1.
func (p *Pool) Ranges(n, align int) int {
	align = max(align, 1)
	return max(1, min(p.n, (n+align-1)/align))
}

// ForChunks splits [0, n) into per·Threads() contiguous chunks (fewer if n
// is small) whose bounds are multiples of align (except the last), runs fn
// on each and waits. Unlike For it does not give each worker an equal
// share: the calling goroutine takes chunks from the back, the other
// workers from the front, each taking the next as soon as it is done, so a
// worker on a slower core, or one that started late, takes fewer. (The
// two cores of the machine this was written on differ by 20% in memory
// bandwidth; with equal shares the faster one idled 20% of the
// unembedding.) fn must not depend on which worker runs it: callers that
// sum partial results should use ForEach, whose ranges are fixed, so the
// sums come out the same on every run. Only one For, ForEach or ForChunks
// may run on a pool at a time.
func (p *Pool) ForChunks(n, align, per int, fn func(lo, hi int)) {
	align = max(align, 1)
	chunks := (n + align - 1) / align
	nc := min(per*p.n, chunks)
	if p.n == 1 || nc <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	bound := func(c int) int { return min(n, (chunks*c/nc)*align) }
	p.left.Store(uint64(nc))
	p.ForEach(p.n, 1, func(k, _, _ int) {
		for {
			c, ok := p.take(k != p.n-1)
			if !ok {
				return
			}
			fn(bound(c), bound(c+1))
		}
	})
}

// take claims the first chunk left (front) or the last one.
func (p *Pool) take(front bool) (int, bool) {
	for {
		s := p.left.Load()
		first, end := s>>32, s&(1<<32-1)
		if first >= end {
			return 0, false
		}
		next, c := s+1<<32, first
		if !front {
			next, c = s-1, end-1
		}
		if p.left.CompareAndSwap(s, next) {
			return int(c), true
		}
	}
}

// wait returns when every posted range has finished.
func (p *Pool) wait() {
	var start time.Time
	for i := 0; p.pending.Load() != 0; i++ {
		if i&63 != 63 {
			continue
		}
		// Let a worker that shares our thread run (threads > GOMAXPROCS).
		runtime.Gosched()
		if start.IsZero() {
			start = time.Now()
			continue
		}
		if time.Since(start) < SpinFor {
			continue
		}
		p.waiting.Store(true)
		if p.pending.Load() != 0 {
			<-p.done
		}
		p.waiting.Store(false)
	}
	// Drop a signal sent after we stopped waiting for it.
	select {
	case <-p.done:
	default:
	}
}

// Close stops the workers. The pool must not be used afterwards.
func (p *Pool) Close() {
	for _, w := range p.workers {
		w.closed = true
		w.post()
	}
}
