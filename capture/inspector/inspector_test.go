package inspector

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

func TestInspectorAnswersOnlyLoopbackHostsOnItsPort(t *testing.T) {
	dir := t.TempDir()
	_, base := startInspector(t, Config{Dir: dir})
	port := inspPort(t, base)
	tests := []struct {
		host string
		want int
	}{
		{"127.0.0.1:" + port, http.StatusOK},
		{"localhost:" + port, http.StatusOK},
		{"LocalHost:" + port, http.StatusOK},
		{"[::1]:" + port, http.StatusOK},
		{"127.0.0.2:" + port, http.StatusOK}, // all of 127/8 is loopback
		{"evil.example:" + port, http.StatusMisdirectedRequest},
		{"evil.example", http.StatusMisdirectedRequest},
		{"localhost.evil.example:" + port, http.StatusMisdirectedRequest},
		{"127.0.0.1.nip.io:" + port, http.StatusMisdirectedRequest},
		{"localhost", http.StatusMisdirectedRequest}, // port 80 implied: not ours
		{"127.0.0.1:1" + port, http.StatusMisdirectedRequest},
		{"0.0.0.0:" + port, http.StatusMisdirectedRequest},
		{"10.0.0.5:" + port, http.StatusMisdirectedRequest},
		{"[::ffff:127.0.0.1]:" + port, http.StatusOK}, // a literal: no DNS involved
		{"[fe80::1%25lo]:" + port, http.StatusMisdirectedRequest},
		{"2130706433:" + port, http.StatusMisdirectedRequest}, // 127.0.0.1 as a number: a name to DNS
	}
	for _, tt := range tests {
		for _, path := range []string{"/", "/app.js", "/api/events", "/api/info"} {
			status, h, body := inspDo(t, http.MethodGet, base+path, nil, map[string]string{"Host": tt.host})
			if status != tt.want {
				t.Errorf("Host %q, GET %s: status %d, want %d (%s)", tt.host, path, status, tt.want, body)
			}
			if status != http.StatusOK && strings.Contains(string(body), "events") && path == "/api/events" {
				t.Errorf("Host %q: refused answer leaks the API: %s", tt.host, body)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("Host %q, GET %s: no nosniff", tt.host, path)
			}
		}
	}
}

func TestInspectorRefusesCrossOriginReplays(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	hits := 0
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		io.Copy(io.Discard, r.Body)
	}))
	defer handler.Close()
	newJournalWriter(t, dir).add(inspEvent(fixtures.DocumentsCreated, inspHexID(1), "Invoice"), nil)
	_, base := startInspector(t, Config{Dir: dir, ForwardTo: handler.URL})
	self := base // http://127.0.0.1:PORT
	tests := []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"page on another site", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"another port of localhost", map[string]string{"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"old browser, foreign Origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"old browser, null Origin", map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"fetch metadata only", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"the page itself", map[string]string{"Origin": self, "Sec-Fetch-Site": "same-origin"}, http.StatusOK},
		{"old browser, same Origin", map[string]string{"Origin": self}, http.StatusOK},
		{"a script (curl)", map[string]string{}, http.StatusOK},
	}
	want := 0
	for _, tt := range tests {
		tt.headers["Content-Type"] = "application/json"
		status, _, body := inspDo(t, http.MethodPost, base+"/api/events/1/replay", strings.NewReader(`{}`), tt.headers)
		if status != tt.want {
			t.Errorf("%s: status %d, want %d (%s)", tt.name, status, tt.want, body)
		}
		if tt.want == http.StatusOK {
			want++
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if hits != want {
		t.Errorf("the handler got %d replays, want %d: a refused request must send nothing", hits, want)
	}
	// A form post (no preflight possible for JSON) is refused too.
	status, _, _ := inspDo(t, http.MethodPost, base+"/api/events/1/replay", strings.NewReader("to=x"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if status != http.StatusUnsupportedMediaType {
		t.Errorf("form post: status %d, want 415", status)
	}
}

func TestInspectorSendsStrictSecurityHeaders(t *testing.T) {
	dir := t.TempDir()
	newJournalWriter(t, dir).add(inspEvent(fixtures.DocumentsCreated, inspHexID(1), "Invoice"), nil)
	_, base := startInspector(t, Config{Dir: dir})
	for _, path := range []string{"/", "/app.js", "/style.css", "/favicon.svg", "/api/events", "/api/events/1", "/api/events/1/body", "/api/nope", "/nope"} {
		_, h, _ := inspDo(t, http.MethodGet, base+path, nil, nil)
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "connect-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("GET %s: CSP allows something unsafe: %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: nosniff=%q frame=%q", path, h.Get("X-Content-Type-Options"), h.Get("X-Frame-Options"))
		}
	}
	types := map[string]string{"/": "text/html", "/app.js": "text/javascript", "/style.css": "text/css", "/favicon.svg": "image/svg+xml",
		"/api/events": "application/json", "/api/events/1/body": "text/plain"}
	for path, want := range types {
		_, h, _ := inspDo(t, http.MethodGet, base+path, nil, nil)
		if got := h.Get("Content-Type"); !strings.HasPrefix(got, want) {
			t.Errorf("GET %s: Content-Type %q, want %s", path, got, want)
		}
	}
}

// The page's own code must never let payload text become markup: no inline
// script for the CSP to allow, no HTML sinks in app.js.
func TestInspectorPageHasNoInlineScriptOrHTMLSinks(t *testing.T) {
	html, err := assets.ReadFile("index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?is)<script[^>]*>(.*?)</script>`).FindAllSubmatch(html, -1) {
		if len(strings.TrimSpace(string(m[1]))) > 0 {
			t.Errorf("inline script in index.html: %.80s", m[1])
		}
	}
	if m := regexp.MustCompile(`(?i)\son[a-z]+\s*=`).Find(html); m != nil {
		t.Errorf("inline event handler in index.html: %s", m)
	}
	js, err := assets.ReadFile("app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "createContextualFragment"} {
		if strings.Contains(string(js), sink) {
			t.Errorf("app.js uses %s: payload text must go in with textContent", sink)
		}
	}
}

func TestInspectorListsNewestFirstInPages(t *testing.T) {
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	types := []fixtures.EventType{fixtures.DocumentsCreated, fixtures.EmailsCreated, fixtures.SignaturesRequested}
	for i := 1; i <= 120; i++ {
		w.add(inspEvent(types[i%3], inspHexID(i), "Invoice #"+inspHexID(i)[44:]), nil)
	}
	_, base := startInspector(t, Config{Dir: dir})

	var p eventPage
	inspGetJSON(t, base+"/api/events", &p)
	if p.Total != 120 || p.Latest != 120 || len(p.Events) != defaultPageSize {
		t.Fatalf("first page: total %d latest %d, %d events", p.Total, p.Latest, len(p.Events))
	}
	var all []int
	next := 0
	for pages := 0; ; pages++ {
		url := base + "/api/events?limit=50"
		if next > 0 {
			url += "&before=" + strconv.Itoa(next)
		}
		var p eventPage
		inspGetJSON(t, url, &p)
		all = append(all, inspIDs(p.Events)...)
		next = p.Next
		if next == 0 {
			break
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(all) != 120 || !slices.IsSortedFunc(all, func(a, b int) int { return b - a }) || all[0] != 120 || all[119] != 1 {
		t.Fatalf("paged ids: %v", all)
	}

	e := p.Events[0]
	if e.ID != 120 || e.Seq != 120 || e.EventID != inspHexID(120) || e.Type != types[0] || !e.Valid || e.Method != "POST" || e.Size == 0 || e.File == "" {
		t.Errorf("newest summary: %+v", e)
	}
}

func TestInspectorFiltersByTypeValidityAndText(t *testing.T) {
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	w.add(inspEvent(fixtures.DocumentsCreated, inspHexID(1), "Invoice 1200"), nil)
	w.add(inspEvent(fixtures.EmailsCreated, inspHexID(2), "Your contract is ready"), nil)
	w.add([]byte(`{"eventType":"DOCUMENTS_CREATED","eventId":"`+inspHexID(3)+`","data":{}}`), nil) // invalid
	w.add([]byte("not json at all: Zebra"), map[string][]string{"X-Source": {"nightly-batch"}})
	w.add(inspEvent(fixtures.DocumentsCreated, inspHexID(5), "Quarterly Report — Ünïcode"), nil)
	_, base := startInspector(t, Config{Dir: dir})
	tests := []struct {
		query string
		want  []int
	}{
		{"", []int{5, 4, 3, 2, 1}},
		{"type=DOCUMENTS_CREATED", []int{5, 3, 1}},
		{"type=documents-created", []int{5, 3, 1}},
		{"type=UNKNOWN", []int{4}},
		{"invalid=1", []int{4, 3}},
		{"type=DOCUMENTS_CREATED&invalid=1", []int{3}},
		{"q=invoice", []int{1}},                    // body text, any case
		{"q=" + inspHexID(2)[40:], []int{2}},       // eventId
		{"q=zebra", []int{4}},                      // a body that is not JSON
		{"q=nightly", []int{4}},                    // a header value
		{"q=missing+required", []int{3}},           // a problem's message
		{"q=%C3%BCn%C3%AFcode", []int{5}},          // non-ASCII
		{"q=invoice&type=EMAILS_CREATED", []int{}}, // both must match
		{"q=no-such-thing", []int{}},
		{"limit=2", []int{5, 4}},
		{"limit=2&before=4", []int{3, 2}},
	}
	for _, tt := range tests {
		var p eventPage
		inspGetJSON(t, base+"/api/events?"+tt.query, &p)
		if got := inspIDs(p.Events); !slices.Equal(got, tt.want) {
			t.Errorf("?%s: ids %v, want %v", tt.query, got, tt.want)
		}
	}
	for _, bad := range []string{"type=BOGUS", "limit=0", "limit=x", "before=-1"} {
		status, _, body := inspDo(t, http.MethodGet, base+"/api/events?"+bad, nil, nil)
		if status != http.StatusBadRequest || !strings.Contains(string(body), `"error"`) {
			t.Errorf("?%s: %d %s, want 400 with an error", bad, status, body)
		}
	}
}

func TestInspectorSeesLinesAppendedLaterButNotHalfWrittenOnes(t *testing.T) {
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	_, base := startInspector(t, Config{Dir: dir})
	var p eventPage
	inspGetJSON(t, base+"/api/events", &p) // no journal yet: an empty list
	if p.Total != 0 || len(p.Events) != 0 {
		t.Fatalf("empty dir: %+v", p)
	}
	w.add(inspEvent(fixtures.DocumentsCreated, inspHexID(1), "one"), nil)
	rec := journal.Record{Seq: 2, File: "x.json", Method: "POST", Type: fixtures.EmailsCreated}
	line, _ := json.Marshal(rec)
	w.appendRaw(line[:len(line)/2])
	inspGetJSON(t, base+"/api/events", &p)
	if got := inspIDs(p.Events); !slices.Equal(got, []int{1}) {
		t.Fatalf("with a half-written line: ids %v, want [1]", got)
	}
	w.appendRaw(append(line[len(line)/2:], '\n'))
	w.appendRaw([]byte("\n{corrupt\n"))
	w.add(inspEvent(fixtures.DocumentsCreated, inspHexID(3), "three"), nil)
	inspGetJSON(t, base+"/api/events", &p)
	if got := inspIDs(p.Events); !slices.Equal(got, []int{3, 2, 1}) {
		t.Fatalf("after the line was completed: ids %v, want [3 2 1] (blank and corrupt lines get no id)", got)
	}
	if p.Events[1].Type != fixtures.EmailsCreated {
		t.Errorf("completed line: %+v", p.Events[1])
	}
}

func TestInspectorRebuildsItsIndexWhenTheJournalIsReplaced(t *testing.T) {
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	for i := 1; i <= 3; i++ {
		w.add(inspEvent(fixtures.DocumentsCreated, inspHexID(i), "doc"), nil)
	}
	_, base := startInspector(t, Config{Dir: dir})
	var p eventPage
	inspGetJSON(t, base+"/api/events", &p)
	if p.Total != 3 {
		t.Fatalf("total %d", p.Total)
	}
	if err := os.Remove(filepath.Join(dir, journal.Name)); err != nil {
		t.Fatal(err)
	}
	w.add(inspEvent(fixtures.EmailsCreated, inspHexID(9), "fresh"), nil)
	inspGetJSON(t, base+"/api/events", &p)
	if p.Total != 1 || p.Events[0].EventID != inspHexID(9) {
		t.Fatalf("after the journal was replaced: %+v", p)
	}
}

func TestInspectorShowsOneEventWithProblemsPlacedInThePrettyBody(t *testing.T) {
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	// Compact, with a bad URL and a missing mimetype: every problem is on
	// line 1 of the saved file, and on its own line once pretty-printed.
	body := `{"data":{"documents":[{"id":"1AbC","url":"not a url","name":"Invoice"}]},"eventId":"` + inspHexID(7) + `","eventType":"DOCUMENTS_CREATED"}`
	rec := w.add([]byte(body), map[string][]string{"Content-Type": {"application/json"}, "Authorization": {"[REDACTED]"}})
	w.add([]byte("{\n  \"eventId\": \"abc\",\n  oops\n}"), nil)
	_, base := startInspector(t, Config{Dir: dir, ForwardTo: "http://127.0.0.1:3000/hook"})

	var d eventDetail
	inspGetJSON(t, base+"/api/events/1", &d)
	if d.ID != 1 || d.EventID != inspHexID(7) || d.File != rec.File || d.ForwardTo != "http://127.0.0.1:3000/hook" || d.Headers["Authorization"][0] != "[REDACTED]" {
		t.Errorf("detail: %+v", d)
	}
	if d.View.Kind != "json" || !strings.HasPrefix(d.View.Text, "{\n  \"data\": {") {
		t.Fatalf("view: %s %q", d.View.Kind, d.View.Text)
	}
	if len(d.View.Problems) != len(rec.Problems) || len(d.View.Problems) == 0 {
		t.Fatalf("view problems %+v, recorded %+v", d.View.Problems, rec.Problems)
	}
	lines := strings.Split(d.View.Text, "\n")
	for _, p := range d.View.Problems {
		if p.FileLine != 1 || p.FileColumn <= 1 {
			t.Errorf("%s: file position %d:%d, want line 1 of the compact file", p.Message, p.FileLine, p.FileColumn)
		}
		// The column points at the value (or the object) the pointer names.
		at := []rune(lines[p.Line-1])[p.Column-1:]
		last := p.Pointer[strings.LastIndexByte(p.Pointer, '/')+1:]
		switch {
		case strings.Contains(p.Message, "URI"), strings.Contains(p.Message, "URL"):
			if !strings.HasPrefix(string(at), `"not a url"`) || !strings.Contains(lines[p.Line-1], `"url":`) {
				t.Errorf("%s placed at %d:%d: %q", p.Message, p.Line, p.Column, lines[p.Line-1])
			}
		case strings.Contains(p.Message, "mimetype"):
			if at[0] != '{' {
				t.Errorf("%s placed at %d:%d (%q), want the document object", p.Message, p.Line, p.Column, string(at))
			}
		default:
			t.Errorf("unexpected problem %+v (last %s)", p, last)
		}
	}

	inspGetJSON(t, base+"/api/events/2", &d)
	if d.View.Kind != "text" || len(d.View.Problems) != 1 || d.View.Problems[0].Line != 3 || d.Valid {
		t.Errorf("not JSON: %+v", d.View)
	}
	for _, path := range []string{"/api/events/0", "/api/events/3", "/api/events/x", "/api/events/1.5", "/api/events/-1/body"} {
		status, _, body := inspDo(t, http.MethodGet, base+path, nil, nil)
		if status != http.StatusNotFound || !strings.Contains(string(body), `"error"`) {
			t.Errorf("GET %s: %d %s, want 404 with an error", path, status, body)
		}
	}
}

func TestInspectorDownloadsTheSavedBodyAsAFixture(t *testing.T) {
	dir := t.TempDir()
	body := []byte("{\"eventId\": \"x\",\r\n \"raw\": \"bytes \u00e9 kept\"}\n")
	rec := newJournalWriter(t, dir).add(body, nil)
	_, base := startInspector(t, Config{Dir: dir})
	status, h, got := inspDo(t, http.MethodGet, base+"/api/events/1/body?download=1", nil, nil)
	if status != http.StatusOK || string(got) != string(body) {
		t.Fatalf("download: %d %q", status, got)
	}
	if cd := h.Get("Content-Disposition"); cd != `attachment; filename="`+rec.File+`"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	status, h, got = inspDo(t, http.MethodGet, base+"/api/events/1/body", nil, nil)
	if status != http.StatusOK || string(got) != string(body) || h.Get("Content-Disposition") != "" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Errorf("view raw: %d %v", status, h)
	}
}

// File names come from the journal, never from the request, and only plain
// names inside the dir are opened, whatever the journal says.
func TestInspectorNeverOpensFilesOutsideTheDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "events")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := "TOP-SECRET-CONTENT"
	if err := os.WriteFile(filepath.Join(root, "outside.json"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".hidden.json"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	w := newJournalWriter(t, dir)
	for _, name := range []string{"../outside.json", filepath.Join(root, "outside.json"), ".hidden.json", "..", "sub.json", "a/../../outside.json", `..\outside.json`} {
		w.appendRecord(journal.Record{Seq: 1, File: name, Method: "POST", Type: fixtures.Unknown})
	}
	_, base := startInspector(t, Config{Dir: dir, ForwardTo: "http://127.0.0.1:1/"})
	for id := 1; id <= 7; id++ {
		for _, suffix := range []string{"", "/body", "/body?download=1", "/curl"} {
			status, _, body := inspDo(t, http.MethodGet, base+"/api/events/"+strconv.Itoa(id)+suffix, nil, nil)
			if strings.Contains(string(body), secret) {
				t.Errorf("event %d%s served a file outside the dir: %d %s", id, suffix, status, body)
			}
			if suffix != "" && status != http.StatusNotFound {
				t.Errorf("event %d%s: status %d, want 404", id, suffix, status)
			}
		}
	}
	var p eventPage
	inspGetJSON(t, base+"/api/events?q=top-secret", &p) // the text filter reads bodies too
	if len(p.Events) != 0 {
		t.Errorf("text search read a file outside the dir: %v", inspIDs(p.Events))
	}
	for _, path := range []string{"/api/events/..%2f..%2foutside.json/body", "/api/events/1/../../../outside.json", "/..%2foutside.json", "/api/files/..%2foutside.json"} {
		status, _, body := inspDo(t, http.MethodGet, base+path, nil, nil)
		if status == http.StatusOK || strings.Contains(string(body), secret) {
			t.Errorf("GET %s: %d %s", path, status, body)
		}
	}
}

func TestInspectorOnlyListensOnLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "example.com:0", "192.0.2.1:0", "127.0.0.1", "localhost"} {
		ln, err := Listen(addr)
		if err == nil {
			ln.Close()
		}
		if ae := (*AddrError)(nil); !errors.As(err, &ae) {
			t.Errorf("Listen(%q): %v, want an *AddrError", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		ln, err := Listen(addr)
		if err != nil {
			t.Errorf("Listen(%q): %v", addr, err)
			continue
		}
		ip := ln.Addr().(*net.TCPAddr).IP
		ln.Close()
		if !ip.IsLoopback() {
			t.Errorf("Listen(%q) bound %s", addr, ip)
		}
	}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := Listen(ln.Addr().String()); err == nil || !strings.Contains(err.Error(), "--inspect") {
		t.Errorf("port in use: %v, want an error that says what to do", err)
	}
}

func TestListenBesideMovesOnlyWhenAllowedAndNeverToTheWebhookPort(t *testing.T) {
	taken, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	port := taken.Addr().(*net.TCPAddr).Port

	if ln, _, err := ListenBeside(addr, 0, false); err == nil || !errors.Is(err, syscall.EADDRINUSE) {
		if ln != nil {
			ln.Close()
		}
		t.Errorf("a chosen address that is taken: %v, want address in use", err)
	}
	ln, moved, err := ListenBeside(addr, port+1, true)
	if err != nil {
		t.Fatal(err)
	}
	got := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if !moved || got == port || got == port+1 {
		t.Errorf("moved %v to port %d: want a move off %d that skips the webhook port %d", moved, got, port, port+1)
	}

	ln, moved, err = ListenBeside("127.0.0.1:0", 0, true)
	if err != nil || moved {
		t.Errorf("a free address: moved %v, %v", moved, err)
	}
	if ln != nil {
		ln.Close()
	}
	var ae *AddrError
	if _, _, err := ListenBeside("127.0.0.1:7700", 7700, true); !errors.As(err, &ae) || !strings.Contains(err.Error(), "webhook port 7700") {
		t.Errorf("the webhook port: %v, want an *AddrError naming it", err)
	}
}

func TestInspectorServeStopsWithItsContextEvenWithAStreamOpen(t *testing.T) {
	dir := t.TempDir()
	in, err := New(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := serve(t, in, ln)
	resp, err := http.Get(URL(ln) + "/api/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stop()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Serve took %s to stop", d)
	}
}

func TestNewInspectorNeedsADir(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("no dir: no error")
	}
}

func TestAllowedHost(t *testing.T) {
	tests := []struct {
		host, port string
		want       bool
	}{
		{"127.0.0.1:7679", "7679", true},
		{"localhost:7679", "7679", true},
		{"[::1]:7679", "7679", true},
		{"localhost", "80", true},
		{"[::1]", "80", true},
		{"::1", "80", false},
		{"127.0.0.1:7679", "7678", false},
		{"evil:7679", "7679", false},
		{"", "7679", false},
		{":7679", "7679", false},
		{"127.0.0.1:7679:1", "7679", false},
	}
	for _, tt := range tests {
		if got := allowedHost(tt.host, tt.port); got != tt.want {
			t.Errorf("allowedHost(%q, %q) = %v, want %v", tt.host, tt.port, got, tt.want)
		}
	}
}

func FuzzAllowedHost(f *testing.F) {
	for _, s := range []string{"127.0.0.1:7679", "localhost:7679", "[::1]:7679", "evil:7679", "[::1", "127.0.0.1:7679:1", "[::ffff:7f00:1]:7679"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		if !allowedHost(host, "7679") {
			return
		}
		h, p, err := net.SplitHostPort(host)
		if err != nil || p != "7679" {
			t.Fatalf("allowed %q: not host:7679", host)
		}
		if !strings.EqualFold(h, "localhost") {
			ip := net.ParseIP(h)
			if ip == nil || !ip.IsLoopback() || ip.To4() == nil && !ip.Equal(net.IPv6loopback) {
				t.Fatalf("allowed %q: %q is not a loopback name", host, h)
			}
		}
	})
}

// A body that came gzip-compressed is saved as sent and shown decoded, as
// the terminal shows it; one that decodes to more than the page takes is
// not shown, and says how to read it.
func TestInspectorShowsCompressedBodiesDecoded(t *testing.T) {
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	gzipped := map[string][]string{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}}
	plain := []byte(`{"data":{"documents":[{"id":"1AbC","url":"https://x.test/d","name":"Invoice"}]},"eventId":"` + inspHexID(7) + `","eventType":"DOCUMENTS_CREATED"}`)
	// listen records the problems of the decoded text.
	w.addWith(gz(plain), gzipped, func(r *journal.Record) { r.Problems = w.val.Validate(plain).Problems })
	w.add(gz(bytes.Repeat([]byte(" "), 2<<20)), gzipped)
	w.add(plain, gzipped) // says gzip, is not
	_, base := startInspector(t, Config{Dir: dir})

	var d eventDetail
	inspGetJSON(t, base+"/api/events/1", &d)
	if d.View.Kind != "json" || !strings.HasPrefix(d.View.Text, "{\n  \"data\": {") || !strings.Contains(d.View.Note, "Content-Encoding: gzip") {
		t.Fatalf("gzip body: %s %q (note %q)", d.View.Kind, d.View.Text, d.View.Note)
	}
	if len(d.View.Problems) != 1 || !strings.Contains(d.View.Problems[0].Message, "mimetype") || d.View.Problems[0].Line < 2 {
		t.Errorf("problems of the decoded body: %+v", d.View.Problems)
	}
	d = eventDetail{}
	inspGetJSON(t, base+"/api/events/2", &d)
	if d.View.Text != "" || !strings.Contains(d.View.Note, "decodes to more than 1024 KiB") {
		t.Errorf("gzip bomb: %s %.80q (note %q)", d.View.Kind, d.View.Text, d.View.Note)
	}
	d = eventDetail{}
	inspGetJSON(t, base+"/api/events/3", &d)
	if d.View.Kind != "json" || d.View.Note != "" {
		t.Errorf("not gzip data: %s (note %q)", d.View.Kind, d.View.Note)
	}
	status, _, got := inspDo(t, http.MethodGet, base+"/api/events/1/body?download=1", nil, nil)
	if status != http.StatusOK || !bytes.Equal(got, gz(plain)) {
		t.Errorf("download: %d, %d bytes, want the file as sent", status, len(got))
	}
}
