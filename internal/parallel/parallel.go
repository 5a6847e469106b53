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
// 2 ms it is 1-4 µs. The spin yields its thread when other goroutines may
// need it (see yield), and it stops 2 ms after the last product.
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

	// For: each worker's share of the work, learned from how long its
	// ranges took (see For), and when the current call started.
	share []float64
	start time.Time

	procs int // GOMAXPROCS when the pool started
}

type worker struct {
	seq      atomic.Uint64 // tasks posted; the worker runs each once
	sleeping atomic.Bool
	wake     chan struct{}
	fn       func(k, lo, hi int) // ForEach's task, or
	fnFor    func(lo, hi int)    // For's
	k        int
	lo, hi   int
	took     time.Duration // from the call's start to the end of this range
	closed   bool
}

// New starts a pool of n workers (n <= 0 means GOMAXPROCS). The calling
// goroutine counts as one of them.
func New(n int) *Pool {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	p := &Pool{n: n, procs: runtime.GOMAXPROCS(0), done: make(chan struct{}, 1), share: make([]float64, n)}
	awake.Add(int64(n - 1))
	for k := range p.share {
		p.share[k] = 1 / float64(n)
	}
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
		last = p.waitTask(&w.seq, last, &w.sleeping, w.wake)
		if w.closed {
			awake.Add(-1)
			return
		}
		switch {
		case w.lo >= w.hi:
		case w.fnFor != nil:
			w.fnFor(w.lo, w.hi)
		default:
			w.fn(w.k, w.lo, w.hi)
		}
		w.took = time.Since(p.start)
		if p.pending.Add(-1) == 0 && p.waiting.Load() {
			select {
			case p.done <- struct{}{}:
			default:
			}
		}
	}
}

// waitTask returns once seq differs from last, spinning for up to SpinFor and
// then parking on wake. The poster increments seq before reading sleeping,
// and waitTask sets sleeping before re-reading seq, so one of the two always
// sees the other (a stale wake-up only costs one more check).
func (p *Pool) waitTask(seq *atomic.Uint64, last uint64, sleeping *atomic.Bool, wake chan struct{}) uint64 {
	var start time.Time
	for i := 0; ; i++ {
		if s := seq.Load(); s != last {
			return s
		}
		if i&63 != 63 {
			continue
		}
		p.yield(i)
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
		awake.Add(-1)
		<-wake
		awake.Add(1)
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
//
// The ranges are sized to finish together: each worker's share follows how
// fast it got through its ranges in earlier calls. The cores of a virtual
// machine are not equal (here one read memory 5-15% slower than the other,
// which one changing from run to run), and with equal ranges the faster
// one idles at the end of every product. fn must therefore compute the
// same whatever the bounds, as a range of output columns does; callers
// that keep per-range partial sums use ForEach, whose ranges are fixed.
func (p *Pool) For(n, align int, fn func(lo, hi int)) {
	align = max(align, 1)
	chunks := (n + align - 1) / align
	workers := p.Ranges(n, align)
	if workers < p.n || chunks < minBalanced*p.n {
		p.ForEach(n, align, func(_, lo, hi int) { fn(lo, hi) })
		return
	}
	p.start = time.Now()
	p.pending.Store(int32(p.n - 1))
	lo, cum := 0, 0.0
	for k, w := range p.workers {
		cum += p.share[k]
		hi := min(n, int(float64(chunks)*cum+0.5)*align)
		w.fn, w.fnFor, w.k, w.lo, w.hi = nil, fn, k, lo, hi
		w.post()
		lo = hi
	}
	fn(lo, n)
	took := time.Since(p.start)
	p.wait()
	p.learn(n, took)
}

// minBalanced is the fewest chunks per worker for which For sizes ranges
// by speed: smaller products are over before their timing means anything.
const minBalanced = 8

// learn moves each worker's share a step towards what would have made the
// last For's ranges finish together, given the rate at which each worker
// got through its own (the caller's range ended at last). The step is
// small so that one noisy product does not swing the split, and no share
// falls below a quarter of an equal one, so a worker that was descheduled
// once still gets enough work to be timed again.
func (p *Pool) learn(n int, last time.Duration) {
	const step, least = 0.125, 0.25
	rates, total := make([]float64, 0, 8), 0.0
	for k, w := range p.workers {
		size := w.hi - w.lo
		if size <= 0 || w.took <= 0 {
			return
		}
		rates = append(rates, float64(size)/float64(w.took))
		total += rates[k]
		n -= size
	}
	if n <= 0 || last <= 0 {
		return
	}
	rates = append(rates, float64(n)/float64(last))
	total += rates[len(rates)-1]
	sum := 0.0
	for k, r := range rates {
		s := p.share[k] + step*(r/total-p.share[k])
		p.share[k] = max(s, least/float64(p.n))
		sum += p.share[k]
	}
	for k := range p.share {
		p.share[k] /= sum
	}
}

// ForEach is For with the index k of each range (0 for the one starting at
// 0, up to Threads()-1), for callers that keep per-range partial results.
// Its ranges are equal, and fixed for given n, align and Threads().
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
	p.start = time.Now()
	p.pending.Store(int32(workers - 1))
	last := workers - 1
	for k := range last {
		w := p.workers[k]
		w.fn, w.fnFor, w.k, w.lo, w.hi = fn, nil, k, bound(k), bound(k+1)
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
// on each and waits. The calling goroutine takes chunks from the back, the
// other workers from the front, each taking the next as soon as it is
// done, so a worker on a slower core, or one that started late, takes
// fewer in this very call, where For's shares follow earlier calls. Each
// chunk restarts a worker's reading, so For's one range each reads memory
// faster when the speeds hold from call to call (gpt2 bench's bandwidth
// yardstick uses ForChunks, over a buffer of 64 chunks of 4 MiB, so as not
// to depend on what it learned). fn must not depend on which worker runs
// it: callers that sum partial results should use ForEach, whose ranges are
// fixed, so the sums come out the same on every run. Only one For, ForEach
// or ForChunks may run on a pool at a time.
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
		p.yield(i)
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

// awake counts the workers of all pools that are not parked: running a
// range, or spinning for the next.
var awake atomic.Int64

// yield is called every 64 polls of a spin (poll i). It lets other
// goroutines run on the spinner's thread every time when some may need it
// (when the awake workers of all pools and one caller are more than the
// process's threads, GOMAXPROCS: several sessions decoding at once, or
// --threads above the cores), and otherwise only every 4096 polls, for the
// odd goroutine that wakes (a server's, the garbage collector's). A
// spinner that yielded every 64 polls went through the scheduler (and its
// lock) each time, and decode took 1-11% more time a token for int8
// weights and 1-4% for F32 and F16 (124M, 2 threads, the two alternated in
// one process); every 4096 polls, no more than never.
func (p *Pool) yield(i int) {
	if i&4095 == 4095 || p.crowded() {
		runtime.Gosched()
	}
}

func (p *Pool) crowded() bool { return awake.Load()+1 > int64(p.procs) }

// Close stops the workers. The pool must not be used afterwards.
func (p *Pool) Close() {
	for _, w := range p.workers {
		w.closed = true
		w.post()
	}
}
