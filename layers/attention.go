package layers

import (
	"sync"

	"github.com/gpt2go/gpt2/internal/kernels"
	"github.com/gpt2go/gpt2/internal/parallel"
)

// Attention is causal multi-head self-attention with a KV cache.
type Attention struct {
	CAttn Linear // [C, 3C]: q, k, v side by side
	CProj Linear // [C, C]
	NHead int
	// Scale multiplies q·k: 1/√HS, and also 1/(layer+1) when the config
	// sets scale_attn_by_inverse_layer_idx.
	Scale float32
}

// KV is one layer's cache for P positions (P a multiple of KTile;
// len(K) = len(V) = P·C), laid out per head so that both attention products
// are plain matrix products. V holds [NH, P, HS]. K holds the keys
// transposed, in tiles of KTile positions: [P/KTile, NH, HS, KTile], so
// tile b of head h is K_h^T for positions b·KTile.. as an [HS, KTile]
// matrix, and one new position's C keys land in one tile per head (a few
// pages in all) rather than on a page per channel.
//
// The cache holds float32 (K and V) or, made by NewKV with f16, the same
// layout in half precision (K16 and V16): half the memory, and half the
// bytes a decoded token reads from it (at position 900 of GPT-2 124M as
// many as 34 MB a token instead of 68), for keys and values rounded to 11
// significant bits when stored.
type KV struct {
	K, V     []float32
	K16, V16 []uint16
}

// NewKV makes a zeroed cache for P positions (a multiple of KTile) of width C.
func NewKV(P, C int, f16 bool) KV {
	if f16 {
		return KV{K16: make([]uint16, P*C), V16: make([]uint16, P*C)}
	}
	return KV{K: make([]float32, P*C), V: make([]float32, P*C)}
}

// F16 reports whether the cache is in half precision.
func (kv *KV) F16() bool { return kv.V16 != nil }

// size is the number of values in each of K and V.
func (kv *KV) size() int { return max(len(kv.V), len(kv.V16)) }

// keys sets m to the key tile starting at value b, [HS, KTile].
func (kv *KV) keys(m *kernels.Mat, b, HS int) {
	if kv.F16() {
		*m = kernels.Mat{Rows: HS, Cols: KTile, DType: kernels.F16, U16: kv.K16[b : b+HS*KTile]}
		return
	}
	*m = kernels.Mat{Rows: HS, Cols: KTile, DType: kernels.F32, F32: kv.K[b : b+HS*KTile]}
}

// values sets m to n positions of one head's values from value off, [n, HS].
func (kv *KV) values(m *kernels.Mat, off, n, HS int) {
	if kv.F16() {
		*m = kernels.Mat{Rows: n, Cols: HS, DType: kernels.F16, U16: kv.V16[off : off+n*HS]}
		return
	}
	*m = kernels.Mat{Rows: n, Cols: HS, DType: kernels.F32, F32: kv.V[off : off+n*HS]}
}

// KTile is the number of positions per tile of the key cache.
const KTile = 64

// scoreSlack is room past a query's scores for the whole 16-key chunks
// that decode scores (see attend).
const scoreSlack = 16

// queryBlock is the number of queries whose scores are taken together.
// Keys beyond a block's last query are masked, so larger blocks waste
// more of the score product on the causal upper triangle.
const queryBlock = 128

// Forward computes y[T, C] for the normalised input x[T, C] of the tokens at
// positions pos..pos+T-1, after storing their keys and values in kv.
// qkv[T, 3C] and heads[T, C] are scratch.
func (a *Attention) Forward(p *parallel.Pool, y, x []float32, T, pos int, kv *KV, qkv, heads []float32) {
	HS := a.CProj.W.Rows / a.NHead
	if T == 1 && p.Threads() > 1 && a.CAttn.splitRows() && a.CProj.splitRows() && HS%16 == 0 {
		a.forward1(p, y, x, pos, kv, qkv, heads)
		return
	}
	a.CAttn.Forward(p, qkv, x, T)
	// Heads cost the same, so equal ranges of heads balance the workers.
	p.For(a.NHead, 1, func(lo, hi int) { a.attend(heads, qkv, T, pos, kv, lo, hi) })
	a.CProj.Forward(p, y, heads, T)
}

// forward1 is Forward for one token on several workers. c_attn is split
// over rows of its weights into partial sums (see Linear.split); then each
// worker adds up q, k and v of its own heads, attends, and multiplies its
// heads' outputs by their rows of c_proj, so attention and c_proj run
// without a barrier between them (and one worker can stream c_proj while
// the other still attends). The head size is a multiple of 16, so a range
// of heads is a range of rows the products can take.
func (a *Attention) forward1(p *parallel.Pool, y, x []float32, pos int, kv *KV, qkv, heads []float32) {
	C := a.CProj.W.Rows
	HS := C / a.NHead
	qs := a.CAttn.split(p, x[:C])
	defer qs.free()
	ys := newSums(p.Ranges(a.NHead, 1), C)
	defer ys.free()
	p.ForEach(a.NHead, 1, func(k, lo, hi int) {
		for s := 0; s < 3*C; s += C { // q, k and v of heads lo..hi
			qs.total(qkv, a.CAttn.B, s+lo*HS, s+hi*HS)
		}
		a.attend(heads, qkv, 1, pos, kv, lo, hi)
		a.CProj.rows(ys, k, heads, lo*HS, hi*HS)
	})
	ys.total(y, a.CProj.B, 0, C)
}

// attendBuf is a worker's scratch, kept between calls: allocating it per
// call cost ~20% of a decode step's attention. The Mats live here because
// a Mat handed to a kernel escapes to the heap.
type attendBuf struct {
	att   []float32 // scores of a block of queries, then their 1/Σ
	kt, v kernels.Mat
	k16   []uint16  // a key rounded for a half-precision cache
	kf    []float32 // and widened again, as its score reads it
}

var attendBufs = sync.Pool{New: func() any { return new(attendBuf) }}

// attend stores the new keys and values of heads lo..hi and computes their
// outputs, per head h and block of queries Q_h[tb, HS] (decode stores its
// key after the scores, see decodeKey):
//
//	S = scale·Q_h·K_h^T   [tb, n], n = keys up to the block's last query
//	P = softmax(S)         row t over its keys 0..pos+t, the rest masked to 0
//	O = P·V_h              [tb, HS], into heads at columns h*HS..
func (a *Attention) attend(heads, qkv []float32, T, pos int, kv *KV, lo, hi int) {
	C := a.CProj.W.Rows
	HS := C / a.NHead
	P := kv.size() / C
	N := pos + T
	tbMax := min(T, queryBlock)
	buf := attendBufs.Get().(*attendBuf)
	defer attendBufs.Put(buf)
	if need := tbMax*N + scoreSlack + tbMax; len(buf.att) < need {
		buf.att = make([]float32, need)
	}
	att, kt, v := buf.att, &buf.kt, &buf.v
	inv := att[tbMax*N+scoreSlack:]
	for h := lo; h < hi; h++ {
		if T == 1 {
			a.decodeValue(kv, qkv, h, pos, C, HS)
		} else {
			a.store(kv, qkv, h, T, pos, C, HS, buf)
		}
		for t0 := 0; t0 < T; t0 += tbMax {
			tb := min(tbMax, T-t0)
			n := pos + t0 + tb
			s := att[:tb*n]
			q := qkv[t0*3*C+h*HS:]
			for j0 := 0; j0 < n; j0 += KTile {
				b := (j0/KTile*a.NHead + h) * HS * KTile
				kv.keys(kt, b, HS)
				m := min(KTile, n-j0)
				if tb == 1 {
					// One query: score whole 16-key chunks of the tile
					// (the keys past n are other positions', finite or
					// not, and each score is its own column: the extras
					// land in the slack past s and are never read). The
					// decode kernel takes 16 columns at a time; fewer went
					// a row at a time. With a half-precision cache
					// positions 0-64 decode 0.8-1.3% faster so; with
					// float32, as fast.
					m = min(KTile, (m+15)&^15)
				}
				kernels.MulT(att[j0:], n, q, 3*C, tb, kt, 0, m)
			}
			if T == 1 {
				att[pos] = a.decodeKey(kv, q[:HS], qkv, h, pos, C, HS, buf)
			}
			for t := 0; t < tb; t++ {
				row := s[t*n : (t+1)*n]
				k := pos + t0 + t + 1
				inv[t] = float32(1 / kernels.SoftmaxExp(row[:k], a.Scale))
				clear(row[k:])
			}
			kv.values(v, h*P*HS, n, HS)
			o := heads[t0*C+h*HS:]
			kernels.MulT(o, C, s, n, tb, v, 0, HS)
			for t := 0; t < tb; t++ {
				ot := o[t*C : t*C+HS]
				for i := range ot {
					ot[i] *= inv[t]
				}
			}
		}
	}
}

// store appends head h's keys and values of the T new tokens (from qkv)
// to the cache at positions pos.., writing each key tile's rows a run of
// positions at a time. (Decode's one token goes through decodeValue and
// decodeKey instead.)
func (a *Attention) store(kv *KV, qkv []float32, h, T, pos, C, HS int, buf *attendBuf) {
	P := kv.size() / C
	if kv.F16() {
		if len(buf.k16) < HS {
			buf.k16 = make([]uint16, HS)
		}
		a.store16(kv, qkv, h, T, pos, C, HS, P, buf.k16[:HS])
		return
	}
	for t0 := 0; t0 < T; {
		p0 := pos + t0
		tb := min(T-t0, KTile-p0%KTile) // positions left in this tile
		kt := kv.K[(p0/KTile*a.NHead+h)*HS*KTile:]
		for d := 0; d < HS; d++ {
			dst := kt[d*KTile+p0%KTile : d*KTile+p0%KTile+tb]
			src := qkv[t0*3*C+C+h*HS+d:]
			for t := range dst {
				dst[t] = src[t*3*C]
			}
		}
		t0 += tb
	}
	for t := 0; t < T; t++ {
		v := qkv[t*3*C+2*C+h*HS : t*3*C+2*C+(h+1)*HS]
		copy(kv.V[(h*P+pos+t)*HS:(h*P+pos+t+1)*HS], v)
	}
}

// decodeValue stores decode's new value of head h at position pos.
func (a *Attention) decodeValue(kv *KV, qkv []float32, h, pos, C, HS int) {
	P := kv.size() / C
	v := qkv[2*C+h*HS : 2*C+(h+1)*HS]
	if kv.F16() {
		kernels.ToF16(kv.V16[(h*P+pos)*HS:(h*P+pos+1)*HS], v)
		return
	}
	copy(kv.V[(h*P+pos)*HS:(h*P+pos+1)*HS], v)
}

// decodeKey stores decode's new key of head h at position pos into its key
// tile, one float into each of the tile's HS rows (with no slice per row:
// attention over 64 cached keys, cache warm, took 11-18% less time so),
// and returns its score q·k, with the key as cached.
//
// It runs after the product that scores the cached keys, which read the
// key's column with whatever it held (the score returned replaces it) and
// so brought the HS lines the key goes to into cache. Stored before, each
// of those stores waited for its line from memory, 64 lines a head on a
// cold cache: decode (124M F16, 2 threads, positions 4-128, alternated in
// one process) is 2% faster so, the median of nine runs' medians
// (0.990-1.066), and 0.8% with F32 weights (one run).
func (a *Attention) decodeKey(kv *KV, q, qkv []float32, h, pos, C, HS int, buf *attendBuf) float32 {
	k := qkv[C+h*HS : C+(h+1)*HS]
	off := (pos/KTile*a.NHead+h)*HS*KTile + pos%KTile
	if !kv.F16() {
		kt := kv.K[off : off+(HS-1)*KTile+1]
		for d, v := range k {
			kt[d*KTile] = v
		}
		return kernels.Dot(q, k)
	}
	if len(buf.k16) < HS {
		buf.k16 = make([]uint16, HS)
	}
	if len(buf.kf) < HS {
		buf.kf = make([]float32, HS)
	}
	k16, kf := buf.k16[:HS], buf.kf[:HS]
	kernels.ToF16(k16, k)
	kt := kv.K16[off : off+(HS-1)*KTile+1]
	for d, v := range k16 {
		kt[d*KTile] = v
		kf[d] = kernels.F16ToF32(v)
	}
	return kernels.Dot(q, kf)
}

// store16 is store for a half-precision cache: each token's key is rounded
// into k16 (HS values), then spread over its tile's rows.
func (a *Attention) store16(kv *KV, qkv []float32, h, T, pos, C, HS, P int, k16 []uint16) {
	for t := 0; t < T; t++ {
		p := pos + t
		row := qkv[t*3*C:]
		kernels.ToF16(k16, row[C+h*HS:C+(h+1)*HS])
		kt := kv.K16[(p/KTile*a.NHead+h)*HS*KTile+p%KTile:]
		for d, v := range k16 {
			kt[d*KTile] = v
		}
		kernels.ToF16(kv.V16[(h*P+p)*HS:(h*P+p+1)*HS], row[2*C+h*HS:2*C+(h+1)*HS])
	}
}
