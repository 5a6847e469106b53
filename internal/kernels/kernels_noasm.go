//go:build !amd64 || purego

package kernels

// archImpls reports no SIMD families: only the portable Go kernels run.
func archImpls() []impl { return nil }
