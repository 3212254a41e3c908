package cmd

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/capture"
	"github.com/rogpeppe/go-internal/testscript"
)

// countfiles N GLOB: exactly N files match GLOB (relative to $WORK).
func cmdCountFiles(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: countfiles N GLOB")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	matches, err := filepath.Glob(ts.MkAbs(args[1]))
	ts.Check(err)
	if len(matches) != want {
		ts.Fatalf("%d files match %s, want %d: %v", len(matches), args[1], want, matches)
	}
}

// cmpglob GLOB FILE: exactly one file matches GLOB and it holds the same
// bytes as FILE.
func cmdCmpGlob(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cmpglob GLOB FILE")
	}
	matches, err := filepath.Glob(ts.MkAbs(args[0]))
	ts.Check(err)
	if len(matches) != 1 {
		ts.Fatalf("%d files match %s, want 1: %v", len(matches), args[0], matches)
	}
	got, err := os.ReadFile(matches[0])
	ts.Check(err)
	if want := []byte(ts.ReadFile(args[1])); !bytes.Equal(got, want) {
		ts.Fatalf("%s differs from %s:\n%q\n%q", matches[0], args[1], got, want)
	}
}

// portof VAR URL: set VAR to the port of URL.
func cmdPortOf(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: portof VAR URL")
	}
	u, err := url.Parse(args[1])
	ts.Check(err)
	ts.Setenv(args[0], u.Port())
}

// signal NAME: send the signal NAME (TERM, INT, HUP, QUIT) to the
// background command still running, as a service manager would; wait then
// checks how it exited. testscript's kill sends only INT and KILL, and
// does not tell other commands the names of background ones, so exactly one
// must be running (not yet waited for).
func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: signal NAME")
	}
	sig, ok := map[string]syscall.Signal{
		"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "HUP": syscall.SIGHUP, "QUIT": syscall.SIGQUIT,
	}[strings.TrimPrefix(strings.ToUpper(args[0]), "SIG")]
	if !ok {
		ts.Fatalf("signal: unknown signal %q: use TERM, INT, HUP or QUIT", args[0])
	}
	bg := ts.BackgroundCmds()
	if len(bg) != 1 {
		ts.Fatalf("signal: %d background commands running, want exactly 1", len(bg))
	}
	ts.Check(bg[0].Process.Signal(sig))
}

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"10MiB", 10 << 20}, {"10mb", 10 << 20}, {"512KiB", 512 << 10}, {"1048576", 1 << 20},
		{"1.5M", 3 << 19}, {" 1 g ", 1 << 30}, {"100B", 100}, {"1", 1},
	} {
		if got, err := parseSize(tt.in); err != nil || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "MiB", "10 parsecs", "-1", "0", "2GiB", "1..2"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
}

// The flags' defaults are written from capture's, and read back as them.
func TestSizeTextIsWhatParseSizeReads(t *testing.T) {
	for n, want := range map[int64]string{capture.DefaultMaxBody: "10MiB", capture.DefaultKeepAnswer: "64KiB", 1 << 30: "1GiB", 1536: "1536B", 1000: "1000B"} {
		got := sizeText(n)
		if back, err := parseSize(got); got != want || err != nil || back != n {
			t.Errorf("sizeText(%d) = %q, read back as %d (%v); want %q", n, got, back, err, want)
		}
	}
}

func TestListenConfigRefusesFlagsThatCannotWork(t *testing.T) {
	f := &Factory{IO: Test(nil, &bytes.Buffer{}, &bytes.Buffer{})}
	base := listenOptions{host: "127.0.0.1", port: 7678, path: "/", dir: "d", maxBody: "10MiB", keepAnswer: "64KiB", status: 200, format: "pretty", forwardTimeout: 1}
	for name, change := range map[string]func(*listenOptions){
		"format":               func(o *listenOptions) { o.format = "yaml" },
		"max-body":             func(o *listenOptions) { o.maxBody = "lots" },
		"max-in-flight":        func(o *listenOptions) { o.maxInFlight = "lots" },
		"max-in-flight < body": func(o *listenOptions) { o.maxInFlight = "1MiB" },
		"port":                 func(o *listenOptions) { o.port = 70000 },
		"status":               func(o *listenOptions) { o.status = 42 },
		"fail-rate":            func(o *listenOptions) { o.failRate = 120 },
		"delay":                func(o *listenOptions) { o.delay = -1 },
		"path":                 func(o *listenOptions) { o.path = "hooks" },
		"forward and status":   func(o *listenOptions) { o.forwardTo = "http://localhost:1"; o.status = 500 },
		"forward and failures": func(o *listenOptions) { o.forwardTo = "http://localhost:1"; o.failRate = 5 },
		"forward-timeout":      func(o *listenOptions) { o.forwardTimeout = -time.Second },
		"forward-to":           func(o *listenOptions) { o.forwardTo = "ftp://localhost:1" },
	} {
		opts := base
		change(&opts)
		_, err := listenConfig(f, opts)
		var fe *flagError
		if err == nil || !strings.Contains(err.Error(), "--") || !asFlagError(err, &fe) {
			t.Errorf("%s: %v, want a usage error naming the flag", name, err)
		}
	}
	if cfg, err := listenConfig(f, base); err != nil || cfg.MaxInFlight != 0 {
		t.Errorf("the defaults: %v, in-flight limit %d (want 0: capture's default)", err, cfg.MaxInFlight)
	}
	opts := base
	opts.maxInFlight = "512MiB"
	if cfg, err := listenConfig(f, opts); err != nil || cfg.MaxInFlight != 512<<20 {
		t.Errorf("--max-in-flight 512MiB: %v, in-flight limit %d", err, cfg.MaxInFlight)
	}
}

func asFlagError(err error, fe **flagError) bool {
	e, ok := err.(*flagError)
	*fe = e
	return ok
}
