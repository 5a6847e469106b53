package kernels

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// XorSum returns the XOR of b's 8-byte little-endian words, the last
// partial word padded with zeros. It is here to read memory as fast as the
// machine can, for gpt2 bench's bandwidth yardstick: one load a 64-byte
// line and no arithmetic that waits on it. Summing with Dot (two loads and
// a multiply-add chain a line) read 15-20% slower from memory on two
// threads, so it understated the limit; and on weights, whose bits read as
// floats include subnormals, its products took microcode assists.
//
// It always runs the fastest family this CPU has, whatever GPT2_KERNELS
// asks for: the yardstick measures the machine, not the kernels chosen.
// Where that is the portable Go (-tags purego, machines other than amd64)
// it reads 8 bytes a load, 6.7-7.4 GB/s on one core of the VM where the
// AVX-512 kernel reads 13-13.5, so there the limit comes out low.
func XorSum(b []byte) uint64 { return impls[len(impls)-1].xorSum(b) }

func xorSumGeneric(b []byte) uint64 {
	// The bytes up to the first 8-byte boundary in memory go in one by
	// one; the words from there are read as uint64s (in the machine's
	// order, made little-endian once at the end: XOR is bytewise) and
	// rotated into place; then the bytes left over.
	head := min(len(b), int(-uintptr(unsafe.Pointer(unsafe.SliceData(b)))&7))
	var s uint64
	for i, c := range b[:head] {
		s ^= uint64(c) << (8 * i)
	}
	body := b[head:]
	n := len(body) / 8
	if n > 0 {
		w := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(body))), n)
		var s0, s1, s2, s3 uint64
		for ; len(w) >= 4; w = w[4:] {
			s0 ^= w[0]
			s1 ^= w[1]
			s2 ^= w[2]
			s3 ^= w[3]
		}
		for _, v := range w {
			s0 ^= v
		}
		x := s0 ^ s1 ^ s2 ^ s3
		if bigEndian {
			x = bits.ReverseBytes64(x)
		}
		s ^= bits.RotateLeft64(x, 8*head)
	}
	for j, c := range body[8*n:] {
		s ^= uint64(c) << (8 * ((head + j) % 8))
	}
	return s
}

var bigEndian = binary.NativeEndian.Uint16([]byte{0, 1}) == 1

// xorSumBlocks runs an assembly kernel over the whole blocks of b (block
// bytes, a power of two) and xorSumGeneric over the rest, which starts on
// a word boundary of b.
func xorSumBlocks(k func(p *byte, n int) uint64, block int) func([]byte) uint64 {
	return func(b []byte) uint64 {
		n := len(b) &^ (block - 1)
		var s uint64
		if n > 0 {
			s = k(&b[0], n)
		}
		return s ^ xorSumGeneric(b[n:])
	}
}
