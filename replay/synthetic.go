package replay

import (
	"iter"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// SyntheticSource is the Source name of generated events.
const SyntheticSource = "synthetic"

// Synthetic generates events: the fixtures.Batch that `portant-hooks
// generate` prints for the same Types, Count, Seed and Casing, with the
// changes of Set made to each. Events are made as they are sent, so a
// million of them take no memory.
type Synthetic struct {
	Types  []fixtures.EventType
	Count  int // events per type; 0 means 1
	Seed   uint64
	Casing fixtures.Casing
	Set    []Set // changes made to every event
}

// Events yields the generated events.
func (s Synthetic) Events() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for _, body := range s.batch(s.Count).Events() {
			if len(s.Set) > 0 {
				// Check has shown the changes apply to every type.
				if changed, err := applySets(body, s.Set); err == nil {
					body = changed
				}
			}
			if !yield(newEvent(SyntheticSource, body)) { // a change may touch the id or type
				return
			}
		}
	}
}

func (s Synthetic) batch(count int) fixtures.Batch {
	return fixtures.Batch{Types: s.Types, Count: count, Seed: s.Seed, Casing: s.Casing}
}

// Check makes the first event of each type with the changes applied and
// validates it, so a --set that cannot apply is an error before anything is
// sent, and one that breaks the schema is a warning. The changes apply to
// every event alike, so the first of each type stands for the rest.
func (s Synthetic) Check(v *fixtures.Validator) (problems map[fixtures.EventType][]fixtures.Problem, err error) {
	return checkSets(s.batch(1).Events(), s.Set, v)
}
