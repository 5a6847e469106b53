package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gpt2go/gpt2/internal/hugepages"
	"github.com/gpt2go/gpt2/internal/kernels"
	"github.com/gpt2go/gpt2/internal/parallel"
	"github.com/gpt2go/gpt2/model"
	"github.com/gpt2go/gpt2/sampling"
	"github.com/gpt2go/gpt2/weights"
)

func init() {
	register("bench", "measure prefill and decode speed against the machine's memory bandwidth", runBench)
}

// benchReport is the --json output. Speeds are means over the repetitions.
type benchReport struct {
	// CPU names the processor (Linux: /proc/cpuinfo's model name): the
	// VMs these figures come from are not all the same kind.
	CPU             string  `json:"cpu"`
	Model           string  `json:"model"`
	DType           string  `json:"dtype"`
	Kernels         string  `json:"kernels"`
	Int8Kernels     string  `json:"int8_kernels,omitempty"` // with int8 weights: avx512-vnni, avx2 or generic
	Threads         int     `json:"threads"`
	KVCache         string  `json:"kv_cache"` // f32 or f16
	PromptTokens    int     `json:"prompt_tokens"`
	DecodeTokens    int     `json:"decode_tokens"`
	Depth           int     `json:"depth"` // tokens in the cache when decoding starts
	Reps            int     `json:"reps"`
	LoadMS          float64 `json:"load_ms"`
	PrefillPerSec   float64 `json:"prefill_tokens_per_s"`
	PrefillStddev   float64 `json:"prefill_tokens_per_s_stddev"`
	DecodePerSec    float64 `json:"decode_tokens_per_s"`
	DecodeStddev    float64 `json:"decode_tokens_per_s_stddev"`
	BytesPerToken   int64   `json:"bytes_per_decoded_token"`
	BandwidthGBs    float64 `json:"bandwidth_gb_per_s"`
	BandwidthStddev float64 `json:"bandwidth_gb_per_s_stddev"`
	WeightReadGBs   float64 `json:"weight_read_gb_per_s"`
	// DecodeInPlaceFrac is decode against WeightReadGBs, measured
	// between the same segments as DecodeMemoryFrac.
	DecodeInPlaceFrac float64 `json:"decode_weight_read_fraction"`
	DecodeLimit       float64 `json:"decode_limit_tokens_per_s"`
	DecodeMemoryFrac  float64 `json:"decode_memory_fraction"`
	DecodeFracStddev  float64 `json:"decode_memory_fraction_stddev"`
	KVCacheMB         float64 `json:"kv_cache_mb"`
	PeakRSSMB         float64 `json:"peak_rss_mb,omitempty"`
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", stderr)
	var mf modelFlags
	mf.add(fs)
	p := fs.Int("p", 512, "prompt tokens to prefill")
	n := fs.Int("n", 128, "tokens to decode")
	depth := fs.Int("d", 0, "tokens already in the KV cache when decoding starts (llama-bench's depth)")
	threads := fs.Int("threads", 0, "worker threads (default: all cores)")
	reps := fs.Int("reps", 3, "repetitions of each measurement")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *p < 1 || *n < 1 || *reps < 1 || *depth < 0 {
		return fmt.Errorf("-p, -n and --reps must be at least 1, and -d at least 0")
	}
	opts, err := mf.modelOptions()
	if err != nil {
		return err
	}
	if *threads <= 0 {
		*threads = runtime.GOMAXPROCS(0)
	}

	start := time.Now()
	var m *model.Model
	var name string
	if strings.HasPrefix(mf.model, "synthetic:") {
		ck, err := weights.Synthetic(mf.model)
		if err != nil {
			return err
		}
		if m, err = model.New(ck, opts); err != nil {
			return err
		}
		name = mf.model
	} else {
		// open, not load: a benchmark needs no tokenizer, so the load
		// time is the checkpoint's alone.
		gm, err := mf.open(stderr)
		if err != nil {
			return err
		}
		defer gm.Close()
		m, name = gm.Transformer(), gm.Checkpoint().Name
	}
	load := time.Since(start)
	cfg := m.Config
	if *p > cfg.NPositions || *depth+*n > cfg.NPositions {
		return fmt.Errorf("-p %d, or -d %d plus -n %d, exceed the model's context of %d", *p, *depth, *n, cfg.NPositions)
	}

	r := benchReport{CPU: cpuName(), Model: name, DType: m.Blocks[0].Attn.CAttn.W.DType.String(), Kernels: kernels.Name(), KVCache: kvCacheName(m),
		Threads: *threads, PromptTokens: *p, DecodeTokens: *n, Depth: *depth, Reps: *reps, LoadMS: ms(load)}
	if r.DType == kernels.Q8.String() {
		r.Int8Kernels = kernels.Q8Name()
	}
	st := m.NewState(*threads)
	defer st.Close()

	tokens := make([]int, max(*p, *depth, 1))
	for i := range tokens {
		tokens[i] = (i*7919 + 13) % cfg.VocabSize
	}
	prompt := tokens[:*p]
	// Decode from an empty cache, as llama-bench's tg test does, or after
	// -d tokens: reset fills the cache to the depth (untimed: the prefill
	// test wrote over it) and step decodes one token.
	var id int
	reset := func() error {
		st.Truncate(0)
		id = tokens[0]
		if *depth > 0 {
			if _, err := st.Forward(tokens[:*depth], false); err != nil {
				return err
			}
			id = tokens[*depth-1]
		}
		return nil
	}
	step := func() error {
		logits, err := st.Forward([]int{id}, false)
		if err != nil {
			return err
		}
		id = sampling.Argmax(logits)
		return nil
	}
	// Warm up the page cache, the workers and every buffer, so the peak
	// resident set is the runtime's own, before the bandwidth buffer.
	if _, err := st.Forward(prompt, false); err != nil {
		return err
	}
	if err := reset(); err != nil {
		return err
	}
	t0 := time.Now()
	for range *n {
		if err := step(); err != nil {
			return err
		}
	}
	warm := float64(*n) / time.Since(t0).Seconds()
	r.PeakRSSMB = peakRSS()

	// Each decoded token streams every weight matrix once, plus on average
	// the depth's and half of the n cached keys and values of every layer.
	r.BytesPerToken = m.Bytes() + int64(*depth+*n/2)*m.KVBytesPerPosition()
	r.KVCacheMB = float64(int64(cfg.NPositions)*m.KVBytesPerPosition()) / 1e6

	// The bandwidth of these machines drifts by tens of percent within
	// minutes, and within one repetition of a large model's decode. So each
	// repetition is decoded in segments of about a quarter of a second, the
	// bandwidth is measured before and after every segment, and a
	// segment's limit is set by the mean of the two. A repetition's
	// fraction is the time its tokens would take at their limits over the
	// time they took; the meter's own time is not counted. The weights are
	// read in place at the same moments, for the same fraction against
	// that rate.
	seg := min(*n, max(4, int(warm/4)))
	meter := newBandwidthMeter(*threads, weightViews(m))
	var pre, dec, bws, fracs, wrs, wfracs []float64
	bw, wr := meter.measure(), meter.inPlace()
	bws, wrs = append(bws, bw), append(wrs, wr)
	for range *reps {
		st.Truncate(0)
		t0 := time.Now()
		if _, err := st.Forward(prompt, false); err != nil {
			return err
		}
		pre = append(pre, float64(*p)/time.Since(t0).Seconds())

		if err := reset(); err != nil {
			return err
		}
		var took, atLimit, atInPlace float64 // seconds
		for done := 0; done < *n; {
			k := min(seg, *n-done)
			meter.settle()
			t0 := time.Now()
			for range k {
				if err := step(); err != nil {
					return err
				}
			}
			took += time.Since(t0).Seconds()
			after, wafter := meter.measure(), meter.inPlace()
			bws, wrs = append(bws, after), append(wrs, wafter)
			atLimit += float64(k) * float64(r.BytesPerToken) / ((bw + after) / 2 * 1e9)
			atInPlace += float64(k) * float64(r.BytesPerToken) / ((wr + wafter) / 2 * 1e9)
			bw, wr = after, wafter
			done += k
		}
		dec = append(dec, float64(*n)/took)
		fracs = append(fracs, atLimit/took)
		wfracs = append(wfracs, atInPlace/took)
	}
	meter.close()
	r.PrefillPerSec, r.PrefillStddev = meanStd(pre)
	r.DecodePerSec, r.DecodeStddev = meanStd(dec)
	r.BandwidthGBs, r.BandwidthStddev = meanStd(bws)
	r.DecodeMemoryFrac, r.DecodeFracStddev = meanStd(fracs)
	r.DecodeLimit = r.DecodePerSec / r.DecodeMemoryFrac
	r.WeightReadGBs, _ = meanStd(wrs)
	r.DecodeInPlaceFrac, _ = meanStd(wfracs)

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	ks := r.Kernels
	if r.Int8Kernels != "" {
		ks += " (int8: " + r.Int8Kernels + ")"
	}
	fmt.Fprintf(stdout, "cpu %s\n", r.CPU)
	fmt.Fprintf(stdout, "model %s, %s weights, %s KV cache, %s kernels, %d threads, load %.0f ms\n", r.Model, r.DType, r.KVCache, ks, r.Threads, r.LoadMS)
	fmt.Fprintf(stdout, "%-12s %14s\n", "test", "tokens/s")
	fmt.Fprintf(stdout, "%-12s %8.1f ± %.1f\n", fmt.Sprintf("pp%d", *p), r.PrefillPerSec, r.PrefillStddev)
	tg := fmt.Sprintf("tg%d", *n)
	if *depth > 0 {
		tg += fmt.Sprintf(" @ d%d", *depth)
	}
	fmt.Fprintf(stdout, "%-12s %8.1f ± %.1f\n", tg, r.DecodePerSec, r.DecodeStddev)
	fmt.Fprintf(stdout, "memory read bandwidth %.1f ± %.1f GB/s; %.1f MB per decoded token; limit %.1f tokens/s; decode at %.0f%% ± %.0f%% of the limit\n",
		r.BandwidthGBs, r.BandwidthStddev, float64(r.BytesPerToken)/1e6, r.DecodeLimit, 100*r.DecodeMemoryFrac, 100*r.DecodeFracStddev)
	fmt.Fprintf(stdout, "reading the weights where they live, a matrix at a time (no arithmetic), runs at %.1f GB/s; decode at %.0f%% of that\n", r.WeightReadGBs, 100*r.DecodeInPlaceFrac)
	if r.PeakRSSMB > 0 {
		fmt.Fprintf(stdout, "peak resident memory %.0f MB (KV cache %.0f MB)\n", r.PeakRSSMB, r.KVCacheMB)
	}
	return nil
}

// cpuName is the processor's model name where the OS reports it, else the
// architecture.
func cpuName() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
}

// peakRSS is the process's peak resident set in MB, where the OS reports it.
func peakRSS() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if kb, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var n float64
			fmt.Sscanf(strings.TrimSpace(kb), "%f", &n)
			return n / 1e3
		}
	}
	return 0
}

func meanStd(x []float64) (mean, sd float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		sd += (v - mean) * (v - mean)
	}
	if len(x) > 1 {
		sd = math.Sqrt(sd / float64(len(x)-1))
	}
	return mean, sd
}

// bandwidthMeter measures how fast threads workers can read memory: the
// best of three passes over a buffer of 256 MiB, in chunks of 4 MiB taken
// by whichever worker is free, with kernels.XorSum (one load a line,
// nothing waiting on it: the fastest read this machine does). The cores
// are not equal: with equal halves the faster one idled at the end, and
// the pass read 5% slower on average (up to 20%), understating the limit.
//
// Until 2026-11-28 the passes summed with the Dot kernel, which read 15-20%
// slower on two threads than XorSum does on the VM this was measured on,
// so the limit and the fractions of it reported before then were about
// that much too flattering.
//
// The buffer is in 2 MiB pages where the kernel grants them: the weights
// are read from 2 MiB pages too (see weights/largepages_linux.go), and
// from 4 KiB pages the same buffer reads ~5% slower here. Its size is
// about the L3 of the VM this was written on (260 MiB), but passes over 1
// and 3 GiB read as fast (within 3%), as the L3 is shared with the host's
// other guests.
type bandwidthMeter struct {
	buf  []byte
	mats [][]byte // the model's weight matrices, for inPlace
	pool *parallel.Pool
}

func newBandwidthMeter(threads int, mats [][]byte) *bandwidthMeter {
	const size = 256 << 20
	buf := hugepages.Bytes(size)
	for i := range buf {
		buf[i] = 1
	}
	hugepages.Collapse(buf)
	return &bandwidthMeter{buf: buf, mats: mats, pool: parallel.New(threads)}
}

// measure returns the read bandwidth in GB/s.
func (b *bandwidthMeter) measure() float64 {
	best := 0.0
	for range 3 {
		t0 := time.Now()
		b.pool.ForChunks(len(b.buf), 4096, len(b.buf)/(4<<20)/b.pool.Threads(), func(lo, hi int) {
			sink.Store(kernels.XorSum(b.buf[lo:hi]))
		})
		best = max(best, float64(len(b.buf))/time.Since(t0).Seconds()/1e9)
	}
	return best
}

// sink keeps the meter's sums, so that no read can be left out.
var sink atomic.Uint64

// inPlace returns the rate, in GB/s, at which the workers read the model's
// weight matrices where they live, one matrix after another as decode does
// (one pass: a large model's takes tens of milliseconds), with the same
// XorSum, split between the workers as the int8 products are (by speed,
// parallel.Pool.For). Set against measure's fresh buffer it separates the
// cost of where the weights live, and of taking them a matrix at a time,
// from the cost of the products.
func (b *bandwidthMeter) inPlace() float64 {
	var bytes int
	t0 := time.Now()
	for _, w := range b.mats {
		b.pool.For(len(w), 4096, func(lo, hi int) { sink.Store(kernels.XorSum(w[lo:hi])) })
		bytes += len(w)
	}
	return float64(bytes) / time.Since(t0).Seconds() / 1e9
}

// settle waits until the meter's idle workers have stopped spinning, so
// they take no core from the products measured next.
func (b *bandwidthMeter) settle() { time.Sleep(parallel.SpinFor + time.Millisecond) }

func (b *bandwidthMeter) close() {
	b.pool.Close()
	b.buf = nil
}

// weightViews returns the model's weight matrices where they live
// (memory-mapped or on the heap), each from its first 64-byte boundary, for
// bandwidthMeter.inPlace to read.
func weightViews(m *model.Model) [][]byte {
	var bufs [][]byte
	add := func(w *kernels.Mat) {
		var p unsafe.Pointer
		switch w.DType {
		case kernels.F32:
			p = unsafe.Pointer(unsafe.SliceData(w.F32))
		case kernels.F16, kernels.BF16:
			p = unsafe.Pointer(unsafe.SliceData(w.U16))
		case kernels.Q8:
			p = unsafe.Pointer(unsafe.SliceData(w.Q))
		}
		n := int(w.Bytes())
		if w.DType == kernels.Q8 {
			n = len(w.Q)
		}
		// Start at a 64-byte boundary: this measures the memory, not the
		// cost of loads straddling cache lines (which the kernels avoid).
		skip := int((64 - uintptr(p)%64) % 64)
		if p == nil || n <= skip {
			return
		}
		bufs = append(bufs, unsafe.Slice((*byte)(unsafe.Add(p, skip)), n-skip))
	}
	add(&m.Head.E)
	for i := range m.Blocks {
		b := &m.Blocks[i]
		for _, w := range []*kernels.Mat{&b.Attn.CAttn.W, &b.Attn.CProj.W, &b.MLP.CFc.W, &b.MLP.CProj.W} {
			add(w)
		}
	}
	return bufs
}

func init() {
	register("synthetic", "write a checkpoint of random weights with a real model's shape (for benchmarks)", runSynthetic)
}

func runSynthetic(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("synthetic", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gpt2 synthetic synthetic:NAME[:f32|f16|bf16] DIR")
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return errUsage
	}
	cfg, model, err := weights.SyntheticFiles(pos[0])
	if err != nil {
		return err
	}
	if err := os.MkdirAll(pos[1], 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(pos[1], "config.json"), cfg, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(pos[1], "model.safetensors"), model, 0o644)
}
