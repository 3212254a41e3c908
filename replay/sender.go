package replay

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/time/rate"
)

// ClientOptions shape the HTTP client NewClient makes.
type ClientOptions struct {
	Timeout     time.Duration // per attempt, response body included
	Insecure    bool          // skip TLS certificate checks (self-signed handlers)
	Connections int           // keep this many idle connections: the concurrency
}

// NewClient returns the client a Sender should use: connections kept alive
// and reused across workers, a timeout per attempt, TLS verified unless
// Insecure, and redirects not followed (a webhook sender reports a 3xx, it
// does not turn a POST into a GET elsewhere).
func NewClient(o ClientOptions) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	conns := max(o.Connections, 2)
	tr.MaxIdleConns = max(conns, 100)
	tr.MaxIdleConnsPerHost = conns
	tr.DisableCompression = true // response bodies are drained, not read
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if o.Insecure {
		tr.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // the user asked, with --insecure
	}
	return &http.Client{
		Transport: tr,
		Timeout:   o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Sender delivers events to one URL with a pool of workers, an optional
// rate limit and retries. Build it with NewSender.
type Sender struct {
	client        *http.Client
	target        string
	host          string // a Host header to send instead of the URL's
	header        http.Header
	concurrency   int
	limiter       *rate.Limiter
	retries       int
	backoffBase   time.Duration
	backoffMax    time.Duration
	maxRetryAfter time.Duration
}

// Option configures a Sender.
type Option func(*Sender)

// WithHeader sets the headers of every request whose event carries none of
// its own (see Event.Header).
func WithHeader(h http.Header) Option { return func(s *Sender) { s.header = h } }

// WithConcurrency sets the number of requests in flight at once (default 1,
// which keeps the source order).
func WithConcurrency(n int) Option { return func(s *Sender) { s.concurrency = max(n, 1) } }

// WithRate caps requests, retries included, at perSecond; 0 means no cap.
func WithRate(perSecond float64) Option {
	return func(s *Sender) {
		s.limiter = nil
		if perSecond > 0 {
			s.limiter = rate.NewLimiter(rate.Limit(perSecond), 1)
		}
	}
}

// WithRetries retries an event up to n more times after a connection error,
// a 5xx or a 429.
func WithRetries(n int) Option { return func(s *Sender) { s.retries = max(n, 0) } }

// WithBackoff sets the exponential backoff between retries: the wait before
// retry k is a random duration up to min(max, base·2^k) ("full jitter"),
// unless the answer had a Retry-After.
func WithBackoff(base, max time.Duration) Option {
	return func(s *Sender) { s.backoffBase, s.backoffMax = base, max }
}

// WithMaxRetryAfter caps the wait a Retry-After header can ask for.
func WithMaxRetryAfter(d time.Duration) Option { return func(s *Sender) { s.maxRetryAfter = d } }

// NewSender returns a Sender posting to target with client, which it never
// replaces: the caller chooses timeouts and TLS (see NewClient).
func NewSender(client *http.Client, target string, opts ...Option) (*Sender, error) {
	u, err := ParseTarget(target)
	if err != nil {
		return nil, err
	}
	s := &Sender{
		client:        client,
		target:        u.String(),
		header:        http.Header{},
		concurrency:   1,
		backoffBase:   100 * time.Millisecond,
		backoffMax:    5 * time.Second,
		maxRetryAfter: 30 * time.Second,
	}
	for _, o := range opts {
		o(s)
	}
	s.host = s.header.Get("Host")
	return s, nil
}

// ParseTarget checks a --to URL. A URL without a scheme gets http://, as
// with stripe listen --forward-to: "localhost:3000/hook" works.
func ParseTarget(target string) (*url.URL, error) {
	raw := target
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	switch {
	case target == "":
		return nil, errors.New("no target URL: pass --to URL (or set send.to in the config file)")
	case err != nil:
		return nil, fmt.Errorf("target %q is not a URL: %v", target, unwrapURLError(err))
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("target %q: only http:// and https:// URLs can receive webhooks", target)
	case u.Host == "":
		return nil, fmt.Errorf("target %q has no host: write it like http://localhost:3000/webhook", target)
	}
	return u, nil
}

// Target is the URL the sender posts to, with any scheme it added.
func (s *Sender) Target() string { return s.target }

// Result is the outcome of sending one event, retries included.
type Result struct {
	Seq      int // 1-based position in the order sent
	Event    Event
	Status   int           // HTTP status of the last attempt; 0 when none came back
	Latency  time.Duration // of the last attempt, until the response was read
	Attempts int           // 1 plus the retries
	Err      error         // why the last attempt got no response
	// Response is the start of a non-2xx answer's body, or a redirect's
	// Location: what a person needs to see why the handler said no.
	Response string
}

// OK reports whether the event got a 2xx.
func (r Result) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// Retries is the number of attempts after the first.
func (r Result) Retries() int { return max(r.Attempts-1, 0) }

type job struct {
	seq int
	ev  Event
}

// Send delivers the events and streams a Result for each on the channel
// it returns, in the order they complete; the channel is closed when all
// are done or ctx is cancelled (events not yet started are then not sent).
func (s *Sender) Send(ctx context.Context, events iter.Seq[Event]) <-chan Result {
	jobs := make(chan job, s.concurrency)
	results := make(chan Result, 4*s.concurrency+64)
	go func() {
		defer close(jobs)
		seq := 0
		for ev := range events {
			seq++
			select {
			case jobs <- job{seq, ev}:
			case <-ctx.Done():
				return
			}
		}
	}()
	done := make(chan struct{})
	for range s.concurrency {
		go func() {
			defer func() { done <- struct{}{} }()
			buf := make([]byte, 32<<10)
			for j := range jobs {
				if ctx.Err() != nil {
					continue // drain: the dispatcher may be mid-send
				}
				results <- s.deliver(ctx, j, buf)
			}
		}()
	}
	go func() {
		for range s.concurrency {
			<-done
		}
		close(results)
	}()
	return results
}

// deliver sends one event, retrying as configured.
func (s *Sender) deliver(ctx context.Context, j job, buf []byte) Result {
	r := Result{Seq: j.seq, Event: j.ev}
	for attempt := 0; ; attempt++ {
		if s.limiter != nil {
			if err := s.limiter.Wait(ctx); err != nil {
				if r.Attempts == 0 {
					r.Err = ctx.Err()
					if r.Err == nil {
						r.Err = err
					}
				}
				return r
			}
		}
		r.Attempts++
		wait, waitSet, retry := s.attempt(ctx, &r, buf)
		if !retry || attempt >= s.retries || ctx.Err() != nil {
			return r
		}
		if !waitSet {
			wait = s.backoff(attempt)
		}
		if !sleep(ctx, wait) {
			return r
		}
	}
}

// attempt makes one request, fills r with its outcome, and says whether to
// retry and after how long the server asked to wait.
func (s *Sender) attempt(ctx context.Context, r *Result, buf []byte) (wait time.Duration, waitSet, retry bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.target, bytes.NewReader(r.Event.Body))
	if err != nil {
		r.Err = err
		return 0, false, false
	}
	req.Header = s.header
	if r.Event.Header != nil {
		req.Header = r.Event.Header
		if h := r.Event.Header.Get("Host"); h != "" {
			req.Host = h
		}
	} else if s.host != "" {
		req.Host = s.host
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		r.Status, r.Err, r.Latency, r.Response = 0, err, time.Since(start), ""
		return 0, false, ctx.Err() == nil
	}
	r.Status, r.Err = resp.StatusCode, nil
	r.Response = ""
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if !ok {
		n, _ := io.ReadFull(resp.Body, buf[:512])
		r.Response = string(buf[:n])
		if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
			r.Response = "Location: " + loc
		}
	}
	// Drain (up to a limit) and close, so the connection is reused.
	_, _ = io.CopyBuffer(io.Discard, io.LimitReader(resp.Body, 4<<20), buf)
	resp.Body.Close()
	r.Latency = time.Since(start)
	if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false, false
	}
	if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		return min(d, s.maxRetryAfter), true, true
	}
	return 0, false, true
}

// backoff is full jitter: uniform in [0, min(max, base·2^attempt)).
func (s *Sender) backoff(attempt int) time.Duration {
	ceiling := s.backoffMax
	if attempt < 32 {
		ceiling = min(ceiling, s.backoffBase<<attempt)
	}
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling)
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// ParseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseUint(v, 10, 64); err == nil {
		if n > uint64(24*time.Hour/time.Second) {
			n = uint64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// Unreachable reports whether err means nothing answered at the target at
// all: refused, unknown host, no route, or no connection within the timeout.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.As(err, &dns):
		return true
	case errors.As(err, &op):
		return op.Op == "dial"
	}
	return false
}

// Reason says in a few words why an attempt got no response, for a
// person: never a bare EOF, never the whole URL again.
func Reason(err error) string {
	var dns *net.DNSError
	var ue *url.Error
	var cert *tls.CertificateVerificationError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the server"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "no such host " + dns.Name
		}
		return "DNS lookup of " + dns.Name + " failed"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection without answering"
	case errors.As(err, &ue) && ue.Timeout():
		return "no answer within the timeout"
	case errors.As(err, &cert):
		return "the TLS certificate is not trusted (self-signed? --insecure accepts it): " + cert.Err.Error()
	}
	return unwrapURLError(err).Error()
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
