package cmd

import (
	"context"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/portant-hooks/portant-hooks/internal/handlertest"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdHandler starts a webhook handler for check scripts, in the background
// of the script, and stops it when the script ends:
//
//	handler [-slow D] BUG|correct VAR
//
// BUG is one of internal/handlertest's (camel-only, recipients,
// not-idempotent, racy, needs-requested, strict-fields, slow); with
// "correct" the handler has none. -slow sets how long the slow one takes.
// VAR gets the handler's URL.
func cmdHandler(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! handler")
	}
	slow := 2 * time.Second
	if len(args) == 4 && args[0] == "-slow" {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		slow = d
		args = args[2:]
	}
	if len(args) != 2 {
		ts.Fatalf("usage: handler [-slow D] BUG|correct VAR")
	}
	bug := handlertest.Bug(args[0])
	if bug == "correct" {
		bug = handlertest.None
	} else if !slices.Contains(handlertest.Bugs, bug) {
		ts.Fatalf("handler: unknown bug %q: use correct or one of %v", args[0], handlertest.Bugs)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	h := handlertest.New(bug)
	h.SlowFor = slow
	serveInScript(ts, ln, h)
	ts.Setenv(args[1], "http://"+ln.Addr().String()+"/webhooks/portant")
}

// serveInScript serves h on ln in the background of the script, and shuts
// it down when the script ends.
func serveInScript(ts *testscript.TestScript, ln net.Listener, h http.Handler) {
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: h}
	go srv.Serve(ln) //nolint:errcheck // ends with the script
	ts.Defer(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
}
