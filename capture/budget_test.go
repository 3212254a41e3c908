package capture

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestBudgetReserveWaitsForRoom(t *testing.T) {
	b := newBudget(100, time.Minute)
	if !b.reserve(context.Background(), 100) {
		t.Fatal("an empty budget refused its whole size")
	}
	if !b.reserve(context.Background(), 0) {
		t.Error("an empty body needs no room, even in a full budget")
	}
	if b.reserve(context.Background(), 101) {
		t.Error("more than the whole budget was granted")
	}
	// Room freed while a request waits is taken. A request that waits is
	// queued in the semaphore, and a queued waiter makes TryAcquire fail
	// even where there is room: that says when it waits.
	b.release(1)
	got := make(chan bool, 1)
	go func() { got <- b.reserve(context.Background(), 50) }()
	for b.sem.TryAcquire(1) {
		b.sem.Release(1)
		runtime.Gosched()
	}
	select {
	case <-got:
		t.Fatal("room was granted before it was freed")
	default:
	}
	b.release(60)
	if !<-got {
		t.Error("room freed during the wait was not taken")
	}
	// No room within the wait: refused after waiting, not at once.
	short := newBudget(100, 50*time.Millisecond)
	short.reserve(context.Background(), 100)
	start := time.Now()
	if short.reserve(context.Background(), 1) {
		t.Error("a full budget granted room")
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("refused after %s, want a wait of 50ms first", d)
	}
	// The sender gone ends the wait.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if b.reserve(ctx, 50) {
		t.Error("granted room to a request whose sender is gone")
	}
}

func TestReadBodyReservesWhatItHolds(t *testing.T) {
	const limit = 300 << 10
	tests := []struct {
		name     string
		size     int
		declared bool // the length is known (Content-Length), else chunked
		room     int64
		wantHeld int64
		wantErr  string // "too large" or "no room"
	}{
		{"empty", 0, false, 1 << 20, minBodyStep, ""},
		{"empty, declared", 0, true, 1 << 20, 0, ""},
		{"small", 100, false, 1 << 20, minBodyStep, ""},
		{"small, declared: exactly its size", 100, true, 1 << 20, 100, ""},
		{"one step exactly", minBodyStep, false, 1 << 20, 2 * minBodyStep, ""}, // EOF is only seen past the step
		{"doubles", 100 << 10, false, 1 << 20, 2 * minBodyStep, ""},
		{"declared large: in steps, up to its size", 100 << 10, true, 1 << 20, 100 << 10, ""},
		{"up to the limit", limit, false, 1 << 20, limit, ""},
		{"over the limit", limit + 1, false, 1 << 20, limit, "too large"},
		{"no room for the next step", 100 << 10, false, minBodyStep, minBodyStep, "no room"},
		{"declared large, no room for the next step", 100 << 10, true, minBodyStep, minBodyStep, "no room"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBudget(tt.room, 10*time.Millisecond)
			data := bytes.Repeat([]byte("x"), tt.size)
			src := http.MaxBytesReader(nil, io.NopCloser(iotest.HalfReader(bytes.NewReader(data))), limit)
			declared := int64(-1)
			if tt.declared {
				declared = int64(tt.size)
			}
			body, held, err := b.readBody(context.Background(), src, declared, limit)
			var mbe *http.MaxBytesError
			got := ""
			switch {
			case errors.As(err, &mbe):
				got = "too large"
			case errors.Is(err, errNoRoom):
				got = "no room"
			case err != nil:
				t.Fatalf("read: %v", err)
			}
			if got != tt.wantErr || err == nil && !bytes.Equal(body, data) {
				t.Fatalf("read %d bytes of %d, error %v; want %q", len(body), tt.size, err, tt.wantErr)
			}
			if held != tt.wantHeld || int64(cap(body)) != held {
				t.Errorf("held %d for a buffer of %d after reading %d, want %d held", held, cap(body), len(body), tt.wantHeld)
			}
			// What it holds is exactly what the budget gave.
			b.release(held)
			if !b.sem.TryAcquire(tt.room) {
				t.Error("the budget is not whole again once released")
			}
		})
	}
}

// upload is a POST whose body is being sent slowly: the listener has
// started reading it, so room for it is reserved.
type upload struct {
	conn net.Conn
	br   *bufio.Reader
	rest []byte
}

// startUpload sends the headers of a POST of size bytes (chunked when
// asked) and its first byte, and returns once the listener has started
// reading the body: it asked for it with "100 Continue", which net/http
// sends on the handler's first read, after the room is reserved.
func startUpload(t *testing.T, rawURL string, size int, chunked bool) *upload {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	length := fmt.Sprintf("Content-Length: %d", size)
	if chunked {
		length = "Transfer-Encoding: chunked"
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\n%s\r\nExpect: 100-continue\r\n\r\n", u.Path, u.Host, length)
	up := &upload{conn: conn, br: bufio.NewReader(conn)}
	status, err := up.br.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 100 ") {
		t.Fatalf("want 100 Continue once the listener reads the body, got %q, %v", status, err)
	}
	if _, err := up.br.ReadString('\n'); err != nil { // the blank line after it
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("x"), size)
	if chunked {
		fmt.Fprintf(conn, "1\r\n%s\r\n", body[:1])
		up.rest = fmt.Appendf(nil, "%x\r\n%s\r\n0\r\n\r\n", size-1, body[1:])
	} else {
		conn.Write(body[:1])
		up.rest = body[1:]
	}
	return up
}

// finish sends the rest of the body and returns the status of the answer.
func (up *upload) finish(t *testing.T) int {
	t.Helper()
	if _, err := up.conn.Write(up.rest); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(up.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestServeAnswers503WhenBodiesInFlightFillTheBudget(t *testing.T) {
	const maxBody = 1000
	run := startListen(t, Config{MaxBody: maxBody, MaxInFlight: 2 * maxBody, InFlightWait: 200 * time.Millisecond})
	small := []byte(`{"eventType":"DOCUMENTS_CREATED"}`)

	// Two slow uploads of the largest body take the whole budget.
	a := startUpload(t, run.url, maxBody, false)
	b := startUpload(t, run.url, maxBody, false)

	// The next body finds no room within the wait: 503, retry in a second.
	start := time.Now()
	got := send(t, http.MethodPost, run.url, small, nil)
	if got.status != http.StatusServiceUnavailable || got.header.Get("Retry-After") != "1" || !strings.Contains(got.body, "busy") {
		t.Fatalf("with the budget full: %d %q Retry-After %q, want 503 busy with Retry-After: 1", got.status, got.body, got.header.Get("Retry-After"))
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("503 after %s, want it only once the wait of 200ms is over", d)
	}
	// So does a chunked body, whose length is unknown.
	req, _ := http.NewRequest(http.MethodPost, run.url, io.MultiReader(bytes.NewReader(small)))
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("chunked body with the budget full: %d, want 503", resp.StatusCode)
	}

	// One upload done, its room is free: the next body gets in.
	if status := a.finish(t); status != http.StatusOK {
		t.Fatalf("the first slow upload got %d", status)
	}
	if got := send(t, http.MethodPost, run.url, small, nil); got.status != http.StatusOK {
		t.Errorf("once room freed: %d %q, want 200", got.status, got.body)
	}

	// A sender that gives up mid-body gives its room back too: two full
	// bodies fit again, one of them chunked.
	b.conn.Close()
	run.err.waitFor(t, " 400 POST ")
	c := startUpload(t, run.url, maxBody, false)
	d := startUpload(t, run.url, maxBody, true)
	for _, up := range []*upload{c, d} {
		if status := up.finish(t); status != http.StatusOK {
			t.Errorf("after the abandoned upload: %d, want 200", status)
		}
	}

	run.stop(t)
	recs := run.journal(t)
	if len(recs) != 4 {
		t.Errorf("journal has %d lines, want the 4 events answered 200", len(recs))
	}
	for _, rec := range recs {
		if rec.Status != http.StatusOK {
			t.Errorf("journalled %+v", rec)
		}
	}
	entries, _ := os.ReadDir(run.dir)
	if len(entries) != 5 {
		t.Errorf("%d files in the store, want the 4 events and the journal", len(entries))
	}
	summary := run.err.String()
	for _, want := range []string{"4 events saved", "rejected (not saved)       3  (400 bad request ×1, 503 service unavailable ×2)"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	if !strings.Contains(summary, " 503 POST / from 127.0.0.1:") {
		t.Errorf("the 503s are not shown:\n%s", summary)
	}
	assertNoTemps(t, run.dir)
}

func TestServeRefusesAnInFlightLimitBelowTheBodyLimit(t *testing.T) {
	var se *StartError
	err := Serve(context.Background(), Config{Dir: t.TempDir(), MaxBody: 2 << 20, MaxInFlight: 1 << 20})
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "--max-in-flight 1 MiB is below --max-body 2 MiB") {
		t.Errorf("Serve = %v, want a StartError naming both limits", err)
	}
	cfg := Config{MaxBody: 64 << 20}
	cfg.setDefaults()
	if cfg.MaxInFlight != 16*(64<<20) {
		t.Errorf("default in-flight limit with a 64 MiB body limit: %d, want 16 bodies", cfg.MaxInFlight)
	}
	cfg = Config{}
	cfg.setDefaults()
	if cfg.MaxInFlight != defaultMaxInFlight {
		t.Errorf("default in-flight limit: %d, want %d", cfg.MaxInFlight, defaultMaxInFlight)
	}
}
