package kernels

import "math"

// LayerNorm computes y = (x - mean) / sqrt(var + eps) * g + b over one vector.
// Mean and variance are accumulated in float64: a row of large activations
// otherwise loses the digits that decide the reference match.
func LayerNorm(y, x, g, b []float32, eps float32) { cur.layerNorm(y, x, g, b, eps) }

// layerNormGeneric is LayerNorm in Go: two passes in float64 for the mean
// and the variance, then one in float32.
func layerNormGeneric(y, x, g, b []float32, eps float32) {
	var sum float64
	for _, v := range x {
		sum += float64(v)
	}
	mean := sum / float64(len(x))
	var ss float64
	for _, v := range x {
		d := float64(v) - mean
		ss += d * d
	}
	inv := 1 / math.Sqrt(ss/float64(len(x))+float64(eps))
	m, s := float32(mean), float32(inv)
	for i, v := range x {
		y[i] = (v-m)*s*g[i] + b[i]
	}
}

// GELU applies the tanh form of GELU ("gelu_new") in place:
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
func GELU(x []float32) { cur.gelu(x) }

// geluGeneric is GELU evaluated in float64 with math.Tanh.
func geluGeneric(x []float32) {
	const c = 0.7978845608028654 // √(2/π)
	for i, v := range x {
		u := float64(v)
		x[i] = float32(0.5 * u * (1 + math.Tanh(c*(u+0.044715*u*u*u))))
	}
}

// Softmax replaces x with exp(x - max) / Σ exp(x - max).
func Softmax(x []float32) {
	sum := SoftmaxExp(x, 1)
	inv := float32(1 / sum)
	for i := range x {
		x[i] *= inv
	}
}

// SoftmaxExp replaces x with the numerators of softmax(scale·x),
// exp(scale·x - max(scale·x)), and returns their sum (0 for an empty x):
// dividing by it afterwards, possibly after a product, gives the softmax.
// scale must be positive. The exponentials are evaluated in float64.
func SoftmaxExp(x []float32, scale float32) float64 {
	if len(x) == 0 {
		return 0
	}
	s := float64(scale)
	return cur.expSum(x, s, s*float64(maxOf(x)))
}

// maxOf returns the largest element of a non-empty x, with four
// independent comparisons per step rather than one chain.
func maxOf(x []float32) float32 {
	m0, m1, m2, m3 := x[0], x[0], x[0], x[0]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		m0, m1, m2, m3 = max(m0, x[i]), max(m1, x[i+1]), max(m2, x[i+2]), max(m3, x[i+3])
	}
	for ; i < len(x); i++ {
		m0 = max(m0, x[i])
	}
	return max(max(m0, m1), max(m2, m3))
}

// expSumGeneric computes x[i] = exp(x[i]·scale - shift) in float64 and returns the sum.
func expSumGeneric(x []float32, scale, shift float64) float64 {
	var sum float64
	for i, v := range x {
		e := math.Exp(float64(v)*scale - shift)
		x[i] = float32(e)
		sum += e
	}
	return sum
}
