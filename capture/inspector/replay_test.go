package inspector

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// inspHandlerRecorder is a webhook handler that keeps what it was sent.
type inspHandlerRecorder struct {
	mu     sync.Mutex
	method string
	path   string
	header http.Header
	body   []byte
	n      int
}

func (h *inspHandlerRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.method, h.path, h.header, h.body = r.Method, r.URL.RequestURI(), r.Header.Clone(), b
	h.n++
	h.mu.Unlock()
	w.Header().Set("X-Handler", "yes")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"queued":true}`)
}

func TestInspectorReplaysTheSavedEventAsItArrived(t *testing.T) {
	dir := t.TempDir()
	rec := &inspHandlerRecorder{}
	handler := httptest.NewServer(rec)
	defer handler.Close()
	body := []byte("{\"eventId\":\"" + inspHexID(1) + "\",  \"eventType\":\"DOCUMENTS_CREATED\",\n\"data\":{}}\n") // odd spacing kept
	newJournalWriter(t, dir).add(body, map[string][]string{
		"Content-Type":          {"application/json"},
		"User-Agent":            {"Portant-Webhooks/1.0"},
		"X-Custom":              {"a", "b"},
		"Authorization":         {"[REDACTED]"},
		"Cookie":                {"[REDACTED]"},
		"X-Portant-Hooks-Token": {"[REDACTED]"},
		"Host":                  {"abc.ngrok.app"},
		"Content-Length":        {"999"},
		"Connection":            {"keep-alive, X-Hop"},
		"X-Hop":                 {"1"},
		"Accept-Encoding":       {"gzip"},
		"Transfer-Encoding":     {"chunked"},
		"X-Forwarded-For":       {"34.1.2.3"},
	})
	_, base := startInspector(t, Config{Dir: dir, ForwardTo: handler.URL + "/from-forward-to"})

	post := func(to string) (int, replayResult) {
		t.Helper()
		status, _, b := inspDo(t, http.MethodPost, base+"/api/events/1/replay", strings.NewReader(`{"to":`+inspJSONString(to)+`}`),
			map[string]string{"Content-Type": "application/json"})
		var res replayResult
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatalf("replay answer %d %s: %v", status, b, err)
		}
		return status, res
	}

	status, res := post("") // to --forward-to
	if status != http.StatusOK || res.Status != http.StatusAccepted || res.StatusText != "202 Accepted" || res.Body != `{"queued":true}` ||
		res.Headers["X-Handler"][0] != "yes" || res.LatencyMS <= 0 || res.To != handler.URL+"/from-forward-to" || res.ID != 1 || res.Error != "" {
		t.Fatalf("replay result: %d %+v", status, res)
	}
	rec.mu.Lock()
	if rec.method != http.MethodPost || rec.path != "/from-forward-to" || !bytes.Equal(rec.body, body) {
		t.Errorf("handler got %s %s %q", rec.method, rec.path, rec.body)
	}
	want := map[string]string{"Content-Type": "application/json", "User-Agent": "Portant-Webhooks/1.0", "X-Forwarded-For": "34.1.2.3"}
	for k, v := range want {
		if got := rec.header.Get(k); got != v {
			t.Errorf("handler got %s: %q, want %q", k, got, v)
		}
	}
	if got := rec.header.Values("X-Custom"); strings.Join(got, ",") != "a,b" {
		t.Errorf("X-Custom: %q", got)
	}
	for _, k := range []string{"Authorization", "Cookie", "X-Portant-Hooks-Token", "X-Hop"} {
		if v := rec.header.Get(k); v != "" {
			t.Errorf("handler got %s: %q, want it dropped", k, v)
		}
	}
	rec.mu.Unlock()

	status, res = post(handler.URL + "/typed?x=1") // a URL typed in wins
	if status != http.StatusOK || res.Status != http.StatusAccepted {
		t.Fatalf("typed target: %d %+v", status, res)
	}
	rec.mu.Lock()
	if rec.path != "/typed?x=1" {
		t.Errorf("typed target: handler got %s", rec.path)
	}
	rec.mu.Unlock()
}

func TestInspectorReplayErrors(t *testing.T) {
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	w.add(inspEvent(fixtures.DocumentsCreated, inspHexID(1), "doc"), nil)
	w.appendRecord(journal.Record{Seq: 2, Method: "POST", Type: fixtures.Unknown, Status: 413}) // not saved
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then the server notices the client hanging up
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write(bytes.Repeat([]byte("x"), 3*replayBodyShown))
	}))
	defer huge.Close()
	// A listener that is gone: its port refuses connections.
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL
	gone.Close()

	noTarget := startInspectorURL(t, Config{Dir: dir})
	withTarget := startInspectorURL(t, Config{Dir: dir, ForwardTo: goneURL, Client: &http.Client{Timeout: 300 * time.Millisecond}})
	badTarget := startInspectorURL(t, Config{Dir: dir, ForwardTo: "ftp://localhost:3000"})
	tests := []struct {
		name, base, id, body string
		want                 int
		says                 string
	}{
		{"no target anywhere", noTarget, "1", `{}`, http.StatusBadRequest, "--forward-to"},
		{"empty body, no target", noTarget, "1", ``, http.StatusBadRequest, "--forward-to"},
		{"not a URL", noTarget, "1", `{"to":"http://a b/"}`, http.StatusBadRequest, "is not a URL"},
		{"not http", noTarget, "1", `{"to":"file:///etc/passwd"}`, http.StatusBadRequest, "only http:// and https://"},
		{"not JSON", noTarget, "1", `to=x`, http.StatusBadRequest, "request body must be"},
		{"no such event", noTarget, "9", `{"to":"` + huge.URL + `"}`, http.StatusNotFound, "no event 9"},
		{"body not saved", noTarget, "2", `{"to":"` + huge.URL + `"}`, http.StatusNotFound, "did not save"},
		{"bad --forward-to", badTarget, "1", `{}`, http.StatusBadRequest, `replay target \"ftp://localhost:3000\": only http://`},
		{"handler gone", withTarget, "1", `{}`, http.StatusBadGateway, "could not reach"},
		{"handler too slow", withTarget, "1", `{"to":"` + slow.URL + `"}`, http.StatusBadGateway, "no answer within 300ms"},
	}
	for _, tt := range tests {
		status, _, b := inspDo(t, http.MethodPost, tt.base+"/api/events/"+tt.id+"/replay", strings.NewReader(tt.body), map[string]string{"Content-Type": "application/json"})
		if status != tt.want || !strings.Contains(string(b), tt.says) {
			t.Errorf("%s: %d %s, want %d saying %q", tt.name, status, b, tt.want, tt.says)
		}
	}

	status, _, b := inspDo(t, http.MethodPost, noTarget+"/api/events/1/replay", strings.NewReader(`{"to":"`+huge.URL+`"}`), nil)
	var res replayResult
	if err := json.Unmarshal(b, &res); err != nil || status != http.StatusOK {
		t.Fatalf("huge answer: %d %s", status, b)
	}
	if res.Status != 500 || len(res.Body) != replayBodyShown || !res.BodyTruncated {
		t.Errorf("huge answer: status %d, %d body bytes, truncated %v", res.Status, len(res.Body), res.BodyTruncated)
	}
}

func startInspectorURL(t *testing.T, cfg Config) string {
	_, base := startInspector(t, cfg)
	return base
}

func inspJSONString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// The curl command must send exactly the saved body and headers whatever
// the payload holds: run it through a real shell with curl replaced by a
// function that prints its arguments.
func TestCurlCommandSurvivesAShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	payloads := []string{
		`{"eventId":"abc","eventType":"DOCUMENTS_CREATED","data":{}}`,
		`{"name":"O'Brien's \"quote\" $(touch pwned) ` + "`touch pwned2`" + ` $HOME ${IFS} \\ \n"}`,
		"{\n  \"multi\": \"line\",\n  \"tab\": \"\t\", \"bang\": \"!!\"\n}\n",
		`'` + `'\''` + `''`,
		"ünïcödé ✓ 日本 <img src=x onerror=alert(1)>",
		"-H 'X: y' --data @/etc/passwd",
		"",
	}
	for _, p := range payloads {
		rec := journal.Record{Method: http.MethodPost, Headers: map[string][]string{
			"Content-Type": {"application/json"}, "X-Quote": {`it's "odd" $(x)`}, "Authorization": {"[REDACTED]"},
		}}
		cmd := curlCommand(rec, []byte(p), filepath.Join(dir, "saved.json"), "http://127.0.0.1:3000/hook?a=1&b='2'")
		args := inspRunFakeCurl(t, sh, dir, cmd)
		want := []string{"-sS", "-i", "http://127.0.0.1:3000/hook?a=1&b='2'", "-H", "Content-Type: application/json", "-H", `X-Quote: it's "odd" $(x)`}
		if p != "" {
			want = append(want, "--data-binary", p)
		}
		if strings.Join(args, "\x00") != strings.Join(want, "\x00") {
			t.Errorf("payload %q:\ncommand:\n%s\nargs %q\nwant %q", p, cmd, args, want)
		}
		for _, f := range []string{"pwned", "pwned2"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				t.Fatalf("payload %q ran a command through the curl line", p)
			}
		}
	}

	// Binary or NUL-holding bodies cannot be a shell argument: read the file.
	cmd := curlCommand(journal.Record{Method: "PUT"}, []byte("a\x00b\xff"), filepath.Join(dir, "it's.json"), "http://h/")
	args := inspRunFakeCurl(t, sh, dir, cmd)
	want := []string{"-sS", "-i", "-X", "PUT", "http://h/", "--data-binary", "@" + filepath.Join(dir, "it's.json")}
	if strings.Join(args, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("binary body: args %q, want %q", args, want)
	}
}

func inspRunFakeCurl(t *testing.T, sh, dir, cmd string) []string {
	t.Helper()
	script := "curl() { for a in \"$@\"; do printf '%s\\000' \"$a\"; done; }\n" + cmd + "\n"
	c := exec.Command(sh, "-c", script)
	c.Dir = dir
	out, err := c.Output()
	if err != nil {
		t.Fatalf("sh: %v\n%s", err, cmd)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

func TestInspectorCurlEndpoint(t *testing.T) {
	dir := t.TempDir()
	newJournalWriter(t, dir).add(inspEvent(fixtures.DocumentsCreated, inspHexID(1), "O'Brien"), nil)
	base := startInspectorURL(t, Config{Dir: dir, ForwardTo: "http://127.0.0.1:4000/in"})
	for _, tt := range []struct{ query, url string }{
		{"", "'http://127.0.0.1:4000/in'"},
		{"?to=http%3A%2F%2Flocalhost%3A9%2Fx", "'http://localhost:9/x'"},
	} {
		status, h, b := inspDo(t, http.MethodGet, base+"/api/events/1/curl"+tt.query, nil, nil)
		if status != http.StatusOK || !strings.HasPrefix(string(b), "curl -sS -i "+tt.url) || !strings.Contains(string(b), `O'\''Brien`) ||
			!strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
			t.Errorf("curl%s: %d %s", tt.query, status, b)
		}
	}
	if status, _, _ := inspDo(t, http.MethodGet, base+"/api/events/1/curl?to=javascript:alert(1)", nil, nil); status != http.StatusBadRequest {
		t.Errorf("curl to a javascript: URL: %d, want 400", status)
	}
}

// inspUnquoteShell reads back one single-quoted POSIX shell word (with
// backslash-quote joins), the inverse of quoteShell.
func inspUnquoteShell(s string) (string, bool) {
	var sb strings.Builder
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, `\'`):
			sb.WriteByte('\'')
			s = s[2:]
		case s[0] == '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return "", false
			}
			sb.WriteString(s[1 : 1+end])
			s = s[end+2:]
		default:
			return "", false
		}
	}
	return sb.String(), true
}

func FuzzQuoteShell(f *testing.F) {
	for _, s := range []string{"", "'", `'\''`, "a b", "$(x)", "`x`", "\n", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := quoteShell(s)
		got, ok := inspUnquoteShell(q)
		if !ok || got != s {
			t.Fatalf("quoteShell(%q) = %s reads back as %q (%v)", s, q, got, ok)
		}
	})
}
