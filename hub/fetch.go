package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// maxAttempts bounds the downloads of one file; an attempt is retried only
// when it made progress before failing.
const maxAttempts = 5

// fetcher downloads the files of one model into the cache.
type fetcher struct {
	name     Name
	repo     string   // cache folder: {root}/models--owner--name
	locks    string   // lock folder: {root}/.locks/models--owner--name
	endpoint *url.URL // the Hub; Authorization is sent to its host only
	token    string
	client   *http.Client // does not follow redirects
	progress *progress
	commit   string // "" until the first response names it
}

func newFetcher(n Name, root string, opts Options) (*fetcher, error) {
	ep := opts.Endpoint
	if ep == "" {
		ep = os.Getenv("HF_ENDPOINT")
	}
	if ep == "" {
		ep = DefaultEndpoint
	}
	u, err := url.Parse(strings.TrimRight(ep, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bad Hub endpoint %q: want http(s)://host", ep)
	}
	tok := opts.Token
	if tok == "" {
		tok = token()
	}
	c := http.DefaultClient
	if opts.Client != nil {
		c = opts.Client
	}
	nc := *c
	nc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	f := &fetcher{
		name:     n,
		repo:     filepath.Join(root, n.folder()),
		locks:    filepath.Join(root, ".locks", n.folder()),
		endpoint: u,
		token:    tok,
		client:   &nc,
		progress: newProgress(opts.Progress),
	}
	if isCommit(n.Revision) {
		f.commit = n.Revision
	}
	return f, nil
}

// fetchAll fetches every file of the model that is missing and returns the
// snapshot directory.
func (f *fetcher) fetchAll(ctx context.Context) (string, error) {
	// config.json first: its response names the commit the rest is pinned to.
	if err := f.fetch(ctx, configFile); err != nil {
		return "", err
	}
	found, err := f.fetchOptional(ctx, weightsFile)
	if err != nil {
		return "", err
	}
	if !found {
		if err := f.fetch(ctx, indexFile); err != nil {
			if isNotFound(err) {
				return "", fmt.Errorf("model %s has neither %s nor %s (revision %s)", f.name.ID(), weightsFile, indexFile, f.name.Revision)
			}
			return "", err
		}
		shards, err := readIndex(f.snapPath(indexFile))
		if err != nil {
			return "", fmt.Errorf("model %s: %w", f.name, err)
		}
		for _, s := range shards {
			if err := f.fetch(ctx, s); err != nil {
				return "", err
			}
		}
	}
	for _, file := range tokenizerFiles {
		if err := f.fetch(ctx, file); err != nil {
			return "", err
		}
	}
	for _, file := range optionalFiles {
		if _, err := f.fetchOptional(ctx, file); err != nil {
			return "", err
		}
	}
	return filepath.Join(f.repo, "snapshots", f.commit), nil
}

func (f *fetcher) snapPath(file string) string {
	return filepath.Join(f.repo, "snapshots", f.commit, filepath.FromSlash(file))
}

func (f *fetcher) noExistPath(file string) string {
	return filepath.Join(f.repo, ".no_exist", f.commit, filepath.FromSlash(file))
}

// fetchOptional fetches file, reporting found=false when the repository does
// not have it. Absence is recorded under .no_exist/, as huggingface_hub does,
// so later calls need not ask again.
func (f *fetcher) fetchOptional(ctx context.Context, file string) (found bool, err error) {
	if f.commit != "" && !exists(f.snapPath(file)) && exists(f.noExistPath(file)) {
		return false, nil
	}
	err = f.fetch(ctx, file)
	if isNotFound(err) {
		if f.commit != "" {
			p := f.noExistPath(file)
			if os.MkdirAll(filepath.Dir(p), 0o755) == nil {
				if m, err := os.Create(p); err == nil {
					m.Close()
				}
			}
		}
		return false, nil
	}
	return err == nil, err
}

// fetch makes sure the snapshot has file, downloading its blob if needed.
func (f *fetcher) fetch(ctx context.Context, file string) error {
	if !validFile(file) {
		return fmt.Errorf("model %s: bad file name %q", f.name, file)
	}
	if f.commit != "" && exists(f.snapPath(file)) {
		return nil
	}
	m, err := f.head(ctx, file)
	if err != nil {
		return err
	}
	if f.commit == "" {
		f.commit = m.commit
		if err := f.writeRef(); err != nil {
			return err
		}
	}
	snap := f.snapPath(file)
	if exists(snap) {
		return nil
	}
	blob := filepath.Join(f.repo, "blobs", m.etag)
	if !exists(blob) {
		if err := f.download(ctx, file, m, blob); err != nil {
			return err
		}
	}
	return link(snap, blob)
}

// writeRef records the commit of the requested revision in refs/.
func (f *fetcher) writeRef() error {
	if f.name.Revision == f.commit {
		return nil
	}
	ref := filepath.Join(f.repo, "refs", filepath.FromSlash(f.name.Revision))
	if b, err := os.ReadFile(ref); err == nil && string(b) == f.commit {
		return nil
	}
	return writeFileAtomic(ref, []byte(f.commit))
}

// meta is what a HEAD request says about a file.
type meta struct {
	commit   string
	etag     string // sha256 of the content for LFS files, else the git blob id
	size     int64  // -1 when unknown
	location string // where to GET the content; may be another host
}

// fileURL is {endpoint}/{repo_id}/resolve/{revision}/{file}.
func (f *fetcher) fileURL(file, rev string) *url.URL {
	u := *f.endpoint
	base, raw := strings.TrimRight(u.Path, "/"), strings.TrimRight(u.EscapedPath(), "/")
	u.Path = base + "/" + f.name.ID() + "/resolve/" + rev + "/" + file
	u.RawPath = raw + "/" + f.name.ID() + "/resolve/" + url.PathEscape(rev) + "/" + escapeFile(file)
	return &u
}

func escapeFile(file string) string {
	parts := strings.Split(file, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// head asks the Hub about file. Redirects to the same host (renamed
// repositories) are followed; a redirect elsewhere (a CDN for LFS files)
// carries the metadata and becomes the download location.
func (f *fetcher) head(ctx context.Context, file string) (meta, error) {
	rev := f.name.Revision
	if f.commit != "" {
		rev = f.commit
	}
	u := f.fileURL(file, rev)
	var resp *http.Response
	for range 10 {
		var err error
		resp, err = f.do(ctx, http.MethodHead, u, nil)
		if err != nil {
			return meta{}, err
		}
		resp.Body.Close()
		if resp.StatusCode < 300 || resp.StatusCode >= 400 {
			break
		}
		loc, err := resp.Location()
		if err != nil {
			return meta{}, fmt.Errorf("HEAD %s: HTTP %s without a valid Location: %w", u.Redacted(), resp.Status, err)
		}
		if !sameHost(loc, u) {
			break
		}
		u = loc
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc, _ := resp.Location(); loc == nil || sameHost(loc, u) {
			return meta{}, fmt.Errorf("HEAD %s: too many redirects", u.Redacted())
		}
	} else if resp.StatusCode != http.StatusOK {
		return meta{}, f.statusError(resp, file, u)
	}
	m := meta{
		commit:   resp.Header.Get("X-Repo-Commit"),
		etag:     normalizeETag(resp.Header.Get("X-Linked-Etag")),
		size:     -1,
		location: u.String(),
	}
	if m.etag == "" {
		m.etag = normalizeETag(resp.Header.Get("ETag"))
	}
	size := resp.Header.Get("X-Linked-Size")
	if size == "" && resp.StatusCode == http.StatusOK {
		// A redirect's Content-Length is that of its own body.
		size = resp.Header.Get("Content-Length")
	}
	if n, err := strconv.ParseInt(size, 10, 64); err == nil && n >= 0 {
		m.size = n
	}
	if loc, err := resp.Location(); err == nil && resp.StatusCode >= 300 {
		m.location = loc.String()
	}
	switch {
	case !isCommit(m.commit):
		return meta{}, fmt.Errorf("HEAD %s: no commit hash in X-Repo-Commit (got %q); is %s a Hugging Face Hub?", u.Redacted(), m.commit, f.endpoint.Redacted())
	case !validETag(m.etag):
		return meta{}, fmt.Errorf("HEAD %s: missing or unusable ETag %q", u.Redacted(), m.etag)
	}
	return m, nil
}

// normalizeETag strips the weak prefix and quotes: W/"abc" → abc.
func normalizeETag(e string) string {
	return strings.Trim(strings.TrimPrefix(strings.TrimSpace(e), "W/"), `"`)
}

// validETag reports whether e can name a blob file.
func validETag(e string) bool {
	if e == "" || len(e) > 128 || strings.Contains(e, "..") || e[0] == '.' {
		return false
	}
	for _, r := range e {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// sameHost reports whether a and b have the same scheme, host and port.
func sameHost(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && strings.EqualFold(a.Host, b.Host)
}

// do sends one request without following redirects. Authorization goes only
// to the Hub's own host.
func (f *fetcher) do(ctx context.Context, method string, u *url.URL, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, u.Redacted(), err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "gpt2go-hub/1 ("+runtime.Version()+")")
	req.Header.Set("Accept-Encoding", "identity")
	if f.token != "" && sameHost(u, f.endpoint) {
		req.Header.Set("Authorization", "Bearer "+f.token)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		// The client's error already names the method and URL.
		return nil, fmt.Errorf("model %s: %w", f.name, err)
	}
	return resp, nil
}

// hubError is an HTTP error status from the Hub, explained.
type hubError struct {
	status int
	msg    string
}

func (e *hubError) Error() string { return e.msg }

// isNotFound reports whether err says a file (not the repository or the
// revision) does not exist.
func isNotFound(err error) bool {
	var he *hubError
	return errors.As(err, &he) && he.status == http.StatusNotFound
}

// statusError explains an error response for file at u.
func (f *fetcher) statusError(resp *http.Response, file string, u *url.URL) error {
	code := resp.Header.Get("X-Error-Code")
	detail := resp.Header.Get("X-Error-Message")
	if detail != "" {
		detail = " (" + detail + ")"
	}
	id, rev := f.name.ID(), f.name.Revision
	hint := "set HF_TOKEN to a token with access"
	if f.token != "" {
		hint = "the token in use (HF_TOKEN) was rejected or lacks access"
	}
	switch {
	case code == "RepoNotFound":
		return fmt.Errorf("model %s not found on %s (HTTP %d)%s; if it is private or gated, %s",
			id, f.endpoint.Redacted(), resp.StatusCode, detail, hint)
	case code == "RevisionNotFound":
		return fmt.Errorf("model %s has no revision %q (HTTP %d)%s", id, rev, resp.StatusCode, detail)
	case code == "GatedRepo":
		return fmt.Errorf("model %s is gated (HTTP %d)%s: accept its terms on the Hub, and %s", id, resp.StatusCode, detail, hint)
	case resp.StatusCode == http.StatusNotFound:
		return &hubError{resp.StatusCode, fmt.Sprintf("model %s has no file %s (revision %s)", id, file, rev)}
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("access to %s of model %s denied (HTTP %d)%s: %s", file, id, resp.StatusCode, detail, hint)
	}
	return fmt.Errorf("%s %s: HTTP %s%s", resp.Request.Method, u.Redacted(), resp.Status, detail)
}

// download fetches file's content into blob, resuming from
// blob.incomplete, and checks its size and, for LFS files, its sha256.
func (f *fetcher) download(ctx context.Context, file string, m meta, blob string) error {
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		return err
	}
	unlock, err := lockFile(ctx, filepath.Join(f.locks, m.etag+".lock"), func() {
		f.progress.note("waiting for another download of %s", file)
	})
	if err != nil {
		return fmt.Errorf("locking %s: %w", file, err)
	}
	defer unlock()
	if exists(blob) { // another process finished it while we waited
		return nil
	}
	inc := blob + ".incomplete"
	for attempt := 1; ; attempt++ {
		progressed, err := f.get(ctx, file, m, inc)
		if err == nil {
			break
		}
		var fatal *fatalError
		if errors.As(err, &fatal) || !progressed || attempt == maxAttempts || ctx.Err() != nil {
			return err
		}
		f.progress.note("%v; retrying", err)
	}
	if err := checkSum(inc, file, m); err != nil {
		return err
	}
	return os.Rename(inc, blob)
}

// fatalError marks download errors that a retry cannot fix.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// get makes one attempt to complete inc, asking only for the bytes it lacks.
// progressed reports whether any bytes arrived.
func (f *fetcher) get(ctx context.Context, file string, m meta, inc string) (progressed bool, err error) {
	out, err := os.OpenFile(inc, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return false, &fatalError{err}
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = &fatalError{cerr}
		}
	}()
	have, err := out.Seek(0, io.SeekEnd)
	if err != nil {
		return false, &fatalError{err}
	}
	if m.size >= 0 && have > m.size {
		if err := truncate(out); err != nil {
			return false, err
		}
		have = 0
	}
	if m.size >= 0 && have == m.size {
		return false, out.Sync()
	}

	u, err := url.Parse(m.location)
	if err != nil {
		return false, &fatalError{fmt.Errorf("bad download location %q: %w", m.location, err)}
	}
	h := http.Header{}
	if have > 0 {
		h.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	var resp *http.Response
	for range 10 {
		resp, err = f.do(ctx, http.MethodGet, u, h)
		if err != nil {
			return false, err
		}
		if resp.StatusCode < 300 || resp.StatusCode >= 400 {
			break
		}
		resp.Body.Close()
		if u, err = resp.Location(); err != nil {
			return false, &fatalError{fmt.Errorf("GET %s: HTTP %s without a valid Location", resp.Request.URL.Redacted(), resp.Status)}
		}
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		var start int64
		if _, err := fmt.Sscanf(resp.Header.Get("Content-Range"), "bytes %d-", &start); err != nil || start != have {
			if err := truncate(out); err != nil {
				return false, err
			}
			return true, fmt.Errorf("GET %s: got Content-Range %q for Range bytes=%d-; starting over",
				resp.Request.URL.Redacted(), resp.Header.Get("Content-Range"), have)
		}
	case http.StatusOK:
		if have > 0 {
			if err := truncate(out); err != nil {
				return false, err
			}
			have = 0
		}
	case http.StatusRequestedRangeNotSatisfiable:
		// The partial file is not a prefix of this content: start over.
		if err := truncate(out); err != nil {
			return false, err
		}
		return true, fmt.Errorf("GET %s: range bytes=%d- not satisfiable; starting over", resp.Request.URL.Redacted(), have)
	default:
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			return false, &fatalError{fmt.Errorf("GET %s: too many redirects", u.Redacted())}
		}
		return false, &fatalError{f.statusError(resp, file, u)}
	}

	f.progress.begin(file, have, m.size)
	n, err := io.Copy(io.MultiWriter(out, f.progress), resp.Body)
	f.progress.end(err)
	if err != nil {
		return n > 0, fmt.Errorf("GET %s: %w", resp.Request.URL.Redacted(), err)
	}
	if got := have + n; m.size >= 0 && got != m.size {
		return n > 0, fmt.Errorf("GET %s: got %d bytes of %s, want %d", resp.Request.URL.Redacted(), got, file, m.size)
	}
	if err := out.Sync(); err != nil {
		return false, &fatalError{err}
	}
	return true, nil
}

// truncate empties a partial file so the next attempt starts over.
func truncate(out *os.File) error {
	if err := out.Truncate(0); err != nil {
		return &fatalError{err}
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return &fatalError{err}
	}
	return nil
}

// checkSum verifies a completed download: its size, and its sha256 when the
// ETag is one (LFS files). A mismatching file is removed.
func checkSum(inc, file string, m meta) error {
	fi, err := os.Stat(inc)
	if err != nil {
		return err
	}
	if m.size >= 0 && fi.Size() != m.size {
		os.Remove(inc)
		return fmt.Errorf("downloaded %s has %d bytes, want %d; removed it, run again", file, fi.Size(), m.size)
	}
	if len(m.etag) != 64 || !isHex(m.etag) {
		return nil // a git blob id: not checked
	}
	r, err := os.Open(inc)
	if err != nil {
		return err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return fmt.Errorf("checking %s: %w", file, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != m.etag {
		os.Remove(inc)
		return fmt.Errorf("downloaded %s is corrupt: sha256 %s, want %s from the Hub; removed it, run again", file, got, m.etag)
	}
	return nil
}

// link points snap at blob with a relative symlink, as huggingface_hub does
// (../../blobs/{etag}), replacing whatever was there atomically. Where
// symlinks are not allowed it falls back to a hard link.
func link(snap, blob string) error {
	dir := filepath.Dir(snap)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rel, err := filepath.Rel(dir, blob)
	if err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", snap, os.Getpid())
	os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err != nil {
		if lerr := os.Link(blob, tmp); lerr != nil {
			return fmt.Errorf("linking %s: %w", snap, err)
		}
	}
	if err := os.Rename(tmp, snap); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("linking %s: %w", snap, err)
	}
	return nil
}

// writeFileAtomic writes b to name through a temporary file and a rename.
func writeFileAtomic(name string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	t, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := t.Write(b); err != nil {
		t.Close()
		os.Remove(t.Name())
		return err
	}
	if err := t.Close(); err != nil {
		os.Remove(t.Name())
		return err
	}
	if err := os.Rename(t.Name(), name); err != nil {
		os.Remove(t.Name())
		return err
	}
	return nil
}
