package replay

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/portant-hooks/portant-hooks/internal/httpx"
	"golang.org/x/time/rate"
)

// Sender delivers events to one URL: one at a time (Deliver), or many with
// a pool of workers, an optional rate limit and retries (Send). It is the
// one sender of portant-hooks: send, listen --forward-to and the
// inspector's replay all deliver through it. Build it with NewSender.
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
	keepBody      int
	drainMax      int64
}

// Option configures a Sender.
type Option func(*Sender)

// WithHeader sets the headers of every request whose event carries none of
// its own (see Event.Header). A Host header names the host to send instead
// of the URL's.
func WithHeader(h http.Header) Option { return func(s *Sender) { s.header = h } }

// WithConcurrency sets the number of requests Send has in flight at once
// (default 1, which keeps the source order).
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

// defaultKeepBody is how much of each answer's body a Result keeps unless
// WithKeepBody says otherwise: enough for the error page of any common
// framework.
const defaultKeepBody = 64 << 10

// WithKeepBody sets how many bytes of each answer's body a Result keeps
// (Result.Body; 64 KiB unless set); the rest is read, up to 4 MiB more, and dropped, so the
// connection can be reused.
func WithKeepBody(n int) Option { return func(s *Sender) { s.keepBody = max(n, 0) } }

// defaultTimeout bounds each attempt of a Sender made without a client.
const defaultTimeout = 10 * time.Second

// NewSender returns a Sender posting to target ("localhost:3000/hook" is
// http://localhost:3000/hook) with client, which it never replaces: the
// caller chooses timeouts and TLS. A nil client means the one portant-hooks
// sends with: 10s per attempt, TLS verified, redirects reported
// rather than followed, a connection kept alive per worker.
func NewSender(client *http.Client, target string, opts ...Option) (*Sender, error) {
	u, err := httpx.ParseTarget(target)
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
		keepBody:      defaultKeepBody,
		drainMax:      4 << 20,
	}
	for _, o := range opts {
		o(s)
	}
	if s.client == nil {
		s.client = httpx.NewClient(httpx.ClientOptions{Timeout: defaultTimeout, Connections: s.concurrency})
	}
	s.host = s.header.Get("Host")
	return s, nil
}

// Target is the URL the sender posts to, with any scheme it added.
func (s *Sender) Target() string { return s.target }

// Result is the outcome of sending one event, retries included. Status,
// Header, Body and Latency are those of the last attempt.
type Result struct {
	Seq    int // 1-based position in the order sent
	Event  Event
	Status int         // HTTP status; 0 when no answer came
	Header http.Header // the answer's headers; nil when no answer came
	// Body is the start of the answer's body, up to the sender's
	// WithKeepBody bytes; Truncated says there was more.
	Body      []byte
	Truncated bool
	Latency   time.Duration // from sending the request to the end of the answer's body
	Elapsed   time.Duration // from the first attempt to the end of the last, waits included
	Attempts  int           // 1 plus the retries
	// Err is why the last attempt got no answer, or only part of one (the
	// body broke off). Its message is for a person (see httpx.Explain).
	Err error
}

// OK reports whether the event got a whole 2xx answer.
func (r Result) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// Retries is the number of attempts after the first.
func (r Result) Retries() int { return max(r.Attempts-1, 0) }

// Deliver sends one event, retrying as configured, and returns its Result
// (Seq 0). It is what the listener's --forward-to and the inspector's
// replay use; Send runs it on a pool of workers.
func (s *Sender) Deliver(ctx context.Context, ev Event) Result {
	return s.deliver(ctx, job{ev: ev})
}

type job struct {
	seq int
	ev  Event
}

// Send delivers the events and streams a Result for each on the channel
// it returns, in the order they complete; the channel is closed when all
// are done or ctx is cancelled (events not yet started are then not sent).
// The events of one workflow item (Event.Item) go one after the other.
func (s *Sender) Send(ctx context.Context, events iter.Seq[Event]) <-chan Result {
	jobs := make(chan job, s.concurrency)
	results := make(chan Result, 4*s.concurrency+64)
	var order turns // a workflow item's events one after the other
	go func() {
		defer close(jobs)
		seq := 0
		for ev := range events {
			seq++
			order.dispatched(job{seq, ev})
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
			for j := range jobs {
				if ctx.Err() != nil {
					continue // drain: the dispatcher may be mid-send
				}
				results <- order.deliver(ctx, j, s.deliver)
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
func (s *Sender) deliver(ctx context.Context, j job) (r Result) {
	r = Result{Seq: j.seq, Event: j.ev}
	start := time.Now()
	defer func() { r.Elapsed = time.Since(start) }()
	for attempt := 0; ; attempt++ {
		if s.limiter != nil {
			if err := s.limiter.Wait(ctx); err != nil {
				if r.Attempts == 0 {
					r.Err = httpx.Explain(cmp.Or(ctx.Err(), err), s.client.Timeout)
				}
				return r
			}
		}
		r.Attempts++
		wait, waitSet, retry := s.attempt(ctx, &r)
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
func (s *Sender) attempt(ctx context.Context, r *Result) (wait time.Duration, waitSet, retry bool) {
	r.Status, r.Header, r.Body, r.Truncated, r.Err = 0, nil, nil, false, nil
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.target, bytes.NewReader(r.Event.Body))
	if err != nil {
		r.Err = fmt.Errorf("cannot make a request to %s: %w", s.target, err)
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
		r.Latency, r.Err = time.Since(start), httpx.Explain(err, s.client.Timeout)
		return 0, false, ctx.Err() == nil
	}
	r.Status, r.Header = resp.StatusCode, resp.Header
	r.Body, r.Truncated, err = s.readBody(resp.Body)
	r.Latency = time.Since(start)
	if err != nil {
		// An answer cut off is not an answer: the handler may have failed
		// half way. It is not retried either: it may have done its work.
		r.Err = httpx.ExplainBroken(err, len(r.Body), s.client.Timeout)
		return 0, false, false
	}
	if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false, false
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		return min(d, s.maxRetryAfter), true, true
	}
	return 0, false, true
}

// readBody keeps the first keepBody bytes of an answer, reads and drops the
// rest up to drainMax (as hey does: so the connection can carry the next
// request), and closes it.
func (s *Sender) readBody(body io.ReadCloser) (kept []byte, truncated bool, err error) {
	defer body.Close()
	if s.keepBody > 0 {
		kept, err = io.ReadAll(io.LimitReader(body, int64(s.keepBody)))
		if len(kept) == 0 {
			kept = nil
		}
		if err != nil {
			return kept, false, err
		}
	}
	n, err := io.Copy(io.Discard, io.LimitReader(body, s.drainMax))
	return kept, n > 0, err
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

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
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
