package cmd

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite golden files and testscript expectations")

// TestMain lets testscript run the real command line as "portant-hooks".
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"portant-hooks": func() { os.Exit(scriptMain()) },
	})
}

// TestScripts runs the user's-eye tests in testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	logs := t.TempDir()
	t.Cleanup(func() { checkOutputLogs(t, logs) }) // after every script has run
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/.config") // never read the developer's config
			return setupOutputLog(env, logs)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfile":   cmdWaitFile,
			"httppost":   cmdHTTP(http.MethodPost),
			"httpget":    cmdHTTP(http.MethodGet),
			"envfile":    cmdEnvFile,
			"countfiles": cmdCountFiles,
			"cmpglob":    cmdCmpGlob,
			"portof":     cmdPortOf,
			"sink":       cmdSink,
			"handler":    cmdHandler,
			"signal":     cmdSignal,
		},
	})
}

// waitfile FILE [TIMEOUT]: wait until FILE exists and is not empty (a
// server's ready file), 10s by default.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile FILE [TIMEOUT]")
	}
	timeout := 10 * time.Second
	if len(args) == 2 {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		timeout = d
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if info, err := os.Stat(path); err == nil && info.Size() > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("%s did not appear within %s", args[0], timeout)
}

// envfile VAR FILE: set VAR to the trimmed content of FILE (a ready file
// holding a URL, say).
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile VAR FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// httppost URL [FILE] [Name:value]...: send a request, print the status
// code and the body to stdout. httpget URL [Name:value]... likewise.
// With "!" the request is expected to fail to connect.
func cmdHTTP(method string) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) < 1 {
			ts.Fatalf("usage: http%s URL [FILE] [Name:value]...", strings.ToLower(method))
		}
		var body io.Reader
		rest := args[1:]
		if method == http.MethodPost && len(rest) > 0 && !strings.Contains(rest[0], ":") {
			body = bytes.NewReader([]byte(ts.ReadFile(rest[0])))
			rest = rest[1:]
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, args[0], body)
		ts.Check(err)
		for _, h := range rest {
			name, value, _ := strings.Cut(h, ":")
			req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
		}
		resp, err := http.DefaultClient.Do(req)
		if neg {
			if err == nil {
				resp.Body.Close()
				ts.Fatalf("request to %s succeeded with %s, want a connection error", args[0], resp.Status)
			}
			return
		}
		ts.Check(err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "%d\n%s", resp.StatusCode, b)
	}
}
