package hub

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const testCommit = "0123456789abcdef0123456789abcdef01234567"

// fakeHub imitates the Hub's resolve endpoint for one repository:
// HEAD/GET {repo}/resolve/{rev}/{file} with X-Repo-Commit, ETag and, for LFS
// files, X-Linked-Etag and X-Linked-Size; optionally LFS content is served by
// a second server (the CDN) through a 302.
type fakeHub struct {
	t       *testing.T
	repo    string            // repository id
	files   map[string][]byte // file → content
	lfs     map[string]bool   // files served as LFS (sha256 ETag)
	token   string            // required when set
	renamed map[string]string // old repository id → new, redirected relatively
	hub     *httptest.Server
	cdn     *httptest.Server // nil: LFS content served by hub
	cdnMap  map[string][]byte

	mu       sync.Mutex
	requests []string         // "HEAD file", "GET file Range=bytes=N-"
	cuts     map[string][]int // file → for successive GETs, bytes sent before the connection is cut (-1: none)
	corrupt  map[string]bool  // serve flipped content under the right ETag
	cdnAuth  []string         // Authorization headers the CDN saw
	hubAuth  []string         // Authorization headers the hub saw
}

func newFakeHub(t *testing.T, repo string, withCDN bool) *fakeHub {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	weights := make([]byte, 100_000)
	for i := range weights {
		weights[i] = byte(rng.UintN(256))
	}
	h := &fakeHub{
		t:    t,
		repo: repo,
		files: map[string][]byte{
			"config.json":           []byte(`{"n_layer": 2, "n_head": 2, "n_embd": 8}`),
			"model.safetensors":     weights,
			"vocab.json":            []byte(`{"!": 0, "a": 1}`),
			"merges.txt":            []byte("#version: 0.2\na b\n"),
			"tokenizer_config.json": []byte(`{}`),
		},
		lfs:     map[string]bool{"model.safetensors": true},
		cdnMap:  map[string][]byte{},
		cuts:    map[string][]int{},
		corrupt: map[string]bool{},
	}
	h.hub = httptest.NewServer(http.HandlerFunc(h.serveHub))
	t.Cleanup(h.hub.Close)
	if withCDN {
		h.cdn = httptest.NewServer(http.HandlerFunc(h.serveCDN))
		t.Cleanup(h.cdn.Close)
	}
	return h
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func gitSHA1(b []byte) string {
	s := sha1.New()
	fmt.Fprintf(s, "blob %d\x00", len(b))
	s.Write(b)
	return hex.EncodeToString(s.Sum(nil))
}

// etag is the blob name huggingface_hub would use for file.
func (h *fakeHub) etag(file string) string {
	if h.lfs[file] {
		return sha256Hex(h.files[file])
	}
	return gitSHA1(h.files[file])
}

func (h *fakeHub) log(r *http.Request, file string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := r.Method + " " + file
	if rg := r.Header.Get("Range"); rg != "" {
		e += " Range=" + rg
	}
	h.requests = append(h.requests, e)
}

func (h *fakeHub) reset() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.requests
	h.requests = nil
	return r
}

func (h *fakeHub) serveHub(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.hubAuth = append(h.hubAuth, r.Header.Get("Authorization"))
	h.mu.Unlock()
	repo, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/resolve/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	rev, file, _ := strings.Cut(rest, "/")
	h.log(r, file)
	if h.token != "" && r.Header.Get("Authorization") != "Bearer "+h.token {
		w.Header().Set("X-Error-Message", "Invalid credentials in Authorization header")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if to, ok := h.renamed[repo]; ok {
		http.Redirect(w, r, "/"+to+"/resolve/"+rest, http.StatusTemporaryRedirect)
		return
	}
	if repo != h.repo {
		w.Header().Set("X-Error-Code", "RepoNotFound")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if rev != "main" && rev != testCommit {
		w.Header().Set("X-Error-Code", "RevisionNotFound")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("X-Repo-Commit", testCommit)
	content, ok := h.files[file]
	if !ok {
		w.Header().Set("X-Error-Code", "EntryNotFound")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if !h.lfs[file] {
		w.Header().Set("ETag", `W/"`+h.etag(file)+`"`)
		h.serveContent(w, r, file, content)
		return
	}
	w.Header().Set("X-Linked-Etag", `"`+h.etag(file)+`"`)
	w.Header().Set("X-Linked-Size", fmt.Sprint(len(content)))
	w.Header().Set("ETag", `"some-other-etag"`)
	if h.cdn != nil {
		h.mu.Lock()
		h.cdnMap[h.etag(file)] = content
		h.mu.Unlock()
		http.Redirect(w, r, h.cdn.URL+"/blob/"+h.etag(file)+"?file="+file, http.StatusFound)
		return
	}
	h.serveContent(w, r, file, content)
}

func (h *fakeHub) serveCDN(w http.ResponseWriter, r *http.Request) {
	file := r.URL.Query().Get("file")
	h.log(r, "cdn:"+file)
	h.mu.Lock()
	h.cdnAuth = append(h.cdnAuth, r.Header.Get("Authorization"))
	content, ok := h.cdnMap[strings.TrimPrefix(r.URL.Path, "/blob/")]
	h.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	h.serveContent(w, r, file, content)
}

// serveContent serves content with Range support, cutting the connection or
// corrupting the bytes when the test asked for it.
func (h *fakeHub) serveContent(w http.ResponseWriter, r *http.Request, file string, content []byte) {
	h.mu.Lock()
	cut := -1
	if r.Method == http.MethodGet && len(h.cuts[file]) > 0 {
		cut, h.cuts[file] = h.cuts[file][0], h.cuts[file][1:]
	}
	if h.corrupt[file] {
		content = bytes.Clone(content)
		content[len(content)/2] ^= 0xff
	}
	h.mu.Unlock()
	if cut < 0 {
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(content))
		return
	}
	var start int
	if rg := r.Header.Get("Range"); rg != "" {
		fmt.Sscanf(rg, "bytes=%d-", &start)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(content)-1, len(content)))
		w.Header().Set("Content-Length", fmt.Sprint(len(content)-start))
		w.WriteHeader(http.StatusPartialContent)
	} else {
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
		w.WriteHeader(http.StatusOK)
	}
	w.Write(content[start : start+cut])
	w.(http.Flusher).Flush()
	panic(http.ErrAbortHandler) // cut the connection mid-body
}

// setup isolates the test from the user's Hugging Face environment and
// returns the cache root.
func setup(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	t.Setenv("HF_HUB_CACHE", root)
	t.Setenv("HF_ENDPOINT", "")
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HUGGING_FACE_HUB_TOKEN", "")
	t.Setenv("HF_TOKEN_PATH", filepath.Join(root, "no-token"))
	t.Setenv("HF_HUB_OFFLINE", "")
	return root
}

func (h *fakeHub) opts() Options {
	return Options{Client: h.hub.Client(), Endpoint: h.hub.URL, Token: h.token}
}

func TestDownload(t *testing.T) {
	root := setup(t)
	h := newFakeHub(t, "openai-community/gpt2", false)
	h.token = "hf_secret"
	ctx := context.Background()

	dir, err := Download(ctx, "openai-community/gpt2", h.opts())
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(root, "models--openai-community--gpt2")
	if want := filepath.Join(repo, "snapshots", testCommit); dir != want {
		t.Errorf("dir = %s, want %s", dir, want)
	}
	if got := h.reset(); len(got) != 2*5+1 { // HEAD+GET for 5 files, HEAD for the missing one
		t.Errorf("requests = %q, want 11", got)
	}
	for _, a := range h.hubAuth {
		if a != "Bearer hf_secret" {
			t.Errorf("hub saw Authorization %q, want the token", a)
		}
	}

	// The layout huggingface_hub writes.
	ref, err := os.ReadFile(filepath.Join(repo, "refs", "main"))
	if err != nil || string(ref) != testCommit {
		t.Errorf("refs/main = %q, %v; want %q", ref, err, testCommit)
	}
	for file, content := range h.files {
		p := filepath.Join(dir, file)
		target, err := os.Readlink(p)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if want := "../../blobs/" + h.etag(file); target != want {
			t.Errorf("%s links to %s, want %s", file, target, want)
		}
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("%s: content differs (%v)", file, err)
		}
	}
	if _, err := os.Stat(filepath.Join(repo, ".no_exist", testCommit, "generation_config.json")); err != nil {
		t.Errorf("missing optional file not recorded: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "generation_config.json")); err == nil {
		t.Errorf("generation_config.json exists, want absent")
	}
	blobs, _ := filepath.Glob(filepath.Join(repo, "blobs", "*"))
	if len(blobs) != len(h.files) {
		t.Errorf("blobs = %q, want %d files", blobs, len(h.files))
	}
	if inc, _ := filepath.Glob(filepath.Join(repo, "blobs", "*.incomplete")); len(inc) > 0 {
		t.Errorf("leftover %q", inc)
	}

	// Everything is cached: no network.
	if got, err := Resolve("openai-community/gpt2"); err != nil || got != dir {
		t.Errorf("Resolve = %q, %v; want %q", got, err, dir)
	}
	if got, err := Download(ctx, "openai-community/gpt2@main", h.opts()); err != nil || got != dir {
		t.Errorf("second Download = %q, %v; want %q", got, err, dir)
	}
	if got, err := Download(ctx, "openai-community/gpt2@"+testCommit, h.opts()); err != nil || got != dir {
		t.Errorf("Download by commit = %q, %v; want %q", got, err, dir)
	}
	if got := h.reset(); len(got) != 0 {
		t.Errorf("cached downloads made requests %q", got)
	}

	// A lost snapshot link is restored from the blob with a HEAD only.
	os.Remove(filepath.Join(dir, "vocab.json"))
	if _, err := Resolve("openai-community/gpt2"); !errors.Is(err, ErrNotCached) {
		t.Errorf("Resolve without vocab.json: %v, want ErrNotCached", err)
	}
	if _, err := Download(ctx, "openai-community/gpt2", h.opts()); err != nil {
		t.Fatal(err)
	}
	if got, want := h.reset(), []string{"HEAD config.json", "HEAD vocab.json"}; !slices.Equal(got, want) {
		t.Errorf("requests = %q, want %q", got, want)
	}
}

// TestReuseHFCache checks that a cache written by huggingface_hub (built here
// by hand) is used without network access.
func TestReuseHFCache(t *testing.T) {
	root := setup(t)
	repo := filepath.Join(root, "models--gpt2")
	snap := filepath.Join(repo, "snapshots", testCommit)
	for _, d := range []string{filepath.Join(repo, "refs"), filepath.Join(repo, "blobs"), snap} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(repo, "refs", "main"), []byte(testCommit), 0o644)
	for i, f := range []string{"config.json", "model.safetensors", "vocab.json", "merges.txt"} {
		etag := fmt.Sprintf("%040x", i)
		os.WriteFile(filepath.Join(repo, "blobs", etag), []byte(f), 0o644)
		if err := os.Symlink("../../blobs/"+etag, filepath.Join(snap, f)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Resolve("gpt2")
	if err != nil || got != snap {
		t.Fatalf("Resolve = %q, %v; want %q", got, err, snap)
	}
	// An endpoint that fails every request: Download must not use it.
	got, err = Download(context.Background(), "gpt2", Options{Endpoint: "http://127.0.0.1:1"})
	if err != nil || got != snap {
		t.Fatalf("Download = %q, %v; want %q", got, err, snap)
	}
	if _, err := Resolve("gpt2@other"); !errors.Is(err, ErrNotCached) {
		t.Errorf("Resolve(gpt2@other) = %v, want ErrNotCached", err)
	}
}

func TestResolveNotCached(t *testing.T) {
	setup(t)
	for _, name := range []string{"gpt2", "openai-community/gpt2-large@v1", "gpt2@" + testCommit} {
		if _, err := Resolve(name); !errors.Is(err, ErrNotCached) {
			t.Errorf("Resolve(%q) = %v, want ErrNotCached", name, err)
		}
	}
}

func TestResumeInOneCall(t *testing.T) {
	setup(t)
	h := newFakeHub(t, "gpt2", false)
	h.cuts["model.safetensors"] = []int{30_000}
	dir, err := Download(context.Background(), "gpt2", h.opts())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	if !bytes.Equal(got, h.files["model.safetensors"]) {
		t.Errorf("resumed content differs")
	}
	if !slices.Contains(h.reset(), "GET model.safetensors Range=bytes=30000-") {
		t.Errorf("no Range request after the cut")
	}
}

func TestResumeAcrossCalls(t *testing.T) {
	root := setup(t)
	h := newFakeHub(t, "gpt2", false)
	// The first GET is cut after 40000 bytes, the retry at once: no progress,
	// so Download gives up and keeps the partial file.
	h.cuts["model.safetensors"] = []int{40_000, 0}
	_, err := Download(context.Background(), "gpt2", h.opts())
	if err == nil {
		t.Fatal("Download succeeded through a cut connection")
	}
	if !strings.Contains(err.Error(), h.hub.URL) {
		t.Errorf("error %q does not name the URL", err)
	}
	blob := filepath.Join(root, "models--gpt2", "blobs", h.etag("model.safetensors"))
	if _, err := os.Stat(blob); err == nil {
		t.Errorf("blob exists after a failed download")
	}
	if fi, err := os.Stat(blob + ".incomplete"); err != nil || fi.Size() != 40_000 {
		t.Fatalf("partial file: %v, %v; want 40000 bytes", fi, err)
	}
	if _, err := os.Lstat(filepath.Join(root, "models--gpt2", "snapshots", testCommit, "model.safetensors")); err == nil {
		t.Errorf("snapshot links a file that failed to download")
	}
	h.reset()

	dir, err := Download(context.Background(), "gpt2", h.opts())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	if !bytes.Equal(got, h.files["model.safetensors"]) {
		t.Errorf("resumed content differs")
	}
	if !slices.Contains(h.reset(), "GET model.safetensors Range=bytes=40000-") {
		t.Errorf("second Download did not resume with Range")
	}
}

func TestCorrupt(t *testing.T) {
	root := setup(t)
	h := newFakeHub(t, "gpt2", false)
	h.corrupt["model.safetensors"] = true
	_, err := Download(context.Background(), "gpt2", h.opts())
	if err == nil || !strings.Contains(err.Error(), "model.safetensors") || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("err = %v, want a sha256 mismatch naming model.safetensors", err)
	}
	blobs, _ := filepath.Glob(filepath.Join(root, "models--gpt2", "blobs", h.etag("model.safetensors")+"*"))
	if len(blobs) != 0 {
		t.Errorf("corrupt download left %q", blobs)
	}
	if _, err := os.Lstat(filepath.Join(root, "models--gpt2", "snapshots", testCommit, "model.safetensors")); err == nil {
		t.Errorf("snapshot links a corrupt file")
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		model  string
		token  string // the Hub requires "good"
		remove string // file missing from the repository
		want   []string
	}{
		{"missing file", "gpt2", "", "vocab.json", []string{"model gpt2 has no file vocab.json (revision main)"}},
		{"missing weights", "gpt2", "", "model.safetensors", []string{"neither model.safetensors nor model.safetensors.index.json"}},
		{"unknown repo", "someone/nothing", "", "", []string{"model someone/nothing not found", "HF_TOKEN"}},
		{"unknown revision", "gpt2@v9", "", "", []string{`no revision "v9"`}},
		{"no token", "gpt2", "-", "", []string{"HTTP 401", "set HF_TOKEN"}},
		{"bad token", "gpt2", "bad", "", []string{"HTTP 401", "HF_TOKEN", "Invalid credentials"}},
		{"bad name", "../gpt2", "", "", []string{`".."`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := setup(t)
			h := newFakeHub(t, "gpt2", false)
			delete(h.files, tt.remove)
			opts := h.opts()
			if tt.token != "" {
				h.token = "good"
				opts.Token = strings.TrimPrefix(tt.token, "-")
			}
			_, err := Download(context.Background(), tt.model, opts)
			if err == nil {
				t.Fatal("Download succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %q, want it to contain %q", err, w)
				}
			}
			if errors.Is(err, ErrNotCached) {
				t.Errorf("err = %v wraps ErrNotCached", err)
			}
			snap := filepath.Join(root, "models--gpt2", "snapshots", testCommit)
			if _, err := Resolve(tt.model); err == nil {
				t.Errorf("Resolve succeeded after a failed download (%s)", snap)
			}
		})
	}
}

func TestRedirectToCDN(t *testing.T) {
	setup(t)
	h := newFakeHub(t, "openai-community/gpt2", true)
	h.token = "hf_secret"
	dir, err := Download(context.Background(), "openai-community/gpt2", h.opts())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	if !bytes.Equal(got, h.files["model.safetensors"]) {
		t.Errorf("content from the CDN differs")
	}
	if !slices.Contains(h.reset(), "GET cdn:model.safetensors") {
		t.Errorf("model.safetensors was not fetched from the CDN")
	}
	if len(h.cdnAuth) == 0 {
		t.Fatal("CDN saw no request")
	}
	for _, a := range h.cdnAuth {
		if a != "" {
			t.Errorf("CDN saw Authorization %q, want none", a)
		}
	}
}

// TestRenamedRepo checks that a relative redirect (gpt2 → openai-community/gpt2)
// is followed with the token, and the cache keeps the requested name.
func TestRenamedRepo(t *testing.T) {
	root := setup(t)
	h := newFakeHub(t, "openai-community/gpt2", true)
	h.renamed = map[string]string{"gpt2": "openai-community/gpt2"}
	h.token = "hf_secret"
	dir, err := Download(context.Background(), "gpt2", h.opts())
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "models--gpt2", "snapshots", testCommit); dir != want {
		t.Errorf("dir = %s, want %s", dir, want)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "model.safetensors")); err != nil || !bytes.Equal(got, h.files["model.safetensors"]) {
		t.Errorf("model.safetensors differs (%v)", err)
	}
	for _, a := range h.cdnAuth {
		if a != "" {
			t.Errorf("CDN saw Authorization %q, want none", a)
		}
	}
}

func TestSharded(t *testing.T) {
	root := setup(t)
	h := newFakeHub(t, "gpt2", true)
	w := h.files["model.safetensors"]
	delete(h.files, "model.safetensors")
	h.files["model-00001-of-00002.safetensors"] = w[:50_000]
	h.files["model-00002-of-00002.safetensors"] = w[50_000:]
	h.lfs["model-00001-of-00002.safetensors"] = true
	h.lfs["model-00002-of-00002.safetensors"] = true
	h.files["model.safetensors.index.json"] = []byte(`{"metadata": {}, "weight_map": {
		"wte.weight": "model-00001-of-00002.safetensors",
		"wpe.weight": "model-00001-of-00002.safetensors",
		"ln_f.weight": "model-00002-of-00002.safetensors"}}`)
	ctx := context.Background()
	dir, err := Download(ctx, "gpt2", h.opts())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"} {
		got, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !bytes.Equal(got, h.files[f]) {
			t.Errorf("%s: content differs (%v)", f, err)
		}
	}
	if got, err := Resolve("gpt2"); err != nil || got != dir {
		t.Errorf("Resolve = %q, %v; want %q", got, err, dir)
	}
	h.reset()

	// One shard link lost: only that shard is asked about; the known absence
	// of model.safetensors is not asked again.
	os.Remove(filepath.Join(dir, "model-00002-of-00002.safetensors"))
	if _, err := Resolve("gpt2"); !errors.Is(err, ErrNotCached) {
		t.Errorf("Resolve without a shard: %v, want ErrNotCached", err)
	}
	if _, err := Download(ctx, "gpt2", h.opts()); err != nil {
		t.Fatal(err)
	}
	if got, want := h.reset(), []string{"HEAD config.json", "HEAD model-00002-of-00002.safetensors"}; !slices.Equal(got, want) {
		t.Errorf("requests = %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(root, "models--gpt2", ".no_exist", testCommit, "model.safetensors")); err != nil {
		t.Errorf("absence of model.safetensors not recorded: %v", err)
	}
}

func TestOffline(t *testing.T) {
	setup(t)
	h := newFakeHub(t, "gpt2", false)
	t.Setenv("HF_HUB_OFFLINE", "1")
	_, err := Download(context.Background(), "gpt2", h.opts())
	if !errors.Is(err, ErrNotCached) || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Errorf("offline Download = %v, want ErrNotCached mentioning HF_HUB_OFFLINE", err)
	}
	if got := h.reset(); len(got) != 0 {
		t.Errorf("offline Download made requests %q", got)
	}
	t.Setenv("HF_HUB_OFFLINE", "")
	dir, err := Download(context.Background(), "gpt2", h.opts())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("HF_HUB_OFFLINE", "1")
	if got, err := Download(context.Background(), "gpt2", h.opts()); err != nil || got != dir {
		t.Errorf("offline Download of a cached model = %q, %v; want %q", got, err, dir)
	}
}

func TestEnvironment(t *testing.T) {
	root := setup(t)
	h := newFakeHub(t, "gpt2", false)
	t.Setenv("HF_ENDPOINT", h.hub.URL)
	t.Setenv("HF_TOKEN", "from-env")
	h.token = "from-env"
	dir, err := Download(context.Background(), "gpt2", Options{Client: h.hub.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dir, root) {
		t.Errorf("dir %s is not under HF_HUB_CACHE %s", dir, root)
	}
	if len(h.reset()) == 0 {
		t.Errorf("HF_ENDPOINT was not used")
	}

	// HF_HOME/hub when HF_HUB_CACHE is unset.
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HUGGINGFACE_HUB_CACHE", "")
	home := t.TempDir()
	t.Setenv("HF_HOME", home)
	dir, err = Download(context.Background(), "gpt2", Options{Client: h.hub.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, "hub", "models--gpt2", "snapshots", testCommit); dir != want {
		t.Errorf("dir = %s, want %s", dir, want)
	}
}

func TestProgress(t *testing.T) {
	setup(t)
	h := newFakeHub(t, "gpt2", false)
	var buf bytes.Buffer
	opts := h.opts()
	opts.Progress = &buf
	if _, err := Download(context.Background(), "gpt2", opts); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, f := range []string{"config.json", "model.safetensors: 100.0 kB", "merges.txt"} {
		if !strings.Contains(out, f) {
			t.Errorf("progress %q does not mention %q", out, f)
		}
	}
	if strings.Contains(out, "\r") {
		t.Errorf("progress to a non-terminal redraws: %q", out)
	}
}

func TestParseName(t *testing.T) {
	tests := []struct {
		in   string
		want Name
		err  string
	}{
		{in: "gpt2", want: Name{"", "gpt2", "main"}},
		{in: "distilgpt2", want: Name{"", "distilgpt2", "main"}},
		{in: "openai-community/gpt2-large", want: Name{"openai-community", "gpt2-large", "main"}},
		{in: "gpt2@v1.0", want: Name{"", "gpt2", "v1.0"}},
		{in: "a/b@refs/pr/1", want: Name{"a", "b", "refs/pr/1"}},
		{in: "", err: "empty"},
		{in: "gpt2@", err: "empty revision"},
		{in: "/gpt2", err: "owner: empty"},
		{in: "a/", err: "name: empty"},
		{in: "a/b/c", err: "OWNER/NAME"},
		{in: "../etc", err: `".."`},
		{in: "a..b", err: `".."`},
		{in: "gpt2@../x", err: `".."`},
		{in: "gpt2@a//b", err: "revision: empty"},
		{in: "gpt 2", err: "character ' '"},
		{in: "-gpt2", err: "starts or ends"},
		{in: `a\b`, err: "character"},
	}
	for _, tt := range tests {
		got, err := ParseName(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseName(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseName(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	if got := (Name{"openai-community", "gpt2", "main"}).folder(); got != "models--openai-community--gpt2" {
		t.Errorf("folder = %s", got)
	}
	if got := (Name{"", "gpt2", "main"}).folder(); got != "models--gpt2" {
		t.Errorf("folder = %s", got)
	}
}

func TestFileURL(t *testing.T) {
	f, err := newFetcher(Name{"a", "b", "refs/pr/1"}, t.TempDir(), Options{Endpoint: "https://hub.example/mirror/"})
	if err != nil {
		t.Fatal(err)
	}
	got := f.fileURL("sub dir/model.safetensors", "refs/pr/1").String()
	if want := "https://hub.example/mirror/a/b/resolve/refs%2Fpr%2F1/sub%20dir/model.safetensors"; got != want {
		t.Errorf("fileURL = %s, want %s", got, want)
	}
}
