package replay

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// Expect says which answers a case's requests should get.
type Expect int

const (
	// ExpectAccepted: every request gets a 2xx.
	ExpectAccepted Expect = iota
	// ExpectRejected is for bodies Portant never sends: a 4xx is right, a
	// 5xx or no answer is a failure, a 2xx a warning (the handler took
	// something that is not an event).
	ExpectRejected
)

// CheckCase is one case of the check suite: requests that real delivery
// sends and happy-path tests miss, and the answers they should get.
type CheckCase struct {
	Name    string // group/name, as --only and --list write it
	Purpose string // one line: what it checks and why it happens
	// Lanes are sent side by side, each lane one request after another,
	// a request once the one before it is answered. A sequential case has
	// one lane; a case of several lanes starts them all at once.
	Lanes  [][]Event
	Expect Expect
	// Traits are the case's beyond its requests' own: requests in flight
	// at once, one eventId several times at once, a workflow run.
	Traits Traits
}

// Requests returns the case's requests lane after lane.
func (c CheckCase) Requests() []Event { return slices.Concat(c.Lanes...) }

// CheckSuite returns every case of the check suite, made from seed: the
// same seed, the same requests, whichever cases are then run.
func CheckSuite(seed uint64) []CheckCase {
	b := suiteBuilder{g: fixtures.NewGenerator(seed, fixtures.CasingDocumented)}
	b.spelling()
	b.shapes()
	b.values()
	b.delivery()
	b.workflows(seed)
	b.bodies()
	return b.cases
}

type suiteBuilder struct {
	g     *fixtures.Generator
	cases []CheckCase
}

// baseline is the shape of the vendor's examples, for every case that
// changes one other thing: one document, email and recipient, plain names.
var baseline = fixtures.Shape{Documents: 1, Emails: 1, Recipients: 1, Names: fixtures.NamesPlain}

// add makes a one-lane case of events.
func (b *suiteBuilder) add(name, purpose string, events ...fixtures.Event) {
	b.cases = append(b.cases, CheckCase{Name: name, Purpose: purpose, Lanes: [][]Event{b.lane(name, events)}})
}

func (b *suiteBuilder) lane(name string, events []fixtures.Event) []Event {
	out := make([]Event, len(events))
	for i, ev := range events {
		body, err := ev.Pretty()
		if err != nil {
			panic(err) // the suite's extras are valid JSON
		}
		out[i] = newEvent(name, body)
	}
	return out
}

// typeEvents makes an event of type t in shape s spelled sp, preceded
// by its SIGNATURES_REQUESTED when t is SIGNATURES_COMPLETED: a
// completion follows its request unless a case says otherwise.
func (b *suiteBuilder) typeEvents(t fixtures.EventType, s fixtures.Shape, sp fixtures.Spelling) []fixtures.Event {
	if t != fixtures.SignaturesCompleted {
		ev := b.g.Make(t, s)
		ev.Spelling = sp
		return []fixtures.Event{ev}
	}
	req, done := b.signing(s)
	req.Spelling, done.Spelling = sp, sp
	return []fixtures.Event{req, done}
}

// signing makes a signature request and its completion.
func (b *suiteBuilder) signing(s fixtures.Shape) (req, done fixtures.Event) {
	item := b.g.Item([]fixtures.Block{fixtures.BlockSignature}, s)
	return item[0], item[1]
}

// allTypes makes one event of each type in shape s, the completion after
// its request.
func (b *suiteBuilder) allTypes(s fixtures.Shape) []fixtures.Event {
	var out []fixtures.Event
	for _, t := range []fixtures.EventType{fixtures.DocumentsCreated, fixtures.EmailsCreated, fixtures.SignaturesCompleted} {
		out = append(out, b.typeEvents(t, s, fixtures.Spelling{})...)
	}
	return out
}

func caseType(t fixtures.EventType) string { return strings.ToLower(string(t)) }

func (b *suiteBuilder) spelling() {
	for _, t := range fixtures.Types {
		keys := "eventId, eventType"
		switch t {
		case fixtures.EmailsCreated:
			keys += ", message_id"
		case fixtures.SignaturesRequested:
			keys += ", signature_url"
		case fixtures.SignaturesCompleted:
			keys += ", signatureUrl (after its request, with signature_url)"
		}
		b.add("spelling/documented/"+caseType(t), string(t)+" as the vendor's example spells it: "+keys,
			b.typeEvents(t, baseline, fixtures.Spelling{})...)
	}
	snake := fixtures.Spelling{EventID: fixtures.CasingSnake, EventType: fixtures.CasingSnake}
	for _, t := range fixtures.Types {
		b.add("spelling/event_id/"+caseType(t), string(t)+" with event_id and event_type, as the vendor's schema example spells them",
			b.typeEvents(t, baseline, snake)...)
	}
	b.add("spelling/messageId/emails_created", "EMAILS_CREATED with messageId, the camelCase of the documented message_id",
		b.typeEvents(fixtures.EmailsCreated, baseline, fixtures.Spelling{MessageID: fixtures.CasingCamel})...)
	b.add("spelling/signatureUrl/signatures_requested", "SIGNATURES_REQUESTED with signatureUrl, as the vendor's SIGNATURES_COMPLETED example spells it",
		b.typeEvents(fixtures.SignaturesRequested, baseline, fixtures.Spelling{SignatureURL: fixtures.CasingCamel})...)
	b.add("spelling/signature_url/signatures_completed", "SIGNATURES_COMPLETED with signature_url, as the vendor's SIGNATURES_REQUESTED example spells it",
		b.typeEvents(fixtures.SignaturesCompleted, baseline, fixtures.Spelling{SignatureURL: fixtures.CasingSnake})...)
}

func (b *suiteBuilder) shapes() {
	docs := b.g.Make(fixtures.DocumentsCreated, fixtures.Shape{Documents: 2, Names: fixtures.NamesPlain})
	threeDocs := baseline
	threeDocs.Documents = 3
	b.add("shape/documents", "a Doc and its PDF, as the vendor's example, and a signature request on 3 PDFs",
		append([]fixtures.Event{docs}, b.typeEvents(fixtures.SignaturesCompleted, threeDocs, fixtures.Spelling{})...)...)
	three := baseline
	three.Recipients = 3
	b.add("shape/recipients", "3 people asked to sign, in order 1 to 3, and all three completing",
		b.typeEvents(fixtures.SignaturesCompleted, three, fixtures.Spelling{})...)
	three = baseline
	three.Emails = 3
	b.add("shape/emails", "3 emails in one EMAILS_CREATED, one to each person",
		b.typeEvents(fixtures.EmailsCreated, three, fixtures.Spelling{})...)
	events := b.allTypes(baseline)
	for i := range events {
		withExtras(&events[i])
	}
	b.add("shape/unknown-fields", "fields the vendor does not document, at every level of each type: Portant may add some", events...)
}

// extras are fields Portant might add one day.
var extras = map[string]map[string]json.RawMessage{
	"event":     {"createdAt": json.RawMessage(`"2026-03-01T09:30:00Z"`), "workflowId": json.RawMessage(`"wf_7Qk2"`)},
	"data":      {"source": json.RawMessage(`{"row":7,"sheet":"Orders"}`)},
	"document":  {"size": json.RawMessage(`48213`), "folderId": json.RawMessage(`null`)},
	"email":     {"cc": json.RawMessage(`[]`)},
	"recipient": {"declinedAt": json.RawMessage(`null`), "reminders": json.RawMessage(`0`)},
}

func withExtras(ev *fixtures.Event) {
	ev.Extra, ev.Data.Extra = extras["event"], extras["data"]
	for i := range ev.Data.Documents {
		ev.Data.Documents[i].Extra = extras["document"]
	}
	for i := range ev.Data.Emails {
		ev.Data.Emails[i].Extra = extras["email"]
	}
	for i := range ev.Data.Recipients {
		ev.Data.Recipients[i].Extra = extras["recipient"]
	}
}

func (b *suiteBuilder) values() {
	for _, v := range []struct {
		name, purpose string
		names         fixtures.Names
	}{
		{"values/unicode", "document names and subjects in accented Latin, CJK, Cyrillic, Greek, Devanagari, Thai and emoji", fixtures.NamesUnicode},
		{"values/right-to-left", "document names and subjects in Arabic, Hebrew and Persian, right to left", fixtures.NamesRTL},
		{"values/long", fmt.Sprintf("document names and subjects of 300 to 1000 characters, past a VARCHAR(%d)", fixtures.LongName-1), fixtures.NamesLong},
	} {
		s := baseline
		s.Names = v.names
		b.add(v.name, v.purpose, b.allTypes(s)...)
	}
}

// burst is how many copies of one event delivery/burst sends at once.
const burst = 5

func (b *suiteBuilder) delivery() {
	ev := b.g.Make(fixtures.SignaturesRequested, baseline)
	b.add("delivery/duplicate", "the same event twice, one after the other: Portant may send an event again, and both need a 2xx", ev, ev)
	ev = b.g.Make(fixtures.SignaturesRequested, baseline)
	c := CheckCase{
		Name:    "delivery/burst",
		Purpose: fmt.Sprintf("the same event %d times at once: a handler that checks for it, then inserts it, races", burst),
		Traits:  Traits(0).With(TraitBurst, TraitConcurrent),
	}
	for range burst {
		c.Lanes = append(c.Lanes, b.lane(c.Name, []fixtures.Event{ev}))
	}
	b.cases = append(b.cases, c)
	req, done := b.signing(baseline)
	b.add("delivery/completed-first", "SIGNATURES_COMPLETED before its SIGNATURES_REQUESTED, as a retried request arrives late", done, req)
}

// workflowItems is how many source items the workflow cases run.
const workflowItems = 3

func (b *suiteBuilder) workflows(seed uint64) {
	blocks := []fixtures.Block{fixtures.BlockDocs, fixtures.BlockEmail, fixtures.BlockSignature}
	flow := fixtures.Workflow{Blocks: blocks, Count: workflowItems, Seed: seed}
	var items [][]fixtures.Event
	for item := range flow.Items() {
		items = append(items, item)
	}
	const name = "workflow/sequential"
	b.cases = append(b.cases, CheckCase{
		Name:    name,
		Purpose: fmt.Sprintf("%d source items of a docs, email, signature workflow, item after item, sharing documents and recipients", workflowItems),
		Lanes:   [][]Event{b.lane(name, slices.Concat(items...))},
		Traits:  Traits(0).With(TraitWorkflow),
	})
	flow.Seed = ^seed // other ids: the handler has seen the first run
	c := CheckCase{
		Name:    "workflow/concurrent",
		Purpose: fmt.Sprintf("the same workflow for %d items at once, each item's events in order, as Portant runs a sheet's rows", workflowItems),
		Traits:  Traits(0).With(TraitWorkflow, TraitConcurrent),
	}
	for item := range flow.Items() {
		c.Lanes = append(c.Lanes, b.lane(c.Name, item))
	}
	b.cases = append(b.cases, c)
}

func (b *suiteBuilder) bodies() {
	ev, _ := b.g.Make(fixtures.DocumentsCreated, baseline).Pretty()
	for _, v := range []struct {
		name, purpose string
		body          []byte
	}{
		{"body/not-json", "an event cut off half way, not JSON: a 4xx is right, a 5xx means the handler crashed", ev[:len(ev)/2]},
		{"body/not-an-event", "JSON that is no Portant event (another service's webhook): a 4xx is right", []byte(`{"id":"evt_1Qm3","type":"invoice.paid","object":"event"}` + "\n")},
		{"body/empty", "an empty body: a 4xx is right", nil},
	} {
		b.cases = append(b.cases, CheckCase{Name: v.name, Purpose: v.purpose, Expect: ExpectRejected, Lanes: [][]Event{{newEvent(v.name, v.body)}}})
	}
}

// Describe says what a case sends, in a line: the types in order, the
// spelling of the two-way keys, and the shape.
//
//	SIGNATURES_REQUESTED → SIGNATURES_COMPLETED · documented spelling · 1 document, 3 recipients
//	DOCUMENTS_CREATED · event_id, event_type · 1 document
func (c CheckCase) Describe() string {
	reqs := c.Requests()
	var parts []string
	parts = append(parts, c.describeTypes(reqs))
	var keys []string
	docs, emails, recipients := 0, 0, 0
	var traits Traits
	documented := true
	for _, r := range reqs {
		ts, ev, ok := bodyTraits(r.Body)
		traits |= ts
		if !ok {
			continue
		}
		keys = appendKeys(keys, ev)
		documented = documented && ev.Casing() == fixtures.CasingDocumented
		docs, emails, recipients = max(docs, len(ev.Data.Documents)), max(emails, len(ev.Data.Emails)), max(recipients, len(ev.Data.Recipients))
	}
	switch {
	case len(keys) > 0 && documented:
		parts = append(parts, "documented spelling")
	case len(keys) > 0:
		parts = append(parts, strings.Join(keys, ", "))
	}
	var shape []string
	for _, n := range []struct {
		n          int
		one, other string
	}{{docs, "document", "documents"}, {emails, "email", "emails"}, {recipients, "recipient", "recipients"}} {
		if n.n > 0 {
			shape = append(shape, plural(n.n, n.one, n.other))
		}
	}
	if len(shape) > 0 {
		prefix := ""
		if len(reqs) > 2 && max(docs, emails, recipients) > 1 {
			prefix = "up to "
		}
		parts = append(parts, prefix+strings.Join(shape, ", "))
	}
	for _, t := range []Trait{TraitUnknownFields, TraitRTL, TraitLong} {
		if traits.Has(t) {
			parts = append(parts, t.String())
		}
	}
	if traits.Has(TraitNonASCII) && !traits.Has(TraitRTL) {
		parts = append(parts, TraitNonASCII.String())
	}
	return strings.Join(parts, " · ")
}

func (c CheckCase) describeTypes(reqs []Event) string {
	switch {
	case c.Traits.Has(TraitWorkflow):
		items := 0
		for _, r := range reqs {
			if r.Type == fixtures.DocumentsCreated {
				items++
			}
		}
		how := "item after item"
		if len(c.Lanes) > 1 {
			how = "at once"
		}
		return fmt.Sprintf("%d events of %s, %s", len(reqs), plural(items, "item", "items"), how)
	case c.Traits.Has(TraitBurst):
		return fmt.Sprintf("%d× %s at once", len(reqs), reqs[0].Type)
	}
	// each type once, in the vendor's order
	if slices.EqualFunc(reqs, fixtures.Types, func(r Event, t fixtures.EventType) bool { return r.Type == t }) {
		return "the 4 types in order"
	}
	var types []string
	for _, r := range reqs {
		switch {
		case r.Type != fixtures.Unknown:
			types = append(types, string(r.Type))
		case len(r.Body) == 0:
			types = append(types, "an empty body")
		case fixtures.Peek(r.Body).JSON:
			types = append(types, "JSON, not an event")
		default:
			types = append(types, "not JSON")
		}
	}
	return strings.Join(types, " → ")
}

// appendKeys adds the spellings of the two-way keys ev uses to keys, each
// once, in the order of fixtures.Pairs.
func appendKeys(keys []string, ev fixtures.Event) []string {
	sp := ev.Spelling
	for i, c := range []fixtures.Casing{sp.EventID, sp.EventType, sp.SignatureURL, sp.MessageID} {
		pair := fixtures.Pairs[i]
		if (c == fixtures.CasingCamel || c == fixtures.CasingMixed) && !slices.Contains(keys, pair.Camel) {
			keys = append(keys, pair.Camel)
		}
		if (c == fixtures.CasingSnake || c == fixtures.CasingMixed) && !slices.Contains(keys, pair.Snake) {
			keys = append(keys, pair.Snake)
		}
	}
	return keys
}

// AllTraits returns everything the case has: its own traits, its requests',
// and those of their order (an eventId again, a completion first).
func (c CheckCase) AllTraits() Traits {
	s := c.Traits
	var q sequence
	for _, r := range c.Requests() {
		ts, ev, ok := bodyTraits(r.Body)
		s |= ts
		if ok {
			s |= q.Next(ev)
		}
	}
	return s
}
