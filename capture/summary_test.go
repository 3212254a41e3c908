package capture

import (
	"strings"
	"testing"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

func TestSummaryCountsTheHandlersAnswersByClass(t *testing.T) {
	var s stats
	answered := func(status int) *journal.Record {
		return &journal.Record{Type: fixtures.EmailsCreated, Valid: true, Status: status, Forward: &journal.Forward{Status: status}}
	}
	for _, rec := range []*journal.Record{
		answered(200), answered(204), answered(200), answered(422), answered(500), answered(503), answered(500),
		{Type: fixtures.Unknown, Status: 502, Forward: &journal.Forward{Error: "connection refused"}},
		{Type: fixtures.DocumentsCreated, Valid: true, Status: 200}, // no --forward-to: not the handler's
	} {
		s.count(rec)
	}
	var out strings.Builder
	writeSummary(&out, Config{Dir: "events"}, &s, 3*time.Second, true)
	want := `Stopped after 3s: 9 events saved in events/
  DOCUMENTS_CREATED          1
  EMAILS_CREATED             7
  UNKNOWN                    1
  invalid                    1
  handler 2xx                3  (200 ×2, 204 ×1)
  handler 4xx                1  (422 ×1)
  handler 5xx                3  (500 ×2, 503 ×1)
  handler no answer          1  (unreachable, hung up or broke off: answered 502)
`
	if got := out.String(); got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
}
