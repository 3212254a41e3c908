package replay

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// target is a test handler that answers a script of statuses (the last one
// repeats) and records what it received.
type target struct {
	*httptest.Server
	mu       sync.Mutex
	bodies   [][]byte
	headers  []http.Header
	hosts    []string
	statuses []int
	extra    func(w http.ResponseWriter, n int) // headers or a body for the n-th request (0-based)
	delay    time.Duration
	inFlight atomic.Int32
	maxIn    atomic.Int32
	conns    atomic.Int32
}

func newTarget(t *testing.T, statuses ...int) *target {
	t.Helper()
	tg := &target{statuses: statuses}
	tg.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := tg.inFlight.Add(1)
		defer tg.inFlight.Add(-1)
		for {
			m := tg.maxIn.Load()
			if n <= m || tg.maxIn.CompareAndSwap(m, n) {
				break
			}
		}
		body, _ := io.ReadAll(r.Body)
		tg.mu.Lock()
		i := len(tg.bodies)
		tg.bodies = append(tg.bodies, body)
		tg.headers = append(tg.headers, r.Header.Clone())
		tg.hosts = append(tg.hosts, r.Host)
		status := http.StatusOK
		if len(tg.statuses) > 0 {
			status = tg.statuses[min(i, len(tg.statuses)-1)]
		}
		tg.mu.Unlock()
		if tg.delay > 0 {
			time.Sleep(tg.delay)
		}
		if tg.extra != nil {
			tg.extra(w, i)
		}
		w.WriteHeader(status)
		io.WriteString(w, strings.Repeat("x", 100)) // a body to drain
	}))
	tg.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			tg.conns.Add(1)
		}
	}
	tg.Start()
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) received() int {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return len(tg.bodies)
}

func sendAll(t *testing.T, s *Sender, events []Event) []Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []Result
	for r := range s.Send(ctx, slices.Values(events)) {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Result) int { return a.Seq - b.Seq })
	return out
}

func newSender(t *testing.T, url string, opts ...Option) *Sender {
	t.Helper()
	s, err := NewSender(NewClient(ClientOptions{Timeout: 5 * time.Second, Connections: 8}), url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func examples() []Event {
	var evs []Event
	for _, ty := range fixtures.Types {
		evs = append(evs, newEvent(strings.ToLower(string(ty))+".json", fixtures.Example(ty)))
	}
	return evs
}

func TestSendDeliversBodiesAndHeaders(t *testing.T) {
	tg := newTarget(t)
	evs := examples()
	evs[1].Header = CapturedHeader(DefaultHeader("ua"), http.Header{"X-Captured": {"1"}, "Host": {"hooks.example.com"}}, nil)
	h := DefaultHeader("portant-hooks/test")
	h.Set("X-Token", "s3cret")
	results := sendAll(t, newSender(t, tg.URL+"/hook", WithHeader(h)), evs)
	if len(results) != 4 || tg.received() != 4 {
		t.Fatalf("%d results, %d received", len(results), tg.received())
	}
	for i, r := range results {
		if !r.OK() || r.Status != 200 || r.Attempts != 1 || r.Seq != i+1 || r.Event.Source != evs[i].Source || r.Latency <= 0 {
			t.Errorf("result %d: %+v", i, r)
		}
		if string(tg.bodies[i]) != string(evs[i].Body) {
			t.Errorf("body %d not byte for byte", i)
		}
	}
	if got := tg.headers[0]; got.Get("Content-Type") != "application/json" || got.Get("User-Agent") != "portant-hooks/test" || got.Get("X-Token") != "s3cret" {
		t.Errorf("headers %v", got)
	}
	if got := tg.headers[1]; got.Get("X-Captured") != "1" || got.Get("X-Token") != "" || tg.hosts[1] != "hooks.example.com" {
		t.Errorf("captured headers %v host %s", got, tg.hosts[1])
	}
}

func TestSendRetries(t *testing.T) {
	fast := WithBackoff(time.Millisecond, 5*time.Millisecond)
	t.Run("through 503s", func(t *testing.T) {
		tg := newTarget(t, 503, 503, 200)
		r := sendAll(t, newSender(t, tg.URL, WithRetries(3), fast), examples()[:1])[0]
		if !r.OK() || r.Attempts != 3 || r.Retries() != 2 || tg.received() != 3 {
			t.Errorf("%+v, received %d", r, tg.received())
		}
	})
	t.Run("gives up", func(t *testing.T) {
		tg := newTarget(t, 500)
		tg.extra = func(w http.ResponseWriter, _ int) { w.Header().Set("Content-Type", "application/json") }
		r := sendAll(t, newSender(t, tg.URL, WithRetries(2), fast), examples()[:1])[0]
		if r.OK() || r.Status != 500 || r.Attempts != 3 || !strings.HasPrefix(r.Response, "xxx") {
			t.Errorf("%+v", r)
		}
	})
	t.Run("not on 4xx", func(t *testing.T) {
		tg := newTarget(t, 400, 200)
		r := sendAll(t, newSender(t, tg.URL, WithRetries(3), fast), examples()[:1])[0]
		if r.Status != 400 || r.Attempts != 1 {
			t.Errorf("%+v", r)
		}
	})
	t.Run("429 with Retry-After", func(t *testing.T) {
		tg := newTarget(t, 429, 503, 200)
		tg.extra = func(w http.ResponseWriter, n int) {
			switch n {
			case 0:
				w.Header().Set("Retry-After", "0")
			case 1:
				w.Header().Set("Retry-After", "7")
			}
		}
		// A backoff of an hour shows Retry-After is what decides the wait;
		// the 7s it asks for is capped at 50ms.
		s := newSender(t, tg.URL, WithRetries(3), WithBackoff(time.Hour, time.Hour), WithMaxRetryAfter(50*time.Millisecond))
		start := time.Now()
		r := sendAll(t, s, examples()[:1])[0]
		if took := time.Since(start); !r.OK() || r.Attempts != 3 || took < 50*time.Millisecond || took > 5*time.Second {
			t.Errorf("%+v in %v", r, took)
		}
	})
	t.Run("connection errors", func(t *testing.T) {
		// A server that hangs up on the first two connections.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var n atomic.Int32
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			if n.Add(1) <= 2 {
				hj, _ := w.(http.Hijacker)
				c, _, _ := hj.Hijack()
				c.Close()
				return
			}
		})}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		r := sendAll(t, newSender(t, "http://"+ln.Addr().String(), WithRetries(2), fast), examples()[:1])[0]
		if !r.OK() || r.Attempts != 3 {
			t.Errorf("%+v", r)
		}
		n.Store(-10)
		r = sendAll(t, newSender(t, "http://"+ln.Addr().String(), fast), examples()[:1])[0]
		if r.Err == nil || strings.Contains(Reason(r.Err), "EOF") || Unreachable(r.Err) {
			t.Errorf("a hang-up: %+v (%s)", r, Reason(r.Err))
		}
	})
}

func TestSendConcurrencyAndConnectionReuse(t *testing.T) {
	tg := newTarget(t)
	tg.delay = 5 * time.Millisecond
	evs := collect(Synthetic{Types: fixtures.Types, Count: 25, Seed: 1})
	results := sendAll(t, newSender(t, tg.URL, WithConcurrency(4)), evs)
	if len(results) != 100 {
		t.Fatalf("%d results", len(results))
	}
	if m := tg.maxIn.Load(); m > 4 || m < 2 {
		t.Errorf("max in flight %d, want 2..4", m)
	}
	if c := tg.conns.Load(); c > 4 {
		t.Errorf("%d connections for 4 workers: bodies not drained, or connections not reused", c)
	}
}

func TestSendRate(t *testing.T) {
	tg := newTarget(t)
	start := time.Now()
	sendAll(t, newSender(t, tg.URL, WithConcurrency(4), WithRate(50)), collect(Synthetic{Types: fixtures.Types, Count: 3, Seed: 1}))
	// 12 requests at 50/s, the first at once: at least 220ms.
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("12 requests at 50/s took %v", took)
	}
}

func TestSendTimeoutAndRedirect(t *testing.T) {
	tg := newTarget(t, 302)
	tg.extra = func(w http.ResponseWriter, _ int) { w.Header().Set("Location", "/elsewhere") }
	r := sendAll(t, newSender(t, tg.URL), examples()[:1])[0]
	if r.Status != 302 || r.OK() || r.Response != "Location: /elsewhere" || tg.received() != 1 {
		t.Errorf("a redirect is reported, not followed: %+v", r)
	}

	slow := newTarget(t)
	slow.delay = 300 * time.Millisecond
	s, _ := NewSender(NewClient(ClientOptions{Timeout: 50 * time.Millisecond}), slow.URL)
	r = sendAll(t, s, examples()[:1])[0]
	if r.Err == nil || Reason(r.Err) != "no answer within the timeout" || Unreachable(r.Err) {
		t.Errorf("%+v: %s", r, Reason(r.Err))
	}
}

func TestSendToDeadTarget(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	url := "http://" + ln.Addr().String()
	ln.Close()
	r := sendAll(t, newSender(t, url, WithRetries(1), WithBackoff(time.Millisecond, time.Millisecond)), examples()[:1])[0]
	if r.Err == nil || !Unreachable(r.Err) || Reason(r.Err) != "connection refused" || r.Attempts != 2 {
		t.Errorf("%+v: %s", r, Reason(r.Err))
	}
}

func TestSendStopsWhenCancelled(t *testing.T) {
	tg := newTarget(t)
	tg.delay = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := newSender(t, tg.URL, WithConcurrency(2))
	n := 0
	for r := range s.Send(ctx, Plan{RepeatEach: 1000}.Events(Events(examples()))) {
		n++
		if n == 3 {
			cancel()
		}
		_ = r
	}
	if n > 10 || tg.received() > 10 {
		t.Errorf("%d results, %d received after cancelling at 3", n, tg.received())
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]string{
		"localhost:3000/hook":       "http://localhost:3000/hook",
		"https://example.com/x?y=1": "https://example.com/x?y=1",
		"127.0.0.1:8080":            "http://127.0.0.1:8080",
	} {
		if u, err := ParseTarget(in); err != nil || u.String() != want {
			t.Errorf("ParseTarget(%q) = %v, %v", in, u, err)
		}
	}
	for in, want := range map[string]string{
		"":                  "no target URL",
		"ftp://example.com": "only http",
		"http://":           "has no host",
		"http://a b/":       "not a URL",
	} {
		if _, err := ParseTarget(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTarget(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestReasonNeverBareEOF(t *testing.T) {
	for _, err := range []error{io.EOF, io.ErrUnexpectedEOF, &net.OpError{Op: "read", Err: io.EOF}} {
		if got := Reason(err); strings.Contains(got, "EOF") {
			t.Errorf("Reason(%v) = %q", err, got)
		}
	}
	if Reason(context.Canceled) != "cancelled" || Reason(nil) != "" || Unreachable(errors.New("x")) {
		t.Error("Reason/Unreachable basics")
	}
}

func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	s, _ := NewSender(NewClient(ClientOptions{Timeout: 5 * time.Second, Connections: 32}), srv.URL, WithConcurrency(32))
	b.ResetTimer()
	n := 0
	for r := range s.Send(context.Background(), Synthetic{Types: fixtures.Types, Count: b.N/4 + 1, Seed: 1}.Events()) {
		if !r.OK() {
			b.Fatal(r)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

func TestSendTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	strict, _ := NewSender(NewClient(ClientOptions{Timeout: 5 * time.Second}), srv.URL)
	r := sendAll(t, strict, examples()[:1])[0]
	if r.OK() || !strings.Contains(Reason(r.Err), "certificate is not trusted") || Unreachable(r.Err) {
		t.Errorf("a self-signed certificate must be refused by default: %+v (%s)", r, Reason(r.Err))
	}
	insecure, _ := NewSender(NewClient(ClientOptions{Timeout: 5 * time.Second, Insecure: true}), srv.URL)
	if r := sendAll(t, insecure, examples()[:1])[0]; !r.OK() {
		t.Errorf("Insecure should accept it: %+v", r)
	}
}
