package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/portant-hooks/portant-hooks/internal/golden"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

func sampleResults() []Result {
	ev := func(src string, ty fixtures.EventType, id string) Event {
		return Event{Source: src, Type: ty, ID: id}
	}
	refused := &url.Error{Op: "Post", URL: "http://127.0.0.1:9/", Err: &netOpError{syscall.ECONNREFUSED}}
	return []Result{
		{Seq: 1, Event: ev("portant-events/0001.json", fixtures.DocumentsCreated, "325d36e717d9ec0943a55857ae2d4988ce33fe4165330e4f"), Status: 200, Latency: 870 * time.Microsecond, Attempts: 1},
		{Seq: 2, Event: ev("<stdin>:3", fixtures.SignaturesCompleted, "72c32ca744baea46b4be710f052b14a9b73a29d77076e586"), Status: 201, Latency: 12400 * time.Microsecond, Elapsed: 310 * time.Millisecond, Attempts: 3},
		{Seq: 3, Event: ev("synthetic", fixtures.EmailsCreated, "eac1"), Status: 503, Latency: 1250 * time.Millisecond, Elapsed: 4100 * time.Millisecond, Attempts: 4, Body: []byte("{\"error\":\n \"database down\"}\n")},
		{Seq: 4, Event: ev("odd.json", fixtures.Unknown, ""), Status: 0, Latency: 300 * time.Microsecond, Attempts: 1, Err: refused},
		{Seq: 5, Event: ev("\"quoted\".json", fixtures.EmailsCreated, "x"), Status: 404, Latency: 2 * time.Millisecond, Attempts: 1, Body: []byte("not found")},
		{Seq: 6, Event: ev("crash.json", fixtures.SignaturesRequested, "66de"), Status: 500, Latency: 3 * time.Millisecond, Attempts: 1,
			Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}},
			Body:   []byte("<!DOCTYPE html>\n<html><head><title>Error</title><style>pre{color:red}</style></head>\n<body><pre>TypeError: Cannot read properties of undefined (reading 'email')<br> &nbsp; &nbsp;at /app/index.js:12:30</pre></body></html>\n")},
		{Seq: 7, Event: ev("moved.json", fixtures.DocumentsCreated, "325d"), Status: 308, Latency: time.Millisecond, Attempts: 1,
			Header: http.Header{"Location": {"https://example.com/hook\n"}}},
		{Seq: 8, Event: copyOf(ev("testdata/events/20261130T224518.123456Z-000001-SIGNATURES_REQUESTED-66de24a8c20f.json", fixtures.SignaturesRequested, "66de24a8c20fa439d47d92a683861f6852c2924632623377"), 2, 3),
			Status: 500, Latency: 4 * time.Millisecond, Attempts: 1, Header: http.Header{"Content-Type": {"text/html"}},
			Body: []byte("<html><head><title>Error</title></head><body><pre>TypeError: Cannot read properties of undefined (reading 'email')<br> &nbsp; &nbsp;at /app/index.js:12:30</pre></body></html>")},
		{Seq: 9, Event: copyOf(ev("testdata/events/20261130T224519.123456Z-000002-EMAILS_CREATED-eac17961e3ed.json", fixtures.EmailsCreated, "eac17961e3edcfafcc064015131e8a518c9f375005b8cec2"), 3, 3),
			Status: 0, Latency: 10 * time.Second, Elapsed: 31 * time.Second, Attempts: 3, Err: errors.New("no answer within 10s")},
		{Seq: 10, Event: ev("cut.json", fixtures.DocumentsCreated, "325d"), Status: 200, Latency: 5 * time.Millisecond, Attempts: 1,
			Body: []byte(`{"ok":`), Err: errors.New("the answer broke off after 6 bytes: connection reset by the server")},
		{Seq: 11, Event: ev("evil\x1b[2J.json", fixtures.Unknown, "\x1b]0;pwned\x07"), Status: 400, Latency: time.Millisecond, Attempts: 1, Body: []byte("bad\x1b[31m")},
	}
}

func copyOf(ev Event, n, of int) Event {
	ev.Copy, ev.Copies = n, of
	return ev
}

type netOpError struct{ err error }

func (e *netOpError) Error() string { return "dial tcp 127.0.0.1:9: " + e.err.Error() }
func (e *netOpError) Unwrap() error { return e.err }

func brackets(name string) func(...string) string {
	return func(s ...string) string { return "<" + name + ">" + s[0] + "</" + name + ">" }
}

func TestReportGolden(t *testing.T) {
	var plain, styled, js []byte
	st := Styles{Good: brackets("good"), Warn: brackets("warn"), Bad: brackets("bad"), Faint: brackets("faint")}
	var stats Stats
	for _, r := range sampleResults() {
		plain = appendLine(plain, r, Styles{}, LineWidth)
		styled = appendLine(styled, r, st, LineWidth)
		js = appendJSON(js, r)
		stats.Add(r)
	}
	var sum bytes.Buffer
	if err := writeSummary(&sum, &stats, "http://localhost:3000/hook", 1500*time.Millisecond, Styles{}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "lines.txt"), plain, *update)
	golden.Check(t, filepath.Join("testdata", "lines-styled.txt"), styled, *update)
	golden.Check(t, filepath.Join("testdata", "results.ndjson"), js, *update)
	golden.Check(t, filepath.Join("testdata", "summary.txt"), sum.Bytes(), *update)
	// What went wrong fits in 80 columns, on the event's line or on its
	// own; only the event's part of the line may run past them.
	for _, r := range sampleResults() {
		line := string(appendLine(nil, r, Styles{}, LineWidth))
		first, next, two := strings.Cut(strings.TrimSuffix(line, "\n"), "\n")
		last := first
		if two {
			last = next
		}
		if r.Err != nil || !r.OK() && answer(r) != "" {
			if n := utf8.RuneCountInString(last); n > LineWidth {
				t.Errorf("%d columns: %s", n, last)
			}
		} else if two {
			t.Errorf("two lines for nothing to say:\n%s", line)
		}
		if strings.ContainsRune(line, 0x1b) {
			t.Errorf("an escape sequence reached the report: %q", line)
		}
		for _, width := range []int{400, 0} {
			if wide := appendLine(nil, r, Styles{}, width); bytes.Count(wide, []byte("\n")) != 1 {
				t.Errorf("%d columns: not one line:\n%s", width, wide)
			}
		}
	}
	for _, line := range bytes.Split(bytes.TrimSpace(js), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Errorf("not JSON: %s", line)
		}
	}
}

func TestStats(t *testing.T) {
	var s Stats
	for i := 1; i <= 100; i++ {
		s.Add(Result{Status: 200, Latency: time.Duration(i) * time.Millisecond, Attempts: 1})
	}
	s.Add(Result{Err: errors.New("x"), Attempts: 2})
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 95: 95 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 0: time.Millisecond} {
		if got := s.Percentile(p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if s.Sent != 101 || s.OK != 100 || s.Failed != 1 || s.Retried != 1 || s.Answered() != 100 {
		t.Errorf("%+v", s)
	}
	var empty Stats
	if empty.Percentile(50) != 0 {
		t.Error("no latencies, no percentile")
	}
}

func BenchmarkAppendLine(b *testing.B) {
	rs := sampleResults()
	var buf []byte
	for b.Loop() {
		buf = appendLine(buf[:0], rs[0], Styles{}, LineWidth)
		buf = appendJSON(buf[:0], rs[0])
	}
}
