package replay

import (
	"context"
	"fmt"
	"iter"
	"sync"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// Workflow is a source of the events a Portant workflow sends, item by
// item (fixtures.Workflow), with the changes of Set made to each.
type Workflow struct {
	fixtures.Workflow
	Set []Set
	// Lanes is how many items are under way at once: their events
	// interleave, each item's in its order, as when Portant runs a sheet's
	// rows side by side. 0 or 1 sends item after item.
	Lanes int
}

// Events yields the workflow's events. With Lanes > 1 it takes Lanes items
// at a time and yields their first events, then their second ones, and
// so on; each event carries its item's number.
func (w Workflow) Events() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		var window [][]Event
		n := 0
		flush := func() bool {
			for k := 0; ; k++ {
				more := false
				for _, item := range window {
					if k >= len(item) {
						continue
					}
					more = true
					if !yield(item[k]) {
						return false
					}
				}
				if !more {
					window = window[:0]
					return true
				}
			}
		}
		for events := range w.Items() {
			n++
			item := make([]Event, len(events))
			for k, ev := range events {
				item[k] = w.event(ev, n)
			}
			if window = append(window, item); len(window) >= max(w.Lanes, 1) && !flush() {
				return
			}
		}
		flush()
	}
}

// event is one of item n's events as sent.
func (w Workflow) event(ev fixtures.Event, n int) Event {
	body, err := ev.Pretty()
	if err != nil {
		panic(err) // generated: strings and numbers only
	}
	if len(w.Set) > 0 {
		// Check has shown the changes apply to every type.
		if changed, err := applySets(body, w.Set); err == nil {
			body = changed
		}
	}
	e := newEvent(SyntheticSource, body) // a change may touch the id or type
	e.Item = n
	return e
}

// Check makes the first item with the changes applied and validates each
// of its events, as Synthetic.Check does.
func (w Workflow) Check(v *fixtures.Validator) (map[fixtures.EventType][]fixtures.Problem, error) {
	first := w.Workflow
	first.Count = 1
	return checkSets(func(yield func(fixtures.EventType, []byte) bool) {
		for events := range first.Items() {
			for _, ev := range events {
				body, err := ev.Pretty()
				if err != nil || !yield(ev.Type, body) {
					return
				}
			}
		}
	}, w.Set, v)
}

// checkSets applies sets to each body and validates the result: a change
// that cannot apply is an error, one that breaks the schema a problem.
func checkSets(bodies iter.Seq2[fixtures.EventType, []byte], sets []Set, v *fixtures.Validator) (problems map[fixtures.EventType][]fixtures.Problem, err error) {
	if len(sets) == 0 {
		return nil, nil
	}
	for t, body := range bodies {
		body, err := applySets(body, sets)
		if err != nil {
			return nil, fmt.Errorf("synthetic %s: %w", t, err)
		}
		if v == nil {
			continue
		}
		if r := v.Validate(body); !r.Valid() {
			if problems == nil {
				problems = map[fixtures.EventType][]fixtures.Problem{}
			}
			problems[t] = r.Problems
		}
	}
	return problems, nil
}

// turns keeps each workflow item's events in order whatever Send's
// concurrency: the event after another of its item is sent once that one
// is answered, as Portant runs an item's blocks one after the other.
// Events outside a workflow (Item 0) go straight through.
type turns struct {
	mu sync.Mutex
	// last is the done channel of each item's latest event dispatched;
	// waits is, by seq, what an event waits for and then closes.
	last  map[int]chan struct{}
	waits map[int]turn
}

type turn struct{ after, done chan struct{} }

// dispatched notes j's place in its item's order; Send calls it in the
// order it hands jobs to workers.
func (t *turns) dispatched(j job) {
	if j.ev.Item == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil {
		t.last, t.waits = map[int]chan struct{}{}, map[int]turn{}
	}
	done := make(chan struct{})
	t.waits[j.seq] = turn{after: t.last[j.ev.Item], done: done}
	t.last[j.ev.Item] = done
}

// deliver sends j with send once the event before it in its item is
// answered. No wait can deadlock: workers take jobs in the order they were
// dispatched, so the event waited for is with a worker already.
func (t *turns) deliver(ctx context.Context, j job, send func(context.Context, job) Result) Result {
	if j.ev.Item == 0 {
		return send(ctx, j)
	}
	t.mu.Lock()
	tn := t.waits[j.seq]
	delete(t.waits, j.seq)
	t.mu.Unlock()
	defer close(tn.done)
	if tn.after != nil {
		select {
		case <-tn.after:
		case <-ctx.Done():
		}
	}
	return send(ctx, j)
}
