//go:build !linux

package main

// hugeBuffer returns n floats of ordinary memory (see hugebuf_linux.go).
func hugeBuffer(n int) (buf []float32, free func()) { return make([]float32, n), func() {} }
