package weights

import (
	"encoding/json"
	"fmt"
)

// Config is the part of a Hugging Face GPT-2 config.json that decides the
// computation. Fields absent from the file take GPT2Config's defaults.
type Config struct {
	NLayer     int `json:"n_layer"`
	NHead      int `json:"n_head"`
	NEmbd      int `json:"n_embd"`
	NPositions int `json:"n_positions"`
	VocabSize  int `json:"vocab_size"`
	// NInner is the MLP width; 0 in the file (null) means 4*NEmbd.
	NInner                     int     `json:"n_inner"`
	LayerNormEpsilon           float64 `json:"layer_norm_epsilon"`
	Activation                 string  `json:"activation_function"`
	ScaleAttnWeights           bool    `json:"scale_attn_weights"`
	ScaleAttnByInverseLayerIdx bool    `json:"scale_attn_by_inverse_layer_idx"`
	TieWordEmbeddings          bool    `json:"tie_word_embeddings"`
	BOSTokenID                 int     `json:"bos_token_id"`
	EOSTokenID                 int     `json:"eos_token_id"`
	ModelType                  string  `json:"model_type"`
}

// Activations lists the activation_function values the runtime implements.
var Activations = []string{"gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu", "relu"}

// ParseConfig reads a config.json, fills defaults and checks that the model
// is one this runtime can run.
func ParseConfig(data []byte) (Config, error) {
	c := Config{
		NLayer: 12, NHead: 12, NEmbd: 768, NPositions: 1024, VocabSize: 50257,
		LayerNormEpsilon: 1e-5, Activation: "gelu_new",
		ScaleAttnWeights: true, TieWordEmbeddings: true,
		BOSTokenID: 50256, EOSTokenID: 50256,
	}
	// n_ctx is the older name of n_positions; null n_inner must stay 0.
	var extra struct {
		NCtx   *int `json:"n_ctx"`
		NPos   *int `json:"n_positions"`
		NInner *int `json:"n_inner"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("config.json: %w", err)
	}
	if err := json.Unmarshal(data, &extra); err != nil {
		return c, fmt.Errorf("config.json: %w", err)
	}
	if extra.NPos == nil && extra.NCtx != nil {
		c.NPositions = *extra.NCtx
	}
	if extra.NInner == nil {
		c.NInner = 0
	}
	if c.NInner == 0 {
		c.NInner = 4 * c.NEmbd
	}
	return c, c.validate()
}

func (c Config) validate() error {
	if c.ModelType != "" && c.ModelType != "gpt2" {
		return fmt.Errorf("config.json: model_type %q is not gpt2", c.ModelType)
	}
	for _, v := range []struct {
		name string
		n    int
	}{{"n_layer", c.NLayer}, {"n_head", c.NHead}, {"n_embd", c.NEmbd}, {"n_positions", c.NPositions}, {"vocab_size", c.VocabSize}, {"n_inner", c.NInner}} {
		if v.n <= 0 {
			return fmt.Errorf("config.json: %s must be positive, got %d", v.name, v.n)
		}
	}
	if c.NEmbd%c.NHead != 0 {
		return fmt.Errorf("config.json: n_embd %d is not a multiple of n_head %d", c.NEmbd, c.NHead)
	}
	if c.LayerNormEpsilon <= 0 {
		return fmt.Errorf("config.json: layer_norm_epsilon must be positive, got %g", c.LayerNormEpsilon)
	}
	for _, a := range Activations {
		if c.Activation == a {
			return nil
		}
	}
	return fmt.Errorf("config.json: activation_function %q is not supported (supported: %v)", c.Activation, Activations)
}
