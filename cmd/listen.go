package cmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/portant-hooks/portant-hooks/capture"
	"github.com/portant-hooks/portant-hooks/capture/inspector"
	"github.com/portant-hooks/portant-hooks/internal/atomicfile"
	"github.com/portant-hooks/portant-hooks/internal/httpx"
	"github.com/spf13/cobra"
)

type listenOptions struct {
	host           string
	port           int
	path           string
	dir            string
	noSave         bool
	fsync          bool
	keepSecrets    bool
	maxBody        string
	maxInFlight    string
	token          string
	status         int
	delay          time.Duration
	failRate       float64
	forwardTo      string
	forwardTimeout time.Duration
	keepAnswer     string
	format         string
	readyFile      string
	inspect        string
	noInspect      bool
	inspectReady   string
}

func newListenCmd(f *Factory) *cobra.Command {
	var opts listenOptions
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Capture the events Portant sends, show them, save them as fixtures",
		Long: `Capture the events Portant sends, show each one, and save it as a fixture.

Every POST is saved byte for byte before it is answered, as
<dir>/<UTC time>-<seq>-<TYPE>-<id prefix>.json (names sort in arrival order),
and journalled in <dir>/events.ndjson with its headers, sha256, type and
validity. Restarted on the same --dir, it numbers on from the journal. Secret-bearing headers are redacted in the journal unless
--keep-secrets. Saved files are ready for "validate" and "send".

It listens on loopback only, unless --host says otherwise. To receive real
events, expose the port through a tunnel (ngrok http 7678, cloudflared
tunnel --url http://localhost:7678), paste the public URL into Portant's
"Send events to Webhook" block, and require a --token.

It can also stand in for your endpoint (--status, --delay, --fail-rate) or
sit in front of it (--forward-to), to see how each side behaves.

The inspector, a web page on its own loopback address (http://127.0.0.1:7679,
--inspect ADDR, --no-inspect), lists the saved events live, shows each one
with its problems marked, and replays it, copies it as curl or downloads it.

Ctrl-C stops it: requests in flight finish, and a summary is printed.`,
		Example: `  portant-hooks listen
  portant-hooks listen --port 9000 --dir fixtures/captured
  portant-hooks listen --token "$(openssl rand -hex 16)"   # before exposing it through a tunnel
  portant-hooks listen --forward-to http://localhost:3000/webhooks/portant
  portant-hooks listen --status 503 --delay 2s           # see how the sender retries
  portant-hooks listen --format json | jq .eventType`,
		Args: argsUsage(noArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return listenRun(cmd, f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.host, "host", capture.DefaultHost, "address to listen on (anything but loopback is reachable from other machines)")
	fl.IntVarP(&opts.port, "port", "p", capture.DefaultPort, "port to listen on (0 picks a free one)")
	fl.StringVar(&opts.path, "path", "/", `accept events only on this path ("/": any path, "/x/": under /x/)`)
	fl.StringVarP(&opts.dir, "dir", "d", "portant-events", "directory to save events in")
	fl.BoolVar(&opts.noSave, "no-save", false, "only show events: save nothing")
	fl.BoolVar(&opts.fsync, "fsync", false, "sync every event to disk before answering (slower, survives a power cut)")
	fl.BoolVar(&opts.keepSecrets, "keep-secrets", false, "keep Authorization, Cookie, tokens... in the journal instead of redacting them")
	fl.StringVar(&opts.maxBody, "max-body", sizeText(capture.DefaultMaxBody), "largest body accepted (413 beyond it, nothing saved)")
	fl.StringVar(&opts.maxInFlight, "max-in-flight", "", "most body bytes held at once across requests (503 with Retry-After beyond it; default 256MiB, or 16× --max-body if larger)")
	fl.StringVar(&opts.token, "token", "", "require this token: ?token=T in the URL or the "+capture.TokenHeader+" header (401 otherwise)")
	fl.IntVar(&opts.status, "status", 200, "status to answer events with (mock endpoint)")
	fl.DurationVar(&opts.delay, "delay", 0, "wait this long before answering (mock endpoint)")
	fl.Float64Var(&opts.failRate, "fail-rate", 0, "answer 500 to this percentage of events, still saving them (mock endpoint)")
	fl.StringVar(&opts.forwardTo, "forward-to", "", "forward each event to this URL and answer with its answer (502 when unreachable)")
	fl.DurationVar(&opts.forwardTimeout, "forward-timeout", capture.DefaultForwardTimeout, "how long the --forward-to handler may take")
	fl.StringVar(&opts.keepAnswer, "keep-answer", sizeText(capture.DefaultKeepAnswer), "with --forward-to, journal this much of each answer's body (0: status and headers only)")
	fl.StringVar(&opts.format, "format", string(capture.FormatPretty), "how to show events: "+strings.Join(capture.Formats, "|"))
	fl.StringVar(&opts.readyFile, "ready-file", "", "write the URL to this file once listening (for scripts and tests)")
	_ = fl.MarkHidden("ready-file")
	fl.StringVar(&opts.inspect, "inspect", inspector.DefaultAddr, "serve the inspector, a web page to browse, replay and export events, on this loopback address")
	fl.BoolVar(&opts.noInspect, "no-inspect", false, "do not serve the inspector")
	fl.StringVar(&opts.inspectReady, "inspect-ready-file", "", "write the inspector's URL to this file once listening (for scripts and tests)")
	_ = fl.MarkHidden("inspect-ready-file")
	_ = cmd.MarkFlagDirname("dir")
	_ = cmd.MarkFlagFilename("ready-file")
	_ = cmd.MarkFlagFilename("inspect-ready-file")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords(capture.Formats...))
	return cmd
}

func listenRun(cmd *cobra.Command, f *Factory, opts listenOptions) error {
	cfg, err := listenConfig(f, opts)
	if err != nil {
		return err
	}
	cfg.Own = &httpx.Own{} // neither forwards nor replays go to the listener or the inspector
	tuneGC(cfg.MaxInFlight)
	stopInspector, err := startInspector(cmd, opts, &cfg)
	if err != nil {
		return err
	}
	err = capture.Serve(cmd.Context(), cfg)
	if ierr := stopInspector(); err == nil {
		err = ierr
	}
	var se *capture.StartError
	switch {
	case errors.Is(err, capture.ErrAddrInUse):
		addr := net.JoinHostPort(opts.host, strconv.Itoa(opts.port))
		return inputErrorf("cannot listen on %s: the port is already in use (another listen?): stop that program, or choose another port with --port (--port 0 picks a free one)", addr)
	case errors.As(err, &se):
		return inputErrorf("%v", se)
	}
	return err
}

// listenConfig turns the flags into the capture configuration, checked:
// what cannot work is a usage error.
func listenConfig(f *Factory, opts listenOptions) (capture.Config, error) {
	format, err := capture.ParseFormat(opts.format)
	if err != nil {
		return capture.Config{}, flagErrorf("--format: %v", err)
	}
	maxBody, err := parseSize(opts.maxBody)
	if err != nil {
		return capture.Config{}, flagErrorf("--max-body: %v", err)
	}
	var maxInFlight int64
	if opts.maxInFlight != "" {
		if maxInFlight, err = parseSize(opts.maxInFlight); err != nil {
			return capture.Config{}, flagErrorf("--max-in-flight: %v", err)
		}
	}
	keepAnswer := int64(-1) // none: capture's 0 is its default
	if strings.TrimSpace(opts.keepAnswer) != "0" {
		if keepAnswer, err = parseSize(opts.keepAnswer); err != nil {
			return capture.Config{}, flagErrorf("--keep-answer: %v", err)
		}
	}
	cfg := capture.Config{
		Host:           opts.host,
		Port:           opts.port,
		Path:           opts.path,
		Dir:            opts.dir,
		NoSave:         opts.noSave,
		Fsync:          opts.fsync,
		KeepSecrets:    opts.keepSecrets,
		MaxBody:        maxBody,
		MaxInFlight:    maxInFlight,
		Token:          opts.token,
		Status:         opts.status,
		Delay:          opts.delay,
		FailRate:       opts.failRate,
		ForwardTo:      opts.forwardTo,
		ForwardTimeout: opts.forwardTimeout,
		KeepAnswer:     keepAnswer,
		Format:         format,
		Out:            f.IO.Out,
		Err:            f.IO.Err,
		Color:          f.IO.ColorOut(),
		ColorErr:       f.IO.ColorErr(),
	}
	if err := cfg.Check(); err != nil {
		return capture.Config{}, &flagError{err}
	}
	if opts.readyFile != "" {
		cfg.OnReady = func(url string) error { return writeReadyFile(opts.readyFile, url) }
	}
	return cfg, nil
}

// startInspector serves the inspector beside the listener, on its own
// loopback address, and adds its URL to the banner; the returned func stops
// it. The default address moves to a free port when it is taken (two
// listens side by side); an address the user chose must be free.
func startInspector(cmd *cobra.Command, opts listenOptions, cfg *capture.Config) (stop func() error, err error) {
	off := func() error { return nil }
	switch {
	case opts.noInspect:
		return off, nil
	case opts.noSave:
		cfg.Banner = append(cfg.Banner, capture.BannerLine{Label: "Inspector", Value: "off: with --no-save there are no saved events to inspect"})
		return off, nil
	}
	ln, moved, err := inspector.ListenBeside(opts.inspect, opts.port, !cmd.Flags().Changed("inspect"))
	var ae *inspector.AddrError
	switch {
	case errors.As(err, &ae):
		return nil, &flagError{err}
	case err != nil:
		return nil, inputErrorf("%v", err)
	}
	insp, err := inspector.New(inspector.Config{
		Dir:       opts.dir,
		ForwardTo: opts.forwardTo,
		Client:    httpx.NewClient(httpx.ClientOptions{Timeout: opts.forwardTimeout, NotTo: cfg.Own}),
		Version:   buildVersion(),
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	cfg.Own.Add(ln.Addr())
	url := inspector.URL(ln)
	banner := url
	if moved {
		banner += " (" + opts.inspect + " was taken)"
	}
	cfg.Banner = append(cfg.Banner, capture.BannerLine{Label: "Inspector", Value: banner})
	cfg.OnSave = insp.Notify
	ready := cfg.OnReady
	cfg.OnReady = func(webhook string) error {
		insp.SetWebhook(webhook)
		if opts.inspectReady != "" {
			if err := writeReadyFile(opts.inspectReady, url); err != nil {
				return err
			}
		}
		if ready != nil {
			return ready(webhook)
		}
		return nil
	}
	ctx, cancel := context.WithCancel(cmd.Context())
	served := make(chan error, 1)
	go func() { served <- insp.Serve(ctx, ln) }()
	return func() error {
		cancel()
		return <-served
	}, nil
}

// writeReadyFile writes url to path in one step, so a reader never sees it
// half written.
func writeReadyFile(path, url string) error {
	if err := atomicfile.WriteFile(path, []byte(url+"\n"), 0o644); err != nil {
		return fmt.Errorf("ready file: %w", err)
	}
	return nil
}

// sizeText writes n bytes as parseSize reads them, in the largest binary
// unit that holds it exactly: 10MiB, 64KiB, 1000B.
func sizeText(n int64) string {
	for _, u := range []struct {
		name  string
		bytes int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.bytes && n%u.bytes == 0 {
			return strconv.FormatInt(n/u.bytes, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// parseSize reads a byte count: 1048576, 512KiB, 10MiB, 1.5MB, 2g. The
// units are binary (K = 1024) whichever way they are spelled.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return 0, fmt.Errorf("%q is not a size: use bytes or a unit, such as 512KiB or 10MiB", s)
	}
	mult := map[string]float64{"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
		"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("%q has an unknown unit %q: use B, KiB, MiB or GiB", s, t[i:])
	}
	n := v * mult
	if n < 1 || n > 1<<30 {
		return 0, fmt.Errorf("%q is out of range: use 1B to 1GiB", s)
	}
	return int64(n), nil
}
