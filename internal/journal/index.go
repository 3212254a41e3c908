package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sync"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// Index follows a journal as it grows, keeping one small Entry per record
// (where its line is, its type and validity, for cheap filtering) so that
// the inspector can page through a large journal from either end and read
// a line only when it shows it. It is safe for concurrent use.
//
// A record's id is its position among the records of the journal, from 1.
// Ids are stable as long as the journal is only appended to, which is how
// the listener writes it; seq is not enough: listen carries it on across
// restarts only as far as the journal tells (a journal removed or replaced
// starts again at 1), and two listeners sharing a dir may hand out the
// same one.
type Index struct {
	path string

	mu      sync.Mutex
	entries []Entry     // append-only between resets, so a snapshot is a slice header
	indexed int64       // bytes indexed: up to the end of the last whole line
	info    os.FileInfo // the journal indexed, to notice it being replaced
}

// Entry is where one record is in the journal, with what a list filters on.
type Entry struct {
	Off   int64 // of the line
	Len   int32 // of the line, without its newline
	typ   uint8 // 0 for UNKNOWN, else 1 + its place in fixtures.Types
	Valid bool
	class uint8 // 0 for none, else 1 + the place of Record.AnswerClass in AnswerClasses
}

// AnswerClass is the record's Record.AnswerClass.
func (e Entry) AnswerClass() string {
	if e.class == 0 {
		return ""
	}
	return AnswerClasses[e.class-1]
}

func classCode(class string) uint8 { return uint8(slices.Index(AnswerClasses, class) + 1) }

// Type is the record's event type, UNKNOWN when it is not one of the four.
func (e Entry) Type() fixtures.EventType {
	if e.typ == 0 {
		return fixtures.Unknown
	}
	return fixtures.Types[e.typ-1]
}

func typeCode(t fixtures.EventType) uint8 { return uint8(slices.Index(fixtures.Types, t) + 1) }

// NewIndex makes an index of the journal of the capture directory dir,
// empty until the first Refresh.
func NewIndex(dir string) *Index { return &Index{path: Path(dir)} }

// Path is the journal's path.
func (x *Index) Path() string { return x.path }

// Refresh indexes the records appended since the last call; a last line
// without its newline waits for the next one. It reports whether the
// journal was removed, replaced or truncated, in which case every id
// changed and the index was rebuilt from the start.
func (x *Index) Refresh() (reset bool, err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	f, err := os.Open(x.path)
	if errors.Is(err, fs.ErrNotExist) {
		reset = len(x.entries) > 0
		x.entries, x.indexed, x.info = nil, 0, nil
		return reset, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return false, err
	}
	if x.info != nil && (!os.SameFile(x.info, info) || info.Size() < x.indexed) {
		reset = len(x.entries) > 0
		x.entries, x.indexed = nil, 0
	}
	x.info = info
	if info.Size() == x.indexed {
		return reset, nil
	}
	// Only up to the size just seen: a line still being written waits.
	start := x.indexed
	for l, err := range Lines(io.NewSectionReader(f, start, info.Size()-start)) {
		if err != nil {
			return reset, err
		}
		if !l.Whole {
			break
		}
		x.indexed += l.Size
		if r, ok := l.Record(); ok {
			x.entries = append(x.entries, Entry{Off: start + l.Off, Len: int32(len(l.Data)), typ: typeCode(r.Type), Valid: r.Valid, class: classCode(r.AnswerClass())})
		}
	}
	return reset, nil
}

// Entries is what the index holds now, oldest first: entry i is the record
// with id i+1. Later refreshes never change it.
func (x *Index) Entries() []Entry {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.entries[:len(x.entries):len(x.entries)]
}

// File reads records by their entries from one open journal.
type File struct{ f *os.File }

// Open opens the journal to read records from.
func (x *Index) Open() (*File, error) {
	f, err := os.Open(x.path)
	if err != nil {
		return nil, err
	}
	return &File{f: f}, nil
}

// Close closes the journal.
func (jf *File) Close() error { return jf.f.Close() }

// Record reads the record of e.
func (jf *File) Record(e Entry) (Record, error) {
	line := make([]byte, e.Len)
	if _, err := jf.f.ReadAt(line, e.Off); err != nil {
		return Record{}, fmt.Errorf("read %s at byte %d: %w", jf.f.Name(), e.Off, err)
	}
	var r Record
	if err := json.Unmarshal(line, &r); err != nil {
		return Record{}, fmt.Errorf("%s changed under the inspector: the line at byte %d is no longer a record", jf.f.Name(), e.Off)
	}
	return r, nil
}
