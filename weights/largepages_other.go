//go:build unix && !linux

package weights

import "os"

// largePages does nothing outside Linux (see largepages_linux.go).
func largePages(*os.File, []byte) {}
