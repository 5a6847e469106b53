// Package kernels holds the numeric inner loops of the runtime: products of
// activations with weight matrices kept in their stored dtype, and the small
// vector operations of attention and normalisation.
//
// Every function here has a portable Go version (the *Generic functions in
// generic.go). Faster variants are chosen once at start-up (dispatch.go);
// callers only ever see the functions below. Kernels are single-threaded:
// callers split work into row or column ranges and run them on a pool.
package kernels

import "fmt"

// DType is the element type of a weight matrix as stored.
type DType uint8

const (
	F32  DType = iota // IEEE float32
	F16               // IEEE half precision bit patterns
	BF16              // bfloat16 bit patterns
	Q8                // int8 with one F16 scale per 32 weights along a product's sum (see Mat)
)

func (d DType) String() string {
	switch d {
	case F32:
		return "F32"
	case F16:
		return "F16"
	case BF16:
		return "BF16"
	case Q8:
		return "Q8"
	}
	return "unknown"
}

// QBlock is the number of consecutive weights along a product's sum that
// share one Q8 scale.
const QBlock = 32

// qChunk is the number of outputs a Q8 product computes side by side.
const qChunk = 16

// Mat is a read-only row-major [Rows, Cols] matrix in its stored dtype.
// Exactly the data field(s) matching DType are set; they usually point into a
// memory-mapped checkpoint and must not be written.
//
// A Q8 matrix is laid out for the product it was quantized for (see
// Quantize): MulT's [in, out] weights sum over rows, Mul's [out, in] over
// columns (QMul). Call the summed dimension K (a multiple of 32) and the
// other N. Each block of 32 weights along K shares, per output, an F16
// scale max|w|/127, and each weight is stored as round(w/scale)+128, a byte
// (unsigned: the operand VPDPBUSD wants unsigned). Outputs are taken 16 at
// a time: chunk c (outputs 16c..16c+15, N padded to a multiple of 16 with
// zero weights) is one contiguous stretch of K/32 blocks of 512 bytes, and
// block b of it holds 8 groups of 64 bytes, group g the 4 weights
// k = 32b+4g..32b+4g+3 of each of the 16 outputs in turn:
//
//	Q[(c·K/32 + b)·512 + g·64 + 4·o + r] = W[k = 32b+4g+r, n = 16c+o] + 128
//	Scale[(c·K/32 + b)·16 + o]             = scale of that block and output
//
// So a range of outputs reads one sequential stretch of memory, and the
// decode kernel sums 4 products per byte lane with one instruction.
type Mat struct {
	Rows, Cols int
	DType      DType
	F32        []float32 // F32
	U16        []uint16  // F16, BF16
	Q          []byte    // Q8 weights+128, in the layout above
	Scale      []uint16  // Q8 scales, F16 bit patterns
	QMul       bool      // Q8 laid out for Mul: K is Cols
	qLd        int       // Q8 blocks from one chunk to the next, if not K/32 (RowRange)
}

// qDims returns the K (summed) and N (output) dimensions of a Q8 matrix.
func (m *Mat) qDims() (K, N int) {
	if m.QMul {
		return m.Cols, m.Rows
	}
	return m.Rows, m.Cols
}

// qStride returns the number of blocks from one chunk of a Q8 matrix to the next.
func (m *Mat) qStride() int {
	if m.qLd > 0 {
		return m.qLd
	}
	K, _ := m.qDims()
	return K / QBlock
}

// QLen returns the lengths of Q and Scale for a Q8 matrix summing over K
// with N outputs.
func QLen(K, N int) (q, scales int) {
	n := (N + qChunk - 1) / qChunk * qChunk
	return K * n, K / QBlock * n
}

// qIndex returns the index in Q of weight (k, n) and in Scale of its
// scale, for ld blocks per chunk.
func qIndex(ld, k, n int) (q, s int) {
	blk := n/qChunk*ld + k/QBlock
	return blk*QBlock*qChunk + k%QBlock/4*64 + n%qChunk*4 + k%4, blk*qChunk + n%qChunk
}

// RowAlign is the multiple of which row ranges handed to RowRange must start.
func (m *Mat) RowAlign() int {
	if m.DType == Q8 {
		return QBlock
	}
	return 1
}

// RowRange returns rows lo..hi of m as a matrix of its own, sharing m's
// storage. For Q8 (laid out for MulT only) lo and hi must be multiples of
// 32 or hi = Rows: a view of whole blocks.
func (m *Mat) RowRange(lo, hi int) Mat {
	C := m.Cols
	r := Mat{Rows: hi - lo, Cols: C, DType: m.DType}
	switch m.DType {
	case F32:
		r.F32 = m.F32[lo*C : hi*C]
	case F16, BF16:
		r.U16 = m.U16[lo*C : hi*C]
	case Q8:
		if m.QMul || lo%QBlock != 0 || hi%QBlock != 0 && hi != m.Rows {
			panic(fmt.Sprintf("kernels: Q8 RowRange(%d, %d) of [%d, %d] (QMul %v)", lo, hi, m.Rows, m.Cols, m.QMul))
		}
		r.qLd = m.qStride()
		r.Q = m.Q[lo/QBlock*QBlock*qChunk:]
		r.Scale = m.Scale[lo/QBlock*qChunk:]
	}
	return r
}

// Bytes is the storage the matrix occupies, which is what a product streams from memory.
func (m *Mat) Bytes() int {
	switch m.DType {
	case F32:
		return 4 * len(m.F32)
	case F16, BF16:
		return 2 * len(m.U16)
	case Q8:
		return len(m.Q) + 2*len(m.Scale)
	}
	return 0
}

// At returns element (i, j) as float32. It is for tests and tools, not hot loops.
func (m *Mat) At(i, j int) float32 { return elem(m, i*m.Cols+j) }

// Row writes row i of m into dst (len(dst) == m.Cols) as float32.
func (m *Mat) Row(dst []float32, i int) {
	if m.DType == Q8 && m.QMul {
		// Output i of a Mul layout, the embedding's lookup: 4 bytes per
		// group of each of its blocks.
		ld := m.qStride()
		for b := range m.Cols / QBlock {
			q, s := qIndex(ld, b*QBlock, i)
			scale := F16ToF32(m.Scale[s])
			for k := range dst[b*QBlock : (b+1)*QBlock] {
				dst[b*QBlock+k] = float32(int32(m.Q[q+k/4*64+k%4])-128) * scale
			}
		}
		return
	}
	for j := range dst {
		dst[j] = m.At(i, j)
	}
}
