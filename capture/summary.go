package capture

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/httpx"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// rejectStatuses are the answers to requests that are counted, not saved.
var rejectStatuses = [...]int{
	http.StatusBadRequest,
	http.StatusUnauthorized,
	http.StatusNotFound,
	http.StatusMethodNotAllowed,
	http.StatusRequestTimeout, // the body did not arrive in time
	http.StatusRequestEntityTooLarge,
	http.StatusTooManyRequests,    // too many wrong tokens
	http.StatusServiceUnavailable, // no room for the body: busy
}

// stats counts what a run saw, for the summary. Safe for concurrent use.
type stats struct {
	mu       sync.Mutex
	types    map[fixtures.EventType]uint64 // events by type, Unknown included
	answers  map[int]uint64                // the --forward-to handler's statuses
	invalid  atomic.Uint64
	rejected [len(rejectStatuses)]atomic.Uint64 // by rejectStatuses
	failed   atomic.Uint64                      // could not be saved or journalled
	fwdFail  atomic.Uint64                      // the --forward-to handler gave no whole answer
	dropped  atomic.Uint64                      // not shown: the terminal could not keep up
	stuck    atomic.Bool                        // the terminal stopped reading: the queue was not all shown at the end
	gone     uint64                             // set at the end: events saved, then removed with the directory
}

func (s *stats) count(rec *journal.Record) {
	s.mu.Lock()
	if s.types == nil {
		s.types = map[fixtures.EventType]uint64{}
	}
	t := rec.Type
	if !slices.Contains(fixtures.Types, t) {
		t = fixtures.Unknown
	}
	s.types[t]++
	if f := rec.Forward; f != nil && f.Error == "" {
		if s.answers == nil {
			s.answers = map[int]uint64{}
		}
		s.answers[f.Status]++
	}
	s.mu.Unlock()
	if !rec.Valid {
		s.invalid.Add(1)
	}
	if rec.Forward != nil && rec.Forward.Error != "" {
		s.fwdFail.Add(1)
	}
}

// answerClasses are the handler's answers by class, for the summary: how
// many got 2xx, 3xx..., each with its statuses ("500 ×2, 503 ×1").
func (s *stats) answerClasses() (classes []answerClass) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, code := range slices.Sorted(maps.Keys(s.answers)) {
		class := code / 100
		if len(classes) == 0 || classes[len(classes)-1].class != class {
			classes = append(classes, answerClass{class: class})
		}
		c := &classes[len(classes)-1]
		c.count += s.answers[code]
		c.codes = append(c.codes, fmt.Sprintf("%d ×%d", code, s.answers[code]))
	}
	return classes
}

type answerClass struct {
	class int // 2 for 2xx
	count uint64
	codes []string
}

// byType returns how many events of each type the run saw.
func (s *stats) byType() map[fixtures.EventType]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.types)
}

func (s *stats) reject(status int) {
	for i, st := range rejectStatuses {
		if st == status {
			s.rejected[i].Add(1)
			return
		}
	}
}

// writeSummary writes what the run captured to b, once it has stopped.
func writeSummary(b *strings.Builder, cfg Config, s *stats, ran time.Duration, saved bool) {
	types := s.byType()
	var n uint64
	for _, c := range types {
		n += c
	}
	verb := "saved in " + displayDir(cfg.Dir)
	if !saved {
		verb = "received (not saved)"
	}
	switch n {
	case 0:
		fmt.Fprintf(b, "Stopped after %s: no events received.\n", roundDuration(ran))
	default:
		if s.gone > 0 {
			verb += fmt.Sprintf(" (%d of them removed with the directory while listening)", s.gone)
		}
		fmt.Fprintf(b, "Stopped after %s: %s %s\n", roundDuration(ran), plural(n, "event"), verb)
	}
	row := func(label string, count uint64, note string) {
		fmt.Fprintf(b, "  %-22s %5d%s\n", label, count, note)
	}
	for _, t := range append(slices.Clone(fixtures.Types), fixtures.Unknown) {
		if c := types[t]; c > 0 {
			row(string(t), c, "")
		}
	}
	if c := s.invalid.Load(); c > 0 || n > 0 {
		row("invalid", c, "")
	}
	var rej uint64
	var parts []string
	for i, status := range rejectStatuses {
		if c := s.rejected[i].Load(); c > 0 {
			rej += c
			parts = append(parts, fmt.Sprintf("%d %s ×%d", status, strings.ToLower(http.StatusText(status)), c))
		}
	}
	if rej > 0 {
		row("rejected (not saved)", rej, "  ("+strings.Join(parts, ", ")+")")
	}
	for _, c := range s.answerClasses() {
		note := ""
		if c.class != 2 || len(c.codes) > 1 {
			note = "  (" + strings.Join(c.codes, ", ") + ")"
		}
		row(fmt.Sprintf("handler %dxx", c.class), c.count, note)
	}
	if c := s.fwdFail.Load(); c > 0 {
		row("handler no answer", c, "  (unreachable, hung up or broke off: answered 502)")
	}
	if c := s.failed.Load(); c > 0 {
		row("failed (500)", c, "  (could not be saved or journalled: see the warnings above)")
	}
	if c := s.dropped.Load(); c > 0 {
		note := "  (the terminal could not keep up"
		if saved {
			note += "; all are saved"
		}
		row("not shown", c, note+")")
	}
	if s.stuck.Load() {
		fmt.Fprintf(b, "  the terminal stopped reading: the last events queued for it were not shown%s\n", map[bool]string{true: " (all are saved)", false: ""}[saved])
	}
}

// writeBanner says where the listener listens, where it saves, and how to
// send it a test event.
func writeBanner(cfg Config, base string) {
	st := newStyles(cfg.Err, cfg.ColorErr)
	var b strings.Builder
	if !httpx.IsLoopback(cfg.Host) && cfg.Listener == nil {
		fmt.Fprintln(&b, st.bad.Render("Warning:")+" listening on "+cfg.Host+", which other machines can reach: anyone who can reach it can send events"+
			map[bool]string{true: ".", false: " (require a token with --token)."}[cfg.Token != ""])
	}
	where := "any path"
	if cfg.Path != "/" {
		where = cfg.Path
		if strings.HasSuffix(cfg.Path, "/") {
			where += "*"
		}
	}
	fmt.Fprintf(&b, "%s %s  %s\n", st.bold.Render("Listening on"), st.accent.Render(base), st.faint.Render("(POST, "+where+")"))
	line := func(label, value string) {
		fmt.Fprintf(&b, "  %s %s\n", st.faint.Render(fmt.Sprintf("%-12s", label)), value)
	}
	if cfg.NoSave {
		line("Saving", "off: events are shown, not kept")
	} else {
		line("Saving to", displayDir(cfg.Dir)+" "+st.faint.Render("(one file per event; journal "+journal.Name+")"))
	}
	if cfg.Token != "" {
		line("Token", "required: ?token=<token> in the URL, or the "+TokenHeader+" header")
	}
	if cfg.ForwardTo != "" {
		line("Forwarding", "to "+cfg.ForwardTo+" "+st.faint.Render("(its answers go back to the sender)"))
	} else if cfg.Status != http.StatusOK || cfg.FailRate > 0 || cfg.Delay > 0 {
		line("Answering", mockDescription(cfg))
	}
	for _, extra := range cfg.Banner {
		line(extra.Label, extra.Value)
	}
	test := base
	if cfg.Token != "" {
		test = withToken(base, cfg.Token)
	}
	line("Send a test", "portant-hooks send --type all --to '"+test+"'")
	line("Stop", "Ctrl-C")
	_, _ = io.WriteString(cfg.Err, b.String())
}

func mockDescription(cfg Config) string {
	s := fmt.Sprintf("%d %s", cfg.Status, http.StatusText(cfg.Status))
	if cfg.FailRate > 0 {
		s += fmt.Sprintf(", and 500 to %g%% of events", cfg.FailRate)
	}
	if cfg.Delay > 0 {
		s += ", after " + cfg.Delay.String()
	}
	return s
}

func withToken(base, token string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	q.Set("token", token)
	u.RawQuery = q.Encode()
	return u.String()
}

// displayDir shows a directory with a trailing separator, so it reads as
// one.
func displayDir(dir string) string {
	if dir == "" {
		return "."
	}
	return filepath.Clean(dir) + string(filepath.Separator)
}

func roundDuration(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

func plural(n uint64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
