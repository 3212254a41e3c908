package cmd

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdSink starts a test handler for send scripts, in the background of the
// script, and stops it when the script ends:
//
//	sink [-status 503,503,200] [-retry-after V] [-delay D] [-dir DIR] VAR
//	sink -dead VAR
//	sink -hangup VAR
//
// It answers the statuses in turn (the last one repeats; 200 by default),
// with Retry-After: V on 429 and 503 answers when asked, after D, and
// writes the n-th request's body to DIR/000n.json and its headers, one
// "Name: value" per line in name order, to DIR/000n.headers. VAR gets the
// server's URL, and VAR_ADDR its host:port. With -dead, VAR gets a URL on which nothing listens.
// With -hangup, the server reads each request and closes the connection
// without answering.
func cmdSink(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! sink")
	}
	var (
		statuses   = []int{http.StatusOK}
		retryAfter string
		delay      time.Duration
		dir        string
		dead       bool
		hangup     bool
	)
	for len(args) > 1 {
		switch args[0] {
		case "-status":
			statuses = nil
			for _, s := range strings.Split(args[1], ",") {
				n, err := strconv.Atoi(s)
				ts.Check(err)
				statuses = append(statuses, n)
			}
		case "-retry-after":
			retryAfter = args[1]
		case "-delay":
			d, err := time.ParseDuration(args[1])
			ts.Check(err)
			delay = d
		case "-dir":
			dir = ts.MkAbs(args[1])
			ts.Check(os.MkdirAll(dir, 0o755))
		case "-dead":
			dead = true
			args = args[1:]
			continue
		case "-hangup":
			hangup = true
			args = args[1:]
			continue
		default:
			ts.Fatalf("sink: unknown flag %s", args[0])
		}
		args = args[2:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: sink [-status 503,200] [-retry-after V] [-delay D] [-dir DIR] VAR | sink -dead VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	url := "http://" + ln.Addr().String()
	if dead {
		ln.Close()
		ts.Setenv(args[0], url)
		return
	}
	var (
		mu sync.Mutex
		n  int
	)
	serveInScript(ts, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if hangup {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		if dir != "" {
			var hs []string
			for name, vs := range r.Header {
				for _, v := range vs {
					hs = append(hs, name+": "+v)
				}
			}
			if r.Host != ln.Addr().String() {
				hs = append(hs, "Host: "+r.Host)
			}
			slices.Sort(hs)
			base := filepath.Join(dir, fmt.Sprintf("%04d", i))
			_ = os.WriteFile(base+".json", body, 0o644)
			_ = os.WriteFile(base+".headers", []byte(strings.Join(hs, "\n")+"\n"), 0o644)
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done(): // the sender gave up
				return
			}
		}
		status := statuses[min(i, len(statuses))-1]
		if retryAfter != "" && (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(status)
		if status >= 300 {
			fmt.Fprintf(w, `{"error":"scripted %d"}`, status)
		}
	}))
	ts.Setenv(args[0], url)
	ts.Setenv(args[0]+"_ADDR", ln.Addr().String())
}
