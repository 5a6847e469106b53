package weights

import (
	"embed"
	"io/fs"
	"unsafe"
)

// The demo model: a small GPT-2 trained on Newton's Opticks by
// tools/demomodel/train.py, with its own byte-level BPE vocabulary. The
// weights are embedded as a string so the binary's read-only data is used in
// place, as a memory-mapped file would be.
//
//go:embed demo/model.safetensors
var demoModel string

//go:embed demo/config.json demo/vocab.json demo/merges.txt demo/manifest.json
var demoFiles embed.FS

// DemoName is the Name of the demo checkpoint.
const DemoName = "demo"

// Demo opens the embedded demo model. Its FS holds config.json,
// vocab.json, merges.txt and manifest.json.
func Demo() (*Checkpoint, error) {
	files, err := DemoFS()
	if err != nil {
		return nil, err
	}
	cfg, err := fs.ReadFile(files, "config.json")
	if err != nil {
		return nil, err
	}
	return FromBytes(DemoName, cfg, DemoSafetensors(), files)
}

// DemoFS holds the demo model's small files (everything but the weights).
func DemoFS() (fs.FS, error) { return fs.Sub(demoFiles, "demo") }

// DemoSafetensors is the demo model's model.safetensors, read-only.
func DemoSafetensors() []byte {
	return unsafe.Slice(unsafe.StringData(demoModel), len(demoModel))
}
