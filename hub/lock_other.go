//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd || solaris)

package hub

import "context"

// lockFile does nothing where flock is unavailable.
func lockFile(ctx context.Context, path string, waiting func()) (unlock func(), err error) {
	return func() {}, nil
}
