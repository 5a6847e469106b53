package weights

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gpt2go/gpt2/internal/hugepages"
)

// A file mapping can be backed by 2 MiB page-cache folios, each mapped by
// one page-table entry (FilePmdMapped in /proc/self/smaps), when the
// mapping asks for huge pages and the file system reads files into large
// folios (ext4 since Linux 6.16, xfs). Decoding streams every weight once
// per token: from 4 KiB pages it ran 8-34% slower (124M, F32) and 2x slower
// (1.5B, F16) than from the heap on the project's VM; from 2 MiB folios,
// within 2%.
const hugeSize = hugepages.Size

// largePages asks for huge pages on data, a fresh read-only mapping of f.
// A file already cached in small folios (as after it was written or
// downloaded) keeps them until the kernel drops them, so then it has them
// dropped and read again on first use, but only after checking on one
// 2 MiB stretch that the file system does read it into large folios: where
// it cannot, dropping would only cost a reread on every load.
func largePages(f *os.File, data []byte) {
	if len(data) < 4*hugeSize {
		return
	}
	if unix.Madvise(data, unix.MADV_HUGEPAGE) != nil {
		return
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	off := int((base+uintptr(len(data)/2))&^(hugeSize-1) - base) // a 2 MiB-aligned stretch mid-file
	probe := data[off : off+hugeSize]
	if !resident(probe) {
		return // not cached: the first faults read it into large folios
	}
	if pmdMapped(probe) {
		return
	}
	fd := int(f.Fd())
	drop := func(b []byte, off int64) {
		// Unmap our page-table entries first: fadvise drops unmapped pages only.
		unix.Madvise(b, unix.MADV_DONTNEED)
		unix.Fadvise(fd, off, int64(len(b)), unix.FADV_DONTNEED)
	}
	drop(probe, int64(off))
	if !pmdMapped(probe) {
		return
	}
	drop(data, 0)
}

// resident reports whether the first page of b is in the page cache.
func resident(b []byte) bool {
	var vec [1]byte
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(os.Getpagesize()), uintptr(unsafe.Pointer(&vec[0])))
	return errno == 0 && vec[0]&1 != 0
}

// sink keeps the probing read from being optimized away.
var sink atomic.Uint32

// pmdMapped touches the first byte of b, the start of its mapping's only
// touched stretch, and reports whether the mapping now has pages mapped
// 2 MiB at a time.
func pmdMapped(b []byte) bool {
	sink.Store(uint32(b[0]))
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return false
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 && strings.IndexByte(line, ' ') > 0 {
			in = lo <= addr && addr < hi
			continue
		}
		if kb, ok := strings.CutPrefix(line, "FilePmdMapped:"); ok && in {
			var n int
			fmt.Sscanf(strings.TrimSpace(kb), "%d", &n)
			return n > 0
		}
	}
	return false
}
