// Package hub finds GPT-2 checkpoints in the Hugging Face cache and fetches
// them from the Hugging Face Hub.
//
// It reads and writes the cache layout of the huggingface_hub Python library,
// so files fetched by either side are reused by the other:
//
//	$HF_HUB_CACHE (else $HF_HOME/hub, else ~/.cache/huggingface/hub)
//	└── models--{owner}--{name}
//	    ├── refs/{revision}               commit hash, no newline
//	    ├── blobs/{etag}                  file contents; {etag}.incomplete while downloading
//	    ├── snapshots/{commit}/{filename} relative symlink to ../../blobs/{etag}
//	    └── .no_exist/{commit}/{filename} marker: the file is not in that commit
//
// Resolve never touches the network; Download fetches only what is missing.
package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// ErrNotCached is wrapped by errors for models that are not completely in the
// local cache when the network may not be used.
var ErrNotCached = errors.New("not in the local Hugging Face cache")

// DefaultEndpoint is the Hub used when neither Options.Endpoint nor
// $HF_ENDPOINT is set.
const DefaultEndpoint = "https://huggingface.co"

// Files a model needs. model.safetensors may be replaced by indexFile and the
// shards it names.
const (
	configFile  = "config.json"
	weightsFile = "model.safetensors"
	indexFile   = "model.safetensors.index.json"
)

var (
	tokenizerFiles = []string{"vocab.json", "merges.txt"}
	optionalFiles  = []string{"tokenizer_config.json", "generation_config.json"}
)

// Name is a parsed model name: openai-community/gpt2@main.
type Name struct {
	Owner    string // "" for names without an owner, such as gpt2
	Repo     string
	Revision string // branch, tag or commit hash; "main" when not given
}

// ParseName parses NAME or OWNER/NAME with an optional @REVISION suffix.
// Parts may hold letters, digits, '-', '_' and '.', but no "..", and may not
// start or end with '-' or '.'. A revision may also hold '/' (refs/pr/1).
func ParseName(s string) (Name, error) {
	id, rev, hasRev := strings.Cut(s, "@")
	if hasRev && rev == "" {
		return Name{}, fmt.Errorf("model name %q: empty revision after @", s)
	}
	if !hasRev {
		rev = "main"
	}
	n := Name{Revision: rev}
	parts := strings.Split(id, "/")
	switch len(parts) {
	case 1:
		n.Repo = parts[0]
	case 2:
		n.Owner, n.Repo = parts[0], parts[1]
	default:
		return Name{}, fmt.Errorf("model name %q: want NAME or OWNER/NAME, optionally with @REVISION", s)
	}
	if n.Owner != "" || len(parts) == 2 {
		if err := checkPart(n.Owner); err != nil {
			return Name{}, fmt.Errorf("model name %q: owner: %w", s, err)
		}
	}
	if err := checkPart(n.Repo); err != nil {
		return Name{}, fmt.Errorf("model name %q: name: %w", s, err)
	}
	for p := range strings.SplitSeq(rev, "/") {
		if err := checkPart(p); err != nil {
			return Name{}, fmt.Errorf("model name %q: revision: %w", s, err)
		}
	}
	return n, nil
}

func checkPart(p string) error {
	switch {
	case p == "":
		return errors.New("empty")
	case len(p) > 96:
		return errors.New("longer than 96 characters")
	case strings.Contains(p, ".."):
		return fmt.Errorf("%q contains \"..\"", p)
	case strings.ContainsAny(p[:1], "-.") || strings.ContainsAny(p[len(p)-1:], "-."):
		return fmt.Errorf("%q starts or ends with '-' or '.'", p)
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("%q has character %q (allowed: letters, digits, '-', '_', '.')", p, r)
		}
	}
	return nil
}

// ID is the repository id: gpt2 or openai-community/gpt2.
func (n Name) ID() string {
	if n.Owner == "" {
		return n.Repo
	}
	return n.Owner + "/" + n.Repo
}

// String is ID@Revision.
func (n Name) String() string { return n.ID() + "@" + n.Revision }

// folder is the repository's folder name in the cache: models--owner--name.
func (n Name) folder() string {
	return "models--" + strings.ReplaceAll(n.ID(), "/", "--")
}

// IsLocalDir reports whether name is an existing directory, which callers
// should load directly instead of treating name as a Hub model.
func IsLocalDir(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.IsDir()
}

// CacheDir is the Hugging Face hub cache root: $HF_HUB_CACHE, else
// $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
// ~/.cache/huggingface/hub, as in huggingface_hub.
func CacheDir() (string, error) {
	for _, v := range []string{"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"} {
		if d := os.Getenv(v); d != "" {
			return d, nil
		}
	}
	home, err := hfHome()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "hub"), nil
}

// hfHome is $HF_HOME, else $XDG_CACHE_HOME/huggingface, else
// ~/.cache/huggingface.
func hfHome() (string, error) {
	if d := os.Getenv("HF_HOME"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "huggingface"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("locating the Hugging Face cache: %w (set HF_HUB_CACHE)", err)
	}
	return filepath.Join(home, ".cache", "huggingface"), nil
}

// Resolve returns the snapshot directory holding every file name needs
// (config.json, model.safetensors or its index and shards, vocab.json,
// merges.txt) if they are all in the local cache. It never uses the network;
// when something is missing the error wraps ErrNotCached.
func Resolve(name string) (dir string, err error) {
	n, err := ParseName(name)
	if err != nil {
		return "", err
	}
	root, err := CacheDir()
	if err != nil {
		return "", err
	}
	return resolve(root, n)
}

func resolve(root string, n Name) (string, error) {
	repo := filepath.Join(root, n.folder())
	commit, err := cachedCommit(repo, n.Revision)
	if err != nil {
		return "", fmt.Errorf("model %s: %w", n, err)
	}
	snap := filepath.Join(repo, "snapshots", commit)
	need := append([]string{configFile}, tokenizerFiles...)
	if !exists(filepath.Join(snap, weightsFile)) {
		shards, err := readIndex(filepath.Join(snap, indexFile))
		if err != nil {
			return "", fmt.Errorf("model %s: no %s: %w", n, weightsFile, ErrNotCached)
		}
		need = append(need, shards...)
	}
	for _, f := range need {
		if !exists(filepath.Join(snap, filepath.FromSlash(f))) {
			return "", fmt.Errorf("model %s: no %s: %w", n, f, ErrNotCached)
		}
	}
	return snap, nil
}

// cachedCommit maps a revision to a commit hash using refs/. A revision that
// looks like a commit hash is its own commit.
func cachedCommit(repo, rev string) (string, error) {
	if isCommit(rev) {
		return rev, nil
	}
	b, err := os.ReadFile(filepath.Join(repo, "refs", filepath.FromSlash(rev)))
	if err != nil {
		return "", ErrNotCached
	}
	c := strings.TrimSpace(string(b))
	if !isCommit(c) {
		return "", fmt.Errorf("refs/%s holds %q, not a commit hash: %w", rev, c, ErrNotCached)
	}
	return c, nil
}

func isCommit(s string) bool { return len(s) == 40 && isHex(s) }

func isHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return s != ""
}

// exists reports whether path names a regular file, following symlinks, so a
// dangling snapshot link counts as missing.
func exists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// readIndex returns the sorted, distinct shard files named by a
// model.safetensors.index.json.
func readIndex(file string) ([]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(file), err)
	}
	var shards []string
	for _, f := range idx.WeightMap {
		if !validFile(f) {
			return nil, fmt.Errorf("%s: bad shard file name %q", filepath.Base(file), f)
		}
		shards = append(shards, f)
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("%s: empty weight_map", filepath.Base(file))
	}
	slices.Sort(shards)
	return slices.Compact(shards), nil
}

// validFile reports whether f is a clean relative slash path inside a repo.
func validFile(f string) bool {
	if f == "" || strings.ContainsAny(f, "\\\x00") || path.IsAbs(f) || path.Clean(f) != f {
		return false
	}
	for p := range strings.SplitSeq(f, "/") {
		if p == ".." || p == "." || p == "" {
			return false
		}
	}
	return true
}

// Options configure Download. The zero value uses the environment.
type Options struct {
	// Progress receives progress: a bar redrawn in place when it is a
	// terminal, else a line per file. Nil means silent.
	Progress io.Writer
	// Client makes the requests; nil means http.DefaultClient. Download
	// follows redirects itself so that Authorization never leaves the Hub's
	// host; the client's CheckRedirect is not used.
	Client *http.Client
	// Endpoint is the Hub's URL; "" means $HF_ENDPOINT, else DefaultEndpoint.
	Endpoint string
	// Token is the access token sent as "Authorization: Bearer"; "" means
	// $HF_TOKEN, else the token file huggingface-cli login writes.
	Token string
	// CacheDir is the cache root; "" means CacheDir().
	CacheDir string
}

// Download returns the snapshot directory of name, first fetching whatever
// Resolve would find missing: config.json; model.safetensors, or
// model.safetensors.index.json and every shard it names when the repository
// has no model.safetensors; vocab.json and merges.txt; and
// tokenizer_config.json and generation_config.json when the repository has
// them. When everything is cached it makes no requests. With HF_HUB_OFFLINE=1
// it never uses the network and fails with an error wrapping ErrNotCached.
//
// Files are written to blobs/{etag}.incomplete, checked against the Hub's
// sha256 for LFS files, and only then renamed and linked into the snapshot;
// an interrupted download resumes where it stopped.
func Download(ctx context.Context, name string, opts Options) (dir string, err error) {
	n, err := ParseName(name)
	if err != nil {
		return "", err
	}
	root := opts.CacheDir
	if root == "" {
		if root, err = CacheDir(); err != nil {
			return "", err
		}
	}
	dir, err = resolve(root, n)
	if err == nil || !errors.Is(err, ErrNotCached) {
		return dir, err
	}
	if offline() {
		return "", fmt.Errorf("%w (HF_HUB_OFFLINE is set, so it was not downloaded)", err)
	}
	f, err := newFetcher(n, root, opts)
	if err != nil {
		return "", err
	}
	return f.fetchAll(ctx)
}

// offline reports whether HF_HUB_OFFLINE forbids network access.
func offline() bool {
	switch strings.ToUpper(strings.TrimSpace(os.Getenv("HF_HUB_OFFLINE"))) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}

// token returns the access token: $HF_TOKEN, the legacy
// $HUGGING_FACE_HUB_TOKEN, else the file at $HF_TOKEN_PATH or $HF_HOME/token.
func token() string {
	for _, v := range []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"} {
		if t := strings.TrimSpace(os.Getenv(v)); t != "" {
			return t
		}
	}
	file := os.Getenv("HF_TOKEN_PATH")
	if file == "" {
		home, err := hfHome()
		if err != nil {
			return ""
		}
		file = filepath.Join(home, "token")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
