package weights

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestLargePages maps a file that was just written, so it is cached in
// small folios and largePages may drop and reread it: the mapping must
// still read exactly what was written. Whether it ends up in 2 MiB pages
// depends on the kernel and file system; the test reports it.
func TestLargePages(t *testing.T) {
	want := make([]byte, 8*hugeSize+12345)
	for i := range want {
		want[i] = byte(i*7 + i>>13)
	}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second open finds whatever the first left cached
		data, unmap, err := mapFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, want) {
			t.Fatal("mapped file differs from what was written")
		}
		t.Logf("mapped 2 MiB at a time: %d kB", pmdKB(data))
		if err := unmap(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestKernelAtLeast(t *testing.T) {
	if !kernelAtLeast(2, 6) {
		t.Error("kernelAtLeast(2, 6) = false on a kernel this program runs on")
	}
	if kernelAtLeast(999, 0) {
		t.Error("kernelAtLeast(999, 0) = true")
	}
}
