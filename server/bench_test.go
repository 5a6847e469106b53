package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gpt2go/gpt2"
)

// BenchmarkConcurrentRequests sends 8 completion requests at once to a
// server on $GPT2_BENCH_MODEL (a gpt2.Load name, e.g. synthetic:gpt2 for
// GPT-2 small's shape), else the demo model, else the tiny test model, and
// reports the total generation rate, for 1, 2, 4 and 8
// requests running at once with one thread each, and one request at a time
// with every core.
func BenchmarkConcurrentRequests(b *testing.B) {
	m, err := gpt2.Load(os.Getenv("GPT2_BENCH_MODEL"))
	if err != nil {
		m = testModel(b, 256)
	} else {
		defer m.Close()
	}
	const requests, tokens = 8, 64
	for _, cfg := range []Config{{Parallel: 1}, {Parallel: 1, Threads: 1}, {Parallel: 2, Threads: 1}, {Parallel: 4, Threads: 1}, {Parallel: 8, Threads: 1}} {
		b.Run(fmt.Sprintf("parallel=%d/threads=%d", cfg.Parallel, cfg.Threads), func(b *testing.B) {
			cfg.Name, cfg.Log = "bench", b.Logf
			s := New(m, cfg)
			defer s.Close()
			ts := httptest.NewServer(s)
			defer ts.Close()
			start := time.Now()
			for b.Loop() {
				var wg sync.WaitGroup
				for i := range requests {
					wg.Go(func() {
						body := fmt.Sprintf(`{"prompt":"Light is","max_tokens":%d,"temperature":1,"seed":%d,"stop":"\u0000"}`, tokens, i)
						resp, err := http.Post(ts.URL+"/v1/completions", "application/json", strings.NewReader(body))
						if err != nil || resp.StatusCode != 200 {
							b.Errorf("request %d: %v", i, err)
							return
						}
						resp.Body.Close()
					})
				}
				wg.Wait()
			}
			b.ReportMetric(float64(s.Stats().Tokens)/time.Since(start).Seconds(), "tokens/s")
		})
	}
}
