package replay

import (
	"bytes"
	"regexp"
	"slices"
	"testing"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

func TestCheckSuiteCases(t *testing.T) {
	v, err := fixtures.NewValidator(fixtures.Options{})
	if err != nil {
		t.Fatal(err)
	}
	strict, err := fixtures.NewValidator(fixtures.Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	suite := CheckSuite(1)
	if len(suite) < 20 {
		t.Fatalf("%d cases", len(suite))
	}
	names := map[string]bool{}
	for _, c := range suite {
		if !regexp.MustCompile(`^[a-z]+/[A-Za-z_/-]+$`).MatchString(c.Name) || names[c.Name] {
			t.Errorf("case name %q: not group/name, or twice", c.Name)
		}
		names[c.Name] = true
		if c.Purpose == "" || len(c.Lanes) == 0 || c.Describe() == "" {
			t.Errorf("%s: no purpose, requests or description", c.Name)
		}
		for _, r := range c.Requests() {
			if r.Source != c.Name {
				t.Errorf("%s: request from %q", c.Name, r.Source)
			}
			if c.Expect == ExpectRejected {
				if r.Type != fixtures.Unknown {
					t.Errorf("%s: sends a %s", c.Name, r.Type)
				}
				continue
			}
			opts := strict
			if c.Name == "shape/unknown-fields" {
				opts = v
			}
			if rep := opts.Validate(r.Body); !rep.Valid() {
				t.Errorf("%s: %v\n%s", c.Name, rep.Problems, r.Body)
			}
		}
	}
	again, other := CheckSuite(1), CheckSuite(2)
	for i := range suite {
		if !bytes.Equal(suite[i].Requests()[0].Body, again[i].Requests()[0].Body) {
			t.Errorf("%s: the same seed made other bytes", suite[i].Name)
		}
		if suite[i].Expect == ExpectAccepted && bytes.Equal(suite[i].Requests()[0].Body, other[i].Requests()[0].Body) {
			t.Errorf("%s: another seed made the same bytes", suite[i].Name)
		}
	}
}

// Each trait that names a bug is in the cases meant to show it and in no
// other, outside the workflow runs (which vary as real runs do): so a
// handler with that one bug fails exactly there, and the report names it.
func TestCheckSuiteIsolatesTraits(t *testing.T) {
	want := map[Trait][]string{
		TraitSnakeEnvelope:  {"spelling/event_id/documents_created", "spelling/event_id/emails_created", "spelling/event_id/signatures_requested", "spelling/event_id/signatures_completed"},
		TraitCamelMessageID: {"spelling/messageId/emails_created"},
		TraitDocuments:      {"shape/documents"},
		TraitRecipients:     {"shape/recipients"},
		TraitEmails:         {"shape/emails"},
		TraitUnknownFields:  {"shape/unknown-fields"},
		TraitNonASCII:       {"values/unicode", "values/right-to-left"},
		TraitRTL:            {"values/right-to-left"},
		TraitLong:           {"values/long"},
		TraitRepeat:         {"delivery/duplicate", "delivery/burst"},
		TraitBurst:          {"delivery/burst"},
		TraitCompletedFirst: {"delivery/completed-first"},
		TraitNotEvent:       {"body/not-json", "body/not-an-event", "body/empty"},
	}
	got := map[Trait][]string{}
	for _, c := range CheckSuite(7) {
		if c.Traits.Has(TraitWorkflow) {
			continue
		}
		ts := c.AllTraits()
		for tr := range want {
			if ts.Has(tr) {
				got[tr] = append(got[tr], c.Name)
			}
		}
	}
	for tr, names := range want {
		if !slices.Equal(got[tr], names) {
			t.Errorf("%s: in %v, want %v", tr, got[tr], names)
		}
	}
}

func TestCheckCaseDescribe(t *testing.T) {
	want := map[string]string{
		"spelling/documented/signatures_completed":    "SIGNATURES_REQUESTED → SIGNATURES_COMPLETED · documented spelling · 1 document, 1 recipient",
		"spelling/signature_url/signatures_completed": "SIGNATURES_REQUESTED → SIGNATURES_COMPLETED · eventId, eventType, signature_url · 1 document, 1 recipient",
		"spelling/event_id/documents_created":         "DOCUMENTS_CREATED · event_id, event_type · 1 document",
		"shape/recipients":                            "SIGNATURES_REQUESTED → SIGNATURES_COMPLETED · documented spelling · 1 document, 3 recipients",
		"values/right-to-left":                        "the 4 types in order · documented spelling · 1 document, 1 email, 1 recipient · right-to-left text",
		"delivery/burst":                              "5× SIGNATURES_REQUESTED at once · documented spelling · 1 document, 1 recipient",
		"workflow/concurrent":                         "12 events of 3 items, at once · documented spelling",
		"body/empty":                                  "an empty body",
		"body/not-json":                               "not JSON",
	}
	for _, c := range CheckSuite(3) {
		w, ok := want[c.Name]
		if !ok {
			continue
		}
		got := c.Describe()
		if c.Name == "workflow/concurrent" {
			got = regexp.MustCompile(` · up to .*`).ReplaceAllString(got, "")
		}
		if got != w {
			t.Errorf("%s:\n got %s\nwant %s", c.Name, got, w)
		}
	}
}
