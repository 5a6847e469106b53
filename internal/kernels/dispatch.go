package kernels

import "os"

// impl is one complete family of kernels. generic is always available; the
// architecture files add faster ones (kernels_amd64.go), best last.
type impl struct {
	name string
	// q8 names the int8 product's kernel ("avx512-vnni", "avx2", "generic").
	q8   string
	mulT func(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, c0, n int)
	mul  func(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, r0, n int)
	dot  func(a, b []float32) float32
	axpy func(y []float32, alpha float32, x []float32)
	gelu func(x []float32)
	// expSum sets x[i] = exp(x[i]·scale - shift) and returns Σ x[i] (float64).
	expSum    func(x []float32, scale, shift float64) float64
	layerNorm func(y, x, g, b []float32, eps float32)
	// convert writes len(dst) elements of w from row-major index k on
	// into dst as float32 (w not Q8).
	convert func(dst []float32, w *Mat, k int)
	// quantTile is quantTileGeneric, reporting only whether it succeeded.
	quantTile func(dst []byte, scale []uint16, src []float32, ld int) bool
	// toF16 rounds len(dst) floats of src to half precision.
	toF16 func(dst []uint16, src []float32)
	// xorSum is XorSum.
	xorSum func(b []byte) uint64
}

var generic = impl{name: "generic", q8: "generic", mulT: mulTGeneric, mul: mulGeneric, dot: dotGeneric, axpy: axpyGeneric, gelu: geluGeneric, expSum: expSumGeneric, layerNorm: layerNormGeneric, convert: convertGeneric, quantTile: quantTileOK, toF16: toF16Generic, xorSum: xorSumGeneric}

func quantTileOK(dst []byte, scale []uint16, src []float32, ld int) bool {
	k, _ := quantTileGeneric(dst, scale, src, ld)
	return k < 0
}

// impls lists the families this CPU can run, in increasing order of speed.
var impls = append([]impl{generic}, archImpls()...)

// cur is the family in use. It is chosen once, at init, and never changes
// afterwards except through setLevel in tests.
var cur = choose(os.Getenv("GPT2_KERNELS"))

// rank orders the family names; GPT2_KERNELS may only lower the level.
var rank = map[string]int{"generic": 0, "avx2": 1, "avx512": 2}

// choose returns the best available family not above the requested one.
// An empty or unknown request, or one the CPU cannot run, gets the best
// family available below it.
func choose(want string) impl {
	best := impls[0]
	limit, ok := rank[want]
	for _, im := range impls {
		if !ok || rank[im.name] <= limit {
			best = im
		}
	}
	return best
}

// setLevel switches to the named family for a test. It reports false, and
// changes nothing, if the CPU cannot run that family.
func setLevel(name string) (restore func(), ok bool) {
	for _, im := range impls {
		if im.name == name {
			old := cur
			cur = im
			return func() { cur = old }, true
		}
	}
	return func() {}, false
}

// Name reports the kernel family in use ("avx512", "avx2" or "generic"),
// for `gpt2 info` and `gpt2 bench`.
func Name() string { return cur.name }

// Q8Name names the kernel of the int8 products in use: an AVX-512 CPU
// without VNNI runs the AVX2 one.
func Q8Name() string { return cur.q8 }

// MulT computes, for t < T and j < n, y[t*ldy+j] = Σ_i x[t*ldx+i]·W[i, c0+j]:
// the Conv1D product with W stored [in, out], restricted to columns c0..c0+n.
func MulT(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, c0, n int) {
	cur.mulT(y, ldy, x, ldx, T, w, c0, n)
}

// Mul computes, for t < T and r < n, y[t*ldy+r] = Σ_j W[r0+r, j]·x[t*ldx+j]:
// the product with rows r0..r0+n of a [out, in] matrix such as the tied embedding.
func Mul(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, r0, n int) {
	cur.mul(y, ldy, x, ldx, T, w, r0, n)
}

// Dot returns Σ a[i]·b[i] over len(a) elements.
func Dot(a, b []float32) float32 { return cur.dot(a, b) }

// Axpy computes y[i] += alpha·x[i] over len(y) elements.
func Axpy(y []float32, alpha float32, x []float32) { cur.axpy(y, alpha, x) }

// ToF16 rounds src[i] to the nearest half-precision value, ties to even,
// into dst[i] (len(dst) elements), as the F16C instruction VCVTPS2PH does:
// ±Inf beyond 65504, subnormal halves below 2⁻¹⁴, NaN kept NaN.
func ToF16(dst []uint16, src []float32) { cur.toF16(dst, src[:len(dst)]) }
