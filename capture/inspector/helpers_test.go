package inspector

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// journalWriter writes a store dir the way the listener does (a body file,
// then a journal line, then a call to OnSave), so the inspector can be tested
// on its own.
type journalWriter struct {
	t   testing.TB
	dir string
	// onSave, when set, is called after each event, as the listener calls
	// capture.Config.OnSave.
	onSave func()
	val    *fixtures.Validator
	seq    uint64
	at     time.Time
}

func newJournalWriter(t testing.TB, dir string) *journalWriter {
	t.Helper()
	v, err := fixtures.NewValidator(fixtures.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &journalWriter{t: t, dir: dir, val: v, at: time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)}
}

// add saves body as the next event and returns its record.
func (w *journalWriter) add(body []byte, headers map[string][]string) journal.Record {
	w.t.Helper()
	return w.addWith(body, headers, nil)
}

// addWith is add with the record changed by edit before it is journalled.
func (w *journalWriter) addWith(body []byte, headers map[string][]string, edit func(*journal.Record)) journal.Record {
	w.t.Helper()
	w.seq++
	w.at = w.at.Add(1500 * time.Millisecond)
	rep := w.val.Validate(body)
	typ := rep.EventType
	if typ == "" {
		typ = fixtures.Unknown
	}
	name := fmt.Sprintf("%s-%06d-%s.json", w.at.Format("20060102T150405.000000Z"), w.seq, typ)
	if err := os.WriteFile(filepath.Join(w.dir, name), body, 0o644); err != nil {
		w.t.Fatal(err)
	}
	if headers == nil {
		headers = map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"Portant-Webhooks/1.0"}}
	}
	rec := journal.Record{
		Seq: w.seq, File: name, Received: w.at, Method: http.MethodPost, Path: "/hooks/portant",
		Headers: headers, Remote: "127.0.0.1:53412", Size: int64(len(body)), SHA256: "0",
		EventID: rep.EventID, Type: typ, Valid: rep.Valid(), Problems: rep.Problems, Status: 200,
	}
	if edit != nil {
		edit(&rec)
	}
	w.appendRecord(rec)
	if w.onSave != nil {
		w.onSave()
	}
	return rec
}

// appendRecord writes one journal line as it is.
func (w *journalWriter) appendRecord(rec journal.Record) {
	w.t.Helper()
	line, err := json.Marshal(rec)
	if err != nil {
		w.t.Fatal(err)
	}
	w.appendRaw(append(line, '\n'))
}

func (w *journalWriter) appendRaw(b []byte) {
	w.t.Helper()
	f, err := os.OpenFile(filepath.Join(w.dir, journal.Name), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		w.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		w.t.Fatal(err)
	}
}

// event makes a Portant event of type t with the given document name.
func inspEvent(t fixtures.EventType, id, docName string) []byte {
	var data string
	switch t {
	case fixtures.EmailsCreated:
		data = `{"emails":[{"to":"ada@example.com","subject":` + strconv.Quote(docName) + `,"message_id":"18abc"}]}`
	default:
		data = `{"documents":[{"id":"1AbC","url":"https://docs.google.com/document/d/1AbC/edit","name":` +
			strconv.Quote(docName) + `,"mimetype":"application/pdf"}]}`
	}
	return []byte(`{"data":` + data + `,"eventId":` + strconv.Quote(id) + `,"eventType":"` + string(t) + `"}`)
}

func inspHexID(n int) string { return fmt.Sprintf("%048x", n) }

// startInspector serves an inspector on a free loopback port until the test
// ends, and returns its base URL.
func startInspector(t testing.TB, cfg Config) (*Inspector, string) {
	t.Helper()
	in, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serve(t, in, ln)
	return in, URL(ln)
}

// serve runs in.Serve on ln until the returned func (or the end of the
// test) ends its context, and checks that Serve then returns nil within 5s.
func serve(t testing.TB, in *Inspector, ln net.Listener) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Serve(ctx, ln) }()
	stop = stopper(t, "Serve", cancel, done, 5*time.Second)
	t.Cleanup(stop)
	return stop
}

// stopper is a stop func for a server run in a goroutine: once, it cancels
// the run's context and checks that the run (what) then returns nil on
// done within wait.
func stopper(t testing.TB, what string, cancel context.CancelFunc, done <-chan error, wait time.Duration) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("%s: %v", what, err)
				}
			case <-time.After(wait):
				t.Errorf("%s did not return within %s of its context ending", what, wait)
			}
		})
	}
}

// inspDo sends a request (to the inspector or the listener) and returns the
// status, headers and body; a "Host" entry in header sets the Host.
func inspDo(t testing.TB, method, url string, body io.Reader, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
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
	return resp.StatusCode, resp.Header, b
}

func inspGetJSON(t testing.TB, url string, v any) {
	t.Helper()
	status, _, body := inspDo(t, http.MethodGet, url, nil, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, body)
	}
}

func inspPort(t testing.TB, base string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func inspIDs(evs []eventSummary) []int {
	out := make([]int, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}
