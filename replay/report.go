package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/display"
	"github.com/portant-hooks/portant-hooks/internal/httpx"
)

// Styles colour the report; the zero value prints plain text. cmd decides
// whether the stream takes colour and passes lipgloss renderers.
type Styles struct {
	Good, Warn, Bad, Faint func(...string) string
}

func paint(f func(...string) string, b []byte, s string) []byte {
	if f == nil {
		return append(b, s...)
	}
	return append(b, f(s)...)
}

// typeWidth fits the longest event type, so a new type in fixtures.Types
// keeps the columns straight.
var typeWidth = func() int {
	n := len(fixtures.Unknown)
	for _, t := range fixtures.Types {
		n = max(n, len(t))
	}
	return n
}()

// LineWidth is the width of a terminal that does not say: its classic 80
// columns.
const LineWidth = 80

// continuation indents what goes wrong with an event when it does not fit
// on the event's line: under the latency.
const continuation = "     "

// appendLine appends the report of r: status, latency, type, the start of
// the eventId, the source, which copy it was (--repeat-each) and, after
// retries, the attempts and the time they took all told; then what went
// wrong: why no whole answer came, or the readable start of a non-2xx one.
// That last part goes on a line of its own, indented, when the line would
// be wider than width columns (a terminal's; 0 for no limit: one line per
// event, for a pipe), so that a long source path never pushes it out of
// view:
//
//	200   0.87ms  DOCUMENTS_CREATED     325d36e717d9  captures/0001.json
//	503   12.4ms  EMAILS_CREATED        eac17961e3ed  <stdin>  4 attempts in 1.30s  {"error":"db down"}
//	500   3.00ms  SIGNATURES_REQUESTED  66de24a8c20f  testdata/events/20261130T224518.123456Z-000001-SIGNATURES_REQUESTED-66de24a8c20f.json
//	     Error — TypeError: Cannot read properties of undefined (reading 'email') at /app/index.j…
func appendLine(b []byte, r Result, st Styles, width int) []byte {
	status, style := "ERR", st.Bad
	if r.Status > 0 {
		status = strconv.Itoa(r.Status)
		switch {
		case r.Err != nil: // an answer cut off is a failure, whatever it began with
		case r.Status < 300:
			style = st.Good
		case r.Status < 500:
			style = st.Warn
		}
	}
	b = paint(style, b, status)
	b = append(b, "  "...)
	lat := appendLatency(nil, r.Latency)
	b = pad(b, 7-len(lat))
	b = append(b, lat...)
	b = append(b, "  "...)
	typ := display.Line(string(r.Event.Type)) // from the payload, as the id and source are
	b = append(b, typ...)
	b = pad(b, typeWidth-len(typ))
	b = append(b, "  "...)
	id := display.Line(r.Event.ID)
	switch {
	case id == "":
		id = "-"
	case utf8.RuneCountInString(id) > 12:
		id = string([]rune(id)[:12])
	}
	b = append(b, id...)
	b = pad(b, 12-utf8.RuneCountInString(id))
	b = append(b, "  "...)
	source := display.Line(r.Event.Source)
	b = append(b, source...)
	cols := len(status) + 2 + 7 + 2 + typeWidth + 2 + 12 + 2 + utf8.RuneCountInString(source)
	extra := func(s string, f func(...string) string) {
		b = append(b, "  "...)
		b = paint(f, b, s)
		cols += 2 + utf8.RuneCountInString(s)
	}
	if r.Event.Copies > 1 {
		extra(fmt.Sprintf("copy %d/%d", r.Event.Copy, r.Event.Copies), st.Faint)
	}
	if r.Attempts > 1 {
		extra(fmt.Sprintf("%d attempts in %s", r.Attempts, appendLatency(nil, r.Elapsed)), st.Faint)
	}
	var what string
	whatStyle := st.Faint
	switch {
	case r.Err != nil:
		what, whatStyle = reason(r.Err), st.Bad
	case width > 0:
		what = readableAnswerIn(r, max(width-len(continuation), 20))
	default:
		what = readableAnswer(r)
	}
	switch {
	case what == "":
	case width <= 0 || cols+2+utf8.RuneCountInString(what) <= width:
		b = append(b, "  "...)
		b = paint(whatStyle, b, what)
	default:
		b = append(b, "\n"+continuation...)
		b = paint(whatStyle, b, what)
	}
	return append(b, '\n')
}

// reason is why r got no answer, for a person (results made by a Sender
// are explained already; this covers Results made by hand).
func reason(err error) string { return display.Line(httpx.Explain(err, 0).Error()) }

// answer is what a person needs to see why the handler said no, as it
// came (for --json): a redirect's Location, or the start of a non-2xx
// answer's body.
func answer(r Result) string {
	switch {
	case r.Status >= 200 && r.Status < 300:
		return ""
	case r.Status >= 300 && r.Status < 400 && r.Header.Get("Location") != "":
		return "Location: " + r.Header.Get("Location")
	}
	return string(r.Body[:min(len(r.Body), 512)])
}

// readableAnswer is answer reduced to a readable excerpt of a line's
// width: an HTML error page to its title and text, JSON compacted.
func readableAnswer(r Result) string { return readableAnswerIn(r, 100) }

// readableAnswerIn is readableAnswer in at most width characters.
func readableAnswerIn(r Result, width int) string {
	if loc := r.Header.Get("Location"); loc != "" && r.Status >= 300 && r.Status < 400 {
		return display.Shorten(display.Line(answer(r)), width)
	}
	if r.Status >= 200 && r.Status < 300 {
		return ""
	}
	return display.Excerpt(r.Header.Get("Content-Type"), r.Body, width)
}

func pad(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
}

// appendLatency writes d with three significant digits: 0.87ms, 12.4ms, 1.25s.
func appendLatency(b []byte, d time.Duration) []byte {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return append(strconv.AppendFloat(b, ms, 'f', 2, 64), "ms"...)
	case ms < 1000:
		return append(strconv.AppendFloat(b, ms, 'f', 1, 64), "ms"...)
	}
	return append(strconv.AppendFloat(b, ms/1000, 'f', 2, 64), 's')
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// jsonResult is one --json line.
type jsonResult struct {
	Seq            int     `json:"seq"`
	Source         string  `json:"source"`
	EventID        string  `json:"eventId"`
	EventType      string  `json:"eventType"`
	Status         int     `json:"status"`
	OK             bool    `json:"ok"`
	LatencyMS      float64 `json:"latencyMs"`
	Attempts       int     `json:"attempts"`
	ElapsedMS      float64 `json:"elapsedMs"` // all the attempts, and the waits between them
	Copy           int     `json:"copy,omitempty"`
	Copies         int     `json:"copies,omitempty"`
	Error          string  `json:"error,omitempty"`
	Response       string  `json:"response,omitempty"`
	SchemaProblems int     `json:"schemaProblems,omitempty"`
}

// appendJSON appends r as one NDJSON line, for --json:
//
//	{"seq":1,"source":"a.json","eventId":"…","eventType":"EMAILS_CREATED","status":200,"ok":true,"latencyMs":1.234,"attempts":1,"elapsedMs":1.234}
func appendJSON(b []byte, r Result) []byte {
	j := jsonResult{
		Seq: r.Seq, Source: r.Event.Source, EventID: r.Event.ID, EventType: string(r.Event.Type),
		Status: r.Status, OK: r.OK(), LatencyMS: float64(r.Latency.Microseconds()) / 1000, Attempts: r.Attempts,
		ElapsedMS: float64(r.Elapsed.Microseconds()) / 1000, Copy: r.Event.Copy, Copies: r.Event.Copies,
		Response: answer(r), SchemaProblems: len(r.Event.Problems),
	}
	if r.Err != nil {
		j.Error = reason(r.Err)
	}
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false) // "<stdin>" stays readable
	if err := enc.Encode(j); err != nil {
		panic(err) // strings and numbers only: cannot fail
	}
	// encoding/json passes C1 controls and bidi overrides as they are:
	// escaped too, so that jq's input and a terminal are safe alike.
	return append(b[:len(b):len(b)], display.JSON(buf.Bytes()[len(b):])...)
}

// Stats sums up results for the closing summary.
type Stats struct {
	Sent    int // events with a result
	OK      int // got a 2xx
	Failed  int
	Retried int // events that needed at least one retry
	// Failures counts failed events by status code or reason.
	Failures  map[string]int
	latencies []time.Duration // of events that got an answer
	sorted    bool
	// traits tells what the failures share, over the events sent so far.
	traits tally
	seq    sequence
}

// Add counts one result.
func (s *Stats) Add(r Result) {
	s.Sent++
	s.addTraits(r)
	if r.Retries() > 0 {
		s.Retried++
	}
	if r.Status > 0 {
		s.latencies = append(s.latencies, r.Latency)
		s.sorted = false
	}
	if r.OK() {
		s.OK++
		return
	}
	s.Failed++
	if s.Failures == nil {
		s.Failures = map[string]int{}
	}
	if r.Err != nil {
		s.Failures[reason(r.Err)]++
	} else {
		s.Failures[strconv.Itoa(r.Status)]++
	}
}

// Answered is the number of events that got an HTTP response.
func (s *Stats) Answered() int { return len(s.latencies) }

// Percentile returns the latency under which p percent (0-100) of the
// answered events fell, nearest rank; 0 when none was answered.
func (s *Stats) Percentile(p float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	if !s.sorted {
		slices.Sort(s.latencies)
		s.sorted = true
	}
	rank := int(p/100*float64(len(s.latencies))+0.999999) - 1
	return s.latencies[min(max(rank, 0), len(s.latencies)-1)]
}

// writeSummary writes the closing lines: what was sent where, how it went,
// and the latency percentiles.
//
//	✓ sent 4 events to http://localhost:3000/hook in 120ms (33/s): 4 2xx, 0 failed, 0 retried
//	  latency p50 1.20ms  p95 3.10ms  p99 3.10ms
func writeSummary(w io.Writer, s *Stats, target string, elapsed time.Duration, st Styles) error {
	var b []byte
	if s.Failed == 0 && s.Sent > 0 {
		b = paint(st.Good, b, "✓")
	} else {
		b = paint(st.Bad, b, "✗")
	}
	perSec := 0.0
	if elapsed > 0 {
		perSec = float64(s.Sent) / elapsed.Seconds()
	}
	b = fmt.Appendf(b, " sent %s to %s in %s (%s/s): %d 2xx, ", plural(s.Sent, "event", "events"), target,
		appendLatency(nil, elapsed), strconv.FormatFloat(perSec, 'f', 0, 64), s.OK)
	failed := fmt.Sprintf("%d failed", s.Failed)
	if s.Failed > 0 {
		var kinds []string
		for _, k := range slices.Sorted(maps.Keys(s.Failures)) {
			kinds = append(kinds, fmt.Sprintf("%d× %s", s.Failures[k], k))
		}
		failed += " (" + strings.Join(kinds, ", ") + ")"
		b = paint(st.Bad, b, failed)
	} else {
		b = append(b, failed...)
	}
	b = fmt.Appendf(b, ", %d retried\n", s.Retried)
	if len(s.latencies) > 0 {
		b = append(b, "  latency p50 "...)
		b = appendLatency(b, s.Percentile(50))
		b = append(b, "  p95 "...)
		b = appendLatency(b, s.Percentile(95))
		b = append(b, "  p99 "...)
		b = appendLatency(b, s.Percentile(99))
		b = append(b, '\n')
	}
	if line := s.failuresLine(); line != "" {
		b = append(b, "  "...)
		b = append(b, line...)
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}
