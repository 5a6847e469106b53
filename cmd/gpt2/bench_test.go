package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gpt2go/gpt2/internal/kernels"
)

// TestBenchJSON runs gpt2 bench on the tiny model and checks that the JSON
// report holds consistent figures: speeds, the bandwidth measured around
// each decode repetition and the fraction of the limit they give.
func TestBenchJSON(t *testing.T) {
	out, stderr, code := runCmd(t, "bench", "--model", tinyModel, "-p", "16", "-n", "16", "--reps", "2", "--threads", "2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r benchReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if r.PrefillPerSec <= 0 || r.DecodePerSec <= 0 || r.BandwidthGBs <= 0 || r.DecodeMemoryFrac <= 0 ||
		r.WeightReadGBs <= 0 || r.DecodeInPlaceFrac <= 0 || r.Reps != 2 || r.Threads != 2 || r.CPU == "" {
		t.Fatalf("report %+v", r)
	}
	// The limit is bandwidth over bytes per token, so decode/limit is the fraction.
	if got := r.DecodePerSec / r.DecodeLimit; got/r.DecodeMemoryFrac < 0.999 || got/r.DecodeMemoryFrac > 1.001 {
		t.Errorf("decode %.1f / limit %.1f = %.4f, fraction %.4f", r.DecodePerSec, r.DecodeLimit, got, r.DecodeMemoryFrac)
	}
	if r.Int8Kernels != "" {
		t.Errorf("float weights report int8 kernels %q", r.Int8Kernels)
	}
	// With int8 weights (the demo model's widths are multiples of 32: all
	// its matrices are int8) the report names their kernel too.
	out, stderr, code = runCmd(t, "bench", "--quantize", "q8", "-p", "8", "-n", "8", "--reps", "1", "--json")
	if code != 0 {
		t.Fatalf("q8: exit %d: %s", code, stderr)
	}
	var q benchReport
	if err := json.Unmarshal([]byte(out), &q); err != nil || q.DType != "Q8" || q.Int8Kernels != kernels.Q8Name() || q.Int8Kernels == "" {
		t.Errorf("q8 report: dtype %q, int8 kernels %q (want %q), %v", q.DType, q.Int8Kernels, kernels.Q8Name(), err)
	}
	// A half-precision cache, decoding after 40 cached tokens: the bytes a
	// token reads count the 40 and half the 8 decoded, at 2 bytes a value.
	out, stderr, code = runCmd(t, "bench", "--model", tinyModel, "--kv-cache", "f16", "-d", "40", "-p", "8", "-n", "8", "--reps", "1", "--json")
	if code != 0 {
		t.Fatalf("kv f16: exit %d: %s", code, stderr)
	}
	var h benchReport
	if err := json.Unmarshal([]byte(out), &h); err != nil || h.KVCache != "f16" || h.Depth != 40 {
		t.Fatalf("kv f16 report: kv cache %q, depth %d, %v", h.KVCache, h.Depth, err)
	}
	const L, C = 3, 48 // testdata/tiny
	if kv := h.BytesPerToken - (r.BytesPerToken - L*8*C*2*4); kv != L*(40+4)*C*2*2 {
		t.Errorf("kv f16 at depth 40: %d bytes of cache a token, want %d", kv, L*(40+4)*C*2*2)
	}
	for _, bad := range [][]string{{"-p", "0"}, {"-n", "100"}, {"--quantize", "q4"}, {"--kv-cache", "q4"}, {"-d", "-1"}, {"-d", "60", "-n", "8"}} {
		args := append([]string{"bench", "--model", tinyModel, "--reps", "1"}, bad...)
		if _, stderr, code := runCmd(t, args...); code == 0 || stderr == "" {
			t.Errorf("bench %s: exit %d, stderr %q", strings.Join(bad, " "), code, stderr)
		}
	}
}
