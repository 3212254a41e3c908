package capture

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// TestListenChild is the listener the crash tests kill: it runs only in a
// process they start, and prints its URL once ready.
func TestListenChild(t *testing.T) {
	dir := os.Getenv("PORTANT_HOOKS_CHILD_DIR")
	if dir == "" {
		t.Skip("run by the crash tests, in a process of their own")
	}
	err := Serve(context.Background(), Config{Dir: dir, Format: FormatQuiet, ForwardTo: os.Getenv("PORTANT_HOOKS_CHILD_FORWARD"),
		OnReady: func(url string) error { _, err := fmt.Println("ready " + url); return err }})
	t.Fatalf("Serve returned: %v", err)
}

// startChild runs a listener on dir in another process, to kill -9.
func startChild(t *testing.T, dir, forwardTo string) (url string, kill func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestListenChild$")
	cmd.Env = append(os.Environ(), "PORTANT_HOOKS_CHILD_DIR="+dir, "PORTANT_HOOKS_CHILD_FORWARD="+forwardTo)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill = func() {
		once.Do(func() {
			cmd.Process.Kill() // SIGKILL: nothing is flushed, closed or unlocked by the process
			cmd.Wait()
		})
	}
	t.Cleanup(kill)
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "ready "); ok {
			go func() {
				for lines.Scan() {
				}
			}()
			return u, kill
		}
	}
	t.Fatal("the child listener did not start")
	return "", nil
}

// Every event answered 2xx before a kill -9 in the middle of the load has
// its file and its journal line, and a listener started again on the
// directory numbers on from the highest seq.
func TestLoadAKill9InTheMiddleLosesNothingAnswered(t *testing.T) {
	n, conns := loadSize(t)
	dir := loadDir(t)
	url, kill := startChild(t, dir, "")
	got := hammer(t, url, loadBodies(n), conns, nil, func(answered int) {
		if answered == n/3 {
			go kill()
		}
	})
	kill()
	if len(got) < n/3 || len(got) >= n {
		t.Fatalf("%d of %d answered: the kill did not land in the middle of the load", len(got), n)
	}
	checkAnswered(t, dir, got)
	var highest uint64
	for _, a := range got {
		highest = max(highest, a.seq)
	}
	again := startListen(t, Config{Format: FormatQuiet, Dir: dir})
	if seq := seqOf(t, send(t, http.MethodPost, again.url, loadBodies(1)[0], nil)); seq <= highest {
		t.Errorf("after the restart seq %d, but %d was handed out before the kill", seq, highest)
	}
	t.Logf("%d of %d answered before kill -9, all on disk and journalled", len(got), n)
}

// 8. After a kill -9 with forwards in flight, bodies were saved but not
// journalled (that waits for the handler's answer), and a restart handed
// their seqs out again. Now the names count too.
func TestSeqDoesNotRepeatAfterAKill9WithForwardsInFlight(t *testing.T) {
	const inFlight = 5
	arrived := make(chan struct{}, inFlight)
	release := make(chan struct{})
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	defer handler.Close()
	defer close(release)
	dir := t.TempDir() + "/events"
	url, kill := startChild(t, dir, handler.URL)
	for range inFlight {
		go func() {
			if resp, err := http.Post(url, "application/json", strings.NewReader(string(fixtures.Example(fixtures.EmailsCreated)))); err == nil {
				resp.Body.Close()
			}
		}()
	}
	for range inFlight {
		select {
		case <-arrived: // saved, and being forwarded
		case <-time.After(10 * time.Second):
			t.Fatal("the forwards did not arrive")
		}
	}
	kill()
	if n := countBodies(t, dir); n != inFlight {
		t.Fatalf("%d bodies saved, want %d", n, inFlight)
	}
	again := startListen(t, Config{Format: FormatQuiet, Dir: dir})
	seq := seqOf(t, send(t, http.MethodPost, again.url, fixtures.Example(fixtures.EmailsCreated), nil))
	again.stop(t)
	if seq != inFlight+1 {
		t.Errorf("after the restart the next seq is %d, want %d: the saved bodies hold 1 to %d", seq, inFlight+1, inFlight)
	}
	seen := map[uint64]string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if s, ok := journal.SeqOfName(e.Name()); ok {
			if other, dup := seen[s]; dup {
				t.Errorf("seq %d in two names: %s and %s", s, other, e.Name())
			}
			seen[s] = e.Name()
		}
	}
}
