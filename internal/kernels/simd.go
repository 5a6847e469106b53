package kernels

import (
	"fmt"
	"math"
	"sync"
	"unsafe"
)

// simd is a family of SIMD building blocks (written in assembly, see
// kernels_amd64.go) and the Go code that drives them over whole products:
// ranges, tails, cache blocking and packing are all done here, so the
// assembly only ever sees full, aligned-enough blocks.
type simd struct {
	// gemv[d] computes, for -head <= j < n+tail (n a multiple of 16,
	// head and tail 0-15, n+head+tail >= 16),
	//	y[j] += Σ_{i<rows} x[i]·W[i, j]   (rows a multiple of 4)
	// with w pointing at W[0, 0] of a dtype-d (F32, F16, BF16) matrix with
	// row stride ldw bytes. Columns 0..n-1 are read in 16-column chunks
	// (aligned, if w is); the head and tail columns from the 16 columns
	// starting at -head and ending at n+tail.
	gemv [3]func(y, x *float32, w unsafe.Pointer, rows, ldw, n, head, tail int)
	// rowdot[d] computes y[r] = Σ_{j<n} W[r, j]·x[j] for r < 4, n a multiple of 16.
	rowdot [3]func(y, x *float32, w unsafe.Pointer, ldw, n int)
	// q8 is q8Dot over kb blocks per chunk and chunks chunks, ld blocks
	// apart; q8name names it.
	q8     func(y *float32, xq *int8, xs *float32, corr *int32, w *byte, s *uint16, kb, chunks, ld int)
	q8name string
	// q84 is q8 for four tokens at once (q8Dot4); nil: none.
	q84 func(y *float32, ldy int, xq4 *int8, xs4 *float32, corr4 *int32, w *byte, s *uint16, kb, chunks, ld int)
	// q8quant is q8Quant over blocks blocks of 32; nil: use q8QuantGeneric.
	q8quant func(xq *int8, xs *float32, corr *int32, x *float32, blocks int)
	// qtile is quantTileGeneric, returning 0 where that finds a problem,
	// else -1; nil: use quantTileGeneric.
	qtile func(dst *byte, scale *uint16, src *float32, ld int) int
	// rowdotAny says the float rowdots take any n and any alignment of w
	// (they mask the ends of a row), so mul hands them whole rows.
	rowdotAny bool
	// rowdot4[d], if set, is rowdot[d] reading its 4 rows side by side,
	// each row summed exactly as rowdot[d] sums it (with rowdotAny, ldw a
	// multiple of the 16-element chunk): decode hands it rows far apart.
	rowdot4 [3]func(y, x *float32, w unsafe.Pointer, ldw, n int)
	// gemm computes the mr×nr block c (row stride ldc bytes) = [c +] a·b for
	// a mr×kc (row stride lda bytes) and b kc×nr (row stride ldb bytes).
	gemm func(c *float32, ldc int, a *float32, lda int, b *float32, ldb, kc, acc int)
	// gemm16 is gemm for b in F16 and BF16, as stored (nil: widen them to
	// float32 first).
	gemm16 [2]gemmU16
	// gemvMaxT[d] is the most tokens MulT takes one at a time with the
	// decode kernel (W of dtype d read once per token) rather than as a
	// matrix product: past it the product is faster (see kernels_amd64.go).
	gemvMaxT [3]int
	nr       int
	cvtF16   func(dst *float32, src *uint16, n int) // n%8 == 0
	cvtBF    func(dst *float32, src *uint16, n int) // n%8 == 0
	toF16    func(dst *uint16, src *float32, n int) // n%8 == 0
	dot      func(a, b *float32, n int) float32
	xorSum   func(p *byte, n int) uint64 // n%256 == 0
	axpy     func(y *float32, alpha float32, x *float32, n int)
	gelu     func(x *float32, n int) // n%8 == 0; nil: use geluGeneric
	// expSum sets x[i] = exp(x[i]·scale - shift) for n%8 == 0 and returns
	// the float64 sum; nil: use expSumGeneric.
	expSum func(x *float32, n int, scale, shift float64) float64
	// lnSum, lnSqDev and lnApply are LayerNorm's passes over n%16 == 0
	// floats (see layerNormS); nil: use layerNormGeneric.
	lnSum   func(x *float32, n int) float64
	lnSqDev func(x *float32, n int, mean float64) float64
	lnApply func(y, x, w, b *float32, n int, m, s float32)
}

const (
	mr = 6   // tokens per gemm micro-kernel
	kc = 256 // rows of W per micro-kernel call
)

func (s *simd) impl(name string) impl {
	return impl{name: name, q8: s.q8name, mulT: s.mulT, mul: s.mul, dot: s.dotS, axpy: s.axpyS, gelu: s.geluS, expSum: s.expSumS, layerNorm: s.layerNormS, convert: s.convert, quantTile: s.quantTile, toF16: s.toF16S, xorSum: xorSumBlocks(s.xorSum, 256)}
}

// quantTile is quantTileOK with the assembly (quantizing gpt2's weights
// at load took 1.4 s of CPU in Go).
func (s *simd) quantTile(dst []byte, scale []uint16, src []float32, ld int) bool {
	if s.qtile == nil {
		return quantTileOK(dst, scale, src, ld)
	}
	_, _, _ = dst[QBlock*qChunk-1], scale[qChunk-1], src[(QBlock-1)*ld+qChunk-1]
	return s.qtile(&dst[0], &scale[0], &src[0], ld) < 0
}

// q8Dot and q8Quant with the assembly. The slices' lengths are checked
// here: the assembly reads and writes whole chunks and blocks.
func (s *simd) q8Dot(y []float32, xq []int8, xs []float32, corr []int32, w []byte, sc []uint16, ld int) {
	kb, chunks := len(xs), len(y)/qChunk
	if chunks == 0 || kb == 0 {
		clear(y)
		return
	}
	end := (chunks-1)*ld + kb
	_, _, _ = xq[kb*QBlock-1], corr[kb-1], y[chunks*qChunk-1]
	_, _ = w[end*QBlock*qChunk-1], sc[end*qChunk-1]
	s.q8(&y[0], &xq[0], &xs[0], &corr[0], &w[0], &sc[0], kb, chunks, ld)
}

// q8Dot4 is q8Dot4 with the assembly, or nil if there is none.
func (s *simd) q8Dot4() q8Dot4 {
	if s.q84 == nil {
		return nil
	}
	return func(y []float32, ldy int, xq4 []int8, xs4 []float32, corr4 []int32, w []byte, sc []uint16, chunks, ld int) {
		kb := len(xs4) / 4
		if chunks <= 0 || kb == 0 {
			return
		}
		end := (chunks-1)*ld + kb
		_, _, _ = xq4[kb*4*QBlock-1], corr4[4*kb-1], y[3*ldy+chunks*qChunk-1]
		_, _ = w[end*QBlock*qChunk-1], sc[end*qChunk-1]
		s.q84(&y[0], 4*ldy, &xq4[0], &xs4[0], &corr4[0], &w[0], &sc[0], kb, chunks, ld)
	}
}

func (s *simd) q8Quant(xq []int8, xs []float32, corr []int32, x []float32) {
	if s.q8quant == nil || len(xs) == 0 {
		q8QuantGeneric(xq, xs, corr, x)
		return
	}
	kb := len(xs)
	_, _, _ = xq[kb*QBlock-1], corr[kb-1], x[kb*QBlock-1]
	s.q8quant(&xq[0], &xs[0], &corr[0], &x[0], kb)
}

func (s *simd) dotS(a, b []float32) float32 {
	if len(a) == 0 {
		return 0
	}
	_ = b[len(a)-1]
	return s.dot(&a[0], &b[0], len(a))
}

func (s *simd) geluS(x []float32) {
	m := 0
	if s.gelu != nil {
		if m = len(x) &^ 7; m > 0 {
			s.gelu(&x[0], m)
		}
	}
	geluGeneric(x[m:])
}

func (s *simd) expSumS(x []float32, scale, shift float64) float64 {
	m, sum := 0, 0.0
	if s.expSum != nil {
		if m = len(x) &^ 7; m > 0 {
			sum = s.expSum(&x[0], m, scale, shift)
		}
	}
	return sum + expSumGeneric(x[m:], scale, shift)
}

// layerNormS is layerNormGeneric with its three passes over the first
// n&^15 elements in assembly, the rest in Go.
func (s *simd) layerNormS(y, x, g, b []float32, eps float32) {
	n := len(x)
	m := n &^ 15
	if s.lnSum == nil || m == 0 {
		layerNormGeneric(y, x, g, b, eps)
		return
	}
	_, _, _ = y[n-1], g[n-1], b[n-1]
	sum := s.lnSum(&x[0], m)
	for _, v := range x[m:] {
		sum += float64(v)
	}
	mean := sum / float64(n)
	ss := s.lnSqDev(&x[0], m, mean)
	for _, v := range x[m:] {
		d := float64(v) - mean
		ss += d * d
	}
	mf, sf := float32(mean), float32(1/math.Sqrt(ss/float64(n)+float64(eps)))
	s.lnApply(&y[0], &x[0], &g[0], &b[0], m, mf, sf)
	for i := m; i < n; i++ {
		y[i] = (x[i]-mf)*sf*g[i] + b[i]
	}
}

func (s *simd) axpyS(y []float32, alpha float32, x []float32) {
	if len(y) == 0 {
		return
	}
	_ = x[len(y)-1]
	s.axpy(&y[0], alpha, &x[0], len(y))
}

// esize is the size in bytes of one stored element.
func esize(d DType) int {
	switch d {
	case F32:
		return 4
	case F16, BF16:
		return 2
	}
	return 1
}

// storage panics if m's data cannot hold Rows×Cols elements: the assembly
// must never read past it. (Q8 matrices are checked by mulQ8.)
func storage(m *Mat) {
	n := m.Rows * m.Cols
	var have int
	switch m.DType {
	case F32:
		have = len(m.F32)
	case F16, BF16:
		have = len(m.U16)
	default:
		panic(fmt.Sprintf("kernels: unknown dtype %d", m.DType))
	}
	if have < n || m.Rows < 0 || m.Cols < 0 {
		panic(fmt.Sprintf("kernels: %v matrix [%d, %d] storage too short", m.DType, m.Rows, m.Cols))
	}
}

// ptr returns the address of element k of m.
func ptr(m *Mat, k int) unsafe.Pointer {
	switch m.DType {
	case F32:
		return unsafe.Pointer(&m.F32[k])
	case F16, BF16:
		return unsafe.Pointer(&m.U16[k])
	}
	return unsafe.Pointer(&m.Q[k])
}

// checkRange panics unless T rows of n outputs (stride ldy) and T rows of
// in inputs (stride ldx) fit in y and x.
func checkRange(y []float32, ldy int, x []float32, ldx, T, n, in int) {
	if ldy < 0 || ldx < 0 || len(y) < (T-1)*ldy+n || len(x) < (T-1)*ldx+in {
		panic(fmt.Sprintf("kernels: slices too short: len(y)=%d ldy=%d len(x)=%d ldx=%d T=%d n=%d in=%d", len(y), ldy, len(x), ldx, T, n, in))
	}
}

func (s *simd) mulT(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, c0, n int) {
	if w.DType == Q8 {
		mulQ8(s.q8Dot, s.q8Dot4(), s.q8Quant, y, ldy, x, ldx, T, w, c0, n)
		return
	}
	if T <= 0 || n <= 0 {
		return
	}
	storage(w)
	if c0 < 0 || c0+n > w.Cols {
		panic(fmt.Sprintf("kernels: columns %d..%d out of range [0, %d)", c0, c0+n, w.Cols))
	}
	checkRange(y, ldy, x, ldx, T, n, w.Rows)
	if T <= s.gemvMaxT[w.DType] {
		for t := range T {
			s.gemv1(y[t*ldy:t*ldy+n], x[t*ldx:t*ldx+w.Rows], w, c0)
		}
		return
	}
	s.gemmT(y, ldy, x, ldx, T, w, c0, n)
}

// gemv1 computes y[j] = Σ_i x[i]·W[i, c0+j]: batch-1 decode, memory-bound.
// The assembly reads four stretches of W's rows at once (four sequential
// streams) into y, kept in L1.
//
// Loads that straddle cache lines cost ~40% of the streaming rate, and
// safetensors data is rarely 64-byte aligned. So when every row starts at
// the same misalignment, the chunks start at the first aligned column and
// the kernel adds the columns before it and after the last whole chunk
// from one unaligned chunk at each end of the rows it is reading. (Taking
// them by two 16-column calls before, each row's ends were read a second
// time by calls that stride from row to row: BF16 checkpoints, whose data
// starts 16 bytes off where F16's start 32 off, ran 11-16% slower.)
func (s *simd) gemv1(y, x []float32, w *Mat, c0 int) {
	n := len(y)
	clear(y)
	d, rows := w.DType, w.Rows
	r4 := rows &^ 3
	ldw := w.Cols * esize(d)
	lo := 0 // first column of the whole chunks
	if r4 > 0 && n >= 32 && ldw%(16*esize(d)) == 0 {
		lo = alignCols(ptr(w, c0), d)
	}
	n16 := (n - lo) &^ 15
	if r4 == 0 || n16 == 0 {
		s.addRows(y, x, w, 0, rows, c0)
		return
	}
	tail := n - lo - n16 // n >= 16: the ends' chunks lie in the rows
	s.gemv[d](&y[lo], &x[0], ptr(w, c0+lo), r4, ldw, n16, lo, tail)
	s.addRows(y, x, w, r4, rows, c0)
}

// alignCols returns how many elements of dtype d (F32, F16 or BF16) from p
// on precede the first address at which a 16-element chunk (64 or 32 bytes)
// is aligned to its size, and so lies within one cache line; 0 if p is not
// even element-aligned.
func alignCols(p unsafe.Pointer, d DType) int {
	es := esize(d)
	chunk := 16 * es
	mis := int(uintptr(p) % uintptr(chunk))
	if mis%es != 0 {
		return 0
	}
	return (chunk - mis) % chunk / es
}

// addRows computes y[j] += Σ_{i0≤i<i1} x[i]·W[i, c0+j]: the rows left
// over by the assembly (F32 rows, as attention's last rows of V, with the
// vector axpy).
func (s *simd) addRows(y, x []float32, w *Mat, i0, i1, c0 int) {
	if len(y) == 0 {
		return
	}
	if w.DType == F32 {
		for i := i0; i < i1; i++ {
			k := i*w.Cols + c0
			s.axpyS(y, x[i], w.F32[k:k+len(y)])
		}
		return
	}
	// 16-bit rows are widened a stretch at a time: with an F16 KV cache,
	// attention's products over n cached values leave up to 3 rows (and
	// short ones all) to this loop, and widened an element at a time they
	// made int8 decode at positions 0-128 7-10% slower than with a float32
	// cache (alternated: 260.0 against 288.3 tokens/s; a stretch at a time,
	// 381.6 against 377.9).
	b := rowBufs.Get().(*[256]float32)
	for i := i0; i < i1; i++ {
		for j0 := 0; j0 < len(y); j0 += len(b) {
			n := min(len(b), len(y)-j0)
			s.convert(b[:n], w, i*w.Cols+c0+j0)
			s.axpyS(y[j0:j0+n], x[i], b[:n])
		}
	}
	rowBufs.Put(b)
}

var rowBufs = sync.Pool{New: func() any { return new([256]float32) }}

// gemmBuf is the per-call scratch of gemmT: a panel of W widened to
// float32, the zero-padded tail rows of x and a tile for partial output
// blocks.
type gemmBuf struct {
	b    [kc * 64]float32
	xpad [mr * kc]float32
	tile [mr * 64]float32
}

var gemmPool = sync.Pool{New: func() any { return new(gemmBuf) }}

// gemmT is MulT for T > 1. Loops, outer to inner: blocks of kc rows of W
// (the x block, T×kc, stays in L2); panels of nr columns; groups of mr
// tokens, each one micro-kernel call over the whole panel.
//
// The micro-kernels read the panels where they lie in W, a row stride
// apart, widening F16 and BF16 as they load them. Packing them first
// (widened to float32, 64 columns a call, into contiguous panels, all of a
// worker's columns at once) cost as much for 2 tokens as for 12: a whole
// 2-token prefill of GPT-2 124M F16 on 2 threads took 29 ms against 3.8
// for one token. Against widening into an L2-resident block instead,
// reading W where it lies took 25-37% less time for 6-16 tokens, 12-18%
// for 128 and 3-6% for 512 (F32, F16 and BF16; AVX-512 and AVX2 alike).
func (s *simd) gemmT(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, c0, n int) {
	nr := s.nr
	buf := gemmPool.Get().(*gemmBuf)
	defer gemmPool.Put(buf)
	var g16 gemmU16
	switch w.DType {
	case F16:
		g16 = s.gemm16[0]
	case BF16:
		g16 = s.gemm16[1]
	}
	K := w.Rows
	tfull := T - T%mr
	for k0 := 0; k0 < K; k0 += kc {
		kb := min(kc, K-k0)
		acc := 0
		if k0 > 0 {
			acc = 1
		}
		if tfull < T {
			clear(buf.xpad[:])
			for r := 0; r < T-tfull; r++ {
				copy(buf.xpad[r*kc:r*kc+kb], x[(tfull+r)*ldx+k0:])
			}
		}
		for j := 0; j < n; j += nr {
			nb := min(nr, n-j)
			var p panel
			switch k := k0*w.Cols + c0 + j; {
			case nb < nr || w.DType != F32 && g16 == nil:
				// A last panel short of nr columns, whose rows would
				// overrun W, is widened; so would be 16-bit weights that
				// no micro-kernel of the family reads.
				s.widen(buf.b[:kb*nr], w, k0, kb, c0+j, nb, nr)
				p = panel{f32: &buf.b[0], ldb: nr * 4}
			case w.DType == F32:
				p = panel{f32: &w.F32[k], ldb: w.Cols * 4}
			default:
				p = panel{u16: &w.U16[k], ldb: w.Cols * 2, g16: g16}
			}
			for t0 := 0; t0 < T; t0 += mr {
				a, lda := &buf.xpad[0], kc*4
				if t0 < tfull {
					a, lda = &x[t0*ldx+k0], ldx*4
				}
				if t0 < tfull && nb == nr {
					s.micro(&y[t0*ldy+j], ldy*4, a, lda, p, kb, acc)
					continue
				}
				s.micro(&buf.tile[0], nr*4, a, lda, p, kb, 0)
				for r := 0; r < min(mr, T-t0); r++ {
					yr := y[(t0+r)*ldy+j : (t0+r)*ldy+j+nb]
					tr := buf.tile[r*nr : r*nr+nb]
					if acc == 0 {
						copy(yr, tr)
						continue
					}
					for j, v := range tr {
						yr[j] += v
					}
				}
			}
		}
	}
}

// gemmU16 is a micro-kernel like simd.gemm for b in F16 or BF16.
type gemmU16 func(c *float32, ldc int, a *float32, lda int, b *uint16, ldb, kc, acc int)

// panel is the kb×nr block of W a micro-kernel multiplies: in W itself, or
// widened to float32 in gemmT's buffer.
type panel struct {
	f32 *float32
	u16 *uint16 // F16 or BF16, multiplied by g16
	g16 gemmU16
	ldb int // bytes from one row to the next
}

func (s *simd) micro(c *float32, ldc int, a *float32, lda int, p panel, kb, acc int) {
	if p.u16 != nil {
		p.g16(c, ldc, a, lda, p.u16, p.ldb, kb, acc)
		return
	}
	s.gemm(c, ldc, a, lda, p.f32, p.ldb, kb, acc)
}

// widen writes rows k0..k0+kb of W[:, c0:c0+n] as float32 into dst, row i
// at dst[i·ld:], zero-filled from column n to ld.
func (s *simd) widen(dst []float32, w *Mat, k0, kb, c0, n, ld int) {
	for i := 0; i < kb; i++ {
		row := dst[i*ld : (i+1)*ld]
		s.convert(row[:n], w, (k0+i)*w.Cols+c0)
		clear(row[n:])
	}
}

func (s *simd) toF16S(dst []uint16, src []float32) {
	n := len(dst)
	m := n &^ 7
	if m > 0 {
		s.toF16(&dst[0], &src[0], m)
	}
	toF16Generic(dst[m:], src[m:n])
}

// convert writes len(dst) elements of w starting at row-major index k into dst.
func (s *simd) convert(dst []float32, w *Mat, k int) {
	n, m := len(dst), 0
	switch w.DType {
	case F32:
		copy(dst, w.F32[k:k+n])
		return
	case F16:
		if m = n &^ 7; m > 0 {
			s.cvtF16(&dst[0], &w.U16[k], m)
		}
	case BF16:
		if m = n &^ 7; m > 0 {
			s.cvtBF(&dst[0], &w.U16[k], m)
		}
	}
	for j := m; j < n; j++ {
		dst[j] = elem(w, k+j)
	}
}

func (s *simd) mul(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, r0, n int) {
	if w.DType == Q8 {
		mulQ8(s.q8Dot, s.q8Dot4(), s.q8Quant, y, ldy, x, ldx, T, w, r0, n)
		return
	}
	if T <= 0 || n <= 0 {
		return
	}
	storage(w)
	if r0 < 0 || r0+n > w.Rows {
		panic(fmt.Sprintf("kernels: rows %d..%d out of range [0, %d)", r0, r0+n, w.Rows))
	}
	C := w.Cols
	checkRange(y, ldy, x, ldx, T, n, C)
	d := w.DType
	ldw := C * esize(d)
	if s.rowdotAny {
		s.mulRows(y, ldy, x, ldx, T, w, r0, n)
		return
	}
	// The assembly takes columns [lo, lo+m); as in gemv1, lo is the first
	// 64-byte aligned column when all rows share one misalignment, and the
	// partial chunks at the ends are 16-column calls with x zeroed outside
	// the columns they add.
	lo := 0
	if C >= 32 && ldw%(16*esize(d)) == 0 {
		lo = alignCols(ptr(w, r0*C), d)
	}
	m := (C - lo) &^ 15
	e := lo + m // columns [0, e) (or [lo, e) if m == 0) done in assembly
	tail := m > 0 && e < C
	if tail {
		e = C
	}
	// The partial chunks' x, zeroed outside the columns they add, come
	// from xPool: arrays on the stack would escape to the heap through the
	// kernel table, an allocation per call. The main rowdot writes straight
	// into y, after the chunks' sums are kept in h and tl.
	var xh, xt, four []float32
	quarters := s.rowdot4[d] != nil && T == 1 && m > 0 && n >= 16
	if lo > 0 || tail || quarters {
		bp := xPool.Get().(*[]float32)
		defer xPool.Put(bp)
		if cap(*bp) < 36 {
			*bp = make([]float32, 36)
		}
		xh, xt, four = (*bp)[:16], (*bp)[16:32], (*bp)[32:36]
	}
	if quarters {
		// One token (decode): row i of each quarter of the range in turn,
		// four streams (see mulRows).
		xr := x[:C]
		clear(xh)
		clear(xt)
		copy(xh[:lo], xr)
		if tail {
			copy(xt[16-(C-lo-m):], xr[lo+m:])
		}
		q, ldq := n/4, n/4*ldw
		for i := range q {
			k := (r0 + i) * C
			var h, tl [4]float32
			if lo > 0 {
				s.rowdot4[d](&four[0], &xh[0], ptr(w, k), ldq, 16)
				h = [4]float32(four)
			}
			if tail {
				s.rowdot4[d](&four[0], &xt[0], ptr(w, k+C-16), ldq, 16)
				tl = [4]float32(four)
			}
			s.rowdot4[d](&four[0], &xr[lo], ptr(w, k+lo), ldq, m)
			for j := range 4 {
				y[i+j*q] = four[j] + h[j] + tl[j] + dotRow(w, r0+i+j*q, e, xr)
			}
		}
		for r := 4 * q; r < n; r++ {
			y[r] = dotRow(w, r0+r, 0, xr)
		}
		return
	}
	// Blocks of 64 rows (at most 192 KiB of F32 for C=768) stay in L2
	// while every token's logits are taken from them.
	const rb = 64
	for b0 := 0; b0 < n; b0 += rb {
		b1 := min(n, b0+rb)
		for t := 0; t < T; t++ {
			xr := x[t*ldx : t*ldx+C]
			yt := y[t*ldy : t*ldy+n]
			if lo > 0 || tail {
				clear(xh)
				clear(xt)
				copy(xh[:lo], xr)
				if tail {
					copy(xt[16-(C-lo-m):], xr[lo+m:])
				}
			}
			r := b0
			if m > 0 {
				for ; r+4 <= b1; r += 4 {
					k := (r0 + r) * C
					var h, tl [4]float32
					if lo > 0 {
						s.rowdot[d](&yt[r], &xh[0], ptr(w, k), ldw, 16)
						h = [4]float32(yt[r : r+4])
					}
					if tail {
						s.rowdot[d](&yt[r], &xt[0], ptr(w, k+C-16), ldw, 16)
						tl = [4]float32(yt[r : r+4])
					}
					s.rowdot[d](&yt[r], &xr[lo], ptr(w, k+lo), ldw, m)
					for q := range 4 {
						yt[r+q] = yt[r+q] + h[q] + tl[q] + dotRow(w, r0+r+q, e, xr)
					}
				}
			}
			for ; r < b1; r++ {
				yt[r] = dotRow(w, r0+r, 0, xr)
			}
		}
	}
}

// xPool holds the aligned copies of x that mulRows hands to the rowdots.
var xPool = sync.Pool{New: func() any { return new([]float32) }}

// mulRows is mul for rowdots that take whole rows at any alignment
// (rowdotAny). They load a row's first chunk from the aligned address
// below it, and x from as far below x: a masked load that straddles a
// page costs ~100x an aligned one on AMD Zen 5 (the head read 12 instead
// of 60 GB/s with x at the start of a page). So x is copied to where its
// alignment matches the rows' and every load of it lies within a line.
// (When rows differ in alignment, ldw not a multiple of the chunk, x
// keeps one: slower, still correct.)
func (s *simd) mulRows(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, r0, n int) {
	C, d := w.Cols, w.DType
	es := esize(d)
	ldw := C * es
	mis := 0 // elements from the aligned address below a row to its start
	if cb := 16 * es; ldw%cb == 0 {
		if p := int(uintptr(ptr(w, r0*C))); p%es == 0 {
			mis = p % cb / es
		}
	}
	ld := (mis+C+15)&^15 + 16 // floats per row of the copy, 64-byte multiple
	bp := xPool.Get().(*[]float32)
	defer xPool.Put(bp)
	need := T*ld + 16 + 4 // x, its alignment, rowdot4's four sums
	if cap(*bp) < need {
		*bp = make([]float32, need)
	}
	buf := (*bp)[:need]
	xs := buf[(64-int(uintptr(unsafe.Pointer(&buf[0])))%64)%64/4:]
	for t := 0; t < T; t++ {
		copy(xs[t*ld+mis:], x[t*ldx:t*ldx+C])
	}
	if s.rowdot4[d] != nil && T == 1 && ldw%(16*es) == 0 && n >= 16 {
		// One token (decode): row i of each quarter of the range in turn,
		// four streams.
		q := n / 4
		xt := xs[mis : mis+C]
		four := buf[need-4 : need] // on the stack it would escape through the kernel table
		for i := range q {
			s.rowdot4[d](&four[0], &xt[0], ptr(w, (r0+i)*C), q*ldw, C)
			y[i], y[q+i], y[2*q+i], y[3*q+i] = four[0], four[1], four[2], four[3]
		}
		for r := 4 * q; r < n; r++ {
			y[r] = dotRow(w, r0+r, 0, xt)
		}
		return
	}
	// Blocks of 64 rows stay in L2 while every token's logits are taken.
	const rb = 64
	for b0 := 0; b0 < n; b0 += rb {
		b1 := min(n, b0+rb)
		for t := 0; t < T; t++ {
			xt := xs[t*ld+mis : t*ld+mis+C]
			yt := y[t*ldy : t*ldy+n]
			r := b0
			for ; r+4 <= b1; r += 4 {
				s.rowdot[d](&yt[r], &xt[0], ptr(w, (r0+r)*C), ldw, C)
			}
			for ; r < b1; r++ {
				yt[r] = dotRow(w, r0+r, 0, xt)
			}
		}
	}
}

// dotRow returns Σ_{j0≤j<len(x)} W[r, j]·x[j]: the scalar tails.
func dotRow(w *Mat, r, j0 int, x []float32) float32 {
	var sum float32
	k := r * w.Cols
	for j := j0; j < len(x); j++ {
		sum += elem(w, k+j) * x[j]
	}
	return sum
}
