package kernels

import (
	"math"
	"sync"
)

// mulTGeneric computes, for t < T and j < n,
//
//	y[t*ldy+j] = Σ_i x[t*ldx+i] · W[i, c0+j]   (i < W.Rows)
//
// the Conv1D product: W is stored [in, out], x holds T rows of length in.
// Each y[j] gains the rows' terms one at a time in order of i, four rows
// to a load and store of y[j] (1.2-1.4x faster than one).
//
// One token (decode) reads the rows in order, each in one sequential
// stretch, its 16-bit weights widened where they are used (axpy4U16).
// Several tokens take a block of columns at a time through all the rows
// (mulTBlock), so that their sums for it stay in cache.
func mulTGeneric(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, c0, n int) {
	if w.DType == Q8 {
		mulQ8(q8DotGeneric, nil, q8QuantGeneric, y, ldy, x, ldx, T, w, c0, n)
		return
	}
	for t := 0; t < T; t++ {
		clear(y[t*ldy : t*ldy+n])
	}
	i := 0
	if T == 1 {
		for ; i+4 <= w.Rows; i += 4 {
			if w.U16 != nil {
				axpy4U16(y[:n], x[i:i+4], w, i, c0)
				continue
			}
			k, ld := i*w.Cols+c0, w.Cols
			axpy4(y[:n], x[i:i+4], w.F32[k:k+n], w.F32[k+ld:k+ld+n], w.F32[k+2*ld:k+2*ld+n], w.F32[k+3*ld:k+3*ld+n])
		}
	}
	for j0 := 0; j0 < n; j0 += genericBlock {
		mulTBlock(y[j0:], ldy, x, ldx, T, w, i, c0+j0, min(genericBlock, n-j0))
	}
}

// mulTBlock adds to y[t*ldy+j], for t < T and j < m, the terms of rows i0..
// of W at columns c..c+m: four rows at a time, converted into buffers on
// the stack, for up to tileT tokens at a time, whose sums it keeps in a
// buffer of its own meanwhile and stores once at the end. (Summed in y,
// two workers writing the two halves of y's rows, [128, 768], each took
// 2.6x as long as alone: a worker's end of a row is next to the other's
// start, and its prefetchers ran into the other's lines.)
func mulTBlock(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, i0, c, m int) {
	var rows [4][genericBlock]float32
	var acc [tileT][genericBlock]float32
	for t0 := 0; t0 < T; t0 += tileT {
		nt := min(tileT, T-t0)
		for t := range nt {
			copy(acc[t][:m], y[(t0+t)*ldy:(t0+t)*ldy+m])
		}
		i := i0
		for ; i+4 <= w.Rows; i += 4 {
			r0 := rowRange(rows[0][:m], w, i, c)
			r1 := rowRange(rows[1][:m], w, i+1, c)
			r2 := rowRange(rows[2][:m], w, i+2, c)
			r3 := rowRange(rows[3][:m], w, i+3, c)
			for t := range nt {
				k := (t0+t)*ldx + i
				axpy4(acc[t][:m], x[k:k+4], r0, r1, r2, r3)
			}
		}
		for ; i < w.Rows; i++ {
			r := rowRange(rows[0][:m], w, i, c)
			for t := range nt {
				xi, yt := x[(t0+t)*ldx+i], acc[t][:m]
				for j, v := range r {
					yt[j] += xi * v
				}
			}
		}
		for t := range nt {
			copy(y[(t0+t)*ldy:(t0+t)*ldy+m], acc[t][:m])
		}
	}
}

// tileT is the number of tokens whose sums mulTBlock keeps at a time.
const tileT = 16

// axpy4 adds x[0]·r0[j] + x[1]·r1[j] + x[2]·r2[j] + x[3]·r3[j] to y[j], in
// that order, for j < len(y).
func axpy4(y, x, r0, r1, r2, r3 []float32) {
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	r0, r1, r2, r3 = r0[:len(y)], r1[:len(y)], r2[:len(y)], r3[:len(y)]
	for j := range y {
		y[j] = y[j] + x0*r0[j] + x1*r1[j] + x2*r2[j] + x3*r3[j]
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
// Four rows are summed side by side: four independent chains of additions
// instead of one, 1.4-1.8x faster (F32). One token of 16-bit weights skips
// the buffers (dot4U16).
func mulGeneric(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, r0, n int) {
	if w.DType == Q8 {
		mulQ8(q8DotGeneric, nil, q8QuantGeneric, y, ldy, x, ldx, T, w, r0, n)
		return
	}
	var rows [4][genericBlock]float32
	r := 0
	for ; r+4 <= n; r += 4 {
		if T == 1 && w.U16 != nil {
			dot4U16(y[r:r+4], x[:w.Cols], w, r0+r)
			continue
		}
		for t := 0; t < T; t++ {
			clear(y[t*ldy+r : t*ldy+r+4])
		}
		for j0 := 0; j0 < w.Cols; j0 += genericBlock {
			m := min(genericBlock, w.Cols-j0)
			b0 := rowRange(rows[0][:m], w, r0+r, j0)
			b1 := rowRange(rows[1][:m], w, r0+r+1, j0)
			b2 := rowRange(rows[2][:m], w, r0+r+2, j0)
			b3 := rowRange(rows[3][:m], w, r0+r+3, j0)
			for t := 0; t < T; t++ {
				yt := y[t*ldy+r : t*ldy+r+4]
				xt := x[t*ldx+j0 : t*ldx+j0+m]
				b0, b1, b2, b3 := b0[:len(xt)], b1[:len(xt)], b2[:len(xt)], b3[:len(xt)]
				s0, s1, s2, s3 := yt[0], yt[1], yt[2], yt[3]
				for j, v := range xt {
					s0 += b0[j] * v
					s1 += b1[j] * v
					s2 += b2[j] * v
					s3 += b3[j] * v
				}
				yt[0], yt[1], yt[2], yt[3] = s0, s1, s2, s3
			}
		}
	}
	for ; r < n; r++ {
		for t := 0; t < T; t++ {
			y[t*ldy+r] = 0
		}
		for j0 := 0; j0 < w.Cols; j0 += genericBlock {
			b := rowRange(rows[0][:min(genericBlock, w.Cols-j0)], w, r0+r, j0)
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

// axpy4U16 adds x[0]·W[i, c0+j] + ... + x[3]·W[i+3, c0+j] to y[j], in that
// order, for j < len(y): one token's terms from four rows of 16-bit
// weights, each widened where it is used rather than through a buffer
// (F16 products 2-3x faster so, BF16 2-2.5x).
func axpy4U16(y, x []float32, w *Mat, i, c0 int) {
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	u0, u1, u2, u3 := rows4U16(w, i*w.Cols+c0, len(y))
	u0, u1, u2, u3 = u0[:len(y)], u1[:len(y)], u2[:len(y)], u3[:len(y)]
	if w.DType == F16 {
		tab := f16Table()
		for j := range y {
			y[j] = y[j] + x0*tab[u0[j]] + x1*tab[u1[j]] + x2*tab[u2[j]] + x3*tab[u3[j]]
		}
		return
	}
	for j := range y {
		y[j] = y[j] + x0*BF16ToF32(u0[j]) + x1*BF16ToF32(u1[j]) + x2*BF16ToF32(u2[j]) + x3*BF16ToF32(u3[j])
	}
}

// dot4U16 sets y[q] = Σ_j W[r+q, j]·x[j] for q < 4, each sum in order of j:
// one token's products with four rows of 16-bit weights, widened where
// they are used.
func dot4U16(y, x []float32, w *Mat, r int) {
	u0, u1, u2, u3 := rows4U16(w, r*w.Cols, len(x))
	u0, u1, u2, u3 = u0[:len(x)], u1[:len(x)], u2[:len(x)], u3[:len(x)]
	var s0, s1, s2, s3 float32
	if w.DType == F16 {
		tab := f16Table()
		for j, v := range x {
			s0 += tab[u0[j]] * v
			s1 += tab[u1[j]] * v
			s2 += tab[u2[j]] * v
			s3 += tab[u3[j]] * v
		}
	} else {
		for j, v := range x {
			s0 += BF16ToF32(u0[j]) * v
			s1 += BF16ToF32(u1[j]) * v
			s2 += BF16ToF32(u2[j]) * v
			s3 += BF16ToF32(u3[j]) * v
		}
	}
	y[0], y[1], y[2], y[3] = s0, s1, s2, s3
}

// rows4U16 returns n 16-bit weights of w from index k on and the same of
// the next three rows.
func rows4U16(w *Mat, k, n int) (u0, u1, u2, u3 []uint16) {
	ld := w.Cols
	return w.U16[k : k+n : k+n], w.U16[k+ld : k+ld+n : k+ld+n], w.U16[k+2*ld : k+2*ld+n : k+2*ld+n], w.U16[k+3*ld : k+3*ld+n : k+3*ld+n]
}

// rowRange returns W[i, c0:c0+len(buf)] as float32: a view of float32
// weights, or buf holding the others converted.
func rowRange(buf []float32, w *Mat, i, c0 int) []float32 {
	k := i*w.Cols + c0
	if w.DType == F32 {
		return w.F32[k : k+len(buf) : k+len(buf)]
	}
	convertGeneric(buf, w, k)
	return buf
}

// convertGeneric writes len(dst) elements of w starting at row-major index k into dst.
func convertGeneric(dst []float32, w *Mat, k int) {
	switch w.DType {
	case F32:
		copy(dst, w.F32[k:k+len(dst)])
	case F16:
		src, tab := w.U16[k:k+len(dst)], f16Table()
		dst = dst[:len(src)]
		for j, h := range src {
			dst[j] = tab[h]
		}
	case BF16:
		src := w.U16[k : k+len(dst)]
		dst = dst[:len(src)]
		for j, h := range src {
			dst[j] = BF16ToF32(h)
		}
	case Q8:
		for j := range dst {
			dst[j] = elem(w, k+j)
		}
	}
}

// dotGeneric returns Σ a[i]·b[i], summed as four interleaved partial sums
// so that each addition need not wait for the one before: `gpt2 bench`
// reads memory with Dot, and with one chain of additions the portable
// kernels' bandwidth yardstick measured the adder (6.6 GB/s), not memory.
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
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

// f16Table maps every half-precision bit pattern to its value: the portable
// kernels widen F16 weights through it, a load per weight, about 3x faster
// than computing each (F16ToF32 is a call per weight, and even its branch
// for normal halves, inlined, was no faster). 256 KiB, built on first use.
var f16Table = sync.OnceValue(func() *[1 << 16]float32 {
	t := new([1 << 16]float32)
	for h := range t {
		t[h] = F16ToF32(uint16(h))
	}
	return t
})

// BF16ToF32 converts bfloat16 bits to float32 exactly.
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }
