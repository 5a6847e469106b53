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
	Q8                // int8 with one float32 scale per block of 32 columns of a row (see Mat)
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

// QBlock is the number of consecutive columns of a row sharing one Q8 scale.
const QBlock = 32

// qGroup is the number of rows whose Q8 scales are stored side by side.
const qGroup = 8

// Mat is a read-only row-major [Rows, Cols] matrix in its stored dtype.
// Exactly the data field(s) matching DType are set; they usually point into a
// memory-mapped checkpoint and must not be written.
type Mat struct {
	Rows, Cols int
	DType      DType
	F32        []float32 // F32
	U16        []uint16  // F16, BF16
	Q          []int8    // Q8 values, row-major
	Scale      []float32 // Q8 scales, in the order of ScaleIndex
}

// ScaleIndex is the position in Scale of the Q8 scale of element (i, j).
// Q8 matrices have Cols%QBlock == 0, and the scales of rows 8g..8g+7 for
// one block of columns lie side by side: the decode product, which takes
// 8 rows at a time across all columns, then reads the scales as one
// sequential stream instead of 8 strided ones (~30% faster from DRAM).
// Rows are padded to a multiple of 8 with zero scales.
func (m *Mat) ScaleIndex(i, j int) int {
	return ((i/qGroup)*(m.Cols/QBlock)+j/QBlock)*qGroup + i%qGroup
}

// ScaleLen is the length of Scale for a Q8 matrix of rows×cols.
func ScaleLen(rows, cols int) int {
	return (rows + qGroup - 1) / qGroup * qGroup * (cols / QBlock)
}

// RowRange returns rows lo..hi of m as a matrix of its own, sharing m's
// storage. For Q8, lo must be a multiple of 8 (the scale groups).
func (m *Mat) RowRange(lo, hi int) Mat {
	C := m.Cols
	r := Mat{Rows: hi - lo, Cols: C, DType: m.DType}
	switch m.DType {
	case F32:
		r.F32 = m.F32[lo*C : hi*C]
	case F16, BF16:
		r.U16 = m.U16[lo*C : hi*C]
	case Q8:
		if lo%qGroup != 0 {
			panic(fmt.Sprintf("kernels: Q8 row range starts at row %d, not a multiple of %d", lo, qGroup))
		}
		r.Q = m.Q[lo*C : hi*C]
		r.Scale = m.Scale[lo*C/QBlock : lo*C/QBlock+ScaleLen(hi-lo, C)]
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
		return len(m.Q) + 4*len(m.Scale)
	}
	return 0
}

// At returns element (i, j) as float32. It is for tests and tools, not hot loops.
func (m *Mat) At(i, j int) float32 { return elem(m, i*m.Cols+j) }

// Row writes row i of m into dst (len(dst) == m.Cols) as float32.
func (m *Mat) Row(dst []float32, i int) {
	for j := range dst {
		dst[j] = m.At(i, j)
	}
}
