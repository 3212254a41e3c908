package capture

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/internal/golden"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenRecords are what the golden files show: a valid event, an invalid
// one, a body that is not JSON and tries to drive the terminal, a mock
// failure and a forwarded event.
type goldenRecord struct {
	rec    journal.Record
	body   []byte
	isJSON bool
}

func goldenRecords(t testing.TB) []goldenRecord {
	v, err := fixtures.NewValidator(fixtures.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 22, 45, 17, 123456789, time.UTC)
	mk := func(seq uint64, body []byte, status int, fw *journal.Forward) goldenRecord {
		rep := v.Validate(body)
		typ := rep.EventType
		if typ == "" {
			typ = fixtures.Unknown
		}
		rec := journal.Record{
			Seq: seq, Received: at.Add(time.Duration(seq) * time.Second), Method: "POST", Path: "/hooks",
			Remote: "127.0.0.1:50000", Size: int64(len(body)), EventID: rep.EventID, Type: typ,
			Valid: rep.Valid(), Problems: rep.Problems, Status: status, Forward: fw,
		}
		rec.File = journal.FileName(rec.Received, seq, typ, rep.EventID)
		return goldenRecord{rec, body, !rep.Syntax}
	}
	invalid := []byte(`{
  "data": {"documents": [{"id": 1, "url": "https://x", "name": "n"}]},
  "eventId": "325d36e717d9ec0943a55857ae2d4988ce33fe4165330e4f",
  "eventType": "DOCUMENTS_CREATED",
  "event_type": "DOCUMENTS_CREATED"
}`)
	hostile := []byte("\x1b[2J\x1b]0;pwned\x07 hello\r\n\xff\xfe \u202e tail")
	return []goldenRecord{
		mk(1, fixtures.Example(fixtures.SignaturesRequested), 200, nil),
		mk(2, invalid, 200, nil),
		mk(3, hostile, 200, nil),
		mk(4, fixtures.Example(fixtures.EmailsCreated), 500, nil),
		mk(5, fixtures.Example(fixtures.SignaturesCompleted), 202, handlerAnswer(202, "application/json", "{\"ok\": true}\n")),
		mk(6, []byte(`{"data":{}}`), 502, &journal.Forward{URL: "http://localhost:3000/hooks", LatencyMS: 0.5, Error: "connection refused"}),
		mk(7, nil, 200, nil),
		mk(8, fixtures.Example(fixtures.DocumentsCreated), 500, handlerAnswer(500, "text/html; charset=utf-8", expressError(t))),
		mk(9, fixtures.Example(fixtures.EmailsCreated), 422, handlerAnswer(422, "application/json", "{\n  \"error\": \"unknown recipient\",\n  \"field\": \"data.emails.0.to\"\n}\n")),
	}
}

// expressError is the page Express's default error handler sends in
// development, as internal/display's tests keep it.
func expressError(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "internal", "display", "testdata", "pages", "express.html"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// handlerAnswer is a handler's answer as the journal keeps it.
func handlerAnswer(status int, contentType, body string) *journal.Forward {
	f := &journal.Forward{URL: "http://localhost:3000/hooks", Status: status, LatencyMS: 12.345,
		Headers: map[string][]string{"Content-Type": {contentType}}}
	f.SetBody([]byte(body), false)
	return f
}

func TestRenderGolden(t *testing.T) {
	for _, tt := range []struct {
		name   string
		color  bool
		format Format
	}{
		{"pretty", false, FormatPretty},
		{"pretty-color", true, FormatPretty},
		{"summary", false, FormatSummary},
		{"summary-color", true, FormatSummary},
		{"json", false, FormatJSON},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			var s stats
			r := newRenderer(Config{Format: tt.format, Out: &out, Err: &errOut, Color: tt.color, ColorErr: tt.color, RenderQueue: 100, Dir: "events"}, &s)
			r.loc = time.UTC
			for _, g := range goldenRecords(t) {
				r.event(&g.rec, g.body, g.isJSON, "")
			}
			r.rejected(rejection{Time: time.Date(2026, 11, 30, 22, 46, 0, 0, time.UTC), Status: 401, Method: "POST", Path: "/\x1b[31m", Remote: "10.0.0.1:1", Why: "missing or wrong token"})
			r.close(time.Minute)
			golden.Check(t, filepath.Join("testdata", "render-"+tt.name+".golden"), []byte(out.String()+"--- stderr ---\n"+errOut.String()), *update)
			if !tt.color && strings.Contains(out.String()+errOut.String(), "\x1b") {
				t.Error("an escape sequence reached a colourless terminal")
			}
		})
	}
}

func TestRenderJSONLinesAreJSON(t *testing.T) {
	for _, g := range goldenRecords(t) {
		line := jsonLine(&g.rec, g.body, g.isJSON, false)
		if !bytes.HasSuffix(line, []byte("\n")) || bytes.Count(line, []byte("\n")) != 1 {
			t.Errorf("not one line: %q", line)
		}
		if !fixtures.Peek(line).JSON {
			t.Errorf("not JSON: %s", line)
		}
	}
}

// blockingWriter is a terminal that does not read until released.
type blockingWriter struct {
	release chan struct{}
	w       io.Writer
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	<-b.release
	return b.w.Write(p)
}

func TestASlowTerminalNeverSlowsCapture(t *testing.T) {
	var shown lockedBuffer
	term := &blockingWriter{release: make(chan struct{}), w: &shown}
	slow := startListen(t, Config{Format: FormatPretty, RenderQueue: 8, Out: term})
	const n = 100
	start := time.Now()
	for range n {
		if a := send(t, "POST", slow.url, fixtures.Example(fixtures.DocumentsCreated), nil); a.status != 200 {
			t.Fatalf("got %d", a.status)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("%d events took %s with the terminal blocked", n, d)
	}
	close(term.release)
	slow.stop(t)
	if got := len(readJournal(t, slow.dir)); got != n {
		t.Errorf("%d events journalled, want %d", got, n)
	}
	out := shown.String()
	shownEvents := strings.Count(out, "DOCUMENTS_CREATED  325d")
	if shownEvents >= n || !strings.Contains(out, "not shown: the terminal could not keep up (all are saved in ") {
		t.Errorf("%d of %d shown, and no word of the others:\n%s", shownEvents, n, out[max(0, len(out)-500):])
	}
	if !strings.Contains(slow.err.String(), "not shown") {
		t.Errorf("summary does not count what was not shown:\n%s", slow.err.String())
	}
}

func BenchmarkRenderEvent(b *testing.B) {
	g := goldenRecords(b)[0]
	for _, color := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "color"}[color], func(b *testing.B) {
			st := newStyles(io.Discard, color)
			b.ReportAllocs()
			var out bytes.Buffer
			for b.Loop() {
				out.Reset()
				st.writeEvent(&out, &g.rec, g.body, g.isJSON, "", time.UTC)
			}
		})
	}
}

// The handler's answers wait for the terminal with their events, and
// count against the bytes the queue may hold, in every format.
func TestRenderQueueCountsTheAnswers(t *testing.T) {
	for _, format := range []Format{FormatPretty, FormatSummary} {
		var s stats
		// No goroutine takes from the queue: what it holds stays counted.
		r := &renderer{format: format, q: make(chan item, 100), maxBytes: 3 << 10, stats: &s}
		rec := journal.Record{Seq: 1, Type: fixtures.Unknown, Status: 500, Forward: handlerAnswer(500, "text/plain", strings.Repeat("x", 1<<10))}
		for range 5 {
			r.event(&rec, nil, false, "")
		}
		if got, held := s.dropped.Load(), r.bytes.Load(); got != 2 || held != 3<<10 {
			t.Errorf("%s: %d events not shown and %d bytes held, want 2 and 3 KiB (three answers of 1 KiB fill it)", format, got, held)
		}
		for len(r.q) > 0 {
			r.bytes.Add(-(<-r.q).held())
		}
		if got := r.bytes.Load(); got != 0 {
			t.Errorf("%s: %d bytes still counted once all is taken", format, got)
		}
	}
}
