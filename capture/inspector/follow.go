package inspector

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// follower is the one reader of the journal for every live stream. Each
// stream used to look at the journal itself on every wake-up: 2,000 open
// pages or /api/stream clients made 2,000 refreshes and 2,000 decodings
// per event, and capture fell from 2,812 to 139 events a second. Now the
// first stream woken by an event refreshes the index and renders the new
// events' SSE frames once; the others copy those frames. It keeps the
// frames of the last streamBacklogMax events: a stream further behind is
// told to reload.
type follower struct {
	mu      sync.Mutex
	looked  uint64    // the wake-up generation last looked at
	at      time.Time // when it last looked
	latest  int       // the newest id looked at
	resets  int       // how many times the journal was replaced or truncated
	frames  [][]byte  // SSE frames of ids latest-len(frames)+1 .. latest
	problem string    // why the last look failed, "" when it did not
	looks   int       // how many times it looked: tests count them
}

// followed is what a stream sends: the frames after its id, or a reset.
type followed struct {
	frames  [][]byte
	latest  int
	resets  int
	reset   bool // the stream is too far behind, or the journal changed
	problem string
}

// since returns what follows id after, looking at the journal only when
// woken since the last look (gen, from wakeups) or when it last looked more
// than poll ago (a listen in another process writes without waking it).
func (f *follower) since(in *Inspector, after, resets int, gen uint64, poll time.Duration) followed {
	f.mu.Lock()
	defer f.mu.Unlock()
	if gen > f.looked || time.Since(f.at) >= poll || f.at.IsZero() {
		f.looked, f.at = max(f.looked, gen), time.Now()
		f.look(in)
	}
	out := followed{latest: f.latest, resets: f.resets, problem: f.problem}
	first := f.latest - len(f.frames) // the id before the first frame
	switch {
	case resets != f.resets || after > f.latest || after < first:
		out.reset = true
	default:
		out.frames = f.frames[after-first:]
	}
	return out
}

// look refreshes the index and renders the frames of the new events.
func (f *follower) look(in *Inspector) {
	f.looks++
	reset, err := in.index.Refresh()
	if err != nil {
		f.problem = err.Error()
		return
	}
	f.problem = ""
	latest := len(in.index.Entries())
	if reset || latest < f.latest {
		f.resets++
		f.frames, f.latest = nil, latest
		return
	}
	if latest == f.latest {
		return
	}
	from := max(f.latest, latest-streamBacklogMax)
	evs, _, err := in.index.since(from, latest-from)
	if err != nil {
		f.problem = err.Error()
		return
	}
	if from > f.latest {
		f.frames = nil // a jump past what is kept: older frames would leave a gap
	}
	for _, ev := range evs {
		b, _ := json.Marshal(ev)
		f.frames = append(f.frames, fmt.Appendf(nil, "id: %d\nevent: event\ndata: %s\n\n", ev.ID, b))
	}
	f.latest = from + len(evs)
	if extra := len(f.frames) - streamBacklogMax; extra > 0 {
		f.frames = append([][]byte(nil), f.frames[extra:]...)
	}
}
