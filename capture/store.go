package capture

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portant-hooks/portant-hooks/fixtures"
)

// JournalName is the name of the journal in a store's directory: one JSON
// line (a Record) per saved request.
const JournalName = "events.ndjson"

// tempPrefix marks a body being written. It starts with a dot so that
// validate and send, which walk *.json, never pick one up.
const tempPrefix = ".tmp-"

// staleTemp is how old a temporary file must be before a new store removes
// it as left over by a crashed run (and not being written by another
// listener sharing the directory).
const staleTemp = 10 * time.Minute

// Store keeps captured bodies on disk, one file each, written atomically
// (a temporary file in the same directory, then a rename; on Linux an
// unnamed temporary file, then a link), and the journal beside them. It is
// safe for concurrent use.
type Store struct {
	dir       string
	fsync     bool
	journal   *os.File
	lastSeq   uint64      // the highest seq in the journal when opened
	noUnnamed atomic.Bool // the directory cannot take O_TMPFILE files

	// Journal lines are group-committed: whoever finds no write in progress
	// writes every pending line in one call, the others wait for it. Each
	// Append returns only once its line is in the kernel (and on disk with
	// fsync), so a line is never lost for a request that was answered, and
	// under load one write serves many requests.
	mu       sync.Mutex
	cond     *sync.Cond
	pending  []byte
	spare    []byte
	queued   uint64 // lines appended so far
	written  uint64 // lines written so far
	writing  bool
	writeErr error
}

// OpenStore creates dir if needed, opens its journal for appending (ending
// a last line that a crash cut short), reads the highest seq in it, and
// removes temporary files that a crashed run left behind. With fsync every
// body, the directory entry and the journal are synced before Save and
// Append return.
func OpenStore(dir string, fsync bool) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create directory %s: %w", dir, unwrapPath(err))
	}
	path := filepath.Join(dir, JournalName)
	j, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, unwrapPath(err))
	}
	last, complete, err := journalLastSeq(j)
	if err == nil && !complete {
		// A crash cut the last line short: end it, so that the next line
		// starts on its own instead of being glued to the broken one.
		_, err = j.Write([]byte{'\n'})
	}
	if err != nil {
		j.Close()
		return nil, fmt.Errorf("read journal %s: %w", path, unwrapPath(err))
	}
	s := &Store{dir: dir, fsync: fsync, journal: j, lastSeq: last}
	s.cond = sync.NewCond(&s.mu)
	s.removeStaleTemps()
	return s, nil
}

// Dir is the directory the store writes to.
func (s *Store) Dir() string { return s.dir }

// LastSeq is the highest seq in the journal when the store was opened, 0
// for a new one: a listener on the same directory carries on from there,
// so seq stays unique in the journal and in file names across restarts.
func (s *Store) LastSeq() uint64 { return s.lastSeq }

func (s *Store) removeStaleTemps() {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
			_ = os.Remove(filepath.Join(s.dir, e.Name()))
		}
	}
}

// Save writes body to name in the store's directory, atomically: the file
// appears complete or not at all. name must be a base name, such as one
// from FileName.
func (s *Store) Save(name string, body []byte) error {
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("save: %q is not a plain file name", name)
	}
	final := filepath.Join(s.dir, name)
	if handled, err := s.saveUnnamed(name, body); handled {
		if err != nil {
			return fmt.Errorf("save %s: %w", final, unwrapPath(err))
		}
		if s.fsync {
			return s.syncDir()
		}
		return nil
	}
	tmp := filepath.Join(s.dir, tempPrefix+name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("save %s: %w", final, unwrapPath(err))
	}
	_, err = f.Write(body)
	if err == nil && s.fsync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("save %s: %w", final, unwrapPath(err))
	}
	if s.fsync {
		return s.syncDir()
	}
	return nil
}

func (s *Store) syncDir() error {
	d, err := os.Open(s.dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", s.dir, unwrapPath(err))
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", s.dir, err)
	}
	return nil
}

// Append adds one line (which must end in a newline) to the journal and
// returns once it is written.
func (s *Store) Append(line []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, line...)
	s.queued++
	mine := s.queued
	for s.written < mine {
		if s.writing {
			s.cond.Wait()
			continue
		}
		s.writing = true
		batch, upto := s.pending, s.queued
		s.pending = s.spare[:0]
		s.mu.Unlock()
		_, err := s.journal.Write(batch)
		if err == nil && s.fsync {
			err = s.journal.Sync()
		}
		s.mu.Lock()
		if cap(batch) <= 1<<20 { // keep a reasonable buffer for the next batch
			s.spare = batch[:0]
		} else {
			s.spare = nil
		}
		s.writing = false
		s.written = upto
		s.writeErr = err
		s.cond.Broadcast()
		if err != nil {
			return fmt.Errorf("write journal %s: %w", filepath.Join(s.dir, JournalName), err)
		}
		return nil
	}
	if s.writeErr != nil {
		return fmt.Errorf("write journal %s: %w", filepath.Join(s.dir, JournalName), s.writeErr)
	}
	return nil
}

// Close closes the journal. Every Append has returned by then, so nothing
// is buffered.
func (s *Store) Close() error {
	if err := s.journal.Close(); err != nil {
		return fmt.Errorf("close journal: %w", err)
	}
	return nil
}

// idPrefixLen is how much of an eventId a file name keeps: enough to tell
// events apart at a glance (Portant's ids are 48 hex characters).
const idPrefixLen = 12

// FileName is the name a body is saved under:
// <UTC time>-<seq>-<TYPE>-<id prefix>.json, for example
// 20261130T224517.123456Z-000042-DOCUMENTS_CREATED-325d36e717d9.json.
// Names sort in arrival order, the sequence number keeps them unique when
// the same eventId arrives twice, and whatever the payload holds the name
// has only [A-Za-z0-9._-] and at most about 100 characters: the id part is
// cut to 12 safe characters and left out when none remain.
func FileName(received time.Time, seq uint64, typ fixtures.EventType, id string) string {
	b := make([]byte, 0, 80)
	b = received.UTC().AppendFormat(b, "20060102T150405.000000Z")
	b = append(b, '-')
	digits := strconv.AppendUint(nil, seq, 10)
	for range 6 - len(digits) {
		b = append(b, '0')
	}
	b = append(b, digits...)
	b = append(b, '-')
	n := len(b)
	b = appendSafe(b, string(typ), 32)
	if len(b) == n {
		b = append(b, fixtures.Unknown...)
	}
	n = len(b)
	b = append(b, '-')
	b = appendSafe(b, id, idPrefixLen)
	if len(b) == n+1 { // no id, or nothing safe in it
		b = b[:n]
	}
	return string(append(b, ".json"...))
}

// appendSafe appends at most limit characters of s, keeping ASCII letters
// and digits and turning every run of anything else into one '_', with no
// '_' at either end.
func appendSafe(b []byte, s string, limit int) []byte {
	start := len(b)
	gap := false
	for i := 0; i < len(s) && len(b)-start < limit; i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			if gap && len(b) > start && len(b)-start < limit-1 {
				b = append(b, '_')
			}
			b = append(b, c)
			gap = false
			continue
		}
		gap = true
	}
	return b
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
