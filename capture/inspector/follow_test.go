package inspector

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// 9. Each live stream re-read the journal for every event: 2,000 open
// pages dropped capture from 2,812 to 139 events a second. Now the journal
// is looked at once per event, whatever the number of streams.
func TestManyStreamsShareOneLookAtTheJournal(t *testing.T) {
	const streams, events = 200, 30
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	in, base := startInspector(t, Config{Dir: dir, Poll: time.Hour})
	w.onSave = in.Notify
	chans := make([]<-chan inspSSE, streams)
	for i := range chans {
		chans[i] = inspOpenStream(t, base+"/api/stream?after=0", nil)
	}
	start := time.Now()
	in.follow.mu.Lock()
	before := in.follow.looks
	in.follow.mu.Unlock()
	for i := range events {
		w.add(inspEvent(fixtures.EmailsCreated, inspHexID(i+1), "x"), nil)
	}
	for i, ch := range chans {
		for want := 1; want <= events; want++ {
			if e := inspEventOf(t, inspNext(t, ch, 10*time.Second)); e.ID != want {
				t.Fatalf("stream %d: event %d, want %d", i, e.ID, want)
			}
		}
	}
	in.follow.mu.Lock()
	looks := in.follow.looks - before
	in.follow.mu.Unlock()
	t.Logf("%d streams got %d events in %s, with %d looks at the journal", streams, events, time.Since(start).Round(time.Millisecond), looks)
	if looks > events+1 {
		t.Errorf("%d looks at the journal for %d events and %d streams, want at most one per event", looks, events, streams)
	}
}

// 10. A search that matched nothing read every body each time (1.7 s on
// 100,000 events). Now what a search reads is kept, bounded: the next one
// reads neither the journal lines nor the bodies it already looked at.
func TestASearchDoesNotReadEveryBodyAgain(t *testing.T) {
	const n = 2000
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	var files []string
	for i := range n {
		files = append(files, w.add(inspEvent(fixtures.DocumentsCreated, inspHexID(i+1), fmt.Sprintf("doc-%d", i)), nil).File)
	}
	_, base := startInspector(t, Config{Dir: dir})
	var page struct {
		Events []eventSummary `json:"events"`
	}
	start := time.Now()
	inspGetJSON(t, base+"/api/events?q=nowhere-to-be-found", &page)
	first := time.Since(start)
	if len(page.Events) != 0 {
		t.Fatalf("found %d", len(page.Events))
	}
	// The bodies go: a search that still finds text in one proves it did
	// not read it again.
	for _, f := range files {
		os.Remove(filepath.Join(dir, f))
	}
	start = time.Now()
	inspGetJSON(t, base+"/api/events?q=DOC-1234%22", &page)
	second := time.Since(start)
	t.Logf("%d events: first search %s, the next %s", n, first.Round(time.Millisecond), second.Round(time.Millisecond))
	if len(page.Events) != 1 || page.Events[0].ID != 1235 {
		t.Errorf("the second search found %v, want event 1235 from what the first one read", inspIDs(page.Events))
	}
}

// 1. GET /api/events/{id} on a 20 KB body nested 10,000 deep returned
// 200 MB and took 1.6 GB, and the page opens the newest event by itself.
// Now the view is bounded by the body's size.
func TestTheViewOfADeeplyNestedBodyIsBounded(t *testing.T) {
	dir := t.TempDir()
	w := newJournalWriter(t, dir)
	deep := []byte(`{"eventId":"x","eventType":"EMAILS_CREATED","data":{},"extra":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "}")
	nested := []byte(`{"eventId":"x","eventType":"EMAILS_CREATED","data":{},"extra":` + strings.Repeat("[", 900) + strings.Repeat("]", 900) + "}")
	big := []byte(`{"eventId":"x","eventType":"EMAILS_CREATED","data":{},"extra":[` + strings.Repeat(`{"k":1},`, 60000) + `1]}`)
	for _, b := range [][]byte{deep, nested, big} {
		w.add(b, nil)
	}
	_, base := startInspector(t, Config{Dir: dir})
	for id, body := range map[int][]byte{1: deep, 2: nested, 3: big} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		status, _, answer := inspDo(t, http.MethodGet, base+"/api/events/"+strconv.Itoa(id), nil, nil)
		runtime.ReadMemStats(&after)
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("event %d, %d byte body: %d byte answer, %d KiB allocated", id, len(body), len(answer), alloc>>10)
		if status != http.StatusOK {
			t.Fatalf("event %d: %d %s", id, status, answer)
		}
		if len(answer) > (viewPrettyFactor+2)*len(body)+128<<10 {
			t.Errorf("event %d: a %d byte answer for a %d byte body", id, len(answer), len(body))
		}
		if limit := uint64(64*len(body) + 32<<20); alloc > limit {
			t.Errorf("event %d: %d MiB allocated for a %d byte body", id, alloc>>20, len(body))
		}
	}
}
