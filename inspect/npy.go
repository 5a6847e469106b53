package inspect

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// The .npy format, version 1.0: the magic "\x93NUMPY", version bytes 1 0, a
// little-endian uint16 header length, then an ASCII Python dict literal
// padded with spaces and ended by '\n' so that the data starts at a multiple
// of 64 bytes, then the data in C order. Our arrays are always '<f4'.

// npyStreamHeader is the size of the header NPYWriter reserves, enough for
// any shape of up to 4 dimensions.
const npyStreamHeader = 256

// npyHeader returns the header of a float32 C-order array of shape, at least
// size bytes long (0: as short as allowed).
func npyHeader(shape []int, size int) ([]byte, error) {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", tuple)
	total := 10 + len(dict) + 1
	total = (total + 63) / 64 * 64
	if size > 0 {
		if total > size {
			return nil, fmt.Errorf("inspect: npy header for shape %v is over %d bytes", shape, size)
		}
		total = size
	}
	h := make([]byte, 0, total)
	h = append(h, "\x93NUMPY\x01\x00"...)
	h = binary.LittleEndian.AppendUint16(h, uint16(total-10))
	h = append(h, dict...)
	for len(h) < total-1 {
		h = append(h, ' ')
	}
	return append(h, '\n'), nil
}

// WriteNPY writes data as a float32 NumPy array of the given shape
// (readable by numpy.load).
func WriteNPY(w io.Writer, shape []int, data []float32) error {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != len(data) {
		return fmt.Errorf("inspect: %d values do not make an array of shape %v", len(data), shape)
	}
	h, err := npyHeader(shape, 0)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.Write(h)
	writeF32(bw, data)
	return bw.Flush()
}

func writeF32(w *bufio.Writer, data []float32) {
	var b [4]byte
	for _, v := range data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		w.Write(b[:])
	}
}

// NPYWriter writes a float32 NumPy array of shape [n, rowShape...] one row
// at a time, when n is not known in advance: Close writes the final shape
// into the header.
type NPYWriter struct {
	w        io.WriteSeeker
	bw       *bufio.Writer
	rowShape []int
	rowLen   int
	rows     int
	start    int64
}

// NewNPYWriter starts an array at the current offset of w.
func NewNPYWriter(w io.WriteSeeker, rowShape ...int) (*NPYWriter, error) {
	start, err := w.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, err
	}
	n := &NPYWriter{w: w, bw: bufio.NewWriter(w), rowShape: rowShape, rowLen: 1, start: start}
	for _, d := range rowShape {
		n.rowLen *= d
	}
	h, err := npyHeader(n.shape(), npyStreamHeader)
	if err != nil {
		return nil, err
	}
	_, err = n.bw.Write(h)
	return n, err
}

func (n *NPYWriter) shape() []int { return append([]int{n.rows}, n.rowShape...) }

// Append writes one or more rows.
func (n *NPYWriter) Append(data []float32) error {
	if n.rowLen == 0 || len(data)%n.rowLen != 0 {
		return fmt.Errorf("inspect: %d values are not whole rows of shape %v", len(data), n.rowShape)
	}
	writeF32(n.bw, data)
	n.rows += len(data) / n.rowLen
	return nil
}

// Close writes the number of rows into the header. It does not close w.
func (n *NPYWriter) Close() error {
	if err := n.bw.Flush(); err != nil {
		return err
	}
	end, err := n.w.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	h, err := npyHeader(n.shape(), npyStreamHeader)
	if err != nil {
		return err
	}
	if _, err := n.w.Seek(n.start, io.SeekStart); err != nil {
		return err
	}
	if _, err := n.w.Write(h); err != nil {
		return err
	}
	_, err = n.w.Seek(end, io.SeekStart)
	return err
}

// ReadNPY reads a float32 little-endian C-order array written by WriteNPY
// or NPYWriter (or numpy.save of such an array).
func ReadNPY(r io.Reader) (shape []int, data []float32, err error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, nil, fmt.Errorf("npy: %w", err)
	}
	if string(pre[:6]) != "\x93NUMPY" || pre[6] != 1 || pre[7] != 0 {
		return nil, nil, errors.New("npy: not a version 1.0 .npy file")
	}
	hlen := int(binary.LittleEndian.Uint16(pre[8:]))
	if (10+hlen)%64 != 0 {
		return nil, nil, fmt.Errorf("npy: data offset %d is not a multiple of 64", 10+hlen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, nil, fmt.Errorf("npy: header: %w", err)
	}
	h := string(hb)
	if !strings.HasSuffix(h, "\n") {
		return nil, nil, errors.New("npy: header does not end with a newline")
	}
	h = strings.TrimSpace(h)
	if !strings.Contains(h, "'descr': '<f4'") || !strings.Contains(h, "'fortran_order': False") {
		return nil, nil, fmt.Errorf("npy: not a C-order float32 array: %s", h)
	}
	i, j := strings.Index(h, "'shape': ("), strings.Index(h, ")")
	if i < 0 || j < i {
		return nil, nil, fmt.Errorf("npy: no shape in %s", h)
	}
	n := 1
	for _, f := range strings.Split(h[i+len("'shape': ("):j], ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		var d int
		if _, err := fmt.Sscan(f, &d); err != nil || d < 0 {
			return nil, nil, fmt.Errorf("npy: bad dimension %q", f)
		}
		shape = append(shape, d)
		n *= d
	}
	raw := make([]byte, 4*n)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, nil, fmt.Errorf("npy: data: %w", err)
	}
	data = make([]float32, n)
	for k := range data {
		data[k] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))
	}
	return shape, data, nil
}
