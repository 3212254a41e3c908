package capture

import (
	"strings"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

func addBodySeeds(f *testing.F) {
	for _, t := range fixtures.Types {
		f.Add(fixtures.Example(t))
	}
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `"x"`, `{"eventId":"../../etc/passwd","eventType":"DOCUMENTS_CREATED"}`,
		`{"event_id":"a\u0000b","event_type":"EMAILS_CREATED","data":{}}`,
		`{"eventId":1,"eventType":["x"]}`, `{"eventId":"` + strings.Repeat("é", 3000) + `"}`,
		"{\"eventId\":\"\xff\xfe\",\"eventType\":\"UNKNOWN\"}", `{"eventId":"x","eventId":"y"}`,
		"\x1b[31mnot json", `{"eventType":"SIGNATURES_COMPLETED","eventId":"\u202e\u0085"}`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzMetadataAndName: whatever arrives, reading its id and type and
// naming its file never panics, and the name is always safe and bounded.
func FuzzMetadataAndName(f *testing.F) {
	addBodySeeds(f)
	v, err := fixtures.NewValidator(fixtures.Options{})
	if err != nil {
		f.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 22, 45, 17, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		m := fixtures.Peek(body)
		rep := v.Validate(body)
		typ := rep.EventType
		if typ == "" {
			typ = fixtures.Unknown
		}
		if m.JSON && !rep.Syntax && (rep.EventID != m.ID || rep.EventType != m.Type) {
			t.Errorf("validator says %q/%q, Peek says %q/%q", rep.EventID, rep.EventType, m.ID, m.Type)
		}
		for _, name := range []string{
			journal.FileName(at, 1, typ, rep.EventID),
			journal.FileName(at, 1<<63, m.Type, m.ID),
			journal.FileName(at, 7, fixtures.EventType(body), string(body)),
		} {
			if _, ok := journal.BodyPath("events", name); !ok || len(name) > 100 {
				t.Fatalf("unsafe name %q", name)
			}
		}
	})
}
