package main

import (
	"encoding/json"
	"strings"
	"testing"
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
		r.WeightReadGBs <= 0 || r.DecodeInPlaceFrac <= 0 || r.Reps != 2 || r.Threads != 2 {
		t.Fatalf("report %+v", r)
	}
	// The limit is bandwidth over bytes per token, so decode/limit is the fraction.
	if got := r.DecodePerSec / r.DecodeLimit; got/r.DecodeMemoryFrac < 0.999 || got/r.DecodeMemoryFrac > 1.001 {
		t.Errorf("decode %.1f / limit %.1f = %.4f, fraction %.4f", r.DecodePerSec, r.DecodeLimit, got, r.DecodeMemoryFrac)
	}
	for _, bad := range [][]string{{"-p", "0"}, {"-n", "100"}, {"--quantize", "q4"}} {
		args := append([]string{"bench", "--model", tinyModel, "--reps", "1"}, bad...)
		if _, stderr, code := runCmd(t, args...); code == 0 || stderr == "" {
			t.Errorf("bench %s: exit %d, stderr %q", strings.Join(bad, " "), code, stderr)
		}
	}
}
