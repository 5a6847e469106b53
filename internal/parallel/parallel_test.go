package parallel

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestForCoversOnce checks that every index is handed out exactly once,
// that inner range bounds are multiples of align, and that ForEach numbers
// its ranges 0..Ranges-1, each once.
func TestForCoversOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		p := New(threads)
		for _, n := range []int{0, 1, 2, 15, 16, 17, 100, 1000, 5003} {
			for _, align := range []int{0, 1, 16, 256} {
				seen := make([]int32, n)
				var calls atomic.Int32
				ks := make([]int32, threads)
				p.ForEach(n, align, func(k, lo, hi int) {
					calls.Add(1)
					atomic.AddInt32(&ks[k], 1)
					if lo >= hi {
						t.Errorf("threads %d n %d align %d: empty range [%d, %d)", threads, n, align, lo, hi)
					}
					if align > 1 && lo%align != 0 {
						t.Errorf("threads %d n %d align %d: range starts at %d", threads, n, align, lo)
					}
					for i := lo; i < hi; i++ {
						atomic.AddInt32(&seen[i], 1)
					}
				})
				for i, c := range seen {
					if c != 1 {
						t.Fatalf("threads %d n %d align %d: index %d covered %d times", threads, n, align, i, c)
					}
				}
				if n > 0 && int(calls.Load()) != p.Ranges(n, align) {
					t.Errorf("threads %d n %d align %d: %d ranges, Ranges says %d", threads, n, align, calls.Load(), p.Ranges(n, align))
				}
				for k, c := range ks {
					want := int32(0)
					if n > 0 && k < p.Ranges(n, align) {
						want = 1
					}
					if c != want {
						t.Errorf("threads %d n %d align %d: range %d ran %d times, want %d", threads, n, align, k, c, want)
					}
				}
			}
		}
		p.Close()
	}
}

// coversOnce runs a split of [0, n) through run and checks that every index
// is handed out exactly once, in ranges whose inner bounds are multiples of
// align.
func coversOnce(t *testing.T, what string, n, align int, run func(fn func(lo, hi int))) {
	t.Helper()
	seen := make([]int32, n)
	run(func(lo, hi int) {
		if lo >= hi || lo > 0 && align > 1 && lo%align != 0 {
			t.Errorf("%s: range [%d, %d)", what, lo, hi)
		}
		for i := lo; i < hi; i++ {
			atomic.AddInt32(&seen[i], 1)
		}
	})
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("%s: index %d covered %d times", what, i, c)
		}
	}
}

// TestForChunksCoversOnce checks that ForChunks hands out every index
// exactly once, in ranges starting at multiples of align, whoever takes them.
func TestForChunksCoversOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		p := New(threads)
		for _, n := range []int{0, 1, 15, 16, 17, 100, 1000, 50257} {
			for _, align := range []int{0, 1, 16} {
				for _, per := range []int{1, 4, 64} {
					what := fmt.Sprintf("threads %d n %d align %d per %d", threads, n, align, per)
					coversOnce(t, what, n, align, func(fn func(lo, hi int)) { p.ForChunks(n, align, per, fn) })
				}
			}
		}
		p.Close()
	}
}

// TestForSharesCoverOnce checks that For's ranges, sized by the learned
// shares, cover every index exactly once with inner bounds on multiples of
// align, whatever the shares (here far from equal, and the floor).
func TestForSharesCoverOnce(t *testing.T) {
	for _, threads := range []int{2, 3, 8} {
		p := New(threads)
		for _, skew := range []float64{0, 0.5, 0.9} {
			for k := range p.share {
				p.share[k] = 1
				if k == 0 {
					p.share[k] += skew * float64(8*threads)
				}
			}
			for _, n := range []int{16 * 8 * threads, 1000, 5003, 50257} {
				for _, align := range []int{1, 16} {
					sum := 0.0
					for _, v := range p.share {
						sum += v
					}
					for k := range p.share {
						p.share[k] /= sum // as learn leaves them
					}
					what := fmt.Sprintf("threads %d skew %v n %d align %d", threads, skew, n, align)
					coversOnce(t, what, n, align, func(fn func(lo, hi int)) { p.For(n, align, fn) })
				}
			}
		}
		p.Close()
	}
}

// TestForBalances checks that For still hands out every index exactly once
// when its ranges are unequal, and that it gives less to a worker that is
// slower: here the one whose range starts at 0 takes four times as long per
// index. (Timing: the bound is loose, so a busy machine does not fail it.)
func TestForBalances(t *testing.T) {
	const threads, n, align = 2, 1600, 16
	p := New(threads)
	defer p.Close()
	spin := func(d time.Duration) {
		for t0 := time.Now(); time.Since(t0) < d; {
		}
	}
	for call := range 60 {
		seen := make([]int32, n)
		p.For(n, align, func(lo, hi int) {
			if lo%align != 0 {
				t.Errorf("range starts at %d", lo)
			}
			per := time.Microsecond
			if lo == 0 {
				per *= 4
			}
			spin(time.Duration(hi-lo) * per)
			for i := lo; i < hi; i++ {
				atomic.AddInt32(&seen[i], 1)
			}
		})
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("call %d: index %d covered %d times", call, i, c)
			}
		}
	}
	// Equal ranges would give it 1/2; finishing together, 1/5.
	if got := p.share[0]; got > 0.4 {
		t.Errorf("the slow worker's share is %.3f, want well below 0.5", got)
	}
}

// BenchmarkForEachEmpty is the round trip of one ForEach on two workers
// with nothing to do: the fixed cost every decode product pays (0.37-0.52
// us on the project's VM; 0.76-0.88 while spinners yielded every 64 polls).
func BenchmarkForEachEmpty(b *testing.B) {
	p := New(2)
	defer p.Close()
	var sink [2]int
	for b.Loop() {
		p.ForEach(32, 16, func(k, lo, hi int) { sink[k] += hi - lo })
	}
}

// BenchmarkStartDelay reports how long after ForEach is called the second
// worker starts its range (ns-start), with some work between calls as in
// decode, where the worker is spinning, not parked (0.26-0.39 us here).
func BenchmarkStartDelay(b *testing.B) {
	p := New(2)
	defer p.Close()
	var d time.Duration
	var sink int
	for b.Loop() {
		t0 := time.Now()
		var t1 time.Time
		p.ForEach(32, 16, func(k, lo, hi int) {
			if k == 1 {
				t1 = time.Now()
			}
		})
		d += t1.Sub(t0)
		for i := range 20000 {
			sink += i * i
		}
	}
	b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "ns-start")
}

// TestCrowded checks when spinning workers yield their thread: not while
// the awake workers and one caller fit in GOMAXPROCS, and again once
// another pool's workers need threads too; and that pools more than the
// threads still finish their work.
func TestCrowded(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	// Let the workers of other tests' pools park.
	for t0 := time.Now(); awake.Load() != 0; time.Sleep(time.Millisecond) {
		if time.Since(t0) > time.Second {
			t.Fatalf("%d workers of closed or idle pools still awake", awake.Load())
		}
	}
	p := New(2)
	defer p.Close()
	if p.crowded() {
		t.Errorf("one pool of 2 workers on 2 threads counts as crowded")
	}
	q := New(2)
	if !p.crowded() || !q.crowded() {
		t.Errorf("two pools of 2 workers on 2 threads do not count as crowded")
	}
	done := make(chan int)
	for _, pool := range []*Pool{p, q} {
		go func() {
			var n atomic.Int64
			for range 200 {
				pool.For(64, 1, func(lo, hi int) { n.Add(int64(hi - lo)) })
			}
			done <- int(n.Load())
		}()
	}
	for range 2 {
		if n := <-done; n != 200*64 {
			t.Errorf("covered %d indices, want %d", n, 200*64)
		}
	}
	q.Close()
	for t0 := time.Now(); p.crowded(); time.Sleep(time.Millisecond) {
		if time.Since(t0) > time.Second {
			t.Fatalf("still crowded after the second pool closed (%d awake)", awake.Load())
		}
	}
}
