package hub

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress reports downloads: on a terminal a bar redrawn in place at most
// ten times a second, elsewhere one line per file. A nil writer is silent.
type progress struct {
	w   io.Writer
	tty bool

	file        string
	have, total int64 // bytes so far (including resumed ones), -1 total when unknown
	resumed     int64
	start, last time.Time
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		p.tty = isTerminal(f.Fd())
	}
	return p
}

// note prints a message on its own line.
func (p *progress) note(format string, args ...any) {
	if p.w != nil {
		fmt.Fprintf(p.w, format+"\n", args...)
	}
}

// begin starts reporting file, of which have bytes are already on disk.
func (p *progress) begin(file string, have, total int64) {
	p.file, p.have, p.total, p.resumed = file, have, total, have
	p.start, p.last = time.Now(), time.Time{}
	if p.w == nil {
		return
	}
	if have > 0 && !p.tty {
		fmt.Fprintf(p.w, "%s: resuming at %s\n", file, size(have))
	}
	p.draw()
}

// Write counts downloaded bytes.
func (p *progress) Write(b []byte) (int, error) {
	p.have += int64(len(b))
	if p.tty && time.Since(p.last) >= 100*time.Millisecond {
		p.draw()
	}
	return len(b), nil
}

// end finishes the file's report; err is the download's outcome.
func (p *progress) end(err error) {
	if p.w == nil {
		return
	}
	if p.tty {
		p.draw()
		fmt.Fprintln(p.w)
		return
	}
	if err != nil {
		fmt.Fprintf(p.w, "%s: stopped at %s\n", p.file, size(p.have))
		return
	}
	took := time.Since(p.start)
	fmt.Fprintf(p.w, "%s: %s in %s (%s/s)\n", p.file, size(p.have), took.Round(time.Millisecond), size(p.rate(took)))
}

func (p *progress) rate(took time.Duration) int64 {
	if took <= 0 {
		return 0
	}
	return int64(float64(p.have-p.resumed) / took.Seconds())
}

// draw redraws the bar: name, percentage, bar, sizes, speed.
func (p *progress) draw() {
	if !p.tty || p.w == nil {
		return
	}
	p.last = time.Now()
	const width = 30
	rate := size(p.rate(p.last.Sub(p.start))) + "/s"
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\r%-28s %10s  %10s\x1b[K", p.file, size(p.have), rate)
		return
	}
	frac := float64(p.have) / float64(p.total)
	fill := int(frac * width)
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
	fmt.Fprintf(p.w, "\r%-28s %3.0f%% [%s] %s / %s  %s\x1b[K", p.file, 100*frac, bar, size(p.have), size(p.total), rate)
}

// size formats a byte count: 548.1 MB.
func size(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
