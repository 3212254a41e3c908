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
	"encoding/base64"
	"net/http"
	"path/filepath"
	"time"
	"unicode/utf8"

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

// answerUnreachable is the class of an answer that never came whole.
const answerUnreachable = "unreachable"

// AnswerClasses are the classes an answer can be in, in order: the status
// classes first, indexed by Status/100-2.
var AnswerClasses = []string{"2xx", "3xx", "4xx", "5xx", answerUnreachable}

// AnswerClass is the class of the answer the sender got: answerUnreachable
// when the --forward-to handler gave no whole answer (listen then answered
// 502), else the class of Status ("5xx"); "" when there is no status (a
// record written by hand).
func (r Record) AnswerClass() string {
	switch {
	case r.Forward != nil && r.Forward.Error != "":
		return answerUnreachable
	case r.Status >= 200 && r.Status < 600:
		return AnswerClasses[r.Status/100-2]
	}
	return ""
}

// Forward is what the --forward-to handler made of an event: its answer,
// kept in the journal (up to listen --keep-answer bytes of its body) before
// the sender is answered, so that it can be read later without sending the
// event again.
type Forward struct {
	URL       string  `json:"url"`
	Status    int     `json:"status,omitempty"` // the handler's status; 0 when no answer came
	LatencyMS float64 `json:"latencyMs"`        // from sending the event to the end of the answer
	// Error is why no whole answer came: the handler could not be reached,
	// hung up, or its body broke off (Status is then what it had said).
	Error string `json:"error,omitempty"`
	// Headers are the answer's, secret-bearing ones (Set-Cookie...)
	// redacted as the request's are.
	Headers map[string][]string `json:"headers,omitempty"`
	// Body is the start of the answer's body: the text itself when it is
	// UTF-8, else base64 with BodyEncoding "base64" (as HAR files do). Set
	// and read it with SetBody and BodyBytes.
	Body         string `json:"body,omitempty"`
	BodyEncoding string `json:"bodyEncoding,omitempty"`
	// BodyTruncated says the answer went on beyond Body.
	BodyTruncated bool `json:"bodyTruncated,omitempty"`
}

// SetBody keeps b as the answer's body; truncated says the answer went on.
// A cut that split a UTF-8 character drops its first bytes, so that text
// stays text.
func (f *Forward) SetBody(b []byte, truncated bool) {
	if truncated {
		b = trimPartialRune(b)
	}
	f.Body, f.BodyEncoding, f.BodyTruncated = "", "", truncated
	switch {
	case len(b) == 0:
	case utf8.Valid(b):
		f.Body = string(b)
	default:
		f.Body, f.BodyEncoding = base64.StdEncoding.EncodeToString(b), "base64"
	}
}

// BodyBytes is the answer's body as it was kept; a base64 body that does
// not decode (a hand-edited journal) is returned as it is written.
func (f *Forward) BodyBytes() []byte {
	if f.BodyEncoding == "base64" {
		if b, err := base64.StdEncoding.DecodeString(f.Body); err == nil {
			return b
		}
	}
	return []byte(f.Body)
}

// ContentType is the answer's Content-Type header, "" when it had none.
func (f *Forward) ContentType() string {
	return http.Header(f.Headers).Get("Content-Type")
}

// trimPartialRune drops the start of a UTF-8 character cut off at the end
// of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < utf8.RuneSelf {
			return b // ASCII: nothing was cut
		}
		if utf8.RuneStart(c) {
			if r, _ := utf8.DecodeRune(b[len(b)-i:]); r == utf8.RuneError && !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}
