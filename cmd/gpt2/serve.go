package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/gpt2go/gpt2/server"
)

func init() {
	register("serve", "serve a model over an OpenAI-compatible HTTP API", runServe)
}

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	var mf modelFlags
	mf.add(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	name := fs.String("name", "", "model id reported to clients (default: --model, or \"demo\")")
	parallel := fs.Int("parallel", 0, "requests generating at once; others queue (default: min(cores, 4))")
	threads := fs.Int("threads", 0, "worker threads per request (default: cores / parallel)")
	maxQueue := fs.Int("max-queue", 64, "requests waiting beyond --parallel before answering 429 (0: no limit)")
	grace := fs.Duration("grace", 10*time.Second, "on SIGINT/SIGTERM, time in-flight requests get to finish before they are cancelled")
	if pos, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	if *parallel <= 0 {
		*parallel = min(runtime.GOMAXPROCS(0), 4)
	}
	if *name == "" {
		*name = mf.model
		if *name == "" {
			*name = "demo"
		}
	}

	l, err := mf.load(stderr)
	if err != nil {
		return err
	}
	defer l.Close()
	s := server.New(l.gm, server.Config{Name: *name, Parallel: *parallel, Threads: *threads, MaxQueue: *maxQueue,
		Log: func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }})
	defer s.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "serving %s on http://%s (%d requests at once; Ctrl-C stops)\n", *name, ln.Addr(), *parallel)
	err = s.Serve(ctx, ln, *grace)
	fmt.Fprintf(stderr, "stopped after %d tokens\n", s.Stats().Tokens)
	return err
}
