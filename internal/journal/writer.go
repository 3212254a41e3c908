package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
)

// Writer appends records to a journal. It is safe for concurrent use: one
// write call per line, under a mutex. (Lines were once group-committed, many
// in one write; with the listener under load that made no difference the
// benchmarks could tell from noise, so it went.)
//
// A Writer holds its directory's lock (lockName) from OpenWriter to Close,
// so two listeners never share a journal or hand out the same seq. It
// notices its journal being removed or replaced while it runs (rm
// portant-events/*), before each line, and starts a new one where the old
// one was, saying so through the function given to SetNotify: lines
// written to a journal no reader can find are lost as surely as lines
// never written.
type Writer struct {
	dir     string
	path    string
	fsync   bool
	lastSeq uint64

	mu     sync.Mutex
	f      syncWriter
	info   os.FileInfo // the journal f writes, to notice it being removed or replaced; nil: do not look
	lock   *dirLock
	notify func(string)
	// torn is set while the journal ends inside a line, after a write that
	// failed part way and could not be taken back (see undo): the next
	// record then starts with a newline, so that it is never glued onto
	// the fragment.
	torn bool
	// appended counts the lines written to f; gone, those written to
	// journals whose directory was then removed, bodies and all.
	appended, gone uint64
}

// syncWriter is what Writer needs of its *os.File.
type syncWriter interface {
	io.WriteCloser
	Sync() error
}

// truncater is what Writer needs of its *os.File to take a failed write back.
type truncater interface {
	Stat() (os.FileInfo, error)
	Truncate(size int64) error
}

// OpenWriter takes the lock of the capture directory dir (a *LockedError
// when another process holds it), opens its journal for appending, creating
// it if needed, and works out the highest seq in use (see lastSeqIn). A last
// line that a crash cut short is ended first. With fsync every Append
// returns only once its line is on disk.
func OpenWriter(dir string, fsync bool) (*Writer, error) {
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	w := &Writer{dir: dir, path: Path(dir), fsync: fsync, lock: lock}
	last, err := w.open()
	if err != nil {
		lock.release()
		return nil, err
	}
	w.lastSeq = max(last, lastSeqOfNames(dir))
	return w, nil
}

// open opens the journal at w.path for appending and returns the highest
// seq in it, ending a line that was cut short.
func (w *Writer) open() (uint64, error) {
	f, err := os.OpenFile(w.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return 0, err
	}
	last, whole, err := lastSeqIn(f)
	if err == nil && !whole {
		_, err = f.Write([]byte{'\n'})
	}
	var info os.FileInfo
	if err == nil {
		info, err = f.Stat()
	}
	if err != nil {
		f.Close()
		return 0, err
	}
	w.f, w.info, w.torn, w.appended = f, info, false, 0
	return last, nil
}

// lastSeqOfNames is the highest seq in the names of the bodies saved in
// dir. A body is saved before its line is journalled (with --forward-to,
// after the handler answers), so after a crash the names may go further
// than the journal; a number in a name must not be handed out again.
func lastSeqOfNames(dir string) uint64 {
	d, err := os.Open(dir)
	if err != nil {
		return 0
	}
	defer d.Close()
	var last uint64
	for {
		names, err := d.Readdirnames(4096)
		for _, name := range names {
			if n, ok := SeqOfName(name); ok {
				last = max(last, n)
			}
		}
		if err != nil {
			return last
		}
	}
}

// Path is the journal's path.
func (w *Writer) Path() string { return w.path }

// LastSeq is the highest seq in use when the journal was opened, in its
// lines or in the names of the bodies beside it (0 for a new directory): a
// listener carries on from there, so seq stays unique in the journal and in
// file names across restarts and crashes.
func (w *Writer) LastSeq() uint64 { return w.lastSeq }

// SetNotify sets where the Writer says that it had to start a new journal
// (the old one was removed or replaced): the listener shows it as a warning.
func (w *Writer) SetNotify(f func(msg string)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.notify = f
}

// Append writes r as one line, in one write call, and returns once the line
// is written (and on disk with fsync). When it fails, nothing of the line
// is left in the journal where the file allows it to be taken back.
func (w *Writer) Append(r *Record) error {
	line, err := encodeLine(r)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.follow(); err != nil {
		return err
	}
	if w.torn {
		line = append([]byte{'\n'}, line...)
	}
	n, err := w.f.Write(line)
	if err == nil && w.fsync {
		err = w.f.Sync()
	}
	if err != nil && n > 0 {
		w.undo(line[:n])
	}
	if err == nil {
		w.appended++
	}
	return err
}

// Gone is how many of the lines this Writer appended were in a directory
// removed while it ran (see Follow): the events they list went with it.
func (w *Writer) Gone() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.gone
}

// undo takes back the written part of a line that failed (a full disk
// takes part of a write; a failed sync leaves a line whose event was not
// answered 2xx), so that no reader takes it for an event. When it cannot,
// the journal ends inside a line and the next one starts on its own.
func (w *Writer) undo(written []byte) {
	if t, ok := w.f.(truncater); ok {
		if info, err := t.Stat(); err == nil && info.Size() >= int64(len(written)) && t.Truncate(info.Size()-int64(len(written))) == nil {
			return
		}
	}
	w.torn = written[len(written)-1] != '\n'
}

// Follow makes sure the directory and the journal being written are the
// ones at their paths: when the journal was removed or replaced, or the
// whole directory removed (rm -r while listening), it makes them again,
// takes the lock again, and says so, once. It reports whether it made
// anything again, so that a writer of bodies into the directory, which
// found it gone, knows to try again. Append calls it too.
func (w *Writer) Follow() (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.follow()
}

func (w *Writer) follow() (bool, error) {
	if w.info == nil {
		return false, nil
	}
	now, err := os.Stat(w.path)
	if err == nil && os.SameFile(now, w.info) {
		return false, nil
	}
	msg := fmt.Sprintf("the journal %s was replaced while listening: writing a new one there from this event on (seq numbers go on; the events before it are no longer listed in it)", w.path)
	if errors.Is(err, fs.ErrNotExist) {
		msg = strings.Replace(msg, "was replaced", "was removed", 1)
	}
	if _, derr := os.Stat(w.dir); errors.Is(derr, fs.ErrNotExist) {
		if err := os.MkdirAll(w.dir, 0o755); err != nil {
			return false, fmt.Errorf("the directory %s was removed, and could not be made again: %w", w.dir, err)
		}
		msg = fmt.Sprintf("the directory %s was removed while listening: made it again, with a new journal, and saving into it from this event on (seq numbers go on; the events saved before are gone with it)", w.dir)
		w.gone += w.appended
	}
	if !w.lock.stillHeld() {
		lock, err := lockDir(w.dir)
		if err != nil {
			return false, err
		}
		_ = w.lock.f.Close()
		w.lock = lock
	}
	old := w.f
	if _, err := w.open(); err != nil {
		return false, err
	}
	_ = old.Close()
	if w.notify != nil {
		w.notify(msg)
	}
	return true, nil
}

// Close closes the journal and lets go of the directory's lock. Every
// Append has returned by then, so nothing is buffered.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.f.Close()
	if lerr := w.lock.release(); err == nil {
		err = lerr
	}
	return err
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
