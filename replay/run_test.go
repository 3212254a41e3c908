package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

func TestRunReportsEveryResultAndTheSummary(t *testing.T) {
	tg := newTarget(t, 200, 503, 200)
	var out, errOut bytes.Buffer
	stats, err := Run(context.Background(), newSender(t, tg.URL), slices.Values(examples()[:3]), Output{Out: &out, Err: &errOut})
	if !errors.Is(err, ErrFailed) || stats.Sent != 3 || stats.OK != 2 || stats.Failed != 1 {
		t.Fatalf("Run = %+v, %v", stats, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "503 ") || !strings.HasSuffix(lines[1], "  "+strings.Repeat("x", 100)) {
		t.Errorf("lines:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "sent 3 events to "+tg.URL) || !strings.Contains(errOut.String(), "2 2xx, 1 failed (1× 503)") {
		t.Errorf("summary:\n%s", errOut.String())
	}
}

func TestRunJSON(t *testing.T) {
	tg := newTarget(t)
	var out bytes.Buffer
	if _, err := Run(context.Background(), newSender(t, tg.URL), slices.Values(examples()), Output{Out: &out, JSON: true}); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r struct {
			Seq       int
			EventType string
			OK        bool
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.Seq != i+1 || !r.OK || r.EventType != string(fixtures.Types[i]) {
			t.Errorf("line %d: %s (%v)", i, line, err)
		}
	}
}

func TestRunStopsAtADeadTarget(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	url := "http://" + ln.Addr().String() + "/hook"
	ln.Close()
	var out bytes.Buffer
	evs := collect(Synthetic{Types: fixtures.Types, Count: 50, Seed: 1})
	stats, err := Run(context.Background(), newSender(t, url, WithConcurrency(4)), slices.Values(evs), Output{Out: &out})
	var dead *UnreachableError
	if !errors.As(err, &dead) || dead.Target != url || dead.Err.Error() != "connection refused" || stats.Sent != 1 {
		t.Fatalf("Run = %+v, %v", stats, err)
	}
	if n := strings.Count(out.String(), "\n"); n != 1 {
		t.Errorf("%d lines, want the one that found the target dead:\n%s", n, out.String())
	}
	if got := err.Error(); got != "cannot reach "+url+" (connection refused): is your handler running and listening there?" {
		t.Errorf("message: %s", got)
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	tg := newTarget(t)
	ctx, cancel := context.WithCancel(context.Background())
	tg.hold = func(r *http.Request, n int) {
		if n == 2 {
			cancel() // the user presses Ctrl-C while the third is on its way
			<-r.Context().Done()
		}
	}
	stats, err := Run(ctx, newSender(t, tg.URL), slices.Values(examples()), Output{})
	if !errors.Is(err, context.Canceled) || stats.Sent != 2 {
		t.Errorf("Run = %+v, %v: want the 2 answered events, and the cancellation", stats, err)
	}
}
