package replay

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/portant-hooks/portant-hooks/internal/httpx"
)

// Output says where and how Run reports.
type Output struct {
	// Out gets a line per result, or an NDJSON object with JSON. Nil
	// discards them:
	//
	//	200   1.23ms  DOCUMENTS_CREATED     325d36e717d9  captures/0001.json
	//	{"seq":1,"source":"a.json","eventId":"…","eventType":"EMAILS_CREATED","status":200,"ok":true,"latencyMs":1.234,"attempts":1}
	Out  io.Writer
	JSON bool
	// Live flushes Out whenever the results are caught up (a person is
	// watching a terminal); it is flushed every 100ms in any case.
	Live bool
	// Err gets the closing summary (sent, 2xx, failed, retried, latency
	// percentiles). Nil discards it.
	Err io.Writer
	// OutStyles and ErrStyles colour Out's lines and Err's summary.
	OutStyles, ErrStyles Styles
}

// ErrFailed is what Run returns when some event did not get a 2xx.
var ErrFailed = errors.New("some events did not get a 2xx answer")

// UnreachableError is what Run returns when the target could not be
// reached before anything answered: it stopped rather than fail every
// remaining event the same way.
type UnreachableError struct {
	Target string
	Err    error // why, for a person
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s (%v): is your handler running and listening there?", e.Target, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Run delivers events with s and reports as it goes: a line (or NDJSON
// object) per result on o.Out, buffered, then the summary on o.Err. It stops
// early when ctx is done, or when the target cannot be reached and nothing
// has answered yet. It returns the stats and why the run failed: ctx's
// error, an *UnreachableError, ErrFailed, or an error writing the report.
func Run(ctx context.Context, s *Sender, events iter.Seq[Event], o Output) (*Stats, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Err == nil {
		o.Err = io.Discard
	}
	sendCtx, stop := context.WithCancel(ctx)
	defer stop()
	start := time.Now()
	results := s.Send(sendCtx, events)

	// Lines go through a buffer (a line per event at tens of thousands of
	// events a second), flushed at least every 100ms, and whenever the
	// results are caught up when a person is watching.
	out := bufio.NewWriterSize(o.Out, 64<<10)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var (
		stats Stats
		dead  error
		line  []byte
	)
loop:
	for {
		select {
		case <-tick.C:
			out.Flush()
		case r, ok := <-results:
			if !ok {
				break loop
			}
			if dead != nil || sendCtx.Err() != nil && errors.Is(r.Err, context.Canceled) {
				// Stopped before it could be answered, or already on its
				// way when the target was found dead: not reported.
				continue
			}
			stats.Add(r)
			if o.JSON {
				line = appendJSON(line[:0], r)
			} else {
				line = appendLine(line[:0], r, o.OutStyles)
			}
			out.Write(line)
			if o.Live && len(results) == 0 {
				out.Flush()
			}
			if httpx.Unreachable(r.Err) && stats.Answered() == 0 {
				dead = r.Err
				stop()
			}
		}
	}
	if err := out.Flush(); err != nil {
		return &stats, fmt.Errorf("write results: %w", err)
	}
	if err := writeSummary(o.Err, &stats, s.Target(), time.Since(start), o.ErrStyles); err != nil {
		return &stats, fmt.Errorf("write summary: %w", err)
	}
	switch {
	case ctx.Err() != nil:
		return &stats, ctx.Err()
	case dead != nil:
		return &stats, &UnreachableError{Target: s.Target(), Err: dead}
	case stats.Failed > 0:
		return &stats, ErrFailed
	}
	return &stats, nil
}
