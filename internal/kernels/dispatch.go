package kernels

// The chosen implementations. They are set once, at init, and never change
// afterwards except through setLevel in tests.
var (
	level = "generic"
	mulT  = mulTGeneric
	mul   = mulGeneric
	dot   = dotGeneric
	axpy  = axpyGeneric
)

// Name reports the kernel family in use, for `gpt2 info` and `gpt2 bench`.
func Name() string { return level }

// MulT computes, for t < T and j < n, y[t*ldy+j] = Σ_i x[t*ldx+i]·W[i, c0+j]:
// the Conv1D product with W stored [in, out], restricted to columns c0..c0+n.
func MulT(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, c0, n int) {
	mulT(y, ldy, x, ldx, T, w, c0, n)
}

// Mul computes, for t < T and r < n, y[t*ldy+r] = Σ_j W[r0+r, j]·x[t*ldx+j]:
// the product with rows r0..r0+n of a [out, in] matrix such as the tied embedding.
func Mul(y []float32, ldy int, x []float32, ldx int, T int, w *Mat, r0, n int) {
	mul(y, ldy, x, ldx, T, w, r0, n)
}

// Dot returns Σ a[i]·b[i] over len(a) elements.
func Dot(a, b []float32) float32 { return dot(a, b) }

// Axpy computes y[i] += alpha·x[i] over len(y) elements.
func Axpy(y []float32, alpha float32, x []float32) { axpy(y, alpha, x) }
