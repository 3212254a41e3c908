package replay

import (
	"context"
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
	"github.com/portant-hooks/portant-hooks/internal/httpx"
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
	// hold runs before the n-th request is answered: tests block there on
	// a channel, or until the sender gives up (r.Context()).
	hold     func(r *http.Request, n int)
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
		if tg.hold != nil {
			tg.hold(r, i)
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
	s, err := NewSender(httpx.NewClient(httpx.ClientOptions{Timeout: 5 * time.Second, Connections: 8}), url, opts...)
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

// hangUp is a server that takes each request's body and closes the
// connection without an answer, for the first n requests; it answers 200
// after that.
func hangUp(t *testing.T, n int32) (url string, count *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	count = new(atomic.Int32)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if count.Add(1) <= n {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String(), count
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
		if !r.OK() || r.Status != 200 || r.Attempts != 1 || r.Seq != i+1 || r.Event.Source != evs[i].Source || r.Latency <= 0 || r.Elapsed < r.Latency {
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

func TestSendKeepsTheAnswer(t *testing.T) {
	tg := newTarget(t, 201)
	tg.extra = func(w http.ResponseWriter, _ int) { w.Header().Set("X-Handler", "yes") }
	r := sendAll(t, newSender(t, tg.URL), examples()[:1])[0]
	if r.Status != 201 || r.Header.Get("X-Handler") != "yes" || string(r.Body) != strings.Repeat("x", 100) || r.Truncated {
		t.Errorf("the whole answer: %+v", r)
	}
	short := newTarget(t)
	for _, r := range sendAll(t, newSender(t, short.URL, WithKeepBody(10)), examples()) {
		if string(r.Body) != "xxxxxxxxxx" || !r.Truncated || !r.OK() {
			t.Errorf("10 bytes of it: %+v", r)
		}
	}
	if c := short.conns.Load(); c != 1 {
		t.Errorf("%d connections for 4 events one after the other: the rest of the bodies was not drained", c)
	}
	r = sendAll(t, newSender(t, tg.URL, WithKeepBody(0)), examples()[:1])[0]
	if r.Body != nil || !r.Truncated {
		t.Errorf("none of it: %+v", r)
	}
}

func TestSendAnswerThatBreaksOff(t *testing.T) {
	// A 200 whose body stops half way is a failure, and not retried: the
	// handler may have done its work.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		c, rw, _ := w.(http.Hijacker).Hijack()
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
		rw.Flush()
		c.Close()
	}))
	t.Cleanup(srv.Close)
	r := sendAll(t, newSender(t, srv.URL, WithRetries(3)), examples()[:1])[0]
	if r.OK() || r.Status != 200 || r.Attempts != 1 || string(r.Body) != "0123456789" || r.Err == nil ||
		r.Err.Error() != "the answer broke off after 10 bytes: the server closed the connection" {
		t.Errorf("%+v (%v)", r, r.Err)
	}
}

func TestSendAnswerThatStallsPastTheTimeout(t *testing.T) {
	// A 200 whose body never ends within the timeout is a failure too.
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"ok":`)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	s, err := NewSender(httpx.NewClient(httpx.ClientOptions{Timeout: 200 * time.Millisecond}), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	r := sendAll(t, s, examples()[:1])[0]
	if r.OK() || r.Status != 200 || r.Err == nil || r.Err.Error() != "the answer did not finish within 200ms" {
		t.Errorf("%+v (%v)", r, r.Err)
	}
	if line := string(appendLine(nil, r, Styles{Good: brackets("good"), Bad: brackets("bad")}, 0)); !strings.HasPrefix(line, "<bad>200</bad>") {
		t.Errorf("reported as %q", line)
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
		if r.OK() || r.Status != 500 || r.Attempts != 3 || !strings.HasPrefix(string(r.Body), "xxx") {
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
		// the 7s it asks for is capped at 50ms, which the run must take.
		s := newSender(t, tg.URL, WithRetries(3), WithBackoff(time.Hour, time.Hour), WithMaxRetryAfter(50*time.Millisecond))
		r := sendAll(t, s, examples()[:1])[0]
		if !r.OK() || r.Attempts != 3 || r.Elapsed < 50*time.Millisecond {
			t.Errorf("%+v", r)
		}
	})
	t.Run("connection errors", func(t *testing.T) {
		url, count := hangUp(t, 2)
		r := sendAll(t, newSender(t, url, WithRetries(2), fast), examples()[:1])[0]
		if !r.OK() || r.Attempts != 3 {
			t.Errorf("%+v", r)
		}
		count.Store(-10)
		r = sendAll(t, newSender(t, url, fast), examples()[:1])[0]
		if r.Err == nil || r.Err.Error() != "the server closed the connection without answering" || httpx.Unreachable(r.Err) {
			t.Errorf("a hang-up: %+v (%v)", r, r.Err)
		}
	})
}

func TestSendConcurrencyAndConnectionReuse(t *testing.T) {
	// The first 4 requests are answered only once all 4 are in flight at
	// once: the run would stall (and fail) with fewer workers.
	const workers = 4
	tg := newTarget(t)
	allIn := make(chan struct{})
	var arrived atomic.Int32
	tg.hold = func(r *http.Request, n int) {
		if n >= workers {
			return
		}
		if arrived.Add(1) == workers {
			close(allIn)
		}
		select {
		case <-allIn:
		case <-r.Context().Done():
		}
	}
	evs := collect(Synthetic{Types: fixtures.Types, Count: 25, Seed: 1})
	results := sendAll(t, newSender(t, tg.URL, WithConcurrency(workers)), evs)
	if len(results) != 100 {
		t.Fatalf("%d results", len(results))
	}
	for _, r := range results {
		if !r.OK() {
			t.Fatalf("%+v", r)
		}
	}
	if m := tg.maxIn.Load(); m != workers {
		t.Errorf("max in flight %d, want %d", m, workers)
	}
	if c := tg.conns.Load(); c > workers {
		t.Errorf("%d connections for %d workers: bodies not drained, or connections not reused", c, workers)
	}
}

func TestSendRate(t *testing.T) {
	tg := newTarget(t)
	start := time.Now()
	sendAll(t, newSender(t, tg.URL, WithConcurrency(4), WithRate(50)), collect(Synthetic{Types: fixtures.Types, Count: 3, Seed: 1}))
	// 12 requests at 50/s, the first at once: the limiter makes it take
	// at least 11/50 s, however the workers are scheduled.
	if took := time.Since(start); took < 220*time.Millisecond {
		t.Errorf("12 requests at 50/s took %v", took)
	}
}

func TestSendTimeoutAndRedirect(t *testing.T) {
	tg := newTarget(t, 302)
	tg.extra = func(w http.ResponseWriter, _ int) { w.Header().Set("Location", "/elsewhere") }
	r := sendAll(t, newSender(t, tg.URL), examples()[:1])[0]
	if r.Status != 302 || r.OK() || r.Header.Get("Location") != "/elsewhere" || tg.received() != 1 {
		t.Errorf("a redirect is reported, not followed: %+v", r)
	}

	stuck := newTarget(t)
	stuck.hold = func(r *http.Request, _ int) { <-r.Context().Done() } // until the sender gives up
	s, _ := NewSender(httpx.NewClient(httpx.ClientOptions{Timeout: 50 * time.Millisecond}), stuck.URL)
	r = sendAll(t, s, examples()[:1])[0]
	if r.Err == nil || r.Err.Error() != "no answer within 50ms" || httpx.Unreachable(r.Err) {
		t.Errorf("%+v: %v", r, r.Err)
	}
}

func TestSendToDeadTarget(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	url := "http://" + ln.Addr().String()
	ln.Close()
	r := sendAll(t, newSender(t, url, WithRetries(1), WithBackoff(time.Millisecond, time.Millisecond)), examples()[:1])[0]
	if r.Err == nil || !httpx.Unreachable(r.Err) || r.Err.Error() != "connection refused" || r.Attempts != 2 {
		t.Errorf("%+v: %v", r, r.Err)
	}
}

func TestSendStopsWhenCancelled(t *testing.T) {
	// The first 3 events are answered; the rest wait for the sender to
	// give up, which it does when cancelled after those 3.
	const workers, answered = 2, 3
	tg := newTarget(t)
	tg.hold = func(r *http.Request, n int) {
		if n >= answered {
			<-r.Context().Done()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := newSender(t, tg.URL, WithConcurrency(workers))
	var ok, cancelled int
	for r := range s.Send(ctx, Plan{RepeatEach: 1000}.Events(Events(examples()))) {
		switch {
		case r.OK():
			if ok++; ok == answered {
				cancel()
			}
		case r.Err != nil && r.Err.Error() == "cancelled":
			cancelled++
		default:
			t.Errorf("%+v", r)
		}
	}
	// Each worker had at most one request waiting when cancelled.
	if ok != answered || cancelled > workers || tg.received() > answered+workers {
		t.Errorf("%d answered, %d cancelled, %d received", ok, cancelled, tg.received())
	}
}

func TestDeliverOne(t *testing.T) {
	tg := newTarget(t, 503, 202)
	s := newSender(t, "  "+strings.TrimPrefix(tg.URL, "http://")+"/one", WithRetries(1), WithBackoff(time.Millisecond, time.Millisecond))
	if s.Target() != tg.URL+"/one" {
		t.Errorf("target %s: a bare host:port/path is http://", s.Target())
	}
	r := s.Deliver(context.Background(), examples()[0])
	if r.Seq != 0 || r.Status != 202 || r.Attempts != 2 || r.Elapsed < r.Latency {
		t.Errorf("%+v", r)
	}
}

func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	s, _ := NewSender(httpx.NewClient(httpx.ClientOptions{Timeout: 5 * time.Second, Connections: 32}), srv.URL, WithConcurrency(32))
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
	strict, _ := NewSender(httpx.NewClient(httpx.ClientOptions{Timeout: 5 * time.Second}), srv.URL)
	r := sendAll(t, strict, examples()[:1])[0]
	if r.OK() || r.Err == nil || !strings.Contains(r.Err.Error(), "certificate is not trusted") || httpx.Unreachable(r.Err) {
		t.Errorf("a self-signed certificate must be refused by default: %+v (%v)", r, r.Err)
	}
	insecure, _ := NewSender(httpx.NewClient(httpx.ClientOptions{Timeout: 5 * time.Second, Insecure: true}), srv.URL)
	if r := sendAll(t, insecure, examples()[:1])[0]; !r.OK() {
		t.Errorf("Insecure should accept it: %+v", r)
	}
	plain, _ := NewSender(httpx.NewClient(httpx.ClientOptions{Timeout: 5 * time.Second}), "https://"+newTarget(t).Listener.Addr().String())
	if r := sendAll(t, plain, examples()[:1])[0]; r.Err == nil || !strings.Contains(r.Err.Error(), "use http://") {
		t.Errorf("https:// to a plain HTTP server: %+v (%v)", r, r.Err)
	}
}
