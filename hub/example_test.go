package hub_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/gpt2go/gpt2/hub"
)

func ExampleParseName() {
	for _, s := range []string{"gpt2", "openai-community/gpt2-large@main", "distilgpt2@v1.0", "../gpt2"} {
		n, err := hub.ParseName(s)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("owner=%q repo=%q revision=%q\n", n.Owner, n.Repo, n.Revision)
	}
	// Output:
	// owner="" repo="gpt2" revision="main"
	// owner="openai-community" repo="gpt2-large" revision="main"
	// owner="" repo="distilgpt2" revision="v1.0"
	// error: model name "../gpt2": owner: ".." contains ".."
}

// Example shows how a --model flag is handled: a directory on disk is used
// as is; otherwise the name is looked up in the cache and, if missing,
// downloaded.
func Example() {
	model := "gpt2"
	dir := model
	if !hub.IsLocalDir(model) {
		var err error
		dir, err = hub.Resolve(model) // no network
		if errors.Is(err, hub.ErrNotCached) {
			dir, err = hub.Download(context.Background(), model, hub.Options{Progress: os.Stderr})
		}
		if err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("loading", dir)
}
