package kernels

import (
	"fmt"
	"math"
)

// Quantize returns a Q8 copy of w laid out for one product (see Mat): for
// Mul (sums over columns, as the unembedding) if forMul, else for MulT
// (sums over rows, as a Conv1D weight). Every 32 weights along the sum
// share, per output, the scale max|w|/127 rounded to F16, and are stored
// as round(w/scale), half away from zero, within ±127. w may be F32, F16
// or BF16; the summed dimension must be a multiple of 32 and every value
// finite. The values go to dst when it is not nil, else to a new slice,
// and the scales likewise to scale (lengths from QLen).
func Quantize(w *Mat, forMul bool, dst []byte, scale []uint16) (Mat, error) {
	q := Mat{Rows: w.Rows, Cols: w.Cols, DType: Q8, QMul: forMul}
	K, N := q.qDims()
	if w.Rows < 0 || w.Cols < 0 {
		return Mat{}, fmt.Errorf("kernels: quantize: bad shape [%d, %d]", w.Rows, w.Cols)
	}
	if K%QBlock != 0 {
		return Mat{}, fmt.Errorf("kernels: quantize [%d, %d]: the summed dimension, %d, is not a multiple of %d", w.Rows, w.Cols, K, QBlock)
	}
	var have int
	switch w.DType {
	case F32:
		have = len(w.F32)
	case F16, BF16:
		have = len(w.U16)
	default:
		return Mat{}, fmt.Errorf("kernels: quantize: cannot quantize %v", w.DType)
	}
	if have < K*N {
		return Mat{}, fmt.Errorf("kernels: quantize [%d, %d] %v: storage holds %d of %d elements", w.Rows, w.Cols, w.DType, have, K*N)
	}
	nq, ns := QLen(K, N)
	if dst == nil {
		dst = make([]byte, nq)
	} else if len(dst) < nq {
		return Mat{}, fmt.Errorf("kernels: quantize [%d, %d]: destination holds %d of %d bytes", w.Rows, w.Cols, len(dst), nq)
	}
	if scale == nil {
		scale = make([]uint16, ns)
	} else if len(scale) < ns {
		return Mat{}, fmt.Errorf("kernels: quantize [%d, %d]: scale destination holds %d of %d values", w.Rows, w.Cols, len(scale), ns)
	}
	q.Q, q.Scale = dst[:nq:nq], scale[:ns:ns]
	kb, nc := K/QBlock, nq/K/qChunk
	// tile quantizes block b of chunk c from src, 32 rows of 16 outputs,
	// ld floats apart; the portable code finds what the assembly refused.
	tile := func(c, b int, src []float32, ld int) error {
		d, sc := q.Q[(c*kb+b)*QBlock*qChunk:], q.Scale[(c*kb+b)*qChunk:]
		if cur.quantTile(d, sc, src, ld) {
			return nil
		}
		if k, o := quantTileGeneric(d, sc, src, ld); k >= 0 {
			return quantErr(w, b*QBlock+k, c*qChunk+o, forMul)
		}
		return nil
	}
	var part [QBlock * qChunk]float32 // a tile copied: padded, or transposed
	if !forMul {
		// 256 columns of 32 rows at a time, converted (F32: copied) into
		// buf, 32 KiB, then a tile per chunk; a strip's 16 chunks are
		// written block after block, 16 sequential streams. (Tiles read in
		// place, 64 bytes from each of 32 rows of the mapped checkpoint,
		// made loading gpt2 twice as slow.)
		const strip = 16 * qChunk
		var buf [QBlock * strip]float32
		for c0 := 0; c0 < nc; c0 += strip / qChunk {
			for b := range kb {
				j0 := c0 * qChunk
				n := min(strip, N-j0)
				for r := range QBlock {
					row := buf[r*strip : r*strip+strip]
					cur.convert(row[:n], w, (b*QBlock+r)*N+j0)
					clear(row[n:])
				}
				for c := c0; c < min(nc, c0+strip/qChunk); c++ {
					if err := tile(c, b, buf[(c-c0)*qChunk:], strip); err != nil {
						return Mat{}, err
					}
				}
			}
		}
		return q, nil
	}
	// Mul: 16 rows (outputs) at a time, each block of 32 columns transposed.
	buf := make([]float32, qChunk*K)
	for c := range nc {
		rows := min(qChunk, N-c*qChunk)
		for o := range rows {
			cur.convert(buf[o*K:(o+1)*K], w, (c*qChunk+o)*K)
		}
		clear(buf[rows*K:])
		for b := range kb {
			for o := range qChunk {
				for k, v := range buf[o*K+b*QBlock : o*K+(b+1)*QBlock] {
					part[k*qChunk+o] = v
				}
			}
			if err := tile(c, b, part[:], qChunk); err != nil {
				return Mat{}, err
			}
		}
	}
	return q, nil
}

func quantErr(w *Mat, k, n int, forMul bool) error {
	i, j := k, n
	if forMul {
		i, j = n, k
	}
	v := elem(w, i*w.Cols+j)
	if v-v != 0 {
		return fmt.Errorf("kernels: quantize [%d, %d]: non-finite value at (%d, %d)", w.Rows, w.Cols, i, j)
	}
	return fmt.Errorf("kernels: quantize [%d, %d]: value %g at (%d, %d) is too large for an F16 scale", w.Rows, w.Cols, v, i, j)
}

// quantTileGeneric quantizes one block of 32 weights along K for each of
// 16 outputs, src[k·ld+o], into dst[:512] and scale[:16] (see Mat). It
// returns the position (k, o) of a value it cannot quantize (not finite,
// or beyond the range of F16 scales), or -1, -1.
func quantTileGeneric(dst []byte, scale []uint16, src []float32, ld int) (k, o int) {
	dst = dst[:QBlock*qChunk]
	for o := range qChunk {
		amax, kmax := float32(0), 0
		for k := range QBlock {
			v := src[k*ld+o]
			if v-v != 0 { // NaN or ±Inf
				return k, o
			}
			if a := abs32(v); a > amax { // not max(): its NaN and ±0 rules cost 3x here
				amax, kmax = a, k
			}
		}
		h := f32ToF16(amax / 127)
		if h == 0x7c00 {
			return kmax, o
		}
		scale[o] = h
		s := F16ToF32(h)
		inv := float32(0)
		if s != 0 {
			inv = 1 / s
		}
		for k := range QBlock {
			// v·inv is within an ulp of v/scale. Adding ±0.5 by the sign,
			// without a branch (signs are random), then truncating rounds
			// half away from zero, as math.Round.
			r := src[k*ld+o] * inv
			r += math.Float32frombits(math.Float32bits(r)&(1<<31) | math.Float32bits(0.5))
			dst[k/4*64+o*4+k%4] = byte(max(-127, min(127, int32(r))) + 128)
		}
	}
	return -1, -1
}

// f32ToF16 rounds v to the nearest half-precision value, ties to even:
// subnormal halves for tiny v, +Inf beyond 65504 (v is finite and ≥ 0).
func f32ToF16(v float32) uint16 {
	b := math.Float32bits(v)
	exp := int(b>>23&0xff) - 127 + 15
	mant := b&0x7fffff | 0x800000 // with the implicit bit: 24 bits
	shift := 13
	if exp <= 0 { // subnormal half: fewer mantissa bits
		shift += 1 - exp
		exp = 0
		if shift > 24 {
			return 0
		}
	}
	h := mant >> shift
	rem, half := mant&(1<<shift-1), uint32(1)<<(shift-1)
	if rem > half || rem == half && h&1 == 1 {
		h++
	}
	// h carries the implicit bit for normal results; adding exp<<10 with
	// it in place steps the exponent on a carry, as rounding up should.
	if exp > 0 {
		h += uint32(exp-1) << 10
	}
	if h >= 0x7c00 {
		return 0x7c00
	}
	return uint16(h)
}

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

// elem returns the k-th row-major element of m as float32.
func elem(m *Mat, k int) float32 {
	switch m.DType {
	case F32:
		return m.F32[k]
	case F16:
		return F16ToF32(m.U16[k])
	case BF16:
		return BF16ToF32(m.U16[k])
	case Q8:
		i, j := k/m.Cols, k%m.Cols
		if m.QMul {
			i, j = j, i
		}
		qi, si := qIndex(m.qStride(), i, j)
		return float32(int32(m.Q[qi])-128) * F16ToF32(m.Scale[si])
	}
	panic("kernels: bad dtype")
}

// F32ToF16 rounds v to the nearest half-precision value, ties to even (see ToF16).
func F32ToF16(v float32) uint16 {
	b := math.Float32bits(v)
	sign := uint16(b>>16) & 0x8000
	if b&0x7fffffff >= 0x7f800000 {
		if b&0x7fffff != 0 {
			return sign | 0x7e00 | uint16(b>>13)&0x3ff // NaN: quiet, payload's top bits
		}
		return sign | 0x7c00
	}
	return sign | f32ToF16(abs32(v))
}

func toF16Generic(dst []uint16, src []float32) {
	for i := range dst {
		dst[i] = F32ToF16(src[i])
	}
}
