package kernels

import (
	"fmt"
	"math"
)

// Quantize returns a Q8 copy of w: every block of QBlock columns of a row
// shares the scale max|x|/127 and stores round(x/scale) as int8. w may be
// F32, F16, BF16 or already Q8 (returned unchanged). The column count must
// be a multiple of QBlock and every value finite. The values go to dst
// when it is not nil (len(dst) >= Rows×Cols), else to a new slice, and
// the scales likewise to scale (len(scale) >= ScaleLen(Rows, Cols)).
func Quantize(w *Mat, dst []int8, scale []float32) (Mat, error) {
	n := w.Rows * w.Cols
	if w.Rows < 0 || w.Cols < 0 {
		return Mat{}, fmt.Errorf("kernels: quantize: bad shape [%d, %d]", w.Rows, w.Cols)
	}
	if w.Cols%QBlock != 0 {
		return Mat{}, fmt.Errorf("kernels: quantize [%d, %d]: %d columns is not a multiple of %d", w.Rows, w.Cols, w.Cols, QBlock)
	}
	var have int
	switch w.DType {
	case F32:
		have = len(w.F32)
	case F16, BF16:
		have = len(w.U16)
	case Q8:
		if len(w.Q) < n || len(w.Scale) < ScaleLen(w.Rows, w.Cols) {
			return Mat{}, fmt.Errorf("kernels: quantize [%d, %d]: Q8 storage too short", w.Rows, w.Cols)
		}
		return *w, nil
	default:
		return Mat{}, fmt.Errorf("kernels: quantize: unknown dtype %v", w.DType)
	}
	if have < n {
		return Mat{}, fmt.Errorf("kernels: quantize [%d, %d] %v: storage holds %d of %d elements", w.Rows, w.Cols, w.DType, have, n)
	}
	if dst == nil {
		dst = make([]int8, n)
	} else if len(dst) < n {
		return Mat{}, fmt.Errorf("kernels: quantize [%d, %d]: destination holds %d of %d values", w.Rows, w.Cols, len(dst), n)
	}
	ns := ScaleLen(w.Rows, w.Cols)
	if scale == nil {
		scale = make([]float32, ns)
	} else if len(scale) < ns {
		return Mat{}, fmt.Errorf("kernels: quantize [%d, %d]: scale destination holds %d of %d values", w.Rows, w.Cols, len(scale), ns)
	} else {
		clear(scale[:ns]) // rows padded to a group of 8 keep zero scales
	}
	q := Mat{Rows: w.Rows, Cols: w.Cols, DType: Q8, Q: dst[:n:n], Scale: scale[:ns:ns]}
	row := make([]float32, w.Cols)
	for i := range w.Rows {
		k := i * w.Cols
		if j := cur.quantRow(q.Q[k:k+w.Cols], q.Scale[q.ScaleIndex(i, 0):], w, i, row); j >= 0 {
			return Mat{}, fmt.Errorf("kernels: quantize [%d, %d]: non-finite value at (%d, %d)", w.Rows, w.Cols, i, j)
		}
	}
	return q, nil
}

// quantGeneric quantizes row i of w into dst (its Cols values) and
// scale[b·qGroup] (block b's scale; a row's scales lie a group apart, see
// Mat.ScaleIndex), converting the row into buf first. It returns the
// column of the first NaN or ±Inf, or -1.
func quantGeneric(dst []int8, scale []float32, w *Mat, i int, buf []float32) int {
	rowRange(buf, w, i, 0)
	return quantRowGeneric(dst, scale, buf)
}

// quantRowGeneric is quantGeneric once the row is float32.
func quantRowGeneric(dst []int8, scale []float32, row []float32) int {
	for j0 := 0; j0 < len(row); j0 += QBlock {
		blk := row[j0 : j0+QBlock]
		amax := float32(0)
		for j, v := range blk {
			if v-v != 0 { // NaN or ±Inf
				return j0 + j
			}
			if a := abs32(v); a > amax { // not max(): its NaN and ±0 rules cost 3x here
				amax = a
			}
		}
		s := amax / 127
		scale[j0/QBlock*qGroup] = s
		q := dst[j0 : j0+QBlock]
		if s == 0 {
			clear(q)
			continue
		}
		inv := 1 / s
		for j, v := range blk {
			// v·inv is within an ulp of v/scale. Adding ±0.5 by the
			// sign, without a branch (signs are random: a branch cost
			// ~4 ns per weight in mispredictions), then truncating
			// rounds half away from zero, as math.Round.
			r := v * inv
			r += math.Float32frombits(math.Float32bits(r)&(1<<31) | math.Float32bits(0.5))
			q[j] = int8(max(-127, min(127, int32(r))))
		}
	}
	return -1
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
		return float32(m.Q[k]) * m.Scale[m.ScaleIndex(k/m.Cols, k%m.Cols)]
	}
	panic("kernels: bad dtype")
}
