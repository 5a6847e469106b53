package hugepages

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// advise and collapse give advice on the whole 2 MiB stretches of b (the
// collapse needs Linux 6.1); the advice is a hint, so errors (an older
// kernel, THP disabled) are ignored.
func advise(b []byte)   { adviseWhole(b, unix.MADV_HUGEPAGE) }
func collapse(b []byte) { adviseWhole(b, unix.MADV_COLLAPSE) }

func adviseWhole(b []byte, advice int) {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (start + Size - 1) &^ (Size - 1)
	hi := (start + uintptr(len(b))) &^ (Size - 1)
	if hi <= lo {
		return
	}
	_ = unix.Madvise(b[lo-start:hi-start], advice)
}
