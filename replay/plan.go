package replay

import (
	"iter"
	"math/rand/v2"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// Plan says how the events of the sources become the requests sent.
type Plan struct {
	// RepeatEach sends each event this many times in a row with the same
	// eventId, as a retrying sender would; 0 means once.
	RepeatEach int
	// NewID gives each event a fresh eventId (the repeats of one event
	// share it), written under the key spelling the event uses.
	NewID bool
	// Shuffle sends in a random order; Seed makes it, and the new ids,
	// reproducible.
	Shuffle bool
	Seed    uint64
}

// Events yields what is to be sent, in order. Without Shuffle events are
// produced as they are consumed; Shuffle must hold them all first.
func (p Plan) Events(sources ...Source) iter.Seq[Event] {
	ordered := func(yield func(Event) bool) {
		ids := fixtures.NewGenerator(p.Seed, fixtures.CasingDocumented)
		for _, src := range sources {
			for ev := range src.Events() {
				if p.NewID {
					ev = withID(ev, ids.EventID())
				}
				if p.RepeatEach <= 1 {
					if !yield(ev) {
						return
					}
					continue
				}
				for i := range p.RepeatEach {
					ev.Copy, ev.Copies = i+1, p.RepeatEach
					if !yield(ev) {
						return
					}
				}
			}
		}
	}
	if !p.Shuffle {
		return ordered
	}
	return func(yield func(Event) bool) {
		var all []Event
		for ev := range ordered {
			all = append(all, ev)
		}
		rng := rand.New(rand.NewPCG(p.Seed, 0x5368756666686c65))
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		for _, ev := range all {
			if !yield(ev) {
				return
			}
		}
	}
}

// withID gives the event a new id, in the key spelling it already uses
// (eventId when it has none). A body that is not an object is left alone.
func withID(ev Event, id string) Event {
	if body, ok := fixtures.WithID(ev.Body, id); ok {
		ev.Body, ev.ID = body, id
	}
	return ev
}

// Rounds is src replayed n times over (--count N for saved events: a
// capture directory sent N times, in order each time).
func Rounds(n int, src Source) Source { return rounds{n, src} }

type rounds struct {
	n   int
	src Source
}

func (r rounds) Events() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for range max(r.n, 1) {
			for ev := range r.src.Events() {
				if !yield(ev) {
					return
				}
			}
		}
	}
}
