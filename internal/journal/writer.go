package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
)

// Writer appends records to a journal. It is safe for concurrent use: one
// write call per line, under a mutex. (Lines were once group-committed, many
// in one write; with the listener under load that made no difference the
// benchmarks could tell from noise, so it went.)
type Writer struct {
	path    string
	fsync   bool
	lastSeq uint64

	mu sync.Mutex
	f  syncWriter
	// torn is set while the journal ends inside a line, after a write that
	// failed part way (a full disk): the next record then starts with a
	// newline, so that it is never glued onto the fragment.
	torn bool
}

// syncWriter is what Writer needs of its *os.File.
type syncWriter interface {
	io.WriteCloser
	Sync() error
}

// OpenWriter opens the journal of the capture directory dir for appending,
// creating it if needed, and reads the highest seq in it (see LastSeq). A
// last line that a crash cut short is ended first. With fsync every Append
// returns only once its line is on disk.
func OpenWriter(dir string, fsync bool) (*Writer, error) {
	path := Path(dir)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	last, whole, err := LastSeq(f)
	if err == nil && !whole {
		_, err = f.Write([]byte{'\n'})
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Writer{path: path, fsync: fsync, lastSeq: last, f: f}, nil
}

// Path is the journal's path.
func (w *Writer) Path() string { return w.path }

// LastSeq is the highest seq in the journal when it was opened, 0 for a new
// one: a listener carries on from there, so seq stays unique in the journal
// and in file names across restarts.
func (w *Writer) LastSeq() uint64 { return w.lastSeq }

// Append writes r as one line, in one write call, and returns once the line
// is written (and on disk with fsync).
func (w *Writer) Append(r *Record) error {
	line, err := encodeLine(r)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.torn {
		line = append([]byte{'\n'}, line...)
	}
	n, err := w.f.Write(line)
	if n > 0 {
		w.torn = line[n-1] != '\n'
	}
	if err == nil && w.fsync {
		err = w.f.Sync()
	}
	return err
}

// Close closes the journal. Every Append has returned by then, so nothing
// is buffered.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Close()
}

// encodeLine is r as one journal line, its newline included.
func encodeLine(r *Record) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf) // one line, ended by "\n"
	enc.SetEscapeHTML(false)     // the journal is read by people too: keep <, > and & as they are
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode the record of event #%d: %w", r.Seq, err)
	}
	return buf.Bytes(), nil
}
