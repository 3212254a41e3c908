package inspector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/display"
	"github.com/portant-hooks/portant-hooks/internal/httpx"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// eventDetail is GET /api/events/{id}: the record and its body as the page
// shows it.
type eventDetail struct {
	eventSummary
	Query   string              `json:"query,omitempty"`
	Remote  string              `json:"remote"`
	SHA256  string              `json:"sha256"`
	Headers map[string][]string `json:"headers"`
	// Problems are as recorded, placed in the saved file.
	Problems []fixtures.Problem `json:"problems"`
	// Forward is what the --forward-to handler answered when it was captured.
	Forward *journal.Forward `json:"forward,omitempty"`
	// AnswerView is that answer as the page shows it, without a replay.
	AnswerView *answerView `json:"answerView,omitempty"`
	View       bodyView    `json:"view"`
	ForwardTo  string      `json:"forwardTo,omitempty"` // the default replay target
	// ReplayHeaders are the captured headers a replay sends
	// (httpx.Replayable), for the page's replay with changes.
	ReplayHeaders map[string][]string `json:"replayHeaders"`
}

// answerView is the answer the --forward-to handler gave, as the journal
// kept it, for the page.
type answerView struct {
	StatusText string `json:"statusText,omitempty"` // "500 Internal Server Error"; "" when none came
	// Excerpt is the body as one readable line: an HTML error page's title
	// and text, JSON compacted (display.Excerpt).
	Excerpt string `json:"excerpt,omitempty"`
	// Kind is "json" (Text is pretty-printed), "text" (as it came),
	// "binary" (not shown) or "empty".
	Kind string `json:"kind"`
	Text string `json:"text,omitempty"`
	Note string `json:"note,omitempty"`
}

// answerExcerptWidth is how much of the answer's readable text the detail
// pane shows above its body.
const answerExcerptWidth = 400

func answerOf(f *journal.Forward) *answerView {
	if f == nil {
		return nil
	}
	v := &answerView{Kind: "empty"}
	if f.Status != 0 {
		v.StatusText = strings.TrimSpace(strconv.Itoa(f.Status) + " " + http.StatusText(f.Status))
	}
	body := f.BodyBytes()
	v.Excerpt = display.Excerpt(f.ContentType(), body, answerExcerptWidth)
	var pretty bytes.Buffer
	switch {
	case len(body) == 0:
	case f.BodyEncoding == "base64":
		v.Kind, v.Excerpt = "binary", ""
		v.Note = fmt.Sprintf("%d bytes that are not text (in the journal, base64)", len(body))
	case json.Valid(body) && indentedSize(body) <= viewPrettyFactor*len(body)+64<<10 && json.Indent(&pretty, body, "", "  ") == nil:
		v.Kind, v.Text = "json", pretty.String()
	default:
		v.Kind, v.Text = "text", string(body)
	}
	if f.BodyTruncated {
		v.Note = "the answer went on: the journal keeps its start (listen --keep-answer)"
	}
	return v
}

// bodyView is the body as the page displays it, with the problems placed in
// that text.
type bodyView struct {
	// Kind is "json" (pretty-printed), "text" (as received: not JSON, or too
	// big to reformat) or "missing" (no body was saved).
	Kind      string `json:"kind"`
	Text      string `json:"text"`
	Truncated bool   `json:"truncated,omitempty"`
	Note      string `json:"note,omitempty"`
	// Decoded is the Content-Encoding undone for Text ("gzip"): the editor
	// starts from Text, and its replay sends it without that coding.
	Decoded  string        `json:"decoded,omitempty"`
	Problems []viewProblem `json:"problems"`
}

// viewProblem is a problem placed in bodyView.Text (Line, Column) and in the
// saved file (FileLine, FileColumn), which differ once the JSON is
// pretty-printed.
type viewProblem struct {
	fixtures.Problem
	FileLine   int `json:"fileLine"`
	FileColumn int `json:"fileColumn"`
}

// viewLimit is the largest body the page gets to pretty-print and
// highlight; bigger ones are shown as received, cut, and downloaded whole.
const viewLimit = 1 << 20

func (in *Inspector) detail(id int, rec journal.Record) eventDetail {
	d := eventDetail{
		eventSummary: summaryOf(id, rec),
		Query:        rec.Query, Remote: rec.Remote, SHA256: rec.SHA256,
		Headers: rec.Headers, Problems: rec.Problems, Forward: rec.Forward, ForwardTo: in.cfg.ForwardTo,
		AnswerView: answerOf(rec.Forward),
	}
	d.ReplayHeaders, _ = httpx.Replayable(rec.Headers)
	if d.Headers == nil {
		d.Headers = map[string][]string{}
	}
	if d.Problems == nil {
		d.Problems = []fixtures.Problem{}
	}
	d.View = in.view(rec)
	if d.View.Decoded != "" {
		http.Header(d.ReplayHeaders).Del("Content-Encoding")
	}
	return d
}

func (in *Inspector) view(rec journal.Record) bodyView {
	v := bodyView{Problems: []viewProblem{}}
	f, err := in.openBody(rec)
	if err != nil {
		v.Kind, v.Note = "missing", err.Error()
		return v
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, viewLimit+1))
	if err != nil {
		v.Kind, v.Note = "missing", fmt.Sprintf("read %s: %v", rec.File, err)
		return v
	}
	var encoded string // the note on a body shown decoded
	if enc := httpx.ContentEncoding(http.Header(rec.Headers)); httpx.Decodes(enc) && len(body) <= viewLimit {
		decoded, err := httpx.Decode(enc, body, viewLimit)
		switch {
		case errors.Is(err, httpx.ErrTooLarge):
			v.Kind, v.Note = "text", fmt.Sprintf("Content-Encoding: %s, and it decodes to more than %d KiB: not shown; download it (as sent) and decode it to read it", enc, viewLimit>>10)
			return v
		case err == nil:
			v.Decoded = enc
			encoded = fmt.Sprintf("Content-Encoding: %s, %d bytes as sent and saved: shown decoded, problems placed in the decoded text; download keeps it as sent", enc, len(body))
			body = decoded
		}
		// A body that is not enc data is shown as it came, and listen's
		// problems say so.
	}
	if len(body) > viewLimit {
		cut := body[:viewLimit]
		for len(cut) > 0 && !utf8.FullRune(cut[max(0, len(cut)-utf8.UTFMax):]) {
			cut = cut[:len(cut)-1]
		}
		lines := bytes.Count(cut, []byte{'\n'}) + 1
		v.Kind, v.Text, v.Truncated = "text", displayText(cut), true
		v.Note = fmt.Sprintf("larger than %d KiB: shown as received and cut; download it to see it whole", viewLimit>>10)
		for _, p := range rec.Problems {
			if p.Line <= lines {
				v.Problems = append(v.Problems, viewProblem{Problem: p, FileLine: p.Line, FileColumn: p.Column})
			}
		}
		return v
	}
	// Validating costs time and memory that grow with the body, and
	// indenting deep nesting about 2·depth² bytes (a 20 KB body nested
	// 10,000 deep made a 200 MB answer and took 1.6 GB): both only where
	// they stay within a small multiple of the body's size.
	raw := fixtures.Report{Problems: rec.Problems}
	checked := len(body) <= viewChecked
	if checked {
		raw = in.validator.Validate(body)
	}
	var pretty bytes.Buffer
	valid := json.Valid(body)
	deep := valid && indentedSize(body) > viewPrettyFactor*len(body)+64<<10
	if !valid || !checked || deep || json.Indent(&pretty, body, "", "  ") != nil {
		v.Kind, v.Text = "text", displayText(body)
		switch {
		case deep:
			v.Note = fmt.Sprintf("nested so deep that indenting it would make it more than %d times its size: shown as received", viewPrettyFactor)
		case valid && !checked:
			v.Note = fmt.Sprintf("larger than %d KiB: shown as received, with the problems listen recorded", viewChecked>>10)
		case !utf8.Valid(body):
			v.Note = "not UTF-8 text: bytes that are not shown as \uFFFD; download it to see it as received"
		default:
			v.Note = encoded
		}
		for _, p := range raw.Problems {
			v.Problems = append(v.Problems, viewProblem{Problem: p, FileLine: p.Line, FileColumn: p.Column})
		}
		return v
	}
	v.Kind, v.Text, v.Note = "json", pretty.String(), encoded
	shown := in.validator.Validate(pretty.Bytes())
	v.Problems = placeProblems(shown.Problems, raw.Problems)
	return v
}

// viewChecked is the largest body the view validates again to place its
// problems, as listen validates no larger one as it captures; viewPrettyFactor
// bounds how much larger than the body its indented form may be.
const (
	viewChecked      = 256 << 10
	viewPrettyFactor = 8
)

// indentedSize is about how large json.Indent with two spaces makes the
// valid JSON b: each bracket and comma outside strings starts a line
// indented by its depth. One pass, without indenting.
func indentedSize(b []byte) int {
	size, depth := len(b), 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
			size += 1 + 2*depth
		case ',':
			size += 1 + 2*depth
		case '}', ']':
			depth--
			size += 1 + 2*depth
		}
	}
	return size
}

// placeProblems pairs the problems found in the pretty text with the same
// problems found in the saved file. Reformatting keeps the order of the
// tokens, so the two lists are normally the same problems in the same
// order; a pair that does not match is looked up by pointer and message.
func placeProblems(shown, raw []fixtures.Problem) []viewProblem {
	out := make([]viewProblem, 0, len(shown))
	same := func(a, b fixtures.Problem) bool { return a.Pointer == b.Pointer && a.Message == b.Message }
	used := make([]bool, len(raw))
	for i, p := range shown {
		vp := viewProblem{Problem: p}
		j := -1
		if i < len(raw) && !used[i] && same(p, raw[i]) {
			j = i
		} else {
			for k := range raw {
				if !used[k] && same(p, raw[k]) {
					j = k
					break
				}
			}
		}
		if j >= 0 {
			used[j] = true
			vp.FileLine, vp.FileColumn = raw[j].Line, raw[j].Column
		}
		out = append(out, vp)
	}
	return out
}

// displayText turns bytes into text for the page, one U+FFFD per byte that
// is not UTF-8, so columns counted in characters stay where the validator
// put them.
func displayText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			sb.WriteRune(utf8.RuneError)
		} else {
			sb.Write(b[:size])
		}
		b = b[size:]
	}
	return sb.String()
}

// errNoSavedBody says why an event has no body to show, replay or download.
var errNoSavedBody = errors.New("no body")

// bodyPath is where rec's body is saved, or "" when it cannot be named safely.
func (in *Inspector) bodyPath(rec journal.Record) string {
	path, _ := journal.BodyPath(in.cfg.Dir, rec.File)
	return path
}

// openBody opens rec's saved body. The name comes from the journal, never
// from the request, and must be a plain [A-Za-z0-9._-] name inside the dir.
func (in *Inspector) openBody(rec journal.Record) (*os.File, error) {
	if rec.File == "" {
		return nil, fmt.Errorf("%w: the listener did not save this request's body (status %d)", errNoSavedBody, rec.Status)
	}
	path := in.bodyPath(rec)
	if path == "" {
		return nil, fmt.Errorf("%w: the journal names the body %q, which is not a file name the listener writes", errNoSavedBody, rec.File)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is gone from %s (moved or deleted?)", errNoSavedBody, rec.File, in.cfg.Dir)
	}
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w: %s is not a regular file", errNoSavedBody, path)
	}
	return f, nil
}

// readBody reads rec's whole body, for replay and curl.
func (in *Inspector) readBody(rec journal.Record) ([]byte, error) {
	f, err := in.openBody(rec)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rec.File, err)
	}
	return b, nil
}
