package kernels

import "math"

// mulTGeneric computes, for t < T and j < n,
//
//	y[t*ldy+j] = Σ_i x[t*ldx+i] · W[i, c0+j]   (i < W.Rows)
//
// the Conv1D product: W is stored [in, out], x holds T rows of length in.
func mulTGeneric(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, c0, n int) {
	if w.DType == Q8 {
		mulQ8(q8DotGeneric, nil, q8QuantGeneric, y, ldy, x, ldx, T, w, c0, n)
		return
	}
	for t := 0; t < T; t++ {
		clear(y[t*ldy : t*ldy+n])
	}
	// A block of a row at a time, converted once for all T tokens, in a
	// buffer on the stack (decode calls this for every product).
	var row [genericBlock]float32
	for i := 0; i < w.Rows; i++ {
		for j0 := 0; j0 < n; j0 += len(row) {
			r := row[:min(len(row), n-j0)]
			rowRange(r, w, i, c0+j0)
			for t := 0; t < T; t++ {
				xi, yt := x[t*ldx+i], y[t*ldy+j0:t*ldy+j0+len(r)]
				for j := range yt {
					yt[j] += xi * r[j]
				}
			}
		}
	}
}

// genericBlock is how many elements of a row of W the portable products
// convert at a time.
const genericBlock = 256

// mulGeneric computes, for t < T and r < n,
//
//	y[t*ldy+r] = Σ_j W[r0+r, j] · x[t*ldx+j]   (j < W.Cols)
//
// the product with a [out, in] matrix such as the tied embedding (logits = E·h).
// Each sum is taken in order of j, carried in y from one block to the next.
func mulGeneric(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, r0, n int) {
	if w.DType == Q8 {
		mulQ8(q8DotGeneric, nil, q8QuantGeneric, y, ldy, x, ldx, T, w, r0, n)
		return
	}
	var row [genericBlock]float32
	for r := 0; r < n; r++ {
		for t := 0; t < T; t++ {
			y[t*ldy+r] = 0
		}
		for j0 := 0; j0 < w.Cols; j0 += len(row) {
			b := row[:min(len(row), w.Cols-j0)]
			rowRange(b, w, r0+r, j0)
			for t := 0; t < T; t++ {
				s, xt := y[t*ldy+r], x[t*ldx+j0:t*ldx+j0+len(b)]
				for j, v := range b {
					s += v * xt[j]
				}
				y[t*ldy+r] = s
			}
		}
	}
}

// rowRange writes W[i, c0:c0+len(dst)] into dst as float32.
func rowRange(dst []float32, w *Mat, i, c0 int) { convertGeneric(dst, w, i*w.Cols+c0) }

// convertGeneric writes len(dst) elements of w starting at row-major index k into dst.
func convertGeneric(dst []float32, w *Mat, k int) {
	switch w.DType {
	case F32:
		copy(dst, w.F32[k:k+len(dst)])
	case F16:
		for j := range dst {
			dst[j] = F16ToF32(w.U16[k+j])
		}
	case BF16:
		for j := range dst {
			dst[j] = BF16ToF32(w.U16[k+j])
		}
	case Q8:
		for j := range dst {
			dst[j] = elem(w, k+j)
		}
	}
}

// dotGeneric returns Σ a[i]·b[i].
func dotGeneric(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// axpyGeneric computes y[i] += alpha·x[i].
func axpyGeneric(y []float32, alpha float32, x []float32) {
	for i := range y {
		y[i] += alpha * x[i]
	}
}

// F16ToF32 converts IEEE half-precision bits to float32 exactly.
func F16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal half: normalise into a float32 exponent.
	e := uint32(113)
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}

// BF16ToF32 converts bfloat16 bits to float32 exactly.
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }
