// Package replay is the sender: where events come from (saved files,
// directories, stdin, synthetic generation), the changes asked for on the
// way (--set, --new-id, --repeat-each, --shuffle), their delivery over HTTP
// with concurrency, a rate limit and retries, and the report of results.
//
// It is a plain library, like vegeta's: cmd turns flags into a Plan and a
// Sender built around the caller's *http.Client, then makes one call: Run,
// which delivers the events and writes the report (Sender.Send alone gives
// the Results to a caller that reports them itself), or Check, which runs
// the check suite (CheckSuite) through the same Sender; Traits say what the
// failures of either share.
package replay

import (
	"iter"
	"net/http"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// Event is one request body to send, and where it came from.
type Event struct {
	// Source names where the body came from: the file as the user named
	// it, "<stdin>", "file:line" for one of several values in a file, or
	// "synthetic".
	Source string
	Body   []byte
	// Header holds headers captured with the body (--with-headers), sent
	// in place of the defaults; nil otherwise.
	Header http.Header
	ID     string             // eventId or event_id, "" when absent
	Type   fixtures.EventType // Unknown for bodies that are not Portant events
	// Problems are the places where Body breaks the schema; such an event
	// is sent anyway (testing a handler's error path is a reason to send).
	Problems []fixtures.Problem
	// Item is the 1-based source item of a workflow run the event belongs
	// to, 0 outside one: a workflow sends one item's events one after the
	// other, whatever the concurrency.
	Item int
}

// newEvent labels a body with its id and type.
func newEvent(source string, body []byte) Event {
	m := fixtures.Peek(body)
	return Event{Source: source, Body: body, ID: m.ID, Type: m.Type}
}

// Source yields events in order.
type Source interface {
	Events() iter.Seq[Event]
}

// Events is a source of events already in memory, such as Load returns.
type Events []Event

// Events yields the events in order.
func (es Events) Events() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for _, e := range es {
			if !yield(e) {
				return
			}
		}
	}
}
