package capture

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// eventIndex lets the inspector page through <dir>/events.ndjson from the
// end without keeping the events in memory: it holds one small entry per
// line (where the line is, its type and validity, for cheap filtering) and
// reads a line, or a body, only when a page needs it.
//
// An event's id is its position in the journal, from 1. Ids are stable as
// long as the journal is only appended to, which is how the listener writes
// it; seq is not enough: listen carries it on across restarts only as far
// as the journal tells (a journal removed or replaced starts again at 1),
// and two listeners sharing a dir may hand out the same one.
type eventIndex struct {
	path string

	mu      sync.Mutex
	entries []indexEntry // append-only between resets, so a snapshot is a slice header
	indexed int64        // bytes indexed: up to the end of the last complete line
	info    os.FileInfo  // the journal indexed, to notice it being replaced
}

type indexEntry struct {
	off   int64 // of the line in the journal
	n     int32 // line length, without the newline
	typ   uint8 // typeCode
	valid bool
}

func newEventIndex(dir string) *eventIndex {
	return &eventIndex{path: filepath.Join(dir, JournalName)}
}

// typeCode packs an event type into a byte: 0 is UNKNOWN, 1..4 the four types.
func inspectTypeCode(t fixtures.EventType) uint8 {
	for i, known := range fixtures.Types {
		if t == known {
			return uint8(i + 1)
		}
	}
	return 0
}

// maxJournalLine bounds one journal line the index accepts. A record holds
// headers and problems, never a body, so real lines are a few KiB.
const maxJournalLine = 4 << 20

// refresh indexes the lines appended since the last call. It reports
// whether the journal was replaced or truncated, in which case every id
// changed and the index was rebuilt from the start.
func (x *eventIndex) refresh() (reset bool, err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	f, err := os.Open(x.path)
	if errors.Is(err, fs.ErrNotExist) {
		reset = len(x.entries) > 0
		x.entries, x.indexed, x.info = nil, 0, nil
		return reset, nil
	}
	if err != nil {
		return false, fmt.Errorf("open the journal %s: %w", x.path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("read the journal %s: %w", x.path, err)
	}
	if x.info != nil && (!os.SameFile(x.info, info) || info.Size() < x.indexed) {
		reset = len(x.entries) > 0
		x.entries, x.indexed = nil, 0
	}
	x.info = info
	if info.Size() == x.indexed {
		return reset, nil
	}
	// Read only up to the size just seen: a line still being written has no
	// newline yet and waits for the next refresh.
	r := bufio.NewReaderSize(io.NewSectionReader(f, x.indexed, info.Size()-x.indexed), 64<<10)
	for {
		line, err := r.ReadSlice('\n')
		n := len(line)
		if errors.Is(err, bufio.ErrBufferFull) {
			// Longer than the buffer: gather it while it is within reason,
			// and only count a line too long to be a record.
			big := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = r.ReadSlice('\n')
				n += len(line)
				if n <= maxJournalLine {
					big = append(big, line...)
				} else {
					big = nil
				}
			}
			line = big
		}
		if err != nil { // io.EOF: a partial line, or nothing left
			break
		}
		start := x.indexed
		x.indexed += int64(n)
		if n > maxJournalLine {
			continue
		}
		if e, ok := parseIndexLine(start, line[:len(line)-1]); ok {
			x.entries = append(x.entries, e)
		}
	}
	return reset, nil
}

// parseIndexLine reads what the index keeps from one journal line. Lines
// that are not a Record (blank, corrupt, or of the wrong shape) are skipped,
// so every id names an event that can be shown.
func parseIndexLine(off int64, line []byte) (indexEntry, bool) {
	var r Record
	if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &r) != nil {
		return indexEntry{}, false
	}
	return indexEntry{off: off, n: int32(len(line)), typ: inspectTypeCode(r.Type), valid: r.Valid}, true
}

func (x *eventIndex) snapshot() []indexEntry {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.entries[:len(x.entries):len(x.entries)]
}

// journalReader reads records by index entry from one open journal.
type journalReader struct {
	f *os.File
}

func (x *eventIndex) open() (*journalReader, error) {
	f, err := os.Open(x.path)
	if err != nil {
		return nil, fmt.Errorf("open the journal %s: %w", x.path, err)
	}
	return &journalReader{f: f}, nil
}

func (jr *journalReader) Close() error { return jr.f.Close() }

func (jr *journalReader) record(e indexEntry) (Record, error) {
	line := make([]byte, e.n)
	if _, err := jr.f.ReadAt(line, e.off); err != nil {
		return Record{}, fmt.Errorf("read the journal at byte %d: %w", e.off, err)
	}
	var r Record
	if err := json.Unmarshal(line, &r); err != nil {
		return Record{}, fmt.Errorf("journal line at byte %d is not a record: %w", e.off, err)
	}
	return r, nil
}

// EventSummary is one event in the inspector's list: /api/events and the
// live stream.
type EventSummary struct {
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
	Status       int                `json:"status,omitempty"`
}

func summaryOf(id int, r Record) EventSummary {
	t := r.Type
	if t == "" {
		t = fixtures.Unknown
	}
	return EventSummary{
		ID: id, Seq: r.Seq, File: r.File, Received: r.Received, Method: r.Method, Path: r.Path,
		EventID: r.EventID, Type: t, Size: r.Size, Valid: r.Valid, ProblemCount: len(r.Problems),
		Status: r.Status,
	}
}

// eventFilter selects events for a page.
type eventFilter struct {
	Type    fixtures.EventType // "" for any
	Invalid bool               // only events with problems
	Text    string             // case-insensitive, in the record's fields or the body
}

func (f eventFilter) cheap(e indexEntry) bool {
	if f.Type != "" && e.typ != inspectTypeCode(f.Type) {
		return false
	}
	return !f.Invalid || !e.valid
}

// EventPage is one page of the list, newest first.
type EventPage struct {
	Events []EventSummary `json:"events"`
	// Next is the id to pass as before= for the following (older) page; 0
	// when this page reaches the oldest event.
	Next int `json:"next"`
	// Total is the number of events in the journal; Latest the newest id
	// (the stream's after=).
	Total  int `json:"total"`
	Latest int `json:"latest"`
}

// list returns up to limit events older than before (0: from the newest)
// that pass f.
func (x *eventIndex) list(ctx context.Context, dir string, before, limit int, f eventFilter) (EventPage, error) {
	entries := x.snapshot()
	p := EventPage{Events: []EventSummary{}, Total: len(entries), Latest: len(entries)}
	start := len(entries)
	if before > 0 && before-1 < start {
		start = before - 1
	}
	var jr *journalReader
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
			if jr, err = x.open(); err != nil {
				return p, err
			}
		}
		r, err := jr.record(entries[i])
		if err != nil {
			return p, err
		}
		if needle != "" && !matchesText(r, dir, needle) {
			continue
		}
		p.Events = append(p.Events, summaryOf(i+1, r))
	}
	return p, nil
}

// get returns the record with the given id.
func (x *eventIndex) get(id int) (Record, bool, error) {
	entries := x.snapshot()
	if id < 1 || id > len(entries) {
		return Record{}, false, nil
	}
	jr, err := x.open()
	if err != nil {
		return Record{}, false, err
	}
	defer jr.Close()
	r, err := jr.record(entries[id-1])
	return r, err == nil, err
}

// since returns the events after id, oldest first, at most max of them;
// more is true when there were more.
func (x *eventIndex) since(after, max int) (evs []EventSummary, more bool, err error) {
	entries := x.snapshot()
	if after >= len(entries) {
		return nil, false, nil
	}
	jr, err := x.open()
	if err != nil {
		return nil, false, err
	}
	defer jr.Close()
	for i := after; i < len(entries); i++ {
		if len(evs) == max {
			return evs, true, nil
		}
		r, err := jr.record(entries[i])
		if err != nil {
			return evs, false, err
		}
		evs = append(evs, summaryOf(i+1, r))
	}
	return evs, false, nil
}

// matchesText looks for needle (lower case) in what a person sees of an
// event: its ids, type, file, path, headers, problems, and its body.
func matchesText(r Record, dir, needle string) bool {
	fields := []string{r.EventID, string(r.Type), r.File, r.Path, r.Query, r.Remote, r.Method}
	for name, vs := range r.Headers {
		fields = append(fields, name)
		fields = append(fields, vs...)
	}
	for _, pr := range r.Problems {
		fields = append(fields, pr.Message, pr.Pointer)
	}
	for _, s := range fields {
		if strings.Contains(strings.ToLower(s), needle) {
			return true
		}
	}
	if !journalFileNameOK(r.File) {
		return false
	}
	body, err := os.ReadFile(filepath.Join(dir, r.File))
	if err != nil {
		return false
	}
	return bytes.Contains(bytes.ToLower(body), []byte(needle))
}

// safeFileName reports whether name can only mean a file directly inside
// the store dir: the listener's names are [A-Za-z0-9._-] and never start
// with a dot, so "..", ".", hidden files and paths are refused whatever the
// journal says.
func journalFileNameOK(name string) bool {
	if name == "" || name[0] == '.' || len(name) > 255 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
