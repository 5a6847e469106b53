package parallel

import (
	"testing"
	"time"
)

func BenchmarkForEachEmpty(b *testing.B) {
	p := New(2)
	defer p.Close()
	var sink [2]int
	for b.Loop() {
		p.ForEach(32, 16, func(k, lo, hi int) { sink[k] += hi - lo })
	}
}

// start delay of worker 1 after the post
func BenchmarkStartDelay(b *testing.B) {
	p := New(2)
	defer p.Close()
	var d time.Duration
	for b.Loop() {
		t0 := time.Now()
		var t1 time.Time
		p.ForEach(32, 16, func(k, lo, hi int) {
			if k == 1 {
				t1 = time.Now()
			}
		})
		d += t1.Sub(t0)
		// some work between products, like a real decode
		s := 0
		for i := 0; i < 20000; i++ {
			s += i * i
		}
		_ = s
	}
	b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "ns-start")
}
