package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openFDs counts this process's open file descriptors, -1 where /proc is
// not there.
func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// readyURL waits for a ready file and returns the URL in it.
func readyURL(t *testing.T, path string, exited <-chan int) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b))
		}
		select {
		case code := <-exited:
			t.Fatalf("listen exited with %d before it was ready", code)
		case <-deadline:
			t.Fatal("listen not ready after 10s")
		case <-time.After(10 * time.Millisecond): // polling a file another goroutine writes
		}
	}
}

// 7. An event replayed by the inspector to the inspector's own replay URL
// (an event whose body says {"to": that URL}) recursed until the fd limit:
// 20,000 fds, 508 MB. Now the inspector's replays never connect to listen's
// own addresses.
func TestInspectorReplayToItsOwnAddressIsRefused(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	go func() {
		exited <- runArgs(ctx, Test(nil, &out, &errOut), []string{"listen", "--port", "0", "--inspect", "127.0.0.1:0", "--format", "quiet",
			"--dir", filepath.Join(dir, "events"), "--ready-file", filepath.Join(dir, "ready"), "--inspect-ready-file", filepath.Join(dir, "inspect")})
	}()
	defer func() {
		cancel()
		<-exited
	}()
	webhook := readyURL(t, filepath.Join(dir, "ready"), exited)
	inspector := readyURL(t, filepath.Join(dir, "inspect"), exited)

	self := inspector + "/api/events/1/replay"
	ev, _ := json.Marshal(map[string]any{"to": self, "eventId": "x", "eventType": "EMAILS_CREATED", "data": map[string]any{}})
	resp, err := http.Post(webhook, "application/json", bytes.NewReader(ev))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	before := openFDs()
	for _, to := range []string{self, webhook, strings.Replace(self, "127.0.0.1", "localhost", 1)} {
		body, _ := json.Marshal(map[string]string{"to": to})
		start := time.Now()
		resp, err := http.Post(self, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), "own address") {
			t.Errorf("replay to %s: %d %s, want 502 saying it is listen's own address", to, resp.StatusCode, b)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("replay to %s took %s", to, d)
		}
	}
	if after := openFDs(); before > 0 && after > before+20 {
		t.Errorf("open fds went from %d to %d", before, after)
	}
}
