package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"syscall"
	"testing"
	"time"

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
		{Seq: 2, Event: ev("<stdin>:3", fixtures.SignaturesCompleted, "72c32ca744baea46b4be710f052b14a9b73a29d77076e586"), Status: 201, Latency: 12400 * time.Microsecond, Attempts: 3},
		{Seq: 3, Event: ev("synthetic", fixtures.EmailsCreated, "eac1"), Status: 503, Latency: 1250 * time.Millisecond, Attempts: 4, Body: []byte("{\"error\":\n \"database down\"}\n")},
		{Seq: 4, Event: ev("odd.json", fixtures.Unknown, ""), Status: 0, Latency: 300 * time.Microsecond, Attempts: 1, Err: refused},
		{Seq: 5, Event: ev("\"quoted\".json", fixtures.EmailsCreated, "x"), Status: 404, Latency: 2 * time.Millisecond, Attempts: 1, Body: []byte("not found")},
		{Seq: 6, Event: ev("crash.json", fixtures.SignaturesRequested, "66de"), Status: 500, Latency: 3 * time.Millisecond, Attempts: 1,
			Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}},
			Body:   []byte("<!DOCTYPE html>\n<html><head><title>Error</title><style>pre{color:red}</style></head>\n<body><pre>TypeError: Cannot read properties of undefined (reading 'email')<br> &nbsp; &nbsp;at /app/index.js:12:30</pre></body></html>\n")},
		{Seq: 7, Event: ev("moved.json", fixtures.DocumentsCreated, "325d"), Status: 308, Latency: time.Millisecond, Attempts: 1,
			Header: http.Header{"Location": {"https://example.com/hook\n"}}},
	}
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
		plain = appendLine(plain, r, Styles{})
		styled = appendLine(styled, r, st)
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
		buf = appendLine(buf[:0], rs[0], Styles{})
		buf = appendJSON(buf[:0], rs[0])
	}
}
