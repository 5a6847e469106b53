// Package hugepages allocates memory that the operating system may back
// with 2 MiB pages.
//
// Decoding a token streams every weight once. From 4 KiB pages it ran
// 7-14% slower (int8 weights on the heap) than with the unembedding alone
// in 2 MiB pages, and weights read from 2 MiB pages stream about as fast
// as the bandwidth yardstick; see weights/largepages_linux.go for mapped
// checkpoints, which get their large pages from the page cache instead.
package hugepages

import "unsafe"

// Size is the size of a huge page.
const Size = 2 << 20

// Bytes returns n zero bytes on the Go heap, starting at a 2 MiB boundary
// when n is at least that, and asks the kernel (Linux) to back them with
// 2 MiB pages. The memory is an ordinary Go allocation, collected as usual.
func Bytes(n int) []byte {
	if n < Size {
		return make([]byte, n)
	}
	buf := make([]byte, n+Size)
	off := (Size - int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))%Size) % Size
	b := buf[off : off+n : off+n]
	advise(b)
	return b
}

// Collapse asks the kernel (Linux) to move the whole 2 MiB stretches of b,
// already written, into 2 MiB pages now: memory that was reused from the
// heap had its 4 KiB pages before Bytes could ask for large ones.
func Collapse(b []byte) { collapse(b) }
