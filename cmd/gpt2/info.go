package main

import (
	"fmt"
	"io"

	"github.com/gpt2go/gpt2/internal/kernels"
	"github.com/gpt2go/gpt2/model"
)

func init() {
	register("info", "describe a model and the kernels this machine uses", runInfo)
}

func kernelName() string { return kernels.Name() }

// kvCacheName names the KV cache's precision as --kv-cache does.
func kvCacheName(m *model.Model) string {
	if m.KVCacheF16() {
		return "f16"
	}
	return "f32"
}

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("info", stderr)
	var mf modelFlags
	mf.add(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	l, err := mf.load(stderr)
	if err != nil {
		return err
	}
	defer l.Close()
	c := l.m.Config
	params := int64(c.VocabSize*c.NEmbd + c.NPositions*c.NEmbd + 2*c.NEmbd)
	params += int64(c.NLayer) * int64(4*c.NEmbd+4*c.NEmbd*c.NEmbd+3*c.NEmbd+c.NEmbd+2*c.NEmbd*c.NInner+c.NInner+c.NEmbd)
	fmt.Fprintf(stdout, "model:       %s\n", l.ck.Name)
	fmt.Fprintf(stdout, "shape:       %d layers, %d heads, %d dims, MLP %d, context %d, vocabulary %d\n",
		c.NLayer, c.NHead, c.NEmbd, c.NInner, c.NPositions, c.VocabSize)
	fmt.Fprintf(stdout, "parameters:  %d (%.1f M)\n", params, float64(params)/1e6)
	fmt.Fprintf(stdout, "weights:     %s, %.1f MB in the checkpoint, %.1f MB read per token\n",
		l.m.Blocks[0].Attn.CAttn.W.DType, float64(l.ck.Bytes())/1e6, float64(l.m.Bytes())/1e6)
	perPos := l.m.KVBytesPerPosition()
	fmt.Fprintf(stdout, "kv cache:    %s, %.2f MB for the full context (%.1f KB a position)\n",
		kvCacheName(l.m), float64(perPos*int64(c.NPositions))/1e6, float64(perPos)/1e3)
	fmt.Fprintf(stdout, "activation:  %s, LayerNorm eps %g, tied embeddings %v\n", c.Activation, c.LayerNormEpsilon, c.TieWordEmbeddings)
	if l.tok != nil {
		fmt.Fprintf(stdout, "tokenizer:   %d tokens\n", l.tok.VocabSize())
	} else {
		fmt.Fprintf(stdout, "tokenizer:   none (%v)\n", l.noTok)
	}
	fmt.Fprintf(stdout, "kernels:     %s (int8 products: %s)\n", kernels.Name(), kernels.Q8Name())
	fmt.Fprintf(stdout, "load time:   %.1f ms\n", ms(l.took))
	return nil
}
