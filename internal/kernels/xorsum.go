package kernels

import "encoding/binary"

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
func XorSum(b []byte) uint64 { return impls[len(impls)-1].xorSum(b) }

func xorSumGeneric(b []byte) uint64 {
	var s0, s1, s2, s3 uint64
	i := 0
	for ; i+32 <= len(b); i += 32 {
		s0 ^= binary.LittleEndian.Uint64(b[i:])
		s1 ^= binary.LittleEndian.Uint64(b[i+8:])
		s2 ^= binary.LittleEndian.Uint64(b[i+16:])
		s3 ^= binary.LittleEndian.Uint64(b[i+24:])
	}
	for ; i+8 <= len(b); i += 8 {
		s0 ^= binary.LittleEndian.Uint64(b[i:])
	}
	for k := 0; i < len(b); i, k = i+1, k+8 {
		s0 ^= uint64(b[i]) << k
	}
	return s0 ^ s1 ^ s2 ^ s3
}

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
