package kernels

import (
	"fmt"
	"math"
	"sync"
)

// Products with Q8 matrices round the activations to int8 as well, per
// block of 32 along the sum with the float32 scale max|x|/127 (half to
// even; a block whose max is below 2^-100 rounds to zeros, a block with a
// NaN or ±Inf gets a NaN scale). Each block's sum is then an exact integer
// sum, which the decode kernel takes four byte pairs per lane per
// instruction; only the per-block terms scale·xscale·sum are rounded.
// Prefill and decode take this one path, so they agree to float rounding.

// q8Dot sets y[16c+o] = Σ_b float32(corr[b] + Σ_{k in b} Q·xq[k]) · scale · xs[b]
// for the chunks c < len(y)/16 whose len(xs) blocks start at w and s, ld
// blocks apart: one token's outputs over whole chunks of a Q8 matrix.
type q8Dot func(y []float32, xq []int8, xs []float32, corr []int32, w []byte, s []uint16, ld int)

// q8Dot4 is q8Dot for four tokens at once, over chunks chunks: token t's
// outputs at y[t·ldy:], its activations interleaved with the others' as
// xq4[(k/4)·16 + 4t + k%4], xs4[4b+t], corr4[4b+t] (see interleave4).
type q8Dot4 func(y []float32, ldy int, xq4 []int8, xs4 []float32, corr4 []int32, w []byte, s []uint16, chunks, ld int)

// q8Quant rounds one token's activations x (len(xq) of them) for a Q8
// product: xq[k], xs[b] the scale of block b and corr[b] = -128·Σ xq over
// block b, which takes away what the stored +128 of the weights adds.
type q8Quant func(xq []int8, xs []float32, corr []int32, x []float32)

// q8Buf is the per-call scratch of mulQ8: the rounded activations and one
// chunk of outputs for the partial chunks at either end of a range.
type q8Buf struct {
	xq   []int8
	xs   []float32
	corr []int32
	y    [qChunk]float32
	// the same, four tokens interleaved, for q8Dot4
	xq4   []int8
	xs4   []float32
	corr4 []int32
}

var q8Pool = sync.Pool{New: func() any { return new(q8Buf) }}

// q8Block is the size of the stretch of a Q8 matrix that prefill takes
// for every token (four at a time where it can) before going on: it stays
// in L2 meanwhile.
const q8Block = 96 << 10

// mulQ8 computes, for t < T and j < n, y[t*ldy+j] = Σ_k x[t*ldx+k]·W(k, n0+j)
// with W(k, n) the Q8 weight of output n at position k of the sum (Mat),
// x rounded as above: MulT and Mul for Q8 matrices. dot4, if not nil,
// takes the whole chunks of four tokens at a time.
func mulQ8(dot q8Dot, dot4 q8Dot4, quant q8Quant, y []float32, ldy int, x []float32, ldx int, T int, w *Mat, n0, n int) {
	if T <= 0 || n <= 0 {
		return
	}
	K, N := w.qDims()
	ld, nc := w.qStride(), (N+qChunk-1)/qChunk
	if end := (nc-1)*ld + K/QBlock; K%QBlock != 0 || N < 0 || nc > 0 && (len(w.Q) < end*QBlock*qChunk || len(w.Scale) < end*qChunk) {
		panic(fmt.Sprintf("kernels: Q8 matrix [%d, %d] storage too short", w.Rows, w.Cols))
	}
	if n0 < 0 || n0+n > N {
		panic(fmt.Sprintf("kernels: outputs %d..%d out of range [0, %d)", n0, n0+n, N))
	}
	checkRange(y, ldy, x, ldx, T, n, K)
	kb := K / QBlock
	buf := q8Pool.Get().(*q8Buf)
	defer q8Pool.Put(buf)
	if len(buf.xq) < T*K {
		buf.xq = make([]int8, T*K)
	}
	if len(buf.xs) < T*kb {
		buf.xs, buf.corr = make([]float32, T*kb), make([]int32, T*kb)
	}
	for t := range T {
		quant(buf.xq[t*K:(t+1)*K], buf.xs[t*kb:(t+1)*kb], buf.corr[t*kb:(t+1)*kb], x[t*ldx:t*ldx+K])
	}
	t4 := 0 // tokens taken four at a time
	if dot4 != nil {
		t4 = T &^ 3
		buf.interleave4(t4, K)
	}
	const cbytes = QBlock * qChunk // bytes of one block of one chunk
	// the weights and scales of chunks lo..hi
	span := func(lo, hi int) ([]byte, []uint16) {
		end := (hi-1)*ld + kb
		return w.Q[lo*ld*cbytes : end*cbytes], w.Scale[lo*ld*qChunk : end*qChunk]
	}
	c0, c1 := n0/qChunk, (n0+n+qChunk-1)/qChunk
	cb := c1 - c0
	if T > 1 {
		cb = max(1, q8Block/(kb*cbytes))
	}
	for cs := c0; cs < c1; cs += cb {
		ce := min(c1, cs+cb)
		// The whole chunks of the block, four tokens at a time.
		lo, hi := cs, ce
		if lo*qChunk < n0 {
			lo++
		}
		if hi > lo && hi*qChunk > n0+n {
			hi--
		}
		for t := 0; t < t4 && hi > lo; t += 4 {
			qw, qs := span(lo, hi)
			dot4(y[t*ldy+lo*qChunk-n0:], ldy, buf.xq4[t*K:(t+4)*K], buf.xs4[t*kb:(t+4)*kb], buf.corr4[t*kb:(t+4)*kb], qw, qs, hi-lo, ld)
		}
		for t := range T {
			yt := y[t*ldy : t*ldy+n]
			xq, xs, corr := buf.xq[t*K:(t+1)*K], buf.xs[t*kb:(t+1)*kb], buf.corr[t*kb:(t+1)*kb]
			lo, hi := cs, ce
			if lo*qChunk < n0 { // the range starts inside chunk lo
				qw, qs := span(lo, lo+1)
				dot(buf.y[:], xq, xs, corr, qw, qs, ld)
				copy(yt, buf.y[n0-lo*qChunk:min(qChunk, n0+n-lo*qChunk)])
				lo++
			}
			if hi > lo && hi*qChunk > n0+n { // ... or ends inside chunk hi-1
				qw, qs := span(hi-1, hi)
				dot(buf.y[:], xq, xs, corr, qw, qs, ld)
				copy(yt[(hi-1)*qChunk-n0:], buf.y[:n0+n-(hi-1)*qChunk])
				hi--
			}
			if hi > lo && t >= t4 {
				qw, qs := span(lo, hi)
				dot(yt[lo*qChunk-n0:hi*qChunk-n0], xq, xs, corr, qw, qs, ld)
			}
		}
	}
}

// interleave4 copies the first t4 tokens' rounded activations (K each),
// four tokens at a time, into the layout of q8Dot4.
func (buf *q8Buf) interleave4(t4, K int) {
	kb := K / QBlock
	if len(buf.xq4) < t4*K {
		buf.xq4 = make([]int8, t4*K)
	}
	if len(buf.xs4) < t4*kb {
		buf.xs4, buf.corr4 = make([]float32, t4*kb), make([]int32, t4*kb)
	}
	for t0 := 0; t0 < t4; t0 += 4 {
		q4, s4, c4 := buf.xq4[t0*K:(t0+4)*K], buf.xs4[t0*kb:(t0+4)*kb], buf.corr4[t0*kb:(t0+4)*kb]
		for t := range 4 {
			xq := buf.xq[(t0+t)*K : (t0+t+1)*K]
			for k := 0; k < K; k += 4 {
				copy(q4[k*4+4*t:k*4+4*t+4], xq[k:k+4])
			}
			for b := range kb {
				s4[4*b+t], c4[4*b+t] = buf.xs[(t0+t)*kb+b], buf.corr[(t0+t)*kb+b]
			}
		}
	}
}

// q8DotGeneric is q8Dot in Go. It takes two groups of four weights a step,
// their eight activations in registers: 1.4-1.5x faster than one group
// (four, no faster than two), the integer sums the same.
func q8DotGeneric(y []float32, xq []int8, xs []float32, corr []int32, w []byte, s []uint16, ld int) {
	kb := len(xs)
	for c := range len(y) / qChunk {
		var acc [qChunk]float32
		for b := range kb {
			k := c*ld + b
			blk, sc := w[k*QBlock*qChunk:(k+1)*QBlock*qChunk], s[k*qChunk:(k+1)*qChunk]
			var sum [qChunk]int32
			for o := range sum {
				sum[o] = corr[b]
			}
			for g := 0; g < QBlock/4; g += 2 {
				x8 := xq[b*QBlock+4*g : b*QBlock+4*g+8]
				x0, x1, x2, x3 := int32(x8[0]), int32(x8[1]), int32(x8[2]), int32(x8[3])
				x4, x5, x6, x7 := int32(x8[4]), int32(x8[5]), int32(x8[6]), int32(x8[7])
				for o := range qChunk {
					p := blk[g*64+4*o : g*64+4*o+4]
					q := blk[g*64+64+4*o : g*64+64+4*o+4]
					sum[o] += int32(p[0])*x0 + int32(p[1])*x1 + int32(p[2])*x2 + int32(p[3])*x3 +
						int32(q[0])*x4 + int32(q[1])*x5 + int32(q[2])*x6 + int32(q[3])*x7
				}
			}
			for o := range acc {
				acc[o] += float32(sum[o]) * F16ToF32(sc[o]) * xs[b]
			}
		}
		copy(y[c*qChunk:], acc[:])
	}
}

// q8QuantGeneric is q8Quant in Go.
func q8QuantGeneric(xq []int8, xs []float32, corr []int32, x []float32) {
	for b := range xs {
		blk, q := x[b*QBlock:(b+1)*QBlock], xq[b*QBlock:(b+1)*QBlock]
		var amax, bad float32
		for _, v := range blk {
			bad += v - v // 0, or NaN for a NaN or ±Inf
			if a := abs32(v); a > amax {
				amax = a
			}
		}
		if bad != 0 || amax < 0x1p-100 {
			clear(q)
			corr[b], xs[b] = 0, 0
			if bad != 0 {
				xs[b] = float32(math.NaN())
			}
			continue
		}
		t := amax / 127
		inv := 1 / t
		var sum int32
		for k, v := range blk {
			r := int32(math.RoundToEven(float64(v * inv)))
			q[k] = int8(max(-127, min(127, r)))
			sum += int32(q[k])
		}
		xs[b], corr[b] = t, -128*sum
	}
}
