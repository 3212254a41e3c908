package replay

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/tidwall/gjson"
)

// A Trait is something an event, or a case of check, has that may be why
// a handler failed it: its type, a key's spelling, several recipients,
// right-to-left text, an eventId sent before. Traits are what `check` and
// `send` compare between what failed and what passed.
type Trait uint8

// The traits, in the order reports list them.
const (
	TraitDocumentsCreated Trait = iota
	TraitEmailsCreated
	TraitSignaturesRequested
	TraitSignaturesCompleted
	TraitSignatures
	TraitCamelEnvelope
	TraitSnakeEnvelope
	TraitCamelMessageID
	TraitSnakeMessageID
	TraitCamelSignatureURL
	TraitSnakeSignatureURL
	TraitCamelKey
	TraitSnakeKey
	TraitDocuments
	TraitEmails
	TraitRecipients
	TraitUnknownFields
	TraitNonASCII
	TraitRTL
	TraitLong
	TraitEmpty
	TraitNotJSON
	TraitNotPortant
	TraitNotEvent
	TraitRepeat
	TraitBurst
	TraitCompletedFirst
	TraitConcurrent
	TraitWorkflow
	numTraits
)

// traitNames are noun phrases, read after "have" or "with".
var traitNames = [numTraits]string{
	TraitDocumentsCreated:    "a DOCUMENTS_CREATED event",
	TraitEmailsCreated:       "an EMAILS_CREATED event",
	TraitSignaturesRequested: "a SIGNATURES_REQUESTED event",
	TraitSignaturesCompleted: "a SIGNATURES_COMPLETED event",
	TraitSignatures:          "a SIGNATURES_* event",
	TraitCamelEnvelope:       "camelCase eventId/eventType",
	TraitSnakeEnvelope:       "snake_case event_id/event_type",
	TraitCamelMessageID:      "camelCase messageId",
	TraitSnakeMessageID:      "snake_case message_id",
	TraitCamelSignatureURL:   "camelCase signatureUrl",
	TraitSnakeSignatureURL:   "snake_case signature_url",
	TraitCamelKey:            "a camelCase key",
	TraitSnakeKey:            "a snake_case key",
	TraitDocuments:           "2+ documents",
	TraitEmails:              "2+ emails",
	TraitRecipients:          "2+ recipients",
	TraitUnknownFields:       "unknown fields",
	TraitNonASCII:            "non-ASCII text",
	TraitRTL:                 "right-to-left text",
	TraitLong:                "a value of " + strconv.Itoa(fixtures.LongName) + "+ characters",
	TraitEmpty:               "an empty body",
	TraitNotJSON:             "a body that is not JSON",
	TraitNotPortant:          "JSON that is not a Portant event",
	TraitNotEvent:            "a body that is not a Portant event",
	TraitRepeat:              "an eventId sent before",
	TraitBurst:               "the same eventId several times at once",
	TraitCompletedFirst:      "a SIGNATURES_COMPLETED whose SIGNATURES_REQUESTED was not sent before it",
	TraitConcurrent:          "requests in flight at once",
	TraitWorkflow:            "a workflow run",
}

func (t Trait) String() string {
	if t < numTraits {
		return traitNames[t]
	}
	return "trait " + strconv.Itoa(int(t))
}

// Traits is a set of traits.
type Traits uint64

// With returns the set with ts added.
func (s Traits) With(ts ...Trait) Traits {
	for _, t := range ts {
		s |= 1 << t
	}
	return s
}

// Has reports whether t is in the set.
func (s Traits) Has(t Trait) bool { return s&(1<<t) != 0 }

// List returns the traits in the set, in report order.
func (s Traits) List() []Trait {
	out := make([]Trait, 0, bits.OnesCount64(uint64(s)))
	for t := range numTraits {
		if s.Has(t) {
			out = append(out, t)
		}
	}
	return out
}

func (s Traits) String() string {
	names := make([]string, 0, bits.OnesCount64(uint64(s)))
	for _, t := range s.List() {
		names = append(names, t.String())
	}
	return strings.Join(names, ", ")
}

var typeTraits = map[fixtures.EventType]Trait{
	fixtures.DocumentsCreated:    TraitDocumentsCreated,
	fixtures.EmailsCreated:       TraitEmailsCreated,
	fixtures.SignaturesRequested: TraitSignaturesRequested,
	fixtures.SignaturesCompleted: TraitSignaturesCompleted,
}

// bodyTraits are the traits of one request body, read through the event
// model; ev is the body decoded, ok false when it is not a Portant event.
func bodyTraits(body []byte) (s Traits, ev fixtures.Event, ok bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return s.With(TraitEmpty, TraitNotEvent), ev, false
	}
	// UnmarshalJSON itself rather than json.Unmarshal: encoding/json would
	// scan the body once more first, and send reads every result's.
	err := ev.UnmarshalJSON(body)
	t, known := typeTraits[ev.Type]
	switch {
	case err != nil && !gjson.ValidBytes(body):
		return s.With(TraitNotJSON, TraitNotEvent), ev, false
	case err != nil || !known || ev.ID == "":
		return s.With(TraitNotPortant, TraitNotEvent), ev, false
	}
	s = s.With(t)
	if t == TraitSignaturesRequested || t == TraitSignaturesCompleted {
		s = s.With(TraitSignatures)
	}
	sp := ev.Spelling
	for _, pair := range []struct {
		c            fixtures.Casing
		camel, snake Trait
	}{
		{sp.EventID, TraitCamelEnvelope, TraitSnakeEnvelope},
		{sp.EventType, TraitCamelEnvelope, TraitSnakeEnvelope},
		{sp.MessageID, TraitCamelMessageID, TraitSnakeMessageID},
		{sp.SignatureURL, TraitCamelSignatureURL, TraitSnakeSignatureURL},
	} {
		if pair.c == fixtures.CasingCamel || pair.c == fixtures.CasingMixed {
			s = s.With(pair.camel, TraitCamelKey)
		}
		if pair.c == fixtures.CasingSnake || pair.c == fixtures.CasingMixed {
			s = s.With(pair.snake, TraitSnakeKey)
		}
	}
	d := ev.Data
	if len(d.Documents) > 1 {
		s = s.With(TraitDocuments)
	}
	if len(d.Emails) > 1 {
		s = s.With(TraitEmails)
	}
	if len(d.Recipients) > 1 {
		s = s.With(TraitRecipients)
	}
	if hasExtra(ev) {
		s = s.With(TraitUnknownFields)
	}
	return s | textTraits(body), ev, true
}

func hasExtra(ev fixtures.Event) bool {
	d := ev.Data
	if len(ev.Extra) > 0 || len(d.Extra) > 0 {
		return true
	}
	for _, x := range d.Documents {
		if len(x.Extra) > 0 {
			return true
		}
	}
	for _, x := range d.Emails {
		if len(x.Extra) > 0 {
			return true
		}
	}
	for _, x := range d.Recipients {
		if len(x.Extra) > 0 {
			return true
		}
	}
	return false
}

// textTraits are the traits of the strings of a valid JSON document,
// member names and values alike: a scan of its bytes, without decoding.
func textTraits(doc []byte) (s Traits) {
	for i := 0; i < len(doc); i++ {
		if doc[i] != '"' {
			continue
		}
		n := 0 // characters in this string
		for i++; i < len(doc) && doc[i] != '"'; n++ {
			switch c := doc[i]; {
			case c == '\\' && i+1 < len(doc) && doc[i+1] == 'u':
				r, _ := strconv.ParseUint(string(doc[i+2:min(i+6, len(doc))]), 16, 32)
				s |= runeTraits(rune(r))
				i += 6
			case c == '\\':
				i += 2
			case c < utf8.RuneSelf:
				i++
			default:
				r, size := utf8.DecodeRune(doc[i:])
				s |= runeTraits(r)
				i += size
			}
		}
		if n >= fixtures.LongName {
			s = s.With(TraitLong)
		}
	}
	return s
}

func runeTraits(r rune) (s Traits) {
	if r < utf8.RuneSelf {
		return 0
	}
	s = s.With(TraitNonASCII)
	if rightToLeft(r) {
		s = s.With(TraitRTL)
	}
	return s
}

// rightToLeft reports a letter of a right-to-left script, or a control
// character that makes text run right to left.
func rightToLeft(r rune) bool {
	switch r {
	case '\u200f', '\u202b', '\u202e', '\u2067': // RLM, RLE, RLO, RLI
		return true
	}
	return unicode.In(r, unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko)
}

// sequence gives the traits that depend on what was sent before: an
// eventId sent again, a SIGNATURES_COMPLETED whose request was not sent
// before it. It keeps a hash per event, not the events.
type sequence struct {
	seed      maphash.Seed
	ids       map[uint64]bool
	requested map[uint64]bool
}

// Next returns the traits of ev, sent after every event given before.
func (q *sequence) Next(ev fixtures.Event) (s Traits) {
	if q.ids == nil {
		q.seed, q.ids, q.requested = maphash.MakeSeed(), map[uint64]bool{}, map[uint64]bool{}
	}
	if ev.ID != "" {
		h := maphash.String(q.seed, ev.ID)
		if q.ids[h] {
			s = s.With(TraitRepeat)
		}
		q.ids[h] = true
	}
	switch ev.Type {
	case fixtures.SignaturesRequested:
		q.requested[q.documents(ev)] = true
	case fixtures.SignaturesCompleted:
		if !q.requested[q.documents(ev)] {
			s = s.With(TraitCompletedFirst)
		}
	}
	return s
}

// documents identifies a signature request by the documents it signs.
func (q *sequence) documents(ev fixtures.Event) uint64 {
	var h maphash.Hash
	h.SetSeed(q.seed)
	for _, d := range ev.Data.Documents {
		h.WriteString(d.ID)
		h.WriteByte(0)
	}
	return h.Sum64()
}

// tally counts traits over what passed and what failed, to tell what the
// failures share.
type tally struct {
	Passed, Failed int
	pass, fail     [numTraits]int
}

// Add counts one case or event.
func (t *tally) Add(s Traits, failed bool) {
	counts := &t.pass
	if failed {
		t.Failed++
		counts = &t.fail
	} else {
		t.Passed++
	}
	for s != 0 {
		i := bits.TrailingZeros64(uint64(s))
		counts[i]++
		s &^= 1 << i
	}
}

// Finding is a trait that no passing case has, and how many failures have
// it.
type Finding struct {
	Trait  Trait
	Failed int
}

// Shared is what the failures of a tally have in common.
type Shared struct {
	Failed, Passed int
	// All are the traits every failure has and nothing that passed has:
	// the likeliest causes.
	All []Trait
	// Only are the traits some failures have and nothing that passed has,
	// the most common first.
	Only []Finding
	// Types are the event types every failure has; with events, which
	// are of one type each, they are the failures' type when there is one.
	Types []Trait
}

// Shared returns what the failures have in common that the passes do not.
func (t *tally) Shared() Shared {
	sh := Shared{Failed: t.Failed, Passed: t.Passed}
	if t.Failed == 0 {
		return sh
	}
	for tr := range numTraits {
		f, p := t.fail[tr], t.pass[tr]
		if tr <= TraitSignatures && f == t.Failed {
			sh.Types = append(sh.Types, tr)
		}
		switch {
		case p > 0 || f == 0:
		case f == t.Failed:
			sh.All = append(sh.All, tr)
		default:
			sh.Only = append(sh.Only, Finding{tr, f})
		}
	}
	sh.All = withoutImplied(sh.All)
	// Likewise a broad finding no more common than a narrow one.
	var broad Traits
	for _, f := range sh.Only {
		for _, g := range sh.Only {
			if implies[g.Trait].Has(f.Trait) && g.Failed == f.Failed {
				broad = broad.With(f.Trait)
			}
		}
	}
	sh.Only = slices.DeleteFunc(sh.Only, func(f Finding) bool { return broad.Has(f.Trait) })
	slices.SortStableFunc(sh.Only, func(a, b Finding) int { return b.Failed - a.Failed })
	return sh
}

// implies lists the broader traits a trait implies: a report that names
// the narrow one need not name the broad one too.
var implies = [numTraits]Traits{
	TraitSignaturesRequested: Traits(0).With(TraitSignatures),
	TraitSignaturesCompleted: Traits(0).With(TraitSignatures),
	TraitCamelEnvelope:       Traits(0).With(TraitCamelKey),
	TraitCamelMessageID:      Traits(0).With(TraitCamelKey),
	TraitCamelSignatureURL:   Traits(0).With(TraitCamelKey),
	TraitSnakeEnvelope:       Traits(0).With(TraitSnakeKey),
	TraitSnakeMessageID:      Traits(0).With(TraitSnakeKey),
	TraitSnakeSignatureURL:   Traits(0).With(TraitSnakeKey),
	TraitRTL:                 Traits(0).With(TraitNonASCII),
	TraitEmpty:               Traits(0).With(TraitNotEvent),
	TraitNotJSON:             Traits(0).With(TraitNotEvent),
	TraitNotPortant:          Traits(0).With(TraitNotEvent),
	TraitBurst:               Traits(0).With(TraitRepeat, TraitConcurrent),
}

// withoutImplied drops the traits that another trait of ts implies.
func withoutImplied(ts []Trait) []Trait {
	var broad Traits
	for _, t := range ts {
		broad |= implies[t]
	}
	return slices.DeleteFunc(ts, broad.Has)
}

// maxOnly is how many partial findings a report lists.
const maxOnly = 3

// Lines says what the failures share in sentences, calling each thing
// counted a noun ("case", "event"): the traits all failures share or, when
// there is none, the ones only some failures have:
//
//	all 3 failures have 2+ recipients; none of the 23 passing cases has
//	every case with right-to-left text failed (2 of the 3 failures)
func (sh Shared) Lines(noun string) []string {
	if sh.Failed == 0 {
		return nil
	}
	if sh.Passed == 0 {
		return []string{fmt.Sprintf("every %s failed: nothing passed to compare with", noun)}
	}
	var out []string
	failures := "all " + strconv.Itoa(sh.Failed) + " failures"
	if sh.Failed == 1 {
		failures = "the one failure"
	}
	for _, tr := range sh.All {
		out = append(out, fmt.Sprintf("%s %s %s; none of the %s has", failures, verb(sh.Failed), tr, plural(sh.Passed, "passing "+noun, "passing "+noun+"s")))
	}
	for i, f := range sh.Only {
		if len(sh.All) > 0 {
			break // the traits all failures share tell the story
		}
		if i == maxOnly {
			out = append(out, fmt.Sprintf("and %d more traits only failures have", len(sh.Only)-maxOnly))
			break
		}
		out = append(out, fmt.Sprintf("every %s with %s failed (%d of the %d failures)", noun, f.Trait, f.Failed, sh.Failed))
	}
	if len(out) == 0 {
		out = append(out, fmt.Sprintf("no trait sets the failures apart: every one of them is shared with a passing %s", noun))
	}
	return out
}

func verb(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

// maxTraitReads is how many passes, and how many failures, send reads the
// traits of. Reading an event's costs about half of sending it to a bare
// handler (BenchmarkBodyTraits against BenchmarkRunSummary, 10-25% of the
// rate when every event was read): a run reads its first ones only, at
// most 80ms of work, so a load test keeps its rate.
const maxTraitReads = 2000

// addTraits counts a result's traits for the summary's line on what the
// failures share.
func (s *Stats) addTraits(r Result) {
	failed := !r.OK()
	if failed && s.traits.Failed >= maxTraitReads || !failed && s.traits.Passed >= maxTraitReads {
		return
	}
	ts, ev, ok := bodyTraits(r.Event.Body)
	if ok {
		ts |= s.seq.Next(ev)
	}
	s.traits.Add(ts, failed)
}

// failuresLine says what send's failures share, by type and by trait:
//
//	119 failed: all SIGNATURES_*, all with 2+ recipients; none of the 181 that passed has
func (s *Stats) failuresLine() string {
	sh := s.traits.Shared()
	if sh.Failed == 0 {
		return ""
	}
	capped := sh.Passed+sh.Failed < s.Sent // some results' traits were not read (maxTraitReads)
	var parts []string
	if len(sh.Types) > 0 {
		parts = append(parts, "all "+typeName(sh.Types[0])) // the narrowest: a type before SIGNATURES_*
	} else {
		var by []string // how many failures have each type
		for tr := TraitDocumentsCreated; tr <= TraitSignaturesCompleted; tr++ {
			if n := s.traits.fail[tr]; n > 0 {
				by = append(by, fmt.Sprintf("%d %s", n, typeName(tr)))
			}
		}
		if len(by) > 0 {
			parts = append(parts, strings.Join(by, ", "))
		}
	}
	// With nothing passed, every trait the failures share is just what the
	// events were: it points at no cause (a dead target fails them all).
	for _, tr := range sh.All {
		if tr > TraitSignatures && sh.Passed > 0 {
			parts = append(parts, "all with "+tr.String())
		}
	}
	failures := strconv.Itoa(sh.Failed)
	if capped {
		failures = "of the first " + failures
	}
	line := failures + " failed"
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	switch {
	case sh.Passed == 0:
		return line
	case len(sh.All) > 0 && sh.All[len(sh.All)-1] > TraitSignatures:
		passed := strconv.Itoa(sh.Passed)
		if capped {
			passed = "first " + passed
		}
		return line + fmt.Sprintf("; none of the %s that passed has", passed)
	case len(sh.Only) > 0 && sh.Only[0].Trait <= TraitSignatures:
		// Types: an event does not have a type, it is one.
		var types []string
		for _, f := range sh.Only {
			if f.Trait <= TraitSignatures {
				types = append(types, typeName(f.Trait))
			}
		}
		return line + "; no " + strings.Join(types, " or ") + " passed"
	case len(sh.Only) > 0:
		f := sh.Only[0]
		return line + fmt.Sprintf("; every event with %s failed (%d of them), none passed", f.Trait, f.Failed)
	}
	return line + ": no trait sets them apart from the ones that passed"
}

// typeName is a type trait as a type: SIGNATURES_REQUESTED, SIGNATURES_*.
func typeName(tr Trait) string {
	name := strings.TrimSuffix(tr.String(), " event")
	return name[strings.IndexByte(name, ' ')+1:]
}
