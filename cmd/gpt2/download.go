package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/gpt2go/gpt2/hub"
)

func init() {
	register("download", "fetch a model from the Hugging Face Hub into the local cache", runDownload)
}

// runDownload fetches NAME[@REV] into the Hugging Face cache and prints its
// snapshot directory; progress goes to stderr.
func runDownload(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("download", stderr)
	endpoint := fs.String("endpoint", "", "Hub URL (default: $HF_ENDPOINT, else "+hub.DefaultEndpoint+")")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gpt2 download NAME[@REVISION] [--endpoint URL]")
		fmt.Fprintln(stderr, "\nNAME is gpt2, gpt2-medium, distilgpt2, openai-community/gpt2-large or any OWNER/NAME.")
		fmt.Fprintln(stderr, "Files go to $HF_HUB_CACHE (else $HF_HOME/hub, else ~/.cache/huggingface/hub),")
		fmt.Fprintln(stderr, "shared with Hugging Face's own tools. HF_TOKEN authenticates; HF_HUB_OFFLINE=1 forbids the network.")
		fmt.Fprintln(stderr, "\nflags:")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	if _, err := hub.ParseName(pos[0]); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := hub.Download(ctx, pos[0], hub.Options{Progress: stderr, Endpoint: *endpoint})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; run again to resume")
		}
		return err
	}
	fmt.Fprintln(stdout, dir)
	return nil
}
