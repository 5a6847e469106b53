module github.com/gpt2go/gpt2

go 1.26.8

require (
	github.com/dlclark/regexp2 v1.10.0
	github.com/nlpodyssey/safetensors v0.0.0-20250209183917-bfb01cc25f7c
	github.com/pkoukk/tiktoken-go v0.1.8
	golang.org/x/sys v0.50.0
	gonum.org/v1/gonum v0.17.0
)

require github.com/google/uuid v1.3.0 // indirect
