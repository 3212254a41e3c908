package inspector

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
	"github.com/portant-hooks/portant-hooks/internal/display"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// eventIndex is the inspector's view of <dir>/events.ndjson: the journal's
// index (ids, positions, types and validity) and the queries the page and
// its API make of it, reading a line or a body only when a page needs it.
type eventIndex struct {
	*journal.Index
	texts searchTexts
}

func newEventIndex(dir string) *eventIndex {
	return &eventIndex{Index: journal.NewIndex(dir)}
}

// eventSummary is one event in the inspector's list: /api/events and the
// live stream.
type eventSummary struct {
	ID           int                `json:"id"`  // position in events.ndjson, from 1
	Seq          uint64             `json:"seq"` // the listener's arrival number
	File         string             `json:"file,omitempty"`
	Received     time.Time          `json:"received"`
	Method       string             `json:"method"`
	Path         string             `json:"path"`
	EventID      string             `json:"eventId,omitempty"`
	Type         fixtures.EventType `json:"eventType"`
	Size         int64              `json:"size"`
	Valid        bool               `json:"valid"`
	ProblemCount int                `json:"problemCount"`
	// Status is what the listener answered: the --forward-to handler's
	// status when it gave one, 502 when it gave no whole answer.
	Status int `json:"status,omitempty"`
	// Answer is the class of that answer: 2xx..5xx, or unreachable when
	// the handler gave no whole answer (journal.Record.AnswerClass).
	Answer string `json:"answer,omitempty"`
	// Forwarded says the event went to a --forward-to handler, so Status
	// is the handler's (or 502 for none).
	Forwarded bool `json:"forwarded,omitempty"`
	// AnswerText is, when the handler's answer was not a 2xx, its body
	// reduced to a readable line, or why no answer came.
	AnswerText string `json:"answerText,omitempty"`
}

// rowAnswerWidth is how much of a handler's answer a list row shows.
const rowAnswerWidth = 160

func summaryOf(id int, r journal.Record) eventSummary {
	t := r.Type
	if t == "" {
		t = fixtures.Unknown
	}
	return eventSummary{
		ID: id, Seq: r.Seq, File: r.File, Received: r.Received, Method: r.Method, Path: r.Path,
		EventID: r.EventID, Type: t, Size: r.Size, Valid: r.Valid, ProblemCount: len(r.Problems),
		Status: r.Status, Answer: r.AnswerClass(), Forwarded: r.Forward != nil, AnswerText: answerLine(r.Forward, rowAnswerWidth),
	}
}

// answerLine is a handler's answer that was not a 2xx as one readable line
// of at most n characters (display.Excerpt: an error page's title and
// text, JSON compacted), or why no answer came; "" for a 2xx or none.
func answerLine(f *journal.Forward, n int) string {
	switch {
	case f == nil:
		return ""
	case f.Error != "":
		return display.Shorten(display.Line(f.Error), n)
	case f.Status >= 200 && f.Status < 300:
		return ""
	}
	return display.Excerpt(f.ContentType(), f.BodyBytes(), n)
}

// eventFilter selects events for a page.
type eventFilter struct {
	Type    fixtures.EventType // "" for any
	Invalid bool               // only events with problems
	// Answer is an answer class (journal.AnswerClasses: "5xx",
	// "unreachable"), Status an exact status; "" and 0 for any.
	Answer string
	Status int
	Text   string // case-insensitive, in the record's fields, the body or the handler's answer
}

func (f eventFilter) cheap(e journal.Entry) bool {
	if f.Type != "" && e.Type() != f.Type {
		return false
	}
	if f.Answer != "" && e.AnswerClass() != f.Answer {
		return false
	}
	return !f.Invalid || !e.Valid
}

// countable says whether the index alone can count what f selects.
func (f eventFilter) countable() bool { return f.Status == 0 && strings.TrimSpace(f.Text) == "" }

// parseAnswerFilter reads status=: an answer class (2xx, 3xx, 4xx, 5xx,
// unreachable) or an exact status (500).
func parseAnswerFilter(s string) (class string, status int, err error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if slices.Contains(journal.AnswerClasses, s) {
		return s, 0, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 100 && n <= 599 {
		return "", n, nil
	}
	return "", 0, fmt.Errorf("status %q is not an answer to filter by: use 2xx, 3xx, 4xx, 5xx, unreachable, or a status such as 500", s)
}

// eventPage is one page of the list, newest first.
type eventPage struct {
	Events []eventSummary `json:"events"`
	// Next is the id to pass as before= for the following (older) page; 0
	// when this page reaches the oldest event.
	Next int `json:"next"`
	// Total is the number of events in the journal; Latest the newest id
	// (the stream's after=).
	Total  int `json:"total"`
	Latest int `json:"latest"`
	// Matched is how many events of the journal pass the filters, when
	// the index can tell without reading them all (no text or exact
	// status filter); absent otherwise.
	Matched *int `json:"matched,omitempty"`
}

// list returns up to limit events older than before (0: from the newest)
// that pass f.
func (x *eventIndex) list(ctx context.Context, dir string, before, limit int, f eventFilter) (eventPage, error) {
	entries := x.Entries()
	p := eventPage{Events: []eventSummary{}, Total: len(entries), Latest: len(entries)}
	if f.countable() {
		n := 0
		for _, e := range entries {
			if f.cheap(e) {
				n++
			}
		}
		p.Matched = &n
	}
	start := len(entries)
	if before > 0 && before-1 < start {
		start = before - 1
	}
	var jr *journal.File
	defer func() {
		if jr != nil {
			jr.Close()
		}
	}()
	needle := strings.ToLower(strings.TrimSpace(f.Text))
	for i := start - 1; i >= 0; i-- {
		if len(p.Events) == limit {
			p.Next = i + 2 // the id just after the next candidate
			break
		}
		if !f.cheap(entries[i]) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return p, err
		}
		if jr == nil {
			var err error
			if jr, err = x.Open(); err != nil {
				return p, err
			}
		}
		known := false // what the search looks in is kept: the body is not read again
		if needle != "" {
			text, ok := x.texts.get(entries[i])
			if ok && !bytes.Contains(text, []byte(needle)) {
				continue // nor is its journal line
			}
			known = ok
		}
		r, err := jr.Record(entries[i])
		if err != nil {
			return p, err
		}
		if f.Status != 0 && r.Status != f.Status {
			continue
		}
		if needle != "" && !known && !x.matchesText(entries[i], r, dir, needle) {
			continue
		}
		p.Events = append(p.Events, summaryOf(i+1, r))
	}
	return p, nil
}

// get returns the record with the given id.
func (x *eventIndex) get(id int) (journal.Record, bool, error) {
	entries := x.Entries()
	if id < 1 || id > len(entries) {
		return journal.Record{}, false, nil
	}
	jr, err := x.Open()
	if err != nil {
		return journal.Record{}, false, err
	}
	defer jr.Close()
	r, err := jr.Record(entries[id-1])
	return r, err == nil, err
}

// since returns the events after id, oldest first, at most max of them;
// more is true when there were more.
func (x *eventIndex) since(after, max int) (evs []eventSummary, more bool, err error) {
	entries := x.Entries()
	if after >= len(entries) {
		return nil, false, nil
	}
	jr, err := x.Open()
	if err != nil {
		return nil, false, err
	}
	defer jr.Close()
	for i := after; i < len(entries); i++ {
		if len(evs) == max {
			return evs, true, nil
		}
		r, err := jr.Record(entries[i])
		if err != nil {
			return evs, false, err
		}
		evs = append(evs, summaryOf(i+1, r))
	}
	return evs, false, nil
}

// searchedAnswer is how much of the readable text of a handler's answer
// the text search looks in, beside its body as it came (an HTML page's
// message may be written with entities, &#39; for ').
const searchedAnswer = 4 << 10

// matchesText looks for needle (lower case) in what a person sees of an
// event: its ids, type, file, path, headers, problems, the handler's
// answer (its status, headers, body and readable text, or why none came),
// and the start of its body (searchBodyMax). What it reads is kept, in lower case, while there is
// room (searchTexts), so that the next search does not read every body
// again: a search that matched nothing read all 100,000 bodies of a
// journal, 1.7 s, each time.
func (x *eventIndex) matchesText(e journal.Entry, r journal.Record, dir, needle string) bool {
	var b bytes.Buffer
	fields := []string{r.EventID, string(r.Type), r.File, r.Path, r.Query, r.Remote, r.Method}
	for name, vs := range r.Headers {
		fields = append(fields, name)
		fields = append(fields, vs...)
	}
	for _, pr := range r.Problems {
		fields = append(fields, pr.Message, pr.Pointer)
	}
	if f := r.Forward; f != nil {
		body := f.BodyBytes()
		fields = append(fields, strconv.Itoa(f.Status), f.Error, string(body),
			display.Excerpt(f.ContentType(), body, searchedAnswer))
		for name, vs := range f.Headers {
			fields = append(fields, name)
			fields = append(fields, vs...)
		}
	}
	for _, s := range fields {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	if path, ok := journal.BodyPath(dir, r.File); ok {
		if f, err := os.Open(path); err == nil {
			_, _ = b.ReadFrom(io.LimitReader(f, searchBodyMax))
			f.Close()
		}
	}
	text := bytes.ToLower(b.Bytes())
	x.texts.put(e, text)
	return bytes.Contains(text, []byte(needle))
}

// searchBodyMax is how much of a body a search looks at.
const searchBodyMax = 1 << 20

// searchTextsMax bounds the memory the search texts take.
const searchTextsMax = 64 << 20

// searchTexts keeps the lower-case text that searches look in, by the
// journal line of its event, up to searchTextsMax bytes in all; past that
// the others are read each time. A line at the same place with another
// length (the journal was replaced) is not taken for the one kept.
type searchTexts struct {
	mu    sync.Mutex
	texts map[int64]searchText
	size  int
}

type searchText struct {
	len  int32
	text []byte
}

func (c *searchTexts) get(e journal.Entry) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.texts[e.Off]
	return t.text, ok && t.len == e.Len
}

func (c *searchTexts) put(e journal.Entry, text []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size+len(text) > searchTextsMax {
		return
	}
	if c.texts == nil {
		c.texts = map[int64]searchText{}
	}
	if old, ok := c.texts[e.Off]; ok {
		c.size -= len(old.text)
	}
	c.texts[e.Off] = searchText{len: e.Len, text: text}
	c.size += len(text)
}
