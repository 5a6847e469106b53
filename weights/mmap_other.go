//go:build !unix

package weights

import "os"

// mapFile reads the file into memory where mmap is not available.
func mapFile(path string) ([]byte, func() error, error) {
	data, err := os.ReadFile(path)
	return data, func() error { return nil }, err
}

// dontNeed does nothing: without mmap the checkpoint lives on the heap.
func dontNeed([]byte) {}
