package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/httpx"
)

func TestBodyTraits(t *testing.T) {
	long := strings.Repeat("x", fixtures.LongName)
	for _, tc := range []struct {
		name      string
		body      string
		has, lack []Trait
	}{
		{"documented requested", string(fixtures.Example(fixtures.SignaturesRequested)),
			[]Trait{TraitSignaturesRequested, TraitSignatures, TraitCamelEnvelope, TraitSnakeSignatureURL, TraitCamelKey, TraitSnakeKey},
			[]Trait{TraitRecipients, TraitUnknownFields, TraitNonASCII, TraitSnakeEnvelope, TraitNotEvent}},
		{"documented documents", string(fixtures.Example(fixtures.DocumentsCreated)),
			[]Trait{TraitDocumentsCreated, TraitDocuments, TraitCamelKey}, []Trait{TraitSnakeKey, TraitSignatures}},
		{"snake envelope", `{"data":{"emails":[{"to":"a@example.com","subject":"s","messageId":"1"},{"to":"b@example.com","subject":"s","messageId":"2"}]},"event_id":"x","event_type":"EMAILS_CREATED"}`,
			[]Trait{TraitEmailsCreated, TraitEmails, TraitSnakeEnvelope, TraitCamelMessageID, TraitSnakeKey, TraitCamelKey}, []Trait{TraitCamelEnvelope, TraitSnakeMessageID}},
		{"mixed recipients", `{"data":{"documents":[],"recipients":[{"email":"a@example.com","order":1,"status":"COMPLETED","signatureUrl":"u"},{"email":"b@example.com","order":2,"status":"COMPLETED","signature_url":"u"}]},"eventId":"x","eventType":"SIGNATURES_COMPLETED"}`,
			[]Trait{TraitRecipients, TraitCamelSignatureURL, TraitSnakeSignatureURL}, []Trait{TraitDocuments}},
		{"extras and text", `{"data":{"documents":[{"id":"1","url":"u","name":"عقد ` + long + `","mimetype":"application/pdf","color":"red"}]},"eventId":"x","eventType":"DOCUMENTS_CREATED"}`,
			[]Trait{TraitUnknownFields, TraitNonASCII, TraitRTL, TraitLong}, []Trait{TraitDocuments}},
		{"escaped unicode", `{"data":{"documents":[{"id":"1","url":"u","name":"Zo\u00eb","mimetype":"application/pdf"}]},"eventId":"x","eventType":"DOCUMENTS_CREATED"}`,
			[]Trait{TraitNonASCII}, []Trait{TraitRTL, TraitLong}},
		{"empty", " \n", []Trait{TraitEmpty, TraitNotEvent}, []Trait{TraitNotJSON}},
		{"not JSON", "<xml/>", []Trait{TraitNotJSON, TraitNotEvent}, []Trait{TraitEmpty}},
		{"not Portant", `{"hello":"world"}`, []Trait{TraitNotPortant, TraitNotEvent}, []Trait{TraitNotJSON}},
		{"unknown type", `{"data":{},"eventId":"x","eventType":"INVOICE_PAID"}`, []Trait{TraitNotPortant}, nil},
	} {
		got, _, _ := bodyTraits([]byte(tc.body))
		for _, tr := range tc.has {
			if !got.Has(tr) {
				t.Errorf("%s: lacks %q; has %s", tc.name, tr, got)
			}
		}
		for _, tr := range tc.lack {
			if got.Has(tr) {
				t.Errorf("%s: has %q", tc.name, tr)
			}
		}
	}
}

func TestSequenceTraits(t *testing.T) {
	g := fixtures.NewGenerator(1, "")
	item := g.Item([]fixtures.Block{fixtures.BlockSignature}, fixtures.Shape{})
	req, done := item[0], item[1]
	var q sequence
	if got := q.Next(done); got != Traits(0).With(TraitCompletedFirst) {
		t.Errorf("completion first: %s", got)
	}
	if got := q.Next(req); got != 0 {
		t.Errorf("its request: %s", got)
	}
	if got := q.Next(done); got != Traits(0).With(TraitRepeat) {
		t.Errorf("completion again, after its request: %s", got)
	}
	var fresh sequence
	fresh.Next(req)
	if got := fresh.Next(done); got != 0 {
		t.Errorf("completion after its request: %s", got)
	}
}

func TestSharedTraits(t *testing.T) {
	some := func(ts ...Trait) Traits { return Traits(0).With(ts...) }
	var counts tally
	// Three failures with 2+ recipients, two of them right-to-left; passes
	// without either.
	counts.Add(some(TraitSignaturesRequested, TraitSignatures, TraitRecipients, TraitRTL, TraitNonASCII), true)
	counts.Add(some(TraitSignaturesCompleted, TraitSignatures, TraitRecipients, TraitRTL, TraitNonASCII), true)
	counts.Add(some(TraitSignaturesCompleted, TraitSignatures, TraitRecipients, TraitCamelKey), true)
	counts.Add(some(TraitSignaturesCompleted, TraitSignatures, TraitCamelKey), false)
	counts.Add(some(TraitSignaturesRequested, TraitSignatures, TraitCamelKey), false)
	sh := counts.Shared()
	if !slices.Equal(sh.All, []Trait{TraitRecipients}) {
		t.Errorf("All = %v", sh.All)
	}
	if !slices.Equal(sh.Only, []Finding{{TraitRTL, 2}}) {
		t.Errorf("Only = %v", sh.Only)
	}
	if !slices.Equal(sh.Types, []Trait{TraitSignatures}) {
		t.Errorf("Types = %v", sh.Types)
	}
	want := []string{"all 3 failures have 2+ recipients; none of the 2 passing cases has"}
	if got := sh.Lines("case"); !slices.Equal(got, want) {
		t.Errorf("Lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	sh.All = nil // without a trait all share, the partial ones
	want = []string{"every case with right-to-left text failed (2 of the 3 failures)"}
	if got := sh.Lines("case"); !slices.Equal(got, want) {
		t.Errorf("Lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A narrow trait hides the broad one it implies.
	var narrow tally
	narrow.Add(some(TraitSnakeEnvelope, TraitSnakeKey, TraitDocumentsCreated), true)
	narrow.Add(some(TraitCamelEnvelope, TraitCamelKey, TraitDocumentsCreated), false)
	if sh := narrow.Shared(); !slices.Equal(sh.All, []Trait{TraitSnakeEnvelope}) {
		t.Errorf("All = %v, want the narrow trait alone", sh.All)
	}

	var none, allFailed, noTrait tally
	if none.Add(some(TraitEmailsCreated), false); none.Shared().Lines("event") != nil {
		t.Error("nothing failed, yet lines")
	}
	allFailed.Add(some(TraitEmailsCreated), true)
	if got := allFailed.Shared().Lines("event"); len(got) != 1 || !strings.Contains(got[0], "every event failed") {
		t.Errorf("all failed: %q", got)
	}
	noTrait.Add(some(TraitEmailsCreated), true)
	noTrait.Add(some(TraitEmailsCreated), false)
	if got := noTrait.Shared().Lines("event"); len(got) != 1 || !strings.Contains(got[0], "no trait sets the failures apart") {
		t.Errorf("no trait: %q", got)
	}
}

// bodyTraits runs for every result of send, so its cost is measured
// against what sending an event costs (BenchmarkSend, some µs each).
func BenchmarkBodyTraits(b *testing.B) {
	body := fixtures.NewGenerator(1, "").Event(fixtures.SignaturesRequested)
	var q sequence
	for b.Loop() {
		_, ev, _ := bodyTraits(body)
		q.Next(ev)
	}
}

// BenchmarkRunSummary is send as users run it (Run: Stats, lines, the
// summary) against a bare handler: what the failures' traits cost there.
func BenchmarkRunSummary(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	s, _ := NewSender(httpx.NewClient(httpx.ClientOptions{Timeout: 5 * time.Second, Connections: 32}), srv.URL, WithConcurrency(32))
	b.ResetTimer()
	stats, err := Run(context.Background(), s, Synthetic{Types: fixtures.Types, Count: b.N/4 + 1, Seed: 1}.Events(), Output{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(stats.Sent)/b.Elapsed().Seconds(), "events/s")
}

// send's summary says what its failures share, by type and trait.
func TestStatsFailuresLine(t *testing.T) {
	var s Stats
	if s.failuresLine() != "" {
		t.Error("a line with nothing sent")
	}
	passed, failed := 0, 0
	for _, body := range collect(Synthetic{Types: fixtures.Types, Count: 50, Seed: 3}) {
		_, ev, _ := bodyTraits(body.Body)
		r := Result{Event: body, Status: 200, Attempts: 1}
		if len(ev.Data.Recipients) > 1 {
			r.Status = 500
			failed++
		} else {
			passed++
		}
		s.Add(r)
	}
	want := fmt.Sprintf("%d failed: all SIGNATURES_*, all with 2+ recipients; none of the %d that passed has", failed, passed)
	if got := s.failuresLine(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	var byType Stats
	for _, body := range collect(Synthetic{Types: fixtures.Types, Count: 3, Seed: 3}) {
		status := 200
		if body.Type == fixtures.EmailsCreated || body.Type == fixtures.DocumentsCreated {
			status = 503
		}
		byType.Add(Result{Event: body, Status: status, Attempts: 1})
	}
	if got, want := byType.failuresLine(), "6 failed: 3 DOCUMENTS_CREATED, 3 EMAILS_CREATED; no DOCUMENTS_CREATED or EMAILS_CREATED passed"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Nothing passed (a dead target): what every event has is no cause.
	var dead Stats
	for _, body := range collect(Synthetic{Types: []fixtures.EventType{fixtures.SignaturesRequested}, Count: 3, Seed: 3}) {
		dead.Add(Result{Event: body, Err: errors.New("connection refused"), Attempts: 1})
	}
	if got, want := dead.failuresLine(), "3 failed: all SIGNATURES_REQUESTED"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	// Past maxTraitReads passes, the line says it speaks of the first ones.
	var long Stats
	for _, body := range collect(Synthetic{Types: fixtures.Types, Count: maxTraitReads / 2, Seed: 3}) {
		_, ev, _ := bodyTraits(body.Body)
		if len(ev.Data.Recipients) < 2 {
			long.Add(Result{Event: body, Status: 200, Attempts: 1})
		}
	}
	for _, body := range collect(Synthetic{Types: fixtures.Types, Count: 50, Seed: 3}) {
		if _, ev, _ := bodyTraits(body.Body); len(ev.Data.Recipients) > 1 {
			long.Add(Result{Event: body, Status: 500, Attempts: 1})
		}
	}
	if got, want := long.failuresLine(), fmt.Sprintf("of the first %d failed: all SIGNATURES_*, all with 2+ recipients; none of the first %d that passed has", failed, maxTraitReads); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// The byte scan of textTraits reads strings as a JSON decoder does: the
// same traits as walking the decoded strings, for any valid JSON.
func FuzzTextTraits(f *testing.F) {
	for _, t := range fixtures.Types {
		f.Add(fixtures.Example(t))
	}
	f.Add([]byte(`{"a\u00e9":"\ud83c\udf89 \u05d0","b":["x\"\\y", "عقد"]}`))
	f.Add([]byte(`"` + strings.Repeat("é", fixtures.LongName) + `"`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		if !json.Valid(doc) {
			return
		}
		// Every string, names included, repeated names too, as tokens.
		var want Traits
		dec := json.NewDecoder(bytes.NewReader(doc))
		for {
			tok, err := dec.Token()
			if err != nil {
				break
			}
			if str, ok := tok.(string); ok {
				if len([]rune(str)) >= fixtures.LongName {
					want = want.With(TraitLong)
				}
				for _, r := range str {
					want |= runeTraits(r)
				}
			}
		}
		if got := textTraits(doc); got != want {
			t.Errorf("textTraits(%q) = %s, want %s", doc, got, want)
		}
	})
}

func FuzzBodyTraits(f *testing.F) {
	for _, t := range fixtures.Types {
		f.Add(fixtures.Example(t))
	}
	f.Add([]byte(`{"data":{"recipients":[{"order":"1"}]},"event_id":"x","eventType":"SIGNATURES_COMPLETED"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ts, _, ok := bodyTraits(body) // never panics
		if ok == ts.Has(TraitNotEvent) {
			t.Errorf("%q: ok %v, traits %s", body, ok, ts)
		}
	})
}
