package inspector

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// inspSSE is one Server-Sent Events message, or a comment.
type inspSSE struct {
	id, event, data, comment string
}

// openStream connects to the stream and returns its messages as they come.
func inspOpenStream(t *testing.T, url string, header map[string]string) <-chan inspSSE {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	out := make(chan inspSSE, 512)
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
	})
	go func() {
		defer close(out)
		r := bufio.NewReader(resp.Body)
		var m inspSSE
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSuffix(line, "\n")
			switch {
			case line == "":
				if m != (inspSSE{}) {
					out <- m
				}
				m = inspSSE{}
			case strings.HasPrefix(line, ":"):
				out <- inspSSE{comment: strings.TrimSpace(line[1:])}
			default:
				k, v, _ := strings.Cut(line, ": ")
				switch k {
				case "id":
					m.id = v
				case "event":
					m.event = v
				case "data":
					m.data = v
				}
			}
		}
	}()
	return out
}

// next returns the next message that is not a comment (nor the retry hint).
func inspNext(t *testing.T, ch <-chan inspSSE, within time.Duration) inspSSE {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				t.Fatal("stream closed")
			}
			if m.comment != "" || m.event == "" {
				continue
			}
			return m
		case <-deadline:
			t.Fatalf("no message within %s", within)
		}
	}
}

func inspQuiet(t *testing.T, ch <-chan inspSSE, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m := <-ch:
			if m.event != "" {
				t.Fatalf("unexpected message %+v", m)
			}
		case <-deadline:
			return
		}
	}
}

func inspEventOf(t *testing.T, m inspSSE) eventSummary {
	t.Helper()
	if m.event != "event" {
		t.Fatalf("message %+v, want an event", m)
	}
	var e eventSummary
	if err := json.Unmarshal([]byte(m.data), &e); err != nil {
		t.Fatalf("event data %q: %v", m.data, err)
	}
	if m.id != inspItoa(e.ID) {
		t.Fatalf("SSE id %q, event id %d", m.id, e.ID)
	}
	return e
}

func inspItoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestInspectorStreamIsWokenByNotify(t *testing.T) {
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	w.add(inspEvent(fixtures.DocumentsCreated, inspHexID(1), "old"), nil)
	// A poll slower than the test: only Notify can make the event show.
	in, base := startInspector(t, Config{Dir: dir, Poll: time.Hour})
	w.onSave = in.Notify
	s := inspOpenStream(t, base+"/api/stream", nil) // no after: from now on
	inspQuiet(t, s, 100*time.Millisecond)
	w.add(inspEvent(fixtures.EmailsCreated, inspHexID(2), "new"), nil)
	e := inspEventOf(t, inspNext(t, s, 2*time.Second))
	if e.ID != 2 || e.EventID != inspHexID(2) || e.Type != fixtures.EmailsCreated || !e.Valid {
		t.Fatalf("live event %+v", e)
	}
}

func TestInspectorStreamResumesWithoutLosingEvents(t *testing.T) {
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	for i := 1; i <= 4; i++ {
		w.add(inspEvent(fixtures.DocumentsCreated, inspHexID(i), "doc"), nil)
	}
	_, base := startInspector(t, Config{Dir: dir, Poll: 20 * time.Millisecond})
	tests := []struct {
		name   string
		url    string
		header map[string]string
		want   []int
	}{
		{"after=", base + "/api/stream?after=1", nil, []int{2, 3, 4}},
		{"Last-Event-ID wins over after=", base + "/api/stream?after=0", map[string]string{"Last-Event-ID": "3"}, []int{4}},
		{"up to date", base + "/api/stream?after=4", nil, nil},
	}
	for _, tt := range tests {
		s := inspOpenStream(t, tt.url, tt.header)
		for _, id := range tt.want {
			if e := inspEventOf(t, inspNext(t, s, 2*time.Second)); e.ID != id {
				t.Fatalf("%s: got event %d, want %d", tt.name, e.ID, id)
			}
		}
		inspQuiet(t, s, 60*time.Millisecond)
	}
	// Without Notify the journal is polled.
	s := inspOpenStream(t, base+"/api/stream?after=4", nil)
	w.add(inspEvent(fixtures.DocumentsCreated, inspHexID(5), "doc"), nil)
	if e := inspEventOf(t, inspNext(t, s, 2*time.Second)); e.ID != 5 {
		t.Fatalf("polled: event %d", e.ID)
	}
	for _, bad := range []string{"?after=x", "?after=-2"} {
		if status, _, _ := inspDo(t, http.MethodGet, base+"/api/stream"+bad, nil, nil); status != http.StatusBadRequest {
			t.Errorf("stream%s: %d, want 400", bad, status)
		}
	}
}

func TestInspectorStreamSendsHeartbeats(t *testing.T) {
	_, base := startInspector(t, Config{Dir: t.TempDir(), Heartbeat: 30 * time.Millisecond})
	s := inspOpenStream(t, base+"/api/stream", nil)
	deadline := time.After(2 * time.Second)
	for {
		select {
		case m := <-s:
			if m.comment == "ping" {
				return
			}
		case <-deadline:
			t.Fatal("no heartbeat within 2s")
		}
	}
}

func TestInspectorStreamTellsThePageToReload(t *testing.T) {
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	for i := 1; i <= streamBacklogMax+5; i++ {
		w.add(inspEvent(fixtures.DocumentsCreated, inspHexID(i), "doc"), nil)
	}
	_, base := startInspector(t, Config{Dir: dir, Poll: 20 * time.Millisecond})

	// Too much missed: one reset rather than a flood.
	s := inspOpenStream(t, base+"/api/stream?after=1", nil)
	m := inspNext(t, s, 2*time.Second)
	if m.event != "reset" || m.id != inspItoa(streamBacklogMax+5) {
		t.Fatalf("big backlog: %+v, want a reset at the latest id", m)
	}
	inspQuiet(t, s, 60*time.Millisecond)

	// The journal replaced under a connected page.
	if err := os.Remove(filepath.Join(dir, journal.Name)); err != nil {
		t.Fatal(err)
	}
	m = inspNext(t, s, 2*time.Second)
	if m.event != "reset" || m.data != `{"latest":0}` {
		t.Fatalf("journal removed: %+v, want a reset", m)
	}
	w.add(inspEvent(fixtures.DocumentsCreated, inspHexID(999), "doc"), nil)
	if e := inspEventOf(t, inspNext(t, s, 2*time.Second)); e.ID != 1 || e.EventID != inspHexID(999) {
		t.Fatalf("the new journal's first event: %+v", e)
	}
}
