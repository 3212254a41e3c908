package capture

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// lockedBuffer is a bytes.Buffer that the renderer may write while a test
// reads it.
type lockedBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{} // closed (and replaced) by every write
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.wrote != nil {
		close(l.wrote)
		l.wrote = nil
	}
	return l.b.Write(p)
}

// waitFor returns once the buffer holds s, looking again after each write.
func (l *lockedBuffer) waitFor(t testing.TB, s string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		l.mu.Lock()
		if strings.Contains(l.b.String(), s) {
			l.mu.Unlock()
			return
		}
		if l.wrote == nil {
			l.wrote = make(chan struct{})
		}
		wrote := l.wrote
		l.mu.Unlock()
		select {
		case <-wrote:
		case <-timeout:
			t.Fatalf("no %q within 10s in:\n%s", s, l.String())
		}
	}
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// listenRun is one Serve started by a test.
type listenRun struct {
	url      string
	dir      string
	out, err *lockedBuffer
	cancel   context.CancelFunc
	done     chan error
}

// startListen runs Serve on a free loopback port with cfg (its Dir in a
// temp dir unless set) and returns once it is ready. The run is stopped at
// the end of the test if the test does not stop it.
func startListen(t testing.TB, cfg Config) *listenRun {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = filepath.Join(t.TempDir(), "events")
	}
	cfg.Port = 0
	if cfg.Format == "" {
		cfg.Format = FormatSummary
	}
	run := &listenRun{dir: cfg.Dir, out: &lockedBuffer{}, err: &lockedBuffer{}, done: make(chan error, 1)}
	if cfg.Out == nil {
		cfg.Out = run.out
	}
	cfg.Err = run.err
	ready := make(chan string, 1)
	cfg.OnReady = func(url string) error { ready <- url; return nil }
	ctx, cancel := context.WithCancel(context.Background())
	run.cancel = cancel
	go func() { run.done <- Serve(ctx, cfg) }()
	select {
	case run.url = <-ready:
	case err := <-run.done:
		cancel()
		t.Fatalf("Serve did not start: %v", err)
	case <-time.After(5 * time.Second):
		cancel()
		t.Fatal("Serve not ready after 5s")
	}
	t.Cleanup(func() { run.stop(t) })
	return run
}

// stop cancels the run like Ctrl-C and waits for Serve to return.
func (r *listenRun) stop(t testing.TB) {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok && err != nil {
			t.Errorf("Serve returned %v after a stop", err)
		}
		if ok {
			close(r.done)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return within 15s of a stop")
	}
}

// journal reads the run's journal.
func (r *listenRun) journal(t testing.TB) []journal.Record {
	t.Helper()
	return readJournal(t, r.dir)
}

func readJournal(t testing.TB, dir string) []journal.Record {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, journal.Name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []journal.Record
	for l, err := range journal.Lines(f) {
		if err != nil {
			t.Fatal(err)
		}
		rec, ok := l.Record()
		if !ok {
			if l.Torn() {
				continue // a kill -9 may cut the line being written: never answered
			}
			t.Fatalf("journal line %d is not a record: %q", l.Num, l.Data)
		}
		recs = append(recs, rec)
	}
	return recs
}

// isBodyName reports whether name is one the inspector serves a body
// from: [A-Za-z0-9._-], no leading dot.
func isBodyName(name string) bool { _, ok := journal.BodyPath("events", name); return ok }

type answer struct {
	status int
	header http.Header
	body   string
}

// send makes one request and reads the whole answer.
func send(t testing.TB, method, url string, body []byte, header map[string]string) answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func TestServeSavesEveryEventByteForByteAndJournalsIt(t *testing.T) {
	run := startListen(t, Config{})
	bodies := [][]byte{
		fixtures.Example(fixtures.DocumentsCreated),
		fixtures.Example(fixtures.SignaturesCompleted),
		[]byte("not json \x00\xff"),
		[]byte(`{"eventId":"../../etc/passwd","eventType":"DOCUMENTS_CREATED","data":{}}`),
		nil,
	}
	for _, b := range bodies {
		a := send(t, http.MethodPost, run.url+"hooks/portant?x=1", b, map[string]string{"Content-Type": "application/json"})
		if a.status != http.StatusOK || !strings.Contains(a.body, `"ok":true`) {
			t.Fatalf("answer %d %q", a.status, a.body)
		}
	}
	run.stop(t)
	recs := run.journal(t)
	if len(recs) != len(bodies) {
		t.Fatalf("journal has %d lines, want %d", len(recs), len(bodies))
	}
	for i, rec := range recs {
		got, err := os.ReadFile(filepath.Join(run.dir, rec.File))
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		sum := sha256.Sum256(bodies[i])
		switch {
		case !bytes.Equal(got, bodies[i]):
			t.Errorf("record %d: file holds %q, sent %q", i, got, bodies[i])
		case rec.SHA256 != hex.EncodeToString(sum[:]) || rec.Size != int64(len(bodies[i])):
			t.Errorf("record %d: sha256 %s size %d", i, rec.SHA256, rec.Size)
		case rec.Seq != uint64(i+1) || rec.Method != "POST" || rec.Path != "/hooks/portant" || rec.Query != "x=1" || rec.Status != 200:
			t.Errorf("record %d: %+v", i, rec)
		case !isBodyName(rec.File):
			t.Errorf("record %d: file %q", i, rec.File)
		}
	}
	wantTypes := []fixtures.EventType{fixtures.DocumentsCreated, fixtures.SignaturesCompleted, fixtures.Unknown, fixtures.DocumentsCreated, fixtures.Unknown}
	wantValid := []bool{true, true, false, false, false}
	for i, rec := range recs {
		if rec.Type != wantTypes[i] || rec.Valid != wantValid[i] || rec.Valid != (len(rec.Problems) == 0) {
			t.Errorf("record %d: type %s valid %v problems %v", i, rec.Type, rec.Valid, rec.Problems)
		}
	}
	if recs[0].EventID != "325d36e717d9ec0943a55857ae2d4988ce33fe4165330e4f" {
		t.Errorf("eventId %q", recs[0].EventID)
	}
	assertNoTemps(t, run.dir)
	if errOut := run.err.String(); !strings.Contains(errOut, "5 events saved") || !strings.Contains(errOut, "DOCUMENTS_CREATED") {
		t.Errorf("summary:\n%s", errOut)
	}
}

func TestServeRejectsWithoutSaving(t *testing.T) {
	run := startListen(t, Config{Token: "s3cret", Path: "/hooks", MaxBody: 100})
	if !strings.HasSuffix(run.url, "/hooks") {
		t.Fatalf("ready URL %q does not end in the path", run.url)
	}
	root := strings.TrimSuffix(run.url, "hooks")
	ok := map[string]string{TokenHeader: "s3cret"}
	tests := []struct {
		name   string
		method string
		path   string
		body   []byte
		header map[string]string
		status int
		want   string
	}{
		{"no token", "POST", "hooks", []byte("{}"), nil, 401, "token"},
		{"wrong token", "POST", "hooks?token=nope", []byte("{}"), nil, 401, "token"},
		{"wrong header token", "POST", "hooks", []byte("{}"), map[string]string{TokenHeader: "s3cre"}, 401, "token"},
		{"other path", "POST", "other", []byte("{}"), ok, 404, "/hooks only"},
		{"subpath", "POST", "hooks/x", []byte("{}"), ok, 404, "/hooks only"},
		{"GET", "GET", "hooks", nil, ok, 405, "POST"},
		{"PUT", "PUT", "hooks", []byte("{}"), ok, 405, "POST"},
		{"too large", "POST", "hooks", bytes.Repeat([]byte("x"), 101), ok, 413, "100 B limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, tt.method, root+tt.path, tt.body, tt.header)
			if a.status != tt.status || !strings.Contains(a.body, tt.want) {
				t.Errorf("got %d %q, want %d with %q", a.status, a.body, tt.status, tt.want)
			}
			if tt.status == 405 && a.header.Get("Allow") != "POST" {
				t.Errorf("Allow: %q", a.header.Get("Allow"))
			}
		})
	}
	// A body over the limit without a Content-Length is cut off too.
	req, _ := http.NewRequest("POST", root+"hooks?token=s3cret", io.MultiReader(strings.NewReader(strings.Repeat("y", 150))))
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("chunked body over the limit: %d", resp.StatusCode)
	}
	for _, good := range []answer{
		send(t, "POST", root+"hooks?token=s3cret", []byte("{}"), nil),
		send(t, "POST", root+"hooks", []byte("{}"), ok),
	} {
		if good.status != 200 {
			t.Errorf("with the token: %d %q", good.status, good.body)
		}
	}
	run.stop(t)
	recs := run.journal(t)
	if len(recs) != 2 {
		t.Fatalf("journal has %d lines, want only the 2 authorised events", len(recs))
	}
	if q := recs[0].Query; q != "token="+journal.Redacted {
		t.Errorf("token in the journal: query %q", q)
	}
	if h := recs[1].Headers[TokenHeader]; len(h) != 1 || h[0] != journal.Redacted {
		t.Errorf("token header in the journal: %q", h)
	}
	entries, _ := os.ReadDir(run.dir)
	if len(entries) != 3 { // 2 events + the journal
		t.Errorf("%d files in the store, want 3", len(entries))
	}
	summary := run.err.String()
	for _, want := range []string{"rejected (not saved)", "401 unauthorized ×3", "404 not found ×2", "405 method not allowed ×2", "413 request entity too large ×2"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
}

func TestServeRedactsSecretsUnlessKept(t *testing.T) {
	for _, keep := range []bool{false, true} {
		run := startListen(t, Config{KeepSecrets: keep})
		send(t, "POST", run.url+"?api_key=k1&page=2", []byte("{}"), map[string]string{
			"Authorization": "Bearer abc", "Cookie": "s=1", "X-Signature": "sig", "X-Request-Id": "r1",
		})
		run.stop(t)
		rec := run.journal(t)[0]
		secret := func(v string) string {
			if keep {
				return v
			}
			return journal.Redacted
		}
		for name, want := range map[string]string{"Authorization": secret("Bearer abc"), "Cookie": secret("s=1"), "X-Signature": secret("sig"), "X-Request-Id": "r1"} {
			if got := rec.Headers[name]; len(got) != 1 || got[0] != want {
				t.Errorf("keep=%v: %s = %q, want %q", keep, name, got, want)
			}
		}
		if want := "api_key=" + secret("k1") + "&page=2"; rec.Query != want {
			t.Errorf("keep=%v: query %q, want %q", keep, rec.Query, want)
		}
	}
}

func TestServeMockModes(t *testing.T) {
	t.Run("status", func(t *testing.T) {
		run := startListen(t, Config{Status: 503})
		a := send(t, "POST", run.url, []byte("{}"), nil)
		if a.status != 503 || !strings.Contains(a.body, "simulated status 503") {
			t.Errorf("got %d %q", a.status, a.body)
		}
		run.stop(t)
		if recs := run.journal(t); len(recs) != 1 || recs[0].Status != 503 {
			t.Errorf("journal: %+v", recs)
		}
	})
	t.Run("fail rate 100", func(t *testing.T) {
		run := startListen(t, Config{FailRate: 100})
		for range 3 {
			if a := send(t, "POST", run.url, []byte("{}"), nil); a.status != 500 {
				t.Errorf("got %d", a.status)
			}
		}
		run.stop(t)
		if recs := run.journal(t); len(recs) != 3 {
			t.Errorf("%d events saved, want all 3 (a failure is simulated, not real)", len(recs))
		}
	})
	t.Run("fail rate 50", func(t *testing.T) {
		run := startListen(t, Config{FailRate: 50})
		fails := 0
		for range 200 {
			if send(t, "POST", run.url, []byte("{}"), nil).status == 500 {
				fails++
			}
		}
		if fails < 50 || fails > 150 { // p < 1e-12 for a fair coin
			t.Errorf("%d of 200 failed at a 50%% rate", fails)
		}
	})
	t.Run("delay", func(t *testing.T) {
		run := startListen(t, Config{Delay: 300 * time.Millisecond})
		start := time.Now()
		send(t, "POST", run.url, []byte("{}"), nil)
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("answered after %s, want at least 300ms", d)
		}
	})
	t.Run("delay cut short by a stop", func(t *testing.T) {
		run := startListen(t, Config{Delay: time.Hour})
		got := make(chan int, 1)
		go func() {
			resp, err := http.Post(run.url, "application/json", strings.NewReader("{}"))
			if err != nil {
				got <- 0
				return
			}
			resp.Body.Close()
			got <- resp.StatusCode
		}()
		waitFor(t, func() bool {
			_, err := os.Stat(filepath.Join(run.dir, journal.Name))
			return err == nil && len(run.journal(t)) == 1
		})
		run.stop(t)
		if status := <-got; status != 200 {
			t.Errorf("the delayed request got %d, want 200 once stopping", status)
		}
	})
}

func TestServeForwardsToTheHandler(t *testing.T) {
	var got struct {
		sync.Mutex
		body   []byte
		header http.Header
		path   string
	}
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Lock()
		got.body, got.header, got.path = b, r.Header.Clone(), r.URL.RequestURI()
		got.Unlock()
		w.Header().Set("X-Handler", "yes")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"handled":true}`)
	}))
	defer handler.Close()
	run := startListen(t, Config{ForwardTo: handler.URL + "/webhooks/portant", Token: "tok"})
	body := fixtures.Example(fixtures.EmailsCreated)
	a := send(t, "POST", run.url+"incoming", body, map[string]string{
		TokenHeader: "tok", "Authorization": "Bearer for-the-handler", "Connection": "keep-alive, X-Hop", "X-Hop": "drop me",
		"Content-Type": "application/json",
	})
	if a.status != http.StatusAccepted || a.body != `{"handled":true}` || a.header.Get("X-Handler") != "yes" {
		t.Errorf("the sender got %d %q %v, want the handler's answer", a.status, a.body, a.header)
	}
	got.Lock()
	switch {
	case !bytes.Equal(got.body, body):
		t.Errorf("the handler got %q", got.body)
	case got.path != "/webhooks/portant":
		t.Errorf("the handler was called on %q", got.path)
	case got.header.Get("Authorization") != "Bearer for-the-handler" || got.header.Get("Content-Type") != "application/json":
		t.Errorf("end-to-end headers lost: %v", got.header)
	case got.header.Get(TokenHeader) != "" || got.header.Get("X-Hop") != "":
		t.Errorf("the listener's token or a hop-by-hop header was forwarded: %v", got.header)
	}
	got.Unlock()
	run.stop(t)
	rec := run.journal(t)[0]
	if rec.Status != 202 || rec.Forward == nil || rec.Forward.Status != 202 || rec.Forward.Body != `{"handled":true}` || rec.Forward.LatencyMS <= 0 {
		t.Errorf("journal: %+v %+v", rec, rec.Forward)
	}
	if !strings.Contains(run.out.String(), "202") || !strings.Contains(run.out.String(), `{"handled":true}`) {
		t.Errorf("the terminal does not show the handler's answer:\n%s", run.out.String())
	}
}

func TestServeAnswers502WhenTheHandlerIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String() + "/hook"
	ln.Close()
	run := startListen(t, Config{ForwardTo: down})
	a := send(t, "POST", run.url, []byte("{}"), nil)
	if a.status != http.StatusBadGateway || !strings.Contains(a.body, "could not reach") {
		t.Errorf("got %d %q", a.status, a.body)
	}
	run.stop(t)
	recs := run.journal(t)
	if len(recs) != 1 || recs[0].Status != 502 || recs[0].Forward.Error == "" || recs[0].File == "" {
		t.Fatalf("journal: %+v", recs)
	}
	if !strings.Contains(run.err.String(), "handler no answer          1  (unreachable") {
		t.Errorf("summary:\n%s", run.err.String())
	}
}

func TestServeNoSaveWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "events")
	saved := make(chan struct{}, 10)
	run := startListen(t, Config{NoSave: true, Dir: dir, OnSave: func() { saved <- struct{}{} }, Format: FormatPretty})
	body := fixtures.Example(fixtures.DocumentsCreated)
	if a := send(t, "POST", run.url, body, nil); a.status != 200 {
		t.Fatalf("got %d", a.status)
	}
	run.stop(t)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("--no-save created %s", dir)
	}
	if len(saved) != 1 {
		t.Errorf("OnSave called %d times for one event, want 1", len(saved))
	}
	if !strings.Contains(run.out.String(), `"eventType": "DOCUMENTS_CREATED"`) {
		t.Errorf("the event was not shown:\n%s", run.out.String())
	}
}

func TestServeCallsOnSaveOnceTheEventIsSavedAndJournalled(t *testing.T) {
	// Each call sees what the journal holds at that moment: the inspector
	// reads the journal when it is told, so the line must be there.
	dir := filepath.Join(t.TempDir(), "events")
	lines := make(chan int, 5)
	run := startListen(t, Config{Dir: dir, OnSave: func() {
		b, _ := os.ReadFile(filepath.Join(dir, journal.Name))
		lines <- bytes.Count(b, []byte{'\n'})
	}})
	for range 5 {
		send(t, "POST", run.url, fixtures.Example(fixtures.EmailsCreated), nil)
	}
	run.stop(t)
	recs := run.journal(t)
	for i := range 5 {
		if n := <-lines; n != i+1 {
			t.Errorf("call %d saw %d journal lines, want %d", i+1, n, i+1)
		}
		if _, err := os.Stat(filepath.Join(dir, recs[i].File)); err != nil {
			t.Errorf("event %d: %v", i+1, err)
		}
	}
}

func TestServeReportsAPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	err = Serve(context.Background(), Config{Host: "127.0.0.1", Port: port, Dir: t.TempDir()})
	var se *StartError
	if !errors.Is(err, ErrAddrInUse) || !errors.As(err, &se) {
		t.Errorf("Serve on a taken port: %v", err)
	}
}

func TestServeChecksItsConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Status: 99, Dir: "x"},
		{FailRate: 101, Dir: "x"},
		{Format: "xml", Dir: "x"},
		{Path: "hooks", Dir: "x"},
		{ForwardTo: "ftp://localhost:3000", Dir: "x"},
		{Delay: -time.Second, Dir: "x"},
	} {
		var se *StartError
		if err := Serve(context.Background(), cfg); !errors.As(err, &se) {
			t.Errorf("Serve(%+v) = %v, want a StartError", cfg, err)
		}
	}
}

func TestServeWarnsOnANonLoopbackHost(t *testing.T) {
	var errOut bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Host: "0.0.0.0", Port: 0, Dir: t.TempDir(), Err: &errOut, OnReady: func(string) error { cancel(); return nil }}
	if err := Serve(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "Warning: listening on 0.0.0.0") || !strings.Contains(errOut.String(), "--token") {
		t.Errorf("no warning:\n%s", errOut.String())
	}
}

func TestServeSurvivesSlowAndHostileClients(t *testing.T) {
	run := startListen(t, Config{ReadHeaderTimeout: 200 * time.Millisecond, MaxHeaderBytes: 4 << 10})
	// A client that never finishes its headers is dropped.
	conn, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(run.url, "/"), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\n")
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.ReadAll(conn); err != nil {
		t.Errorf("slow client not dropped: %v", err)
	}
	// Huge headers are refused.
	a := send(t, "POST", run.url, []byte("{}"), map[string]string{"X-Big": strings.Repeat("a", 16<<10)})
	if a.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("16 KiB of headers: %d", a.status)
	}
	// And the listener still works.
	if a := send(t, "POST", run.url, []byte("{}"), nil); a.status != 200 {
		t.Errorf("after hostile clients: %d", a.status)
	}
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServeCarriesOnNumberingAfterARestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "events")
	body := fixtures.Example(fixtures.DocumentsCreated)
	seqOf := func(a answer) string {
		t.Helper()
		if a.status != http.StatusOK {
			t.Fatalf("got %d %q", a.status, a.body)
		}
		return strings.TrimSpace(a.body)
	}
	run := startListen(t, Config{Dir: dir})
	seqOf(send(t, "POST", run.url, body, nil))
	seqOf(send(t, "POST", run.url, body, nil))
	run.stop(t)

	run = startListen(t, Config{Dir: dir})
	if got := seqOf(send(t, "POST", run.url, body, nil)); got != `{"ok":true,"seq":3}` {
		t.Errorf("first event after a restart: %s, want seq 3", got)
	}
	run.stop(t)

	// A crash cut the journal's last line short, and left junk before it.
	j, err := os.OpenFile(filepath.Join(dir, journal.Name), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(j, "\x00\x00 not a record\n"+`{"seq":4,"file":"20261130T2245`)
	j.Close()
	run = startListen(t, Config{Dir: dir})
	if got := seqOf(send(t, "POST", run.url, body, nil)); got != `{"ok":true,"seq":5}` {
		t.Errorf("after a journal cut short at seq 4: %s, want seq 5", got)
	}
	run.stop(t)

	var seqs []uint64
	names := map[string]bool{}
	data, err := os.ReadFile(filepath.Join(dir, journal.Name))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		var rec journal.Record
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue // the junk and the line cut short, now ended
		}
		seqs = append(seqs, rec.Seq)
		if names[rec.File] || !strings.Contains(rec.File, fmt.Sprintf("-%06d-", rec.Seq)) {
			t.Errorf("file %q for seq %d", rec.File, rec.Seq)
		}
		names[rec.File] = true
	}
	if fmt.Sprint(seqs) != "[1 2 3 5]" {
		t.Errorf("journalled seqs %v, want [1 2 3 5]", seqs)
	}
}
