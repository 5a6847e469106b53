package hugepages

import (
	"testing"
	"unsafe"
)

func TestBytes(t *testing.T) {
	for _, n := range []int{0, 1, Size - 1, Size, 3*Size + 12345} {
		b := Bytes(n)
		if len(b) != n || cap(b) != n {
			t.Fatalf("Bytes(%d): len %d cap %d", n, len(b), cap(b))
		}
		if n >= Size && uintptr(unsafe.Pointer(unsafe.SliceData(b)))%Size != 0 {
			t.Errorf("Bytes(%d) does not start at a 2 MiB boundary", n)
		}
		for i := range b {
			if b[i] != 0 {
				t.Fatalf("Bytes(%d)[%d] = %d, want 0", n, i, b[i])
			}
			b[i] = byte(i)
		}
		Collapse(b)
		for i := range b {
			if b[i] != byte(i) {
				t.Fatalf("Bytes(%d)[%d] changed to %d by Collapse", n, i, b[i])
			}
		}
	}
}
