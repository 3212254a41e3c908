package inspector

import (
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
