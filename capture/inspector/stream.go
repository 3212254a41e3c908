package inspector

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// streamBacklogMax is how many missed events a reconnecting stream sends
// one by one; past that it tells the page to reload its first page instead.
const streamBacklogMax = 200

// handleStream is GET /api/stream: Server-Sent Events, one "event" per new
// journal line, with the event's id as the SSE id. A client resumes with
// Last-Event-ID (the browser sends it when it reconnects) or ?after=ID and
// gets every event after it, so a dropped connection loses nothing. The
// journal is the source: Notify only says when to look.
func (in *Inspector) handleStream(w http.ResponseWriter, r *http.Request) {
	after, fromLatest, err := streamStart(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	start := in.follow.since(in, 0, 0, in.wake.gen.Load(), in.cfg.Poll)
	resets := start.resets
	if fromLatest {
		after = start.latest
	}
	wake, stop := in.wake.subscribe()
	defer stop()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream lives as long as the page
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")

	send := func() error {
		got := in.follow.since(in, after, resets, in.wake.gen.Load(), in.cfg.Poll)
		if got.problem != "" {
			fmt.Fprintf(w, ": %s\n\n", strings.ReplaceAll(got.problem, "\n", " "))
			return rc.Flush()
		}
		if got.reset {
			resets = got.resets
			return in.sendReset(w, rc, &after, got.latest)
		}
		for _, frame := range got.frames {
			if _, err := w.Write(frame); err != nil {
				return err
			}
		}
		after = got.latest
		return rc.Flush()
	}
	if send() != nil {
		return
	}
	poll := time.NewTicker(in.cfg.Poll)
	defer poll.Stop()
	beat := time.NewTicker(in.cfg.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-wake:
			if send() != nil {
				return
			}
		case <-poll.C:
			if send() != nil {
				return
			}
		case <-beat.C:
			fmt.Fprint(w, ": ping\n\n")
			if rc.Flush() != nil {
				return
			}
		}
	}
}

// sendReset tells the page its list is stale (the journal was replaced, or
// too much was missed): it reloads the first page and goes on from latest.
func (in *Inspector) sendReset(w http.ResponseWriter, rc *http.ResponseController, after *int, latest int) error {
	fmt.Fprintf(w, "id: %d\nevent: reset\ndata: {\"latest\":%d}\n\n", latest, latest)
	*after = latest
	return rc.Flush()
}

// streamStart reads where a stream starts: after Last-Event-ID, else after
// ?after=, else from now on.
func streamStart(r *http.Request) (after int, fromLatest bool, err error) {
	s := r.Header.Get("Last-Event-ID")
	name := "Last-Event-ID"
	if s == "" {
		s, name = r.URL.Query().Get("after"), "after"
	}
	if s == "" {
		return 0, true, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false, fmt.Errorf("%s must be an event id (a whole number), got %q", name, s)
	}
	return n, false, nil
}
