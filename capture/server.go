package capture

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/atomicfile"
	"github.com/portant-hooks/portant-hooks/internal/httpx"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// TokenHeader carries the --token of a listener, as an alternative to the
// token query parameter.
const TokenHeader = httpx.TokenHeader

// ErrAddrInUse is wrapped by the error Serve returns when another program
// already listens on the address.
var ErrAddrInUse = errors.New("address already in use")

// StartError is why Serve could not start: a Config that cannot work, a
// directory it cannot write, an address it cannot listen on. Nothing was
// captured.
type StartError struct{ Err error }

func (e *StartError) Error() string { return e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

// Serve listens for webhook events until ctx is done. Every accepted POST is
// saved to the store (unless NoSave) before it is answered, journalled,
// announced to OnSave and shown on the terminal off the request path.
// When ctx is done it stops accepting, lets the requests in flight finish,
// flushes the terminal, prints a summary to Err and returns nil.
func Serve(ctx context.Context, cfg Config) error {
	if err := cfg.Check(); err != nil {
		return &StartError{err}
	}
	cfg.setDefaults()
	s, err := newServer(cfg)
	if err != nil {
		return &StartError{err}
	}
	ln := cfg.Listener
	if ln == nil {
		addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
		ln, err = net.Listen("tcp", addr)
		if err != nil {
			if errors.Is(err, syscall.EADDRINUSE) {
				return &StartError{fmt.Errorf("listen on %s: %w", addr, ErrAddrInUse)}
			}
			return &StartError{fmt.Errorf("listen on %s: %v", addr, unwrapNet(err))}
		}
	}
	s.cfg.Own.Add(ln.Addr())
	// The store opens once the address is ours, so a failed start leaves
	// no directory behind.
	if !cfg.NoSave {
		if s.store, err = openStore(cfg.Dir, cfg.Fsync); err != nil {
			ln.Close()
			return &StartError{err}
		}
		s.clock.seq = s.store.LastSeq()
	}
	return s.run(ctx, ln)
}

// server is one run of Serve.
type server struct {
	cfg       Config
	store     *store // nil with NoSave
	validator *fixtures.Validator
	forward   *forwarder // nil without ForwardTo
	bodies    *budget    // room for the bodies of the requests in flight
	render    *renderer
	stats     stats
	clock     clock
	started   time.Time
	checking  chan struct{} // one token per body being validated (examine)
	guesses   *guessLimiter
	stopping  chan struct{} // closed when ctx is done: cuts --delay short
	handlers  sync.WaitGroup
}

func newServer(cfg Config) (*server, error) {
	v, err := fixtures.NewValidator(fixtures.Options{})
	if err != nil {
		return nil, err
	}
	s := &server{
		cfg:       cfg,
		validator: v,
		bodies:    newBudget(cfg.MaxInFlight, cfg.InFlightWait),
		checking:  make(chan struct{}, runtime.GOMAXPROCS(0)),
		guesses:   newGuessLimiter(),
		stopping:  make(chan struct{}),
	}
	if s.cfg.Own == nil {
		s.cfg.Own = &httpx.Own{}
	}
	if cfg.ForwardTo != "" {
		client := httpx.NewClient(httpx.ClientOptions{Timeout: cfg.ForwardTimeout, Connections: forwardConnections, NotTo: s.cfg.Own})
		f, err := newForwarder(cfg.ForwardTo, client, int(max(cfg.KeepAnswer, 0)), cfg.KeepSecrets)
		if err != nil {
			return nil, err
		}
		s.forward = f
		s.cfg.ForwardTo = f.sender.Target() // as the banner shows it
	}
	return s, nil
}

func (s *server) run(ctx context.Context, ln net.Listener) error {
	if s.store != nil {
		defer s.store.Close()
	}
	s.started = time.Now()
	s.render = newRenderer(s.cfg, &s.stats)
	if s.store != nil {
		s.store.SetNotify(s.render.warn)
	}
	srv := &http.Server{
		Handler:           s,
		ConnContext:       withFramingConn,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		// Hostile clients make the server log; they must not fill the
		// terminal. What matters is counted and shown per request.
		ErrorLog: discardLog,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(framingListener{ln}) }()

	host := s.cfg.Host
	if s.cfg.Listener != nil {
		host = ""
	}
	url := baseURL(host, ln.Addr(), s.cfg.Path)
	writeBanner(s.cfg, url)
	var failed error
	if s.cfg.OnReady != nil {
		if err := s.cfg.OnReady(url); err != nil {
			failed = err
		}
	}
	if failed == nil {
		select {
		case <-ctx.Done():
		case err := <-served:
			failed = fmt.Errorf("serve %s: %w", ln.Addr(), err)
		}
	}

	close(s.stopping)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close() // cut off what did not finish in time: it was not answered
	}
	s.handlers.Wait()
	// The terminal gets a moment to take what is queued, the summary
	// another; a terminal that reads nothing (a paused pager) gets neither
	// and Serve returns all the same: everything is on disk.
	if !s.render.close(s.cfg.FlushTimeout) {
		s.stats.stuck.Store(true)
	}
	if s.store != nil {
		s.stats.gone = s.store.Gone()
	}
	var summary strings.Builder
	writeSummary(&summary, s.cfg, &s.stats, time.Since(s.started), s.store != nil)
	writeWithin(s.cfg.Err, summary.String(), s.cfg.FlushTimeout)
	return failed
}

// writeWithin writes text to w, waiting at most d for it: a writer that
// blocks is left to it.
func writeWithin(w io.Writer, text string, d time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.WriteString(w, text)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// ServeHTTP handles one webhook request.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handlers.Add(1)
	defer s.handlers.Done()

	if len(r.TransferEncoding) > 0 {
		// The connection's heads are no longer followed after a chunked
		// body (framingConn): no more requests are read from it.
		w.Header().Set("Connection", "close")
	}
	if ambiguousFraming(r.Context()) {
		s.reject(w, r, http.StatusBadRequest, "the request has both Content-Length and Transfer-Encoding, which frame its body two ways (a proxy in front may read it differently): send one of them")
		return
	}
	if s.cfg.Token != "" && !s.authorize(w, r) {
		return
	}
	if !pathMatches(s.cfg.Path, r.URL.Path) {
		s.reject(w, r, http.StatusNotFound, "events are accepted on "+s.cfg.Path+" only")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.reject(w, r, http.StatusMethodNotAllowed, "send events with POST")
		return
	}
	if r.ContentLength > s.cfg.MaxBody {
		s.reject(w, r, http.StatusRequestEntityTooLarge, tooLarge(s.cfg.MaxBody))
		return
	}

	// The body must arrive within BodyTimeout; room for it is reserved as
	// it arrives, and held until the answer is written.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout))
	seq, received := s.clock.next()
	body, held, err := s.bodies.readBody(r.Context(), http.MaxBytesReader(w, r.Body, s.cfg.MaxBody), r.ContentLength, s.cfg.MaxBody)
	defer s.bodies.release(held)
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			s.reject(w, r, http.StatusRequestEntityTooLarge, tooLarge(s.cfg.MaxBody))
		case errors.Is(err, errNoRoom):
			s.busy(w, r)
		case errors.Is(err, os.ErrDeadlineExceeded):
			w.Header().Set("Connection", "close")
			s.reject(w, r, http.StatusRequestTimeout, fmt.Sprintf("the body did not arrive within %s", s.cfg.BodyTimeout))
		default:
			s.reject(w, r, http.StatusBadRequest, "could not read the body: "+err.Error())
		}
		return
	}
	// No deadline while the event is handled (a --forward-to handler may
	// take a while): net/http would take one passing for the sender gone.
	_ = rc.SetReadDeadline(time.Time{})

	ex := s.examine(r.Context(), body, r.Header)
	rep := ex.report
	sum := sha256.Sum256(body)
	rec := journal.Record{
		Seq:      seq,
		Received: received,
		Method:   r.Method,
		Path:     r.URL.EscapedPath(),
		Query:    journal.RedactQuery(r.URL.RawQuery, s.cfg.KeepSecrets),
		Headers:  journal.RedactHeaders(r.Header, s.cfg.KeepSecrets),
		Remote:   r.RemoteAddr,
		Size:     int64(len(body)),
		SHA256:   hex.EncodeToString(sum[:]),
		EventID:  rep.EventID,
		Type:     rep.EventType,
		Valid:    rep.Valid(),
		Problems: rep.Problems,
	}
	if rec.Type == "" {
		rec.Type = fixtures.Unknown
	}

	if s.store != nil {
		name := journal.FileName(received, seq, rec.Type, rec.EventID)
		if err := s.store.Save(name, body); err != nil {
			s.stats.failed.Add(1)
			s.render.warn(fmt.Sprintf("event #%d was not saved and got 500: %v%s", seq, err, atomicfile.Hint(err, listenElsewhere)))
			http.Error(w, "portant-hooks: could not save the event (see the listener's terminal)", http.StatusInternalServerError)
			return
		}
		rec.File = name
	}

	// finish journals the record once its answer is known; an event it
	// could not journal is not kept (see server.finish).
	kept := true
	finish := func(rec *journal.Record) error {
		err := s.finish(rec, body)
		kept = err == nil
		return err
	}
	if s.forward != nil {
		s.forward.serve(w, r, body, &rec, finish)
	} else {
		s.answer(w, &rec, finish)
	}
	if !kept {
		return
	}
	s.stats.count(&rec)
	if s.cfg.OnSave != nil {
		s.cfg.OnSave()
	}
	s.render.event(&rec, ex.shown, ex.isJSON, ex.note)
}

// listenElsewhere is what to do when the disk cannot take events (see
// atomicfile.Hint): they go on being answered 500 until the user acts.
const listenElsewhere = "stop and listen again with --dir on another disk"

// answer writes the mock endpoint's answer to a saved event.
func (s *server) answer(w http.ResponseWriter, rec *journal.Record, finish func(*journal.Record) error) {
	status, why := s.cfg.Status, ""
	if s.cfg.FailRate > 0 && rand.Float64()*100 < s.cfg.FailRate {
		status, why = http.StatusInternalServerError, "simulated failure"
	} else if status >= 300 {
		why = "simulated status " + strconv.Itoa(status)
	}
	rec.Status = status
	if err := finish(rec); err != nil {
		http.Error(w, "portant-hooks: the event could not be journalled, so it was not kept (see the listener's terminal)", http.StatusInternalServerError)
		return
	}
	s.wait()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if status == http.StatusNoContent || status == http.StatusNotModified {
		return
	}
	b := make([]byte, 0, 64)
	b = append(b, `{"ok":`...)
	b = strconv.AppendBool(b, why == "")
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, rec.Seq, 10)
	if why != "" {
		b = append(b, `,"error":`...)
		b = strconv.AppendQuote(b, why)
	}
	b = append(b, "}\n"...)
	_, _ = w.Write(b)
}

// wait applies --delay, cut short when the listener stops.
func (s *server) wait() {
	if s.cfg.Delay <= 0 {
		return
	}
	t := time.NewTimer(s.cfg.Delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.stopping:
	}
}

// finish journals a record once its answer is known, before the answer is
// written. When the journal cannot take it (a full disk), the event is not
// kept: its body is removed, so that nothing looks saved that the sender
// was told was not (it gets a 5xx and will send it again), and it is
// counted as failed, not as saved. body is what Save was given (see
// store.Append).
func (s *server) finish(rec *journal.Record, body []byte) error {
	if s.store == nil {
		return nil
	}
	err := s.store.Append(rec, body)
	if err != nil {
		s.stats.failed.Add(1)
		gone := "its body " + rec.File + " was removed"
		if rerr := s.store.Remove(rec.File); rerr != nil {
			gone = "and its body could not be removed either: " + rerr.Error()
		}
		s.render.warn(fmt.Sprintf("event #%d could not be journalled, so it was not kept and got a 5xx (%s): %v%s", rec.Seq, gone, err, atomicfile.Hint(err, listenElsewhere)))
	}
	return err
}

// authorize lets a request with the token through. Wrong tokens are
// limited per client (see guessLimiter): 401 while the client has tries
// left, 429 without looking at the token once it has none.
func (s *server) authorize(w http.ResponseWriter, r *http.Request) bool {
	client := clientOf(r)
	if wait := s.guesses.wait(client); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(max(1, wait.Round(time.Second)/time.Second))))
		s.reject(w, r, http.StatusTooManyRequests, "too many wrong tokens from "+client+": its requests are refused for a moment, whatever their token")
		return false
	}
	if s.authorized(r) {
		return true
	}
	s.guesses.wrong(client)
	s.reject(w, r, http.StatusUnauthorized, "missing or wrong token: add ?token=<token> to the URL or send the "+TokenHeader+" header")
	return false
}

func (s *server) authorized(r *http.Request) bool {
	want := []byte(s.cfg.Token)
	if got := r.Header.Get(TokenHeader); got != "" && subtle.ConstantTimeCompare([]byte(got), want) == 1 {
		return true
	}
	if r.URL.RawQuery == "" {
		return false
	}
	got := r.URL.Query().Get("token")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), want) == 1
}

// reject answers a request that is not saved, and counts and shows it.
func (s *server) reject(w http.ResponseWriter, r *http.Request, status int, why string) {
	s.stats.reject(status)
	s.render.rejected(rejection{
		Time:   time.Now(),
		Status: status,
		Method: r.Method,
		Path:   r.URL.EscapedPath(),
		Remote: r.RemoteAddr,
		Why:    why,
	})
	http.Error(w, "portant-hooks: "+why, status)
}

// busy turns a request away for want of room for its body: the sender
// should retry shortly, as Portant and most webhook senders do on a 503.
func (s *server) busy(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "1")
	s.reject(w, r, http.StatusServiceUnavailable, fmt.Sprintf("busy: the requests in flight hold the %s allowed for bodies (--max-in-flight); retry in a moment", formatSize(s.cfg.MaxInFlight)))
}

func tooLarge(limit int64) string {
	return fmt.Sprintf("body larger than the %s limit", formatSize(limit))
}

// pathMatches follows http.ServeMux: "/" matches every path, a pattern
// ending in "/" a subtree, any other exactly itself.
func pathMatches(pattern, path string) bool {
	if pattern == "/" || pattern == path {
		return true
	}
	return strings.HasSuffix(pattern, "/") && strings.HasPrefix(path, pattern)
}

// baseURL is where to send events, for the banner and OnReady: the host
// asked for (loopback when it was "any address") and the port listened on.
func baseURL(host string, addr net.Addr, path string) string {
	h, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + path
	}
	if host == "" {
		host = h
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + path
}

func unwrapNet(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}

// clock hands out sequence numbers with receive times that never go
// backwards, so names sort in arrival order even if the wall clock steps.
type clock struct {
	mu   sync.Mutex
	seq  uint64
	last time.Time
}

func (c *clock) next() (uint64, time.Time) {
	now := time.Now().UTC().Round(0)
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Before(c.last) {
		now = c.last
	}
	c.last = now
	c.seq++
	return c.seq, now
}

var discardLog = log.New(io.Discard, "", 0)
