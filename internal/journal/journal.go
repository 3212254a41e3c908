// Package journal is the one reader and writer of a capture directory's
// journal, events.ndjson, and the home of the names in that directory.
//
// A capture directory holds one file per request the listener saved (named
// by FileName, the body byte for byte) and the journal: UTF-8 text, one
// JSON object per line, each line a Record encoded by encoding/json (HTML
// characters not escaped) and ended by "\n". Every line starts with
// {"seq":N, because Seq is Record's first field. Lines are appended, never
// rewritten: a line is written in one write call, so lines of concurrent
// requests never interleave, and in about seq order (requests answered at
// the same moment may trade places). Secret-bearing header and query values
// are journalled as Redacted unless the listener was told to keep them.
//
// Readers take what they find: a blank line, a line that is not a Record
// (a hand edit, a disk error) or a line longer than MaxLine is skipped but
// still counted, so positions stay stable; the last line may lack its
// newline (a crash cut it short, or a listener is writing it right now) and
// is never taken for a record. A Writer opened on such a journal ends that
// line first, so the next record starts on a line of its own.
package journal

import (
	"path/filepath"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// Name is the journal's file name in a capture directory.
const Name = "events.ndjson"

// Path is where the journal of the capture directory dir is.
func Path(dir string) string { return filepath.Join(dir, Name) }

// MaxLine bounds the journal lines a reader decodes. A record holds headers
// and problems, never a body, so real lines are a few KiB; a longer line is
// skipped (and counted) rather than held in memory.
const MaxLine = 4 << 20

// Record describes one request the listener received: one line of the
// journal, and what the terminal and the inspector show.
type Record struct {
	Seq      uint64              `json:"seq"`            // arrival order, from 1; first, so every line starts {"seq":N
	File     string              `json:"file,omitempty"` // base name of the saved body in the capture dir; "" when not saved
	Received time.Time           `json:"received"`       // UTC
	Method   string              `json:"method"`
	Path     string              `json:"path"`
	Query    string              `json:"query,omitempty"`    // raw, secrets redacted (RedactQuery)
	Headers  map[string][]string `json:"headers"`            // secret-bearing ones redacted (RedactHeaders)
	Remote   string              `json:"remote"`             // client address
	Size     int64               `json:"size"`               // body bytes
	SHA256   string              `json:"sha256"`             // of the body, hex
	EventID  string              `json:"eventId,omitempty"`  // either spelling in the body
	Type     fixtures.EventType  `json:"eventType"`          // UNKNOWN for non-JSON or non-Portant bodies
	Valid    bool                `json:"valid"`              // under the default schema
	Problems []fixtures.Problem  `json:"problems,omitempty"` // when not valid
	Status   int                 `json:"status,omitempty"`   // what the listener answered
	Forward  *Forward            `json:"forward,omitempty"`  // with --forward-to: what the handler answered
}

// Forward is what the --forward-to handler made of an event.
type Forward struct {
	URL       string  `json:"url"`
	Status    int     `json:"status,omitempty"`    // the handler's status; 0 when unreachable
	LatencyMS float64 `json:"latencyMs"`           // until the handler's response headers
	Error     string  `json:"error,omitempty"`     // why the handler could not be reached
	BodyStart string  `json:"bodyStart,omitempty"` // the first bytes of the handler's response body
}
