package capture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portant-hooks/portant-hooks/internal/display"
	"github.com/portant-hooks/portant-hooks/internal/journal"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/tidwall/pretty"
	"golang.org/x/time/rate"
)

// Limits of what the terminal shows of one event; the file has it all.
const (
	maxPrettyBody = 256 << 10 // larger JSON bodies are not pretty-printed
	maxTextBody   = 2 << 10   // non-JSON bodies are shown up to this
	maxProblems   = 3         // the first problems, then how many more
	maxIDShown    = 64
)

// styles are the lipgloss styles of one stream, colour decided by the
// caller and pinned, never guessed from the environment. Each style's
// escape codes are worked out once: lipgloss's Render is made for layout
// and costs microseconds a call, and a header is rendered for every event.
type styles struct {
	color                                bool
	bold, faint, accent, good, warn, bad paint
	badges                               map[fixtures.EventType]string
	json                                 *pretty.Style
}

// paint is a single-line style as the codes before and after the text.
type paint struct{ pre, post string }

func paintOf(s lipgloss.Style) paint {
	const mark = "\x00"
	out := s.Render(mark)
	i := strings.Index(out, mark)
	if i < 0 {
		return paint{}
	}
	return paint{out[:i], out[i+len(mark):]}
}

// Render styles one line of text.
func (p paint) Render(s string) string {
	if p.pre == "" && p.post == "" {
		return s
	}
	return p.pre + s + p.post
}

// badgeColors colour the event types' badges by their place in
// fixtures.Types (ANSI 256: blue, lavender, cyan, pink, periwinkle, pale
// cyan); a type past the end takes them again from the start. Unknown is
// grey. None is near the green, yellow and red that validity and the
// handler's status are shown in, so a badge never reads as a verdict.
var (
	badgeColors  = []lipgloss.Color{"33", "141", "51", "213", "105", "159"}
	unknownBadge = lipgloss.Color("245")
)

// The colours of verdicts: valid and 2xx, 3xx and 4xx, invalid and 5xx.
var (
	goodColor = lipgloss.Color("42")
	warnColor = lipgloss.Color("214")
	badColor  = lipgloss.Color("203")
)

func newStyles(w io.Writer, color bool) *styles {
	r := lipgloss.NewRenderer(w)
	if color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	st := &styles{
		color:  color,
		bold:   paintOf(r.NewStyle().Bold(true)),
		faint:  paintOf(r.NewStyle().Faint(true)),
		accent: paintOf(r.NewStyle().Foreground(lipgloss.Color("39"))),
		good:   paintOf(r.NewStyle().Foreground(goodColor)),
		warn:   paintOf(r.NewStyle().Foreground(warnColor)),
		bad:    paintOf(r.NewStyle().Foreground(badColor)),
		badges: map[fixtures.EventType]string{},
	}
	badge := func(t fixtures.EventType, c lipgloss.Color) {
		st.badges[t] = r.NewStyle().Bold(true).Foreground(lipgloss.Color("16")).Background(c).Padding(0, 1).Render(string(t))
	}
	for i, t := range fixtures.Types {
		badge(t, badgeColors[i%len(badgeColors)])
	}
	badge(fixtures.Unknown, unknownBadge)
	if color {
		st.json = pretty.TerminalStyle
	}
	return st
}

func (st *styles) badge(t fixtures.EventType) string {
	if !st.color {
		return string(t)
	}
	if b, ok := st.badges[t]; ok {
		return b
	}
	return st.badges[fixtures.Unknown]
}

// status is an HTTP status coloured by its class: 2xx green, 3xx and 4xx
// yellow, 5xx red.
func (st *styles) status(code int) string { return st.byStatus(code).Render(strconv.Itoa(code)) }

func (st *styles) byStatus(code int) paint {
	switch {
	case code >= 200 && code < 300:
		return st.good
	case code >= 300 && code < 500:
		return st.warn
	}
	return st.bad
}

// rejection is a request that was answered with an error and not saved.
type rejection struct {
	Time   time.Time
	Status int
	Method string
	Path   string
	Remote string
	Why    string
}

// item is one thing for the terminal: an event (with its body when the
// format shows it), a rejected request, or a warning.
type item struct {
	rec  *journal.Record
	body []byte
	json bool   // body is one JSON value (the validator parsed it)
	note string // how body differs from the file (decoded)
	rej  *rejection
	warn string
	// unshown is the summary of the rejections not shown one by one
	// before this one (see renderer.rejected).
	unshown string
}

// renderer shows events on its own goroutine, fed by a bounded queue, so a
// slow terminal never slows capture: when the queue is full the event is
// not shown (it is saved all the same), and the output says how many were
// skipped.
type renderer struct {
	format   Format
	dir      string
	saved    bool
	out      *bufio.Writer
	err      io.Writer
	outSt    *styles
	errSt    *styles
	loc      *time.Location
	q        chan item
	bytes    atomic.Int64 // body bytes waiting in q
	maxBytes int64
	stats    *stats
	reported uint64 // drops already reported
	done     chan struct{}

	mu           sync.Mutex
	rejectLimit  *rate.Limiter
	unshown      map[int]uint64 // rejections not shown, by status
	unshownSince time.Time
}

func newRenderer(cfg Config, s *stats) *renderer {
	r := &renderer{
		format:   cfg.Format,
		dir:      cfg.Dir,
		saved:    !cfg.NoSave,
		out:      bufio.NewWriterSize(cfg.Out, 64<<10),
		err:      cfg.Err,
		outSt:    newStyles(cfg.Out, cfg.Color),
		errSt:    newStyles(cfg.Err, cfg.ColorErr),
		loc:      time.Local,
		q:        make(chan item, cfg.RenderQueue),
		maxBytes: defaultRenderQueueBytes,
		stats:    s,
		done:     make(chan struct{}),

		rejectLimit: rate.NewLimiter(rejectRate, rejectBurst),
	}
	go r.run()
	return r
}

// event queues rec for display; isJSON says whether body is one JSON
// value, note how it differs from the file. The renderer keeps body until
// it is shown: it must not change.
func (r *renderer) event(rec *journal.Record, body []byte, isJSON bool, note string) {
	if r.format == FormatQuiet {
		return
	}
	it := item{rec: new(journal.Record), json: isJSON, note: note}
	*it.rec = *rec
	if r.format != FormatSummary {
		it.body = body
	}
	// The body and the handler's answer wait in the queue: they count
	// against its bytes.
	n := it.held()
	if r.bytes.Add(n) > r.maxBytes {
		r.bytes.Add(-n)
		r.stats.dropped.Add(1)
		return
	}
	if !r.enqueue(it) {
		r.bytes.Add(-n)
	}
}

// held is the bytes an event's item keeps while it waits to be shown.
func (it item) held() int64 {
	n := int64(len(it.body))
	if it.rec != nil && it.rec.Forward != nil {
		n += int64(len(it.rec.Forward.Body))
	}
	return n
}

// Rejected requests are shown one by one up to rejectBurst, then at most
// rejectRate a second, and the others summed up in a line before the next
// one shown and at the end: a flood of wrong tokens (25,000 a second) must
// not flood the terminal, nor cost a line of output each.
const (
	rejectBurst = 20
	rejectRate  = 2
)

func (r *renderer) rejected(rej rejection) {
	if r.format == FormatQuiet {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.rejectLimit.AllowN(rej.Time, 1) {
		if r.unshown == nil {
			r.unshown = map[int]uint64{}
			r.unshownSince = rej.Time
		}
		r.unshown[rej.Status]++
		return
	}
	r.enqueue(item{rej: &rej, unshown: r.takeUnshown(rej.Time)})
}

// takeUnshown sums up the rejections not shown since the last one shown.
// r.mu is held.
func (r *renderer) takeUnshown(now time.Time) string {
	if len(r.unshown) == 0 {
		return ""
	}
	var n uint64
	var parts []string
	for _, status := range slices.Sorted(maps.Keys(r.unshown)) {
		n += r.unshown[status]
		parts = append(parts, fmt.Sprintf("%d ×%d", status, r.unshown[status]))
	}
	msg := fmt.Sprintf("… %s rejected in %s, not shown one by one (%s; all counted in the summary)",
		plural(n, "more request"), roundDuration(now.Sub(r.unshownSince)), strings.Join(parts, ", "))
	r.unshown = nil
	return msg
}

// warn shows a problem on Err, whatever the format.
func (r *renderer) warn(msg string) { r.enqueue(item{warn: msg}) }

func (r *renderer) enqueue(it item) bool {
	select {
	case r.q <- it:
		return true
	default:
		if it.rec != nil {
			r.stats.dropped.Add(1)
		}
		return false
	}
}

// close shows what is still queued, flushes, and stops the goroutine,
// waiting for that at most within: a terminal that does not read (a paused
// pager, Ctrl-S) must not keep the listener from stopping. It reports
// whether the output was all written. No event, rejection or warning may be
// queued after it.
func (r *renderer) close(within time.Duration) bool {
	r.mu.Lock()
	if msg := r.takeUnshown(time.Now()); msg != "" {
		r.enqueue(item{unshown: msg})
	}
	r.mu.Unlock()
	close(r.q)
	t := time.NewTimer(within)
	defer t.Stop()
	select {
	case <-r.done:
		return true
	case <-t.C:
		return false
	}
}

// flushDelay is how long output may wait for more before it is written:
// events show within it, and under load many go out in one write instead
// of one each (a write per event costs this process and the reader at the
// other end of a pipe more than rendering does).
const flushDelay = 10 * time.Millisecond

func (r *renderer) run() {
	defer close(r.done)
	timer := time.NewTimer(flushDelay)
	timer.Stop()
	unflushed := false
	for {
		var (
			it item
			ok bool
		)
		if unflushed {
			select {
			case it, ok = <-r.q:
			case <-timer.C:
				_ = r.out.Flush()
				unflushed = false
				continue
			}
		} else {
			it, ok = <-r.q
		}
		if !ok {
			break
		}
		r.reportDrops()
		r.show(it)
		if !unflushed {
			timer.Reset(flushDelay)
			unflushed = true
		}
	}
	timer.Stop()
	r.reportDrops()
	_ = r.out.Flush()
}

func (r *renderer) show(it item) {
	switch {
	case it.rec != nil:
		switch r.format {
		case FormatJSON:
			r.out.Write(jsonLine(it.rec, it.body, it.json, it.note != ""))
		case FormatSummary:
			r.out.WriteString(r.outSt.summaryLine(it.rec, r.loc))
		default:
			r.outSt.writeEvent(r.out, it.rec, it.body, it.json, it.note, r.loc)
		}
		r.bytes.Add(-it.held())
	case it.rej != nil || it.unshown != "":
		_ = r.out.Flush()
		if it.unshown != "" {
			io.WriteString(r.err, r.errSt.faint.Render(display.Line(it.unshown))+"\n")
		}
		if it.rej != nil {
			io.WriteString(r.err, r.errSt.rejection(it.rej, r.loc))
		}
	case it.warn != "":
		_ = r.out.Flush()
		io.WriteString(r.err, r.errSt.bad.Render("Warning:")+" "+display.Line(it.warn)+"\n")
	}
}

// reportDrops says, once the terminal has caught up a little, how many
// events it did not show.
func (r *renderer) reportDrops() {
	d := r.stats.dropped.Load()
	if d == r.reported {
		return
	}
	msg := fmt.Sprintf("… %s not shown: the terminal could not keep up", plural(d-r.reported, "event"))
	if r.saved {
		msg += " (all are saved in " + displayDir(r.dir) + ")"
	}
	r.reported = d
	if r.format == FormatJSON {
		_ = r.out.Flush()
		io.WriteString(r.err, r.errSt.bad.Render(msg)+"\n")
		return
	}
	r.out.WriteString(r.outSt.bad.Render(msg) + "\n")
}

// header is the line that describes an event: sequence, time, type,
// eventId, size, validity and, when it is news, the answer: the --forward-to
// handler's status always, the listener's own when it is not 200.
func (st *styles) header(rec *journal.Record, loc *time.Location) string {
	var b strings.Builder
	b.WriteString(st.faint.Render(fmt.Sprintf("#%d %s", rec.Seq, rec.Received.In(loc).Format("15:04:05.000"))))
	b.WriteString("  ")
	b.WriteString(st.badge(rec.Type))
	b.WriteString("  ")
	if rec.EventID == "" {
		b.WriteString(st.faint.Render("(no eventId)"))
	} else {
		b.WriteString(st.bold.Render(display.Shorten(display.Line(rec.EventID), maxIDShown)))
	}
	b.WriteString("  ")
	b.WriteString(formatSize(rec.Size))
	b.WriteString("  ")
	switch {
	case rec.Valid:
		b.WriteString(st.good.Render("✓ valid"))
	case len(rec.Problems) == 1:
		b.WriteString(st.bad.Render("✗ 1 problem"))
	default:
		b.WriteString(st.bad.Render(fmt.Sprintf("✗ %d problems", len(rec.Problems))))
	}
	switch f := rec.Forward; {
	case f != nil && f.Error != "":
		why := " no answer"
		if f.Status != 0 {
			why = " answer broke off"
		}
		b.WriteString("  → ")
		b.WriteString(st.bad.Render(strconv.Itoa(rec.Status) + why))
	case f != nil, rec.Status != 0 && rec.Status != http.StatusOK:
		b.WriteString("  → ")
		b.WriteString(st.status(rec.Status))
	}
	b.WriteByte('\n')
	return b.String()
}

// notes are the lines under the header: the first problems with their
// positions and pointers, and what the --forward-to handler answered.
func (st *styles) notes(rec *journal.Record) string {
	var b strings.Builder
	for i, p := range rec.Problems {
		if i == maxProblems {
			more := len(rec.Problems) - maxProblems
			b.WriteString(st.faint.Render(fmt.Sprintf("    … and %s more", plural(uint64(more), "problem"))))
			b.WriteByte('\n')
			break
		}
		b.WriteString("    ")
		b.WriteString(st.faint.Render(fmt.Sprintf("%d:%d:", p.Line, p.Column)))
		b.WriteByte(' ')
		if p.Pointer != "" {
			b.WriteString(st.accent.Render(display.Shorten(display.Line(p.Pointer), 120)))
			b.WriteString(": ")
		}
		b.WriteString(st.bad.Render(display.Shorten(display.Line(p.Message), 200)))
		b.WriteByte('\n')
	}
	if f := rec.Forward; f != nil {
		st.writeAnswer(&b, f)
	}
	return b.String()
}

// Widths of the handler's answer under an event: a short 2xx answer beside
// its status, the readable text of any other on a line of its own.
const (
	okAnswerWidth    = 80
	errorAnswerWidth = 200
)

// writeAnswer is what the --forward-to handler answered: where, its status
// and latency, and its body reduced to a readable line (display.Excerpt: an
// error page to its title and text, JSON compacted).
func (st *styles) writeAnswer(b *strings.Builder, f *journal.Forward) {
	b.WriteString("    ↳ ")
	if f.Error != "" {
		b.WriteString(st.bad.Render("forward to " + display.Line(f.URL) + " failed: " + display.Line(f.Error)))
		b.WriteByte('\n')
		return
	}
	fmt.Fprintf(b, "%s %s in %s", display.Line(f.URL), st.status(f.Status), formatMillis(f.LatencyMS))
	if f.Status >= 200 && f.Status < 300 {
		if ex := display.Excerpt(f.ContentType(), f.BodyBytes(), okAnswerWidth); ex != "" {
			b.WriteString("  ")
			b.WriteString(st.faint.Render(ex))
		}
		b.WriteByte('\n')
		return
	}
	b.WriteByte('\n')
	if ex := display.Excerpt(f.ContentType(), f.BodyBytes(), errorAnswerWidth); ex != "" {
		b.WriteString("      ")
		b.WriteString(st.byStatus(f.Status).Render(ex))
		b.WriteByte('\n')
	}
}

// summaryLine is what --format summary shows of an event.
func (st *styles) summaryLine(rec *journal.Record, loc *time.Location) string {
	return st.header(rec, loc) + st.notes(rec)
}

// textWriter is where rendering goes: the renderer's bufio.Writer, a
// buffer in tests.
type textWriter interface {
	io.Writer
	io.StringWriter
}

// writeEvent is what --format pretty shows: the header, where the request
// came from and where it was saved, the notes, and the body,
// pretty-printed when it is JSON (see writeBody). It writes to w piece by
// piece: the body is the bulk of it and is copied once.
func (st *styles) writeEvent(w textWriter, rec *journal.Record, body []byte, isJSON bool, note string, loc *time.Location) {
	w.WriteString(st.header(rec, loc))
	target := rec.Path
	if rec.Query != "" {
		target += "?" + rec.Query
	}
	detail := "    " + rec.Method + " " + display.Shorten(display.Line(target), 200) + " from " + display.Line(rec.Remote)
	if rec.File != "" {
		detail += " · " + rec.File
	}
	w.WriteString(st.faint.Render(detail))
	w.WriteString("\n")
	w.WriteString(st.notes(rec))
	st.writeBody(w, body, isJSON, rec.File, note)
	w.WriteString("\n")
}

func (st *styles) rejection(rej *rejection, loc *time.Location) string {
	return fmt.Sprintf("%s %s %s %s from %s: %s\n",
		st.faint.Render(rej.Time.In(loc).Format("15:04:05.000")),
		st.status(rej.Status),
		display.Line(rej.Method),
		display.Shorten(display.Line(rej.Path), 200),
		display.Line(rej.Remote),
		st.faint.Render(display.Line(rej.Why)+" (not saved)"))
}

// jsonLine is one NDJSON line for --format json: the record with the body
// inline (as JSON when it is JSON, else as a string; "bodyDecoded": true
// when it is shown decoded, not as sent), everything that could drive a
// terminal escaped as JSON escapes it (display.JSON: C1 controls and bidi
// overrides too, which encoding/json passes as they are).
func jsonLine(rec *journal.Record, body []byte, isJSON, decoded bool) []byte {
	var buf bytes.Buffer
	buf.Grow(len(body) + 1024)
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // a query's & and the body's < > as they came
	if err := enc.Encode(rec); err != nil {
		return nil
	}
	buf.Truncate(buf.Len() - len("}\n"))
	if decoded {
		buf.WriteString(`,"bodyDecoded":true`)
	}
	buf.WriteString(`,"body":`)
	mark := buf.Len()
	if !isJSON || json.Compact(&buf, body) != nil {
		buf.Truncate(mark)
		_ = enc.Encode(string(body)) // a string cannot fail to encode
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteString("}\n")
	return display.JSON(buf.Bytes())
}

// formatSize is a byte count for people: 512 B, 1.0 KiB, 10 MiB.
func formatSize(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	v := float64(n) / 1024
	u := 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + units[u]
}

func formatMillis(ms float64) string {
	if ms >= 1000 {
		return strconv.FormatFloat(ms/1000, 'f', 2, 64) + "s"
	}
	return strconv.FormatFloat(ms, 'f', 1, 64) + "ms"
}
