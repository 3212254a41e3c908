package capture

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/portant-hooks/portant-hooks/internal/httpx"
)

// Format is how the terminal shows each event.
type Format string

// The formats of --format.
const (
	FormatPretty  Format = "pretty"  // a styled header and the pretty-printed body
	FormatSummary Format = "summary" // the header line only
	FormatJSON    Format = "json"    // one NDJSON line per event, for jq
	FormatQuiet   Format = "quiet"   // nothing per event
)

// Formats lists the formats, for help text and completion.
var Formats = []string{string(FormatPretty), string(FormatJSON), string(FormatSummary), string(FormatQuiet)}

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(Formats, string(f)) {
		return "", fmt.Errorf("unknown format %q: use %s", s, strings.Join(Formats, ", "))
	}
	return f, nil
}

// Defaults of the Config fields listen's flags show.
const (
	DefaultHost           = "127.0.0.1"
	DefaultPort           = 7678
	DefaultForwardTimeout = 30 * time.Second
	DefaultMaxBody        = 10 << 20 // bytes: larger bodies get 413
	DefaultKeepAnswer     = 64 << 10 // bytes of each answer's body the journal keeps
)

// Defaults of the other Config fields, as their comments say.
const (
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadTimeout       = time.Minute
	defaultBodyTimeout       = 20 * time.Second
	defaultIdleTimeout       = 2 * time.Minute
	defaultMaxHeaderBytes    = 64 << 10
	defaultShutdownTimeout   = 10 * time.Second
	// maxKeepAnswer bounds KeepAnswer so that a journal line stays well
	// under journal.MaxLine, which its readers skip beyond, even when the
	// answer is escaped six bytes to one.
	maxKeepAnswer           = 512 << 10
	defaultFlushTimeout     = 2 * time.Second
	defaultRenderQueue      = 1024
	defaultRenderQueueBytes = 64 << 20
	// defaultMaxInFlight is the least MaxInFlight defaults to: with
	// 16 MaxBody when that is larger.
	defaultMaxInFlight  = 256 << 20
	defaultInFlightWait = time.Second
)

// Config is everything Serve needs. The zero value of a field means its
// default where it has one.
type Config struct {
	Host string // default 127.0.0.1; anything not loopback gets a warning
	Port int    // 0 picks a free port
	Path string // "/" or "" accepts any path; "/x/" a subtree; "/x" exactly /x
	// Listener, when set, is served instead of listening on Host:Port.
	Listener net.Listener

	Dir         string // where bodies and events.ndjson go
	NoSave      bool   // only watch: save nothing, write no journal
	Fsync       bool   // sync every body and journal line to disk before answering
	KeepSecrets bool   // keep Authorization, Cookie, token... in the journal
	MaxBody     int64  // bodies above it get 413 and are not saved; default 10 MiB
	// MaxInFlight bounds the body bytes that the requests being read and
	// answered hold at once; a request that finds no room for its body
	// within InFlightWait gets 503 with Retry-After, and is counted, not
	// saved. Default: 256 MiB or 16 MaxBody, whichever is larger. It must
	// be at least MaxBody.
	MaxInFlight  int64
	InFlightWait time.Duration // default 1s

	Token string // when set, requests need ?token=Token or TokenHeader: Token

	Status   int           // the answer to a saved event; default 200
	Delay    time.Duration // wait this long before answering
	FailRate float64       // percent of saved events answered 500

	// ForwardTo, when set, is a handler's URL (httpx.ParseTarget:
	// "localhost:3000/hook" works): each saved event is forwarded to it,
	// and answered with its answer.
	ForwardTo      string
	ForwardTimeout time.Duration // for one forwarded request
	// KeepAnswer is how many bytes of the handler's answer each journal
	// record keeps (listen --keep-answer): 64 KiB when 0, none when
	// negative, at most 512 KiB.
	KeepAnswer int64
	// Own collects the program's own addresses (this listener's, and the
	// inspector's when the caller adds it): forwarding never connects to
	// them, so an event cannot be forwarded round to itself. Nil: one of
	// its own.
	Own *httpx.Own

	Format      Format
	Out         io.Writer // events (the data)
	Err         io.Writer // banner, warnings, rejected requests, summary
	Color       bool      // Out takes colour
	ColorErr    bool      // Err takes colour
	RenderQueue int       // events waiting for the terminal before new ones are dropped from view; default 1024

	// OnSave, when set, is called after each event is saved, journalled and
	// answered (with NoSave, once it is answered), on the request's
	// goroutine: it must return at once. The inspector's Notify is one.
	OnSave func()
	// Banner adds lines to the start-up banner, after the built-in ones
	// (say, where the inspector is).
	Banner []BannerLine
	// OnReady is called once the listener accepts connections, with the URL
	// to send events to. An error stops Serve.
	OnReady func(url string) error

	// The server's limits, as in http.Server; defaults 10s, 1 min, 2 min
	// and 64 KiB.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	// BodyTimeout bounds how long a request's body may take to arrive once
	// its headers have (408 after it): a sender trickling bytes holds a
	// connection and its room in MaxInFlight for no longer than that.
	// Default 20s.
	BodyTimeout    time.Duration
	IdleTimeout    time.Duration
	MaxHeaderBytes int
	// ShutdownTimeout bounds how long requests in flight may take to
	// finish once ctx is done; the ones still running are then cut off.
	// Default 10s.
	ShutdownTimeout time.Duration
	// FlushTimeout bounds how long the terminal may take to show what is
	// queued, and then the summary, once requests are done: a terminal
	// that does not read (a paused pager, Ctrl-S) must not keep the
	// listener from stopping. Default 2s.
	FlushTimeout time.Duration
}

// BannerLine is one "Label  value" line of the start-up banner.
type BannerLine struct{ Label, Value string }

func (c *Config) setDefaults() {
	if c.Host == "" {
		c.Host = DefaultHost
	}
	if c.Path == "" {
		c.Path = "/"
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = max(defaultMaxInFlight, 16*c.MaxBody)
	}
	if c.InFlightWait <= 0 {
		c.InFlightWait = defaultInFlightWait
	}
	if c.Status == 0 {
		c.Status = http.StatusOK
	}
	if c.ForwardTimeout <= 0 {
		c.ForwardTimeout = DefaultForwardTimeout
	}
	if c.KeepAnswer == 0 {
		c.KeepAnswer = DefaultKeepAnswer
	}
	if c.Format == "" {
		c.Format = FormatPretty
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
	if c.Err == nil {
		c.Err = io.Discard
	}
	if c.RenderQueue <= 0 {
		c.RenderQueue = defaultRenderQueue
	}
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = defaultReadHeaderTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = defaultReadTimeout
	}
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = defaultBodyTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = defaultIdleTimeout
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = defaultMaxHeaderBytes
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = defaultShutdownTimeout
	}
	if c.FlushTimeout <= 0 {
		c.FlushTimeout = defaultFlushTimeout
	}
}

// Check reports a Config that cannot work before anything starts; zero
// fields stand for their defaults. Its messages name the setting as
// listen's flag does (--status, --forward-to, ...) and say what would work.
// Serve checks its Config too; listen calls Check first to show a usage
// error.
func (c Config) Check() error {
	if c.ForwardTimeout < 0 {
		return fmt.Errorf("--forward-timeout %s is negative", c.ForwardTimeout)
	}
	c.setDefaults()
	if _, err := ParseFormat(string(c.Format)); err != nil {
		return fmt.Errorf("--format: %v", err)
	}
	switch {
	case c.Listener == nil && (c.Port < 0 || c.Port > 65535):
		return fmt.Errorf("--port %d is not a port: use 1 to 65535, or 0 for a free one", c.Port)
	case c.Status < 200 || c.Status > 599:
		return fmt.Errorf("--status %d is not a status to answer with: use 200 to 599", c.Status)
	case c.FailRate < 0 || c.FailRate > 100:
		return fmt.Errorf("--fail-rate %g is not a percentage: use 0 to 100", c.FailRate)
	case c.MaxInFlight < c.MaxBody:
		return fmt.Errorf("--max-in-flight %s is below --max-body %s: a body that large could never be read", formatSize(c.MaxInFlight), formatSize(c.MaxBody))
	case c.Delay < 0:
		return fmt.Errorf("--delay %s is negative", c.Delay)
	case c.KeepAnswer > maxKeepAnswer:
		return fmt.Errorf("--keep-answer %s is more than the journal keeps: use at most %s (the handler's whole answer still goes back to the sender)", formatSize(c.KeepAnswer), formatSize(maxKeepAnswer))

	case !strings.HasPrefix(c.Path, "/"):
		return fmt.Errorf("--path %q must start with /", c.Path)
	case !c.NoSave && c.Dir == "":
		return fmt.Errorf("no directory to save events in: give --dir, or --no-save")
	case c.ForwardTo == "":
		return nil
	case c.Status != http.StatusOK || c.FailRate > 0:
		return fmt.Errorf("--forward-to answers with the handler's status: it cannot be combined with --status or --fail-rate")
	}
	if _, err := httpx.ParseTarget(c.ForwardTo); err != nil {
		return fmt.Errorf("--forward-to: %v", err)
	}
	return nil
}
