//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package hub

// isTerminal reports false: progress is a line per file.
func isTerminal(fd uintptr) bool { return false }
