//go:build !linux

package hugepages

func advise([]byte)   {}
func collapse([]byte) {}
