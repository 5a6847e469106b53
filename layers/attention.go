package layers

import (
	"github.com/gpt2go/gpt2/internal/kernels"
	"github.com/gpt2go/gpt2/internal/parallel"
)

// Attention is causal multi-head self-attention with a KV cache.
type Attention struct {
	CAttn Linear // [C, 3C]: q, k, v side by side
	CProj Linear // [C, C]
	NHead int
	// Scale multiplies q·k: 1/√HS, and also 1/(layer+1) when the config
	// sets scale_attn_by_inverse_layer_idx.
	Scale float32
}

// KV is one layer's cache for P positions (len(K) = len(V) = P·C), laid
// out per head so that both attention products are plain matrix products:
// K holds [NH, HS, P], each head's keys transposed (K_h^T, one row per
// channel, one column per position); V holds [NH, P, HS].
type KV struct {
	K, V []float32
}

// queryBlock is the number of queries whose scores are taken together.
// Keys beyond a block's last query are masked, so larger blocks waste
// more of the score product on the causal upper triangle.
const queryBlock = 128

// Forward computes y[T, C] for the normalised input x[T, C] of the tokens at
// positions pos..pos+T-1, after storing their keys and values in kv.
// qkv[T, 3C] and heads[T, C] are scratch.
//
// Per head h and block of queries Q_h[tb, HS]:
//
//	S = scale·Q_h·K_h^T   [tb, n], n = keys up to the block's last query
//	P = softmax(S)         row t over its keys 0..pos+t, the rest masked to 0
//	O = P·V_h              [tb, HS], into heads at columns h*HS..
func (a *Attention) Forward(p *parallel.Pool, y, x []float32, T, pos int, kv *KV, qkv, heads []float32) {
	C := a.CProj.W.Rows
	NH := a.NHead
	HS := C / NH
	P := len(kv.K) / C
	a.CAttn.Forward(p, qkv, x, T)
	N := pos + T
	tbMax := min(T, queryBlock)
	// Heads cost the same, so equal ranges of heads balance the workers.
	p.For(NH, 1, func(lo, hi int) {
		att := make([]float32, tbMax*N+tbMax)
		inv := att[tbMax*N:]
		for h := lo; h < hi; h++ {
			a.store(kv, qkv, h, T, pos, C, HS, P)
			kt := kernels.Mat{Rows: HS, Cols: P, DType: kernels.F32, F32: kv.K[h*HS*P : (h+1)*HS*P]}
			for t0 := 0; t0 < T; t0 += tbMax {
				tb := min(tbMax, T-t0)
				n := pos + t0 + tb
				s := att[:tb*n]
				kernels.MulT(s, n, qkv[t0*3*C+h*HS:], 3*C, tb, &kt, 0, n)
				for t := 0; t < tb; t++ {
					row := s[t*n : (t+1)*n]
					k := pos + t0 + t + 1
					inv[t] = float32(1 / kernels.SoftmaxExp(row[:k], a.Scale))
					clear(row[k:])
				}
				v := kernels.Mat{Rows: n, Cols: HS, DType: kernels.F32, F32: kv.V[h*P*HS : (h*P+n)*HS]}
				o := heads[t0*C+h*HS:]
				kernels.MulT(o, C, s, n, tb, &v, 0, HS)
				for t := 0; t < tb; t++ {
					ot := o[t*C : t*C+HS]
					for i := range ot {
						ot[i] *= inv[t]
					}
				}
			}
		}
	})
	a.CProj.Forward(p, y, heads, T)
}

// store appends head h's keys and values of the T new tokens (from qkv)
// to the cache at positions pos.., writing K_h^T in blocks of 16 tokens so
// that each write fills whole cache lines.
func (a *Attention) store(kv *KV, qkv []float32, h, T, pos, C, HS, P int) {
	kt := kv.K[h*HS*P : (h+1)*HS*P]
	for t0 := 0; t0 < T; t0 += 16 {
		tb := min(16, T-t0)
		for d := 0; d < HS; d++ {
			dst := kt[d*P+pos+t0 : d*P+pos+t0+tb]
			src := qkv[t0*3*C+C+h*HS+d:]
			for t := range dst {
				dst[t] = src[t*3*C]
			}
		}
	}
	for t := 0; t < T; t++ {
		v := qkv[t*3*C+2*C+h*HS : t*3*C+2*C+(h+1)*HS]
		copy(kv.V[(h*P+pos+t)*HS:(h*P+pos+t+1)*HS], v)
	}
}
