package capture

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/display"
	"github.com/portant-hooks/portant-hooks/internal/httpx"
)

// maxChecked is the largest body, decoded, that listen validates as it
// captures. Validation costs about 0.3 µs and 65 bytes of memory per byte
// of a body made of small keys (BenchmarkValidateHostile: a 1 MiB body of
// 100,000 keys takes 0.3 s and 65 MiB, a 10 MiB one 9 s and 1 GiB) while
// its request waits; Portant's events are a few KiB, so this leaves them a
// wide margin and bounds what a hostile body costs. Larger bodies are
// saved whole, labelled UNKNOWN, with a problem that says they were not
// checked.
const maxChecked = 256 << 10

// A body not checked is still named by its id and type, read by
// fixtures.Peek, when it is at most maxPeeked: Peek reads some 85 MB/s of a
// hostile body of small keys (BenchmarkPeek), so a 10 MiB one would hold
// its request 120 ms, and no real event comes near 1 MiB. An eventId longer
// than maxPeekedID (Portant's have 48 characters) is a hostile body's too,
// and would make a journal line longer than its readers take.
const (
	maxPeeked   = 1 << 20
	maxPeekedID = 1 << 10
)

// examined is what the listener makes of a body before it saves it.
type examined struct {
	report fixtures.Report
	// shown is the body as the terminal shows it: decoded when it came
	// compressed (the file keeps it as sent).
	shown  []byte
	isJSON bool   // shown is one JSON value
	note   string // how shown differs from the file: "gzip, 1.2 KiB as sent"
}

// examine decodes a compressed body (bounded: a zip bomb stops at
// maxChecked) and validates it, at most len(s.checking) at once: one per
// core, as validation is work for a core, so that however many large
// bodies arrive together the memory they take is bounded too.
func (s *server) examine(ctx context.Context, body []byte, h http.Header) examined {
	ex := examined{shown: body}
	var pre []fixtures.Problem
	switch enc := httpx.ContentEncoding(h); {
	case enc == "" || enc == "identity":
	case httpx.Decodes(enc):
		decoded, err := httpx.Decode(enc, body, maxChecked)
		switch {
		case errors.Is(err, httpx.ErrTooLarge):
			ex.report = notChecked(fmt.Sprintf("not checked: this %s body decodes to more than the %s that listen checks as it captures; the file keeps it as sent (decode it, then run portant-hooks validate)", enc, formatSize(maxChecked)))
			return ex
		case err != nil:
			pre = append(pre, fixtures.Problem{Line: 1, Column: 1, Message: fmt.Sprintf("the request says Content-Encoding: %s, but the body is not %s data (%v): checked as it came", enc, enc, err)})
		default:
			ex.shown = decoded
			ex.note = fmt.Sprintf("Content-Encoding: %s, %s as sent and saved; shown and checked decoded (%s); problems are placed in the decoded text", enc, formatSize(int64(len(body))), formatSize(int64(len(decoded))))
		}
	default:
		pre = append(pre, fixtures.Problem{Line: 1, Column: 1, Message: fmt.Sprintf("the request says Content-Encoding: %s, which listen does not decode (it decodes gzip and deflate): checked as it came, saved as sent", display.Shorten(enc, 40))})
	}
	if len(ex.shown) > maxChecked {
		ex.report = notChecked(fmt.Sprintf("not checked: %s is more than the %s that listen validates as it captures; the file is saved whole: run portant-hooks validate on it", formatSize(int64(len(ex.shown))), formatSize(maxChecked)))
		ex.report.Problems = append(pre, ex.report.Problems...)
		if len(ex.shown) <= maxPeeked {
			// Named all the same, so that a real event this large is not
			// saved as UNKNOWN.
			m := fixtures.Peek(ex.shown)
			ex.report.EventType, ex.isJSON = m.Type, m.JSON
			if len(m.ID) <= maxPeekedID {
				ex.report.EventID = m.ID
			}
		}
		return ex
	}
	select {
	case s.checking <- struct{}{}:
		defer func() { <-s.checking }()
	case <-ctx.Done():
		ex.report = notChecked("not checked: the sender hung up while the body waited to be validated")
		return ex
	}
	ex.report = s.validator.Validate(ex.shown)
	ex.isJSON = !ex.report.Syntax
	if len(pre) > 0 {
		ex.report.Problems = append(pre, ex.report.Problems...)
	}
	return ex
}

// notChecked is the report of a body that was not validated.
func notChecked(why string) fixtures.Report {
	return fixtures.Report{Problems: []fixtures.Problem{{Line: 1, Column: 1, Message: why}}}
}
