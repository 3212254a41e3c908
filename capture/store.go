package capture

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/portant-hooks/portant-hooks/internal/atomicfile"
	"github.com/portant-hooks/portant-hooks/internal/inputs"
	"github.com/portant-hooks/portant-hooks/internal/journal"
)

// staleTemp is how old a temporary file must be before a new store removes
// it as left over by a crashed run (and not being written by another
// listener sharing the directory).
const staleTemp = 10 * time.Minute

// store keeps captured bodies on disk, one file each, written atomically
// (on Linux an unnamed temporary file, then a link; elsewhere atomicfile's
// temporary file, then a rename), and the journal beside them. It is safe
// for concurrent use.
type store struct {
	dir       string
	fsync     bool
	journal   *journal.Writer
	noUnnamed atomic.Bool // the directory cannot take O_TMPFILE files
}

// otherDir is what to do when the directory cannot be used.
const otherDir = "choose another --dir, or --no-save"

// openStore creates dir if needed, opens its journal for appending (see
// journal.OpenWriter: it takes the directory's lock, so a second listener
// on dir is refused with a *journal.LockedError), and removes temporary
// files that a crashed run left behind. A directory removed while the store
// runs is made again, and the journal started anew in it (see SetNotify).
// With fsync every body, the directory entry and the journal line
// are on disk before Save and Append return.
func openStore(dir string, fsync bool) (*store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create directory %s: %w: %s", dir, inputs.Reason(err), otherDir)
	}
	j, err := journal.OpenWriter(dir, fsync)
	if le := (*journal.LockedError)(nil); errors.As(err, &le) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("open the journal %s: %w: %s", journal.Path(dir), inputs.Reason(err), otherDir)
	}
	s := &store{dir: dir, fsync: fsync, journal: j}
	s.removeStaleTemps()
	return s, nil
}

// SetNotify sets where the store says that its directory or journal
// vanished and was made again: the listener shows it as a warning.
func (s *store) SetNotify(f func(msg string)) { s.journal.SetNotify(f) }

// LastSeq is the highest seq in use when the store was opened, in the
// journal or in the names of saved bodies, 0 for a new directory: a
// listener on the same directory carries on from there.
func (s *store) LastSeq() uint64 { return s.journal.LastSeq() }

// Gone is how many of the events the store saved were then removed with
// its directory (see journal.Writer.Gone).
func (s *store) Gone() uint64 { return s.journal.Gone() }

func (s *store) removeStaleTemps() {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !atomicfile.IsTemp(e.Name()) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
			_ = os.Remove(filepath.Join(s.dir, e.Name()))
		}
	}
}

// Save writes body to name in the store's directory, atomically: the file
// appears complete or not at all. name must be one journal.BodyPath takes,
// as journal.FileName makes them: the inspector serves no other.
func (s *store) Save(name string, body []byte) error {
	final, ok := journal.BodyPath(s.dir, name)
	if !ok {
		return fmt.Errorf("save: %q is not a plain file name", name)
	}
	err := s.save(final, body)
	if errors.Is(err, fs.ErrNotExist) {
		// The directory may be gone (rm -r while listening): the journal,
		// which owns it, makes it again.
		if remade, ferr := s.journal.Follow(); ferr != nil {
			err = ferr
		} else if remade {
			err = s.save(final, body)
		}
	}
	if err == nil && s.fsync {
		err = s.syncDir()
	}
	return err
}

func (s *store) save(final string, body []byte) error {
	err := s.saveUnnamed(final, body)
	switch {
	case errors.Is(err, errNoUnnamed) && s.fsync:
		err = atomicfile.WriteFileSync(final, body, 0o644)
	case errors.Is(err, errNoUnnamed):
		err = atomicfile.WriteFile(final, body, 0o644)
	case err != nil:
		err = fmt.Errorf("write %s: %w", final, inputs.Reason(err))
	}
	return err
}

// Remove removes a body Save wrote, for an event that could not be kept.
func (s *store) Remove(name string) error {
	path, ok := journal.BodyPath(s.dir, name)
	if !ok {
		return fmt.Errorf("remove: %q is not a plain file name", name)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, inputs.Reason(err))
	}
	return nil
}

// errNoUnnamed says the directory cannot take an unnamed temporary file
// (see saveUnnamed): Save writes a named one through atomicfile instead.
var errNoUnnamed = errors.New("no unnamed temporary files here")

func (s *store) syncDir() error {
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

// Append journals rec and returns once its line is written. When rec's
// body, which Save wrote, is no longer there (the directory was removed
// while the --forward-to handler was answering), body is saved again first,
// so that the line never lists a body that is not there.
func (s *store) Append(rec *journal.Record, body []byte) error {
	if path, ok := journal.BodyPath(s.dir, rec.File); ok {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if err := s.Save(rec.File, body); err != nil {
				return err
			}
		}
	}
	if err := s.journal.Append(rec); err != nil {
		return fmt.Errorf("write the journal %s: %w", s.journal.Path(), inputs.Reason(err))
	}
	return nil
}

// Close closes the journal. Every Append has returned by then, so nothing
// is buffered.
func (s *store) Close() error {
	if err := s.journal.Close(); err != nil {
		return fmt.Errorf("close the journal %s: %w", s.journal.Path(), inputs.Reason(err))
	}
	return nil
}
