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
//
// It also turns the kernel's readahead off for the mapping (MADV_RANDOM):
// a fault in a huge-page mapping then reads its own 2 MiB folio, while
// readahead, run from the faults of two threads reading different parts of
// the file, read 14% of gpt2-xl's stretches into small folios (210 of
// 1485; none with readahead off), and decode from them was slower. Only
// on Linux 5.18 and later, whose faults in huge-page mappings read 2 MiB
// even without readahead; before, each would read one 4 KiB page.
//
// A file already cached in small folios (as after it was written or
// downloaded, or read with readahead) keeps them until the kernel drops
// them, so it looks at a few stretches spread over the file; if a cached
// one is in small folios it drops that stretch and reads it again, and if
// it then comes back in a 2 MiB folio (the file system reads files into
// large folios), it drops the whole file, which the first faults read back
// 2 MiB at a time. Where the file system cannot, dropping would only cost
// a reread on every load.
func largePages(f *os.File, data []byte) {
	if len(data) < 4*hugeSize {
		return
	}
	if unix.Madvise(data, unix.MADV_HUGEPAGE) != nil {
		return
	}
	if kernelAtLeast(5, 18) {
		unix.Madvise(data, unix.MADV_RANDOM)
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	const probes = 16
	var small []byte
	mapped := pmdKB(data) // FilePmdMapped of the mapping: 0 when fresh
	for i := range probes {
		off := int((base+uintptr(len(data)/probes*i+len(data)/probes/2))&^(hugeSize-1) - base)
		if off < 0 || off+hugeSize > len(data) {
			continue
		}
		probe := data[off : off+hugeSize]
		if !resident(probe) {
			continue // not cached: its first fault reads it into a large folio
		}
		sink.Store(uint32(probe[0]))
		now := pmdKB(data)
		if now < mapped+hugeSize/1024 {
			small = probe
			break
		}
		mapped = now
	}
	if small == nil {
		return
	}
	fd := int(f.Fd())
	drop := func(b []byte) {
		// Unmap our page-table entries first: fadvise drops unmapped pages only.
		unix.Madvise(b, unix.MADV_DONTNEED)
		off := int64(uintptr(unsafe.Pointer(unsafe.SliceData(b))) - base)
		unix.Fadvise(fd, off, int64(len(b)), unix.FADV_DONTNEED)
	}
	drop(small)
	before := pmdKB(data)
	sink.Store(uint32(small[0]))
	if pmdKB(data) < before+hugeSize/1024 {
		return
	}
	drop(data)
}

// kernelAtLeast reports whether the running kernel's version is at least
// major.minor.
func kernelAtLeast(major, minor int) bool {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	var ma, mi int
	if n, _ := fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &ma, &mi); n != 2 {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// resident reports whether the first page of b is in the page cache.
func resident(b []byte) bool {
	var vec [1]byte
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(os.Getpagesize()), uintptr(unsafe.Pointer(&vec[0])))
	return errno == 0 && vec[0]&1 != 0
}

// sink keeps the probing reads from being optimized away.
var sink atomic.Uint32

// pmdKB returns FilePmdMapped, in kB, of the mapping that holds b: how much
// of it is mapped 2 MiB at a time.
func pmdKB(b []byte) int {
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0
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
			return n
		}
	}
	return 0
}
