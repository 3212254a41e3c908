package capture

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/portant-hooks/portant-hooks/internal/inputs"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// tempPrefix marks a body being written. It starts with a dot so that
// validate and send, which walk *.json, never pick one up.
const tempPrefix = ".tmp-"

// staleTemp is how old a temporary file must be before a new store removes
// it as left over by a crashed run (and not being written by another
// listener sharing the directory).
const staleTemp = 10 * time.Minute

// Store keeps captured bodies on disk, one file each, written atomically (a
// temporary file in the same directory, then a rename; on Linux an unnamed
// temporary file, then a link), and the journal beside them. It is safe for
// concurrent use.
type Store struct {
	dir       string
	fsync     bool
	journal   *journal.Writer
	noUnnamed atomic.Bool // the directory cannot take O_TMPFILE files
}

// OpenStore creates dir if needed, opens its journal for appending (see
// journal.OpenWriter), and removes temporary files that a crashed run left
// behind. With fsync every body, the directory entry and the journal line
// are on disk before Save and Append return.
func OpenStore(dir string, fsync bool) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create directory %s: %w", dir, inputs.Reason(err))
	}
	j, err := journal.OpenWriter(dir, fsync)
	if err != nil {
		return nil, fmt.Errorf("open the journal %s: %w", journal.Path(dir), inputs.Reason(err))
	}
	s := &Store{dir: dir, fsync: fsync, journal: j}
	s.removeStaleTemps()
	return s, nil
}

// Dir is the directory the store writes to.
func (s *Store) Dir() string { return s.dir }

// LastSeq is the highest seq in the journal when the store was opened, 0
// for a new one: a listener on the same directory carries on from there.
func (s *Store) LastSeq() uint64 { return s.journal.LastSeq() }

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
// from journal.FileName.
func (s *Store) Save(name string, body []byte) error {
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("save: %q is not a plain file name", name)
	}
	final := filepath.Join(s.dir, name)
	err := s.saveUnnamed(final, body)
	if errors.Is(err, errNoUnnamed) {
		err = s.saveRenamed(final, body)
	}
	if err != nil {
		return fmt.Errorf("save %s: %w", final, inputs.Reason(err))
	}
	if s.fsync {
		return s.syncDir()
	}
	return nil
}

// errNoUnnamed says the directory cannot take an unnamed temporary file
// (see saveUnnamed): Save renames a named one instead.
var errNoUnnamed = errors.New("no unnamed temporary files here")

// saveRenamed writes body to a temporary file beside path, then renames it
// into place.
func (s *Store) saveRenamed(path string, body []byte) error {
	tmp := filepath.Join(s.dir, tempPrefix+filepath.Base(path))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(body)
	if err == nil && s.fsync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

func (s *Store) syncDir() error {
	d, err := os.Open(s.dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", s.dir, inputs.Reason(err))
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", s.dir, err)
	}
	return nil
}

// Append journals rec and returns once its line is written.
func (s *Store) Append(rec *journal.Record) error {
	if err := s.journal.Append(rec); err != nil {
		return fmt.Errorf("write the journal %s: %w", s.journal.Path(), inputs.Reason(err))
	}
	return nil
}

// Close closes the journal. Every Append has returned by then, so nothing
// is buffered.
func (s *Store) Close() error {
	if err := s.journal.Close(); err != nil {
		return fmt.Errorf("close the journal %s: %w", s.journal.Path(), inputs.Reason(err))
	}
	return nil
}
