// Package inspector is the local web page that lists, shows, replays and
// exports the events a listener (package capture) saved: its HTTP API, the
// live stream of new events, and the page itself, embedded.
package inspector

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/httpx"
	"github.com/portant-hooks/portant-hooks/internal/journal"
	"golang.org/x/net/http/httpguts"
)

// DefaultAddr is where listen serves the inspector unless told otherwise.
const DefaultAddr = "127.0.0.1:7679"

//go:embed index.html app.js style.css favicon.svg
var assets embed.FS

// Config is what the inspector serves and how.
type Config struct {
	// Dir is the store directory: events.ndjson and the saved bodies.
	Dir string
	// ForwardTo is the default replay target (listen's --forward-to). It is
	// checked when used, like a URL typed in: the listener reports a bad one.
	ForwardTo string
	// Client sends replays. Nil means a client with a 10s timeout that does
	// not follow redirects (a handler's redirect is worth seeing).
	Client *http.Client
	// Heartbeat is how often an idle stream sends a comment so proxies and
	// the browser keep it open; 0 means 15s.
	Heartbeat time.Duration
	// Poll is how often the stream looks at the journal when Notify has not
	// woken it (the journal may be written by a listen in another process);
	// 0 means 1s.
	Poll time.Duration
	// Version is shown in the page.
	Version string
}

// Inspector is the local web page that browses, filters, replays and exports
// captured events. It reads everything from the store dir, so it shows the
// events that were there before listen started as well as the new ones.
type Inspector struct {
	cfg       Config
	index     *eventIndex
	validator *fixtures.Validator    // places a body's problems in the pretty view
	wake      wakeups                // the live streams, told by Notify
	follow    follower               // reads the journal for every live stream
	csp       string                 // on every answer
	webhook   atomic.Pointer[string] // set once the listener knows its URL
}

// New checks the config and fills in defaults.
func New(cfg Config) (*Inspector, error) {
	if cfg.Dir == "" {
		return nil, errors.New("inspector: no store dir")
	}
	if u, err := httpx.ParseTarget(cfg.ForwardTo); err == nil {
		cfg.ForwardTo = u.String() // shown as it is sent to: http://localhost:3000/hook
	}
	if cfg.Client == nil {
		cfg.Client = httpx.NewClient(httpx.ClientOptions{Timeout: 10 * time.Second})
	}
	v, err := fixtures.NewValidator(fixtures.Options{})
	if err != nil {
		return nil, fmt.Errorf("inspector: %w", err)
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	return &Inspector{
		cfg:       cfg,
		index:     newEventIndex(cfg.Dir),
		validator: v,
		csp: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
			"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	}, nil
}

// SetWebhook tells the page where the listener takes events, once it is
// listening (its port may have been picked by the system).
func (in *Inspector) SetWebhook(url string) { in.webhook.Store(&url) }

// Notify tells the live streams that the journal has a new line, so the
// pages show it at once rather than at the next Poll. It never blocks:
// listen passes it to the listener as capture.Config.OnSave.
func (in *Inspector) Notify() { in.wake.notify() }

// AddrError is an address the inspector may not listen on. Its message
// names the setting as listen's flag does (--inspect) and says what would do.
type AddrError struct{ msg string }

func (e *AddrError) Error() string { return e.msg }

// Listen binds addr (HOST:PORT; port 0 picks a free one) for the inspector.
// Only loopback addresses are accepted, anything else is an *AddrError: the
// inspector replays and exports captured events, so it is for the person at
// this machine, never for the network (the webhook port may be exposed
// through a tunnel; this one must not be).
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &AddrError{fmt.Sprintf("--inspect %q is not HOST:PORT: use a loopback address such as %s", addr, DefaultAddr)}
	}
	if !httpx.IsLoopback(host) {
		return nil, &AddrError{fmt.Sprintf("--inspect %q is not loopback: the inspector only listens on localhost, 127.0.0.1 or [::1]", addr)}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("inspector: listen on %s: %w (is another listen running? pick another port with --inspect, or --no-inspect)", addr, err)
	}
	return ln, nil
}

// ListenBeside is Listen for the inspector of a listener on webhookPort (0
// when the system picks it), which it never shares. When move is set and
// addr's port is taken (a second listen beside the first, with the default
// address), it takes the next free port of the ten after it, else any free
// port, as ngrok's inspector does; moved says so. An address a person chose
// should not move.
func ListenBeside(addr string, webhookPort int, move bool) (ln net.Listener, moved bool, err error) {
	host, portText, err := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portText)
	if err == nil && port != 0 && port == webhookPort {
		return nil, false, &AddrError{fmt.Sprintf("--inspect %s uses the webhook port %d: the inspector needs its own port (the webhook port may be exposed through a tunnel, the inspector must not be)", addr, webhookPort)}
	}
	ln, err = Listen(addr)
	if !move || !errors.Is(err, syscall.EADDRINUSE) {
		return ln, false, err
	}
	for next := port + 1; next <= port+10; next++ {
		if next == webhookPort {
			continue
		}
		if ln, err := Listen(net.JoinHostPort(host, strconv.Itoa(next))); err == nil {
			return ln, true, nil
		}
	}
	for range 3 { // the system may pick the port the listener is about to take
		if ln, err = Listen(net.JoinHostPort(host, "0")); err != nil || ln.Addr().(*net.TCPAddr).Port != webhookPort {
			return ln, err == nil, err
		}
		ln.Close()
	}
	return nil, false, fmt.Errorf("inspector: no free port beside %s", addr)
}

// URL is the address a person opens for the inspector on ln.
func URL(ln net.Listener) string { return "http://" + ln.Addr().String() }

// Serve answers on ln until ctx ends, then lets requests in flight finish
// for a moment and returns nil.
func (in *Inspector) Serve(ctx context.Context, ln net.Listener) error {
	tcp, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return fmt.Errorf("inspector: %s is not a TCP address", ln.Addr())
	}
	srv := &http.Server{
		Handler:           in.handler(tcp.Port),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second, // the stream lifts it for itself
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		// Streams end when ctx does, so Shutdown does not wait on them.
		BaseContext: func(net.Listener) context.Context { return ctx },
		// Broken clients must not write on listen's terminal.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("inspector: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("inspector: %w", err)
	}
	return nil
}

// handler is the inspector's HTTP handler for a server on the given
// loopback port: requests naming any other host or port are refused.
func (in *Inspector) handler(port int) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/info", in.handleInfo)
	mux.HandleFunc("GET /api/events", in.handleList)
	mux.HandleFunc("GET /api/events/{id}", in.handleEvent)
	mux.HandleFunc("GET /api/events/{id}/body", in.handleBody)
	mux.HandleFunc("GET /api/events/{id}/curl", in.handleCurl)
	mux.HandleFunc("POST /api/events/{id}/replay", in.handleReplay)
	mux.HandleFunc("GET /api/stream", in.handleStream)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "no such API: see GET /api/events, /api/events/{id}, /api/stream, POST /api/events/{id}/replay")
	})
	files := http.FileServerFS(assets)
	mux.Handle("GET /{$}", noCache(files))
	for _, name := range []string{"app.js", "style.css", "favicon.svg"} {
		mux.Handle("GET /"+name, noCache(files))
	}

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusForbidden, "cross-origin request refused: use the inspector page itself, or call the API without an Origin header (curl, scripts)")
	}))
	return in.guard(strconv.Itoa(port), csrf.Handler(mux))
}

// guard refuses requests for any Host but this machine's loopback names on
// our port (a DNS-rebinding page at evil.example resolving to 127.0.0.1
// still says Host: evil.example), and sets the headers every answer gets.
func (in *Inspector) guard(port string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", in.csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !allowedHost(r.Host, port) {
			http.Error(w, "portant-hooks inspector: this address is only served as http://127.0.0.1:"+port+
				" or http://localhost:"+port+" (the Host header names another site)", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// allowedHost reports whether a Host header names a loopback host on port.
func allowedHost(hostHeader, port string) bool {
	host, p, err := net.SplitHostPort(hostHeader)
	if err != nil {
		// No port: only right when we are on HTTP's default port.
		host, p = hostHeader, "80"
		if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
			host = host[1 : len(host)-1]
		} else if strings.Contains(host, ":") {
			return false
		}
	}
	return p == port && httpx.IsLoopback(host)
}

func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

func writeAPIJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // served as JSON with nosniff, read by fetch
	_ = enc.Encode(v)
}

// apiError answers {"error": msg}.
func apiError(w http.ResponseWriter, status int, msg string) {
	writeAPIJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}

// pageInfo is GET /api/info: what the page shows in its header.
type pageInfo struct {
	Dir       string `json:"dir"`
	ForwardTo string `json:"forwardTo,omitempty"`
	Webhook   string `json:"webhook,omitempty"`
	Version   string `json:"version,omitempty"`
	// Types are the event types, for the page's filter and badge colours.
	Types []fixtures.EventType `json:"types"`
}

func (in *Inspector) handleInfo(w http.ResponseWriter, r *http.Request) {
	info := pageInfo{Dir: in.cfg.Dir, ForwardTo: in.cfg.ForwardTo, Version: in.cfg.Version, Types: fixtures.Types}
	if u := in.webhook.Load(); u != nil {
		info.Webhook = *u
	}
	writeAPIJSON(w, http.StatusOK, info)
}

const (
	defaultPageSize = 50
	maxPageSize     = 500
)

func (in *Inspector) handleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := queryInt(q.Get("limit"), defaultPageSize)
	if err != nil || limit < 1 {
		apiError(w, http.StatusBadRequest, "limit must be a whole number from 1 to "+strconv.Itoa(maxPageSize))
		return
	}
	limit = min(limit, maxPageSize)
	before, err := queryInt(q.Get("before"), 0)
	if err != nil || before < 0 {
		apiError(w, http.StatusBadRequest, "before must be an event id (a whole number), as given in next")
		return
	}
	var f eventFilter
	if t := q.Get("type"); t != "" {
		if strings.EqualFold(t, string(fixtures.Unknown)) {
			f.Type = fixtures.Unknown
		} else if f.Type, err = fixtures.ParseType(t); err != nil {
			apiError(w, http.StatusBadRequest, err.Error()+", or UNKNOWN")
			return
		}
	}
	f.Invalid = q.Get("invalid") == "1" || q.Get("invalid") == "true"
	if s := q.Get("status"); s != "" {
		if f.Answer, f.Status, err = parseAnswerFilter(s); err != nil {
			apiError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	f.Text = q.Get("q")
	if _, err := in.index.Refresh(); err != nil {
		apiError(w, http.StatusInternalServerError, err.Error())
		return
	}
	p, err := in.index.list(r.Context(), in.cfg.Dir, before, limit, f)
	if err != nil {
		if r.Context().Err() != nil {
			return // the page asked for something newer
		}
		apiError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeAPIJSON(w, http.StatusOK, p)
}

func queryInt(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	return strconv.Atoi(s)
}

// record finds the event named by the {id} in the path, or answers 404.
func (in *Inspector) record(w http.ResponseWriter, r *http.Request) (int, journal.Record, bool) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id < 1 {
		apiError(w, http.StatusNotFound, "no event "+strconv.Quote(r.PathValue("id"))+": ids are whole numbers from 1, as listed by GET /api/events")
		return 0, journal.Record{}, false
	}
	if _, err := in.index.Refresh(); err != nil {
		apiError(w, http.StatusInternalServerError, err.Error())
		return 0, journal.Record{}, false
	}
	rec, ok, err := in.index.get(id)
	if err != nil {
		apiError(w, http.StatusInternalServerError, err.Error())
		return 0, journal.Record{}, false
	}
	if !ok {
		apiError(w, http.StatusNotFound, fmt.Sprintf("no event %d in %s", id, in.index.Path()))
		return 0, journal.Record{}, false
	}
	return id, rec, true
}

func (in *Inspector) handleEvent(w http.ResponseWriter, r *http.Request) {
	id, rec, ok := in.record(w, r)
	if !ok {
		return
	}
	writeAPIJSON(w, http.StatusOK, in.detail(id, rec))
}

func (in *Inspector) handleBody(w http.ResponseWriter, r *http.Request) {
	_, rec, ok := in.record(w, r)
	if !ok {
		return
	}
	f, err := in.openBody(rec)
	if err != nil {
		apiError(w, http.StatusNotFound, err.Error())
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		apiError(w, http.StatusInternalServerError, err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if r.URL.Query().Has("download") {
		h.Set("Content-Disposition", `attachment; filename="`+rec.File+`"`) // safeFileName: nothing to escape
	} else {
		// Shown as text by the browser, never as a page.
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	h.Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", info.ModTime(), f)
}

func (in *Inspector) handleCurl(w http.ResponseWriter, r *http.Request) {
	_, rec, ok := in.record(w, r)
	if !ok {
		return
	}
	// A curl command is worth copying before the handler's URL is known.
	target, body, ok := in.replayInput(w, rec, cmp.Or(r.URL.Query().Get("to"), in.cfg.ForwardTo, curlPlaceholderURL))
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintln(w, curlCommand(rec, body, in.bodyPath(rec), target.String()))
}

// replayInput is what a replay or a curl command of rec needs: the target
// (to, else --forward-to) and the saved body. It answers the request
// itself when either is missing or wrong.
func (in *Inspector) replayInput(w http.ResponseWriter, rec journal.Record, to string) (*url.URL, []byte, bool) {
	to = cmp.Or(strings.TrimSpace(to), in.cfg.ForwardTo)
	if to == "" {
		apiError(w, http.StatusBadRequest, "nowhere to replay to: type your handler's URL, or start listen with --forward-to URL")
		return nil, nil, false
	}
	target, err := replayTarget(to)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return nil, nil, false
	}
	body, err := in.readBody(rec)
	if err != nil {
		apiError(w, http.StatusNotFound, err.Error())
		return nil, nil, false
	}
	return target, body, true
}

// maxReplayRequest bounds a replay request: an edited body of up to
// listen's default --max-body, written as a JSON string.
const maxReplayRequest = 24 << 20

// replayRequest is the body of POST /api/events/{id}/replay. Body and
// Headers, when given, are sent in place of the saved body and the
// captured headers (replay with changes); neither is saved.
type replayRequest struct {
	To      string              `json:"to"`
	Body    *string             `json:"body"`
	Headers map[string][]string `json:"headers"`
}

func (in *Inspector) handleReplay(w http.ResponseWriter, r *http.Request) {
	const shape = `{"to": "URL"}, with "body" (a string) and "headers" ({"Name": ["value"]}) to send changed`
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		apiError(w, http.StatusUnsupportedMediaType, "send "+shape+" as application/json")
		return
	}
	var req replayRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxReplayRequest)).Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		apiError(w, http.StatusBadRequest, "the request body must be "+shape+" (or empty to replay to --forward-to as captured): "+err.Error())
		return
	}
	for name, vs := range req.Headers {
		if !httpguts.ValidHeaderFieldName(name) {
			apiError(w, http.StatusBadRequest, fmt.Sprintf("header name %q is not one HTTP allows: letters, digits and !#$%%&'*+-.^_`|~ only", name))
			return
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				apiError(w, http.StatusBadRequest, fmt.Sprintf("the value of header %s is not one line of text: %q", name, v))
				return
			}
		}
	}
	id, rec, ok := in.record(w, r)
	if !ok {
		return
	}
	target, body, ok := in.replayInput(w, rec, req.To)
	if !ok {
		return
	}
	headers, edited := rec.Headers, req.Body != nil || req.Headers != nil
	if req.Body != nil {
		body = []byte(*req.Body)
	}
	if req.Headers != nil {
		headers = req.Headers
	}
	res := replayEvent(r.Context(), in.cfg.Client, headers, body, target)
	res.ID, res.Edited = id, edited
	status := http.StatusOK
	if res.Error != "" {
		status = http.StatusBadGateway
	}
	writeAPIJSON(w, status, res)
}
