package inspector

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// expressPage is the page Express's default error handler sends in
// development, as internal/display's tests keep it.
func expressPage(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "display", "testdata", "pages", "express.html"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// answered journals the next event as answered by a --forward-to handler.
func answered(w *journalWriter, body []byte, status int, contentType, answer string) journal.Record {
	w.t.Helper()
	return w.addWith(body, nil, func(r *journal.Record) {
		r.Status = status
		r.Forward = &journal.Forward{URL: "http://localhost:3000/hook", Status: status, LatencyMS: 4.2,
			Headers: map[string][]string{"Content-Type": {contentType}, "X-Request-Id": {"req-77"}}}
		r.Forward.SetBody([]byte(answer), false)
	})
}

// answersDir is a capture dir of five events: answered 200, 500 (an
// Express page), 422 (JSON), unreachable, and one without --forward-to.
func answersDir(t *testing.T) string {
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	answered(w, inspEvent(fixtures.DocumentsCreated, inspHexID(1), "Offer"), 200, "application/json", `{"ok":true}`)
	answered(w, inspEvent(fixtures.EmailsCreated, inspHexID(2), "Welcome"), 500, "text/html; charset=utf-8", expressPage(t))
	answered(w, inspEvent(fixtures.DocumentsCreated, inspHexID(3), "Lease"), 422, "application/json", "{\n  \"error\": \"unknown recipient\"\n}")
	w.addWith(inspEvent(fixtures.DocumentsCreated, inspHexID(4), "Gone"), nil, func(r *journal.Record) {
		r.Status = http.StatusBadGateway
		r.Forward = &journal.Forward{URL: "http://localhost:3000/hook", Error: "connection refused"}
	})
	w.add(inspEvent(fixtures.DocumentsCreated, inspHexID(5), "Mock"), nil)
	return dir
}

func TestInspectorFiltersByTheAnswer(t *testing.T) {
	_, base := startInspector(t, Config{Dir: answersDir(t)})
	for _, tt := range []struct {
		query   string
		want    []int
		matched int // -1: not counted
	}{
		{"status=5xx", []int{2}, 1},
		{"status=5XX", []int{2}, 1},
		{"status=4xx", []int{3}, 1},
		{"status=2xx", []int{5, 1}, 2},
		{"status=unreachable", []int{4}, 1},
		{"status=500", []int{2}, -1},
		{"status=502", []int{4}, -1},
		{"status=2xx&type=documents_created", []int{5, 1}, 2},
		{"status=5xx&type=documents_created", []int{}, 0},
		{"", []int{5, 4, 3, 2, 1}, 5},
		// The text search reads the answer: its readable text (the page
		// writes ' as &#39;), its body, its headers, why none came.
		{"q=" + url.QueryEscape("reading 'email'"), []int{2}, -1},
		{"q=TypeError", []int{2}, -1},
		{"q=unknown+recipient", []int{3}, -1},
		{"q=req-77", []int{3, 2, 1}, -1},
		{"q=connection+refused", []int{4}, -1},
		{"q=typeerror&status=4xx", []int{}, -1},
	} {
		var p eventPage
		inspGetJSON(t, base+"/api/events?"+tt.query, &p)
		if got := inspIDs(p.Events); !equalInts(got, tt.want) {
			t.Errorf("%s: ids %v, want %v", tt.query, got, tt.want)
		}
		switch {
		case tt.matched < 0 && p.Matched != nil:
			t.Errorf("%s: matched %d, want none (it cannot be counted cheaply)", tt.query, *p.Matched)
		case tt.matched >= 0 && (p.Matched == nil || *p.Matched != tt.matched):
			t.Errorf("%s: matched %v, want %d", tt.query, p.Matched, tt.matched)
		}
		if p.Total != 5 {
			t.Errorf("%s: total %d", tt.query, p.Total)
		}
	}
	for _, bad := range []string{"6xx", "teapot", "99"} {
		status, _, body := inspDo(t, http.MethodGet, base+"/api/events?status="+bad, nil, nil)
		if status != http.StatusBadRequest || !strings.Contains(string(body), "use 2xx, 3xx, 4xx, 5xx, unreachable") {
			t.Errorf("status=%s: %d %s", bad, status, body)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestInspectorShowsTheStoredAnswer(t *testing.T) {
	_, base := startInspector(t, Config{Dir: answersDir(t)})
	var p eventPage
	inspGetJSON(t, base+"/api/events", &p)
	byID := map[int]eventSummary{}
	for _, e := range p.Events {
		byID[e.ID] = e
	}
	const crash = "Error — TypeError: Cannot read properties of undefined (reading 'email') at /app/server.js:14:31 at Array.map (<anonymous>) at handle (/app/server.js:13:40) at…"
	for id, want := range map[int][3]string{
		1: {"2xx", "", "200"}, 2: {"5xx", crash, "500"}, 3: {"4xx", `{"error":"unknown recipient"}`, "422"},
		4: {"unreachable", "connection refused", "502"}, 5: {"2xx", "", "200"},
	} {
		e := byID[id]
		if e.Answer != want[0] || e.AnswerText != want[1] || e.Status == 0 || e.Forwarded != (id != 5) {
			t.Errorf("row %d: answer %q %q (status %d), want %q %q", id, e.Answer, e.AnswerText, e.Status, want[0], want[1])
		}
	}

	var d eventDetail
	inspGetJSON(t, base+"/api/events/2", &d)
	a := d.AnswerView
	switch {
	case a == nil:
		t.Fatal("no answer in the detail")
	case a.StatusText != "500 Internal Server Error" || !strings.HasSuffix(a.Excerpt, "at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)") || !strings.HasPrefix(a.Excerpt, strings.TrimSuffix(crash, "…")) || a.Kind != "text" || a.Text != expressPage(t):
		t.Errorf("answer %+v", a)
	case d.Forward == nil || d.Forward.Headers["X-Request-Id"][0] != "req-77" || d.Forward.Status != 500:
		t.Errorf("forward %+v", d.Forward)
	}
	d = eventDetail{}
	inspGetJSON(t, base+"/api/events/3", &d)
	if a := d.AnswerView; a.Kind != "json" || a.Text != "{\n  \"error\": \"unknown recipient\"\n}" {
		t.Errorf("a JSON answer: %+v", a)
	}
	d = eventDetail{}
	inspGetJSON(t, base+"/api/events/4", &d)
	if a := d.AnswerView; a.Kind != "empty" || a.StatusText != "" || d.Forward.Error != "connection refused" {
		t.Errorf("no answer: %+v %+v", a, d.Forward)
	}
	d = eventDetail{}
	inspGetJSON(t, base+"/api/events/5", &d)
	if d.AnswerView != nil || d.Forward != nil {
		t.Errorf("without --forward-to: %+v", d.AnswerView)
	}
}

func TestInspectorReplaysWithChanges(t *testing.T) {
	dir := t.TempDir()
	rec := &inspHandlerRecorder{}
	handler := httptest.NewServer(rec)
	defer handler.Close()
	body := inspEvent(fixtures.EmailsCreated, inspHexID(9), "Welcome")
	newJournalWriter(t, dir).add(body, map[string][]string{"Content-Type": {"application/json"}, "X-Trace": {"t1"}})
	_, base := startInspector(t, Config{Dir: dir, ForwardTo: handler.URL})

	replayWith := func(req string) (int, replayResult, []byte) {
		t.Helper()
		status, _, b := inspDo(t, http.MethodPost, base+"/api/events/1/replay", strings.NewReader(req), map[string]string{"Content-Type": "application/json"})
		var res replayResult
		json.Unmarshal(b, &res)
		return status, res, b
	}
	edited := `{"eventId":"x","eventType":"EMAILS_CREATED","data":{"emails":[]}}`
	status, res, raw := replayWith(`{"body":` + inspJSONString(edited) + `,"headers":{"Content-Type":["application/json"],"X-Trace":["t2"],"Connection":["close"],"Authorization":["[REDACTED]"]}}`)
	if status != http.StatusOK || !res.Edited || res.Status != http.StatusAccepted || strings.Join(res.SkippedHeaders, ",") != "Authorization" {
		t.Fatalf("edited replay: %d %s", status, raw)
	}
	rec.mu.Lock()
	if string(rec.body) != edited || rec.header.Get("X-Trace") != "t2" || rec.header.Get("Authorization") != "" {
		t.Errorf("the handler got %q with %v", rec.body, rec.header)
	}
	rec.mu.Unlock()

	// Only the body changed: the captured headers go with it.
	if status, res, raw = replayWith(`{"body":"{}"}`); status != http.StatusOK || !res.Edited {
		t.Fatalf("body only: %d %s", status, raw)
	}
	rec.mu.Lock()
	if string(rec.body) != "{}" || rec.header.Get("X-Trace") != "t1" {
		t.Errorf("body only: the handler got %q with %v", rec.body, rec.header)
	}
	rec.mu.Unlock()

	// As captured: not edited, the saved bytes.
	if status, res, _ = replayWith(`{}`); status != http.StatusOK || res.Edited {
		t.Errorf("as captured: %d %+v", status, res)
	}
	rec.mu.Lock()
	if !bytes.Equal(rec.body, body) {
		t.Errorf("as captured: the handler got %q", rec.body)
	}
	rec.mu.Unlock()

	for _, tt := range []struct{ req, says string }{
		{`{"headers":{"Bad Name":["x"]}}`, `header name \"Bad Name\" is not one HTTP allows`},
		{`{"headers":{"X-A":["line\nbreak"]}}`, "the value of header X-A is not one line of text"},
		{`{"body":42}`, `with \"body\" (a string)`},
	} {
		if status, _, raw := replayWith(tt.req); status != http.StatusBadRequest || !strings.Contains(string(raw), tt.says) {
			t.Errorf("%s: %d %s, want 400 saying %s", tt.req, status, raw, tt.says)
		}
	}
}

func TestAnswerNestedDeepIsShownAsItCame(t *testing.T) {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	f := &journal.Forward{Status: 500, Headers: map[string][]string{"Content-Type": {"application/json"}}}
	f.SetBody([]byte(deep), false)
	if v := answerOf(f); v.Kind != "text" || v.Text != deep {
		t.Errorf("a deep answer is %s, %d bytes: want it as it came", v.Kind, len(v.Text))
	}
}
