// Package atomicfile writes a file so that a reader sees either the old
// content or the whole new content, never a part: scrub's outputs (with
// --in-place, the user's own fixtures), generate's files, listen's ready
// files, and listen's captured bodies where the system has no unnamed
// temporary files (capture's store). It is the plain form, a temporary file in the same directory and
// a rename, which works on every platform (github.com/google/renameio has
// no WriteFile on Windows, and syncs every file, which made generate --out
// of 1,000 files take 2 s instead of 35 ms). Hint says what to do when a
// write fails because the disk is full, for every writer of files.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portant-hooks/portant-hooks/internal/inputs"
)

// WriteFile writes data to path atomically, creating path's directory if
// needed. The temporary file starts with a dot, so that validate and send,
// which skip hidden files, never pick one up, and it is removed on failure.
// The error names path and says why, without the temporary file's name.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return writeFile(path, data, perm, false)
}

// WriteFileSync is WriteFile that also syncs the file to disk before the
// rename, so that after a power cut path holds the old or the whole new
// content. Syncing the directory, to keep the new name, is the caller's.
func WriteFileSync(path string, data []byte, perm fs.FileMode) error {
	return writeFile(path, data, perm, true)
}

// IsTemp reports whether name, a base name, is one of the temporary files
// WriteFile writes: one that is still there was left by a process that
// died while writing it (or is being written right now).
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tempMark)
}

// Hint says what to do about a write that failed for want of room or of a
// disk that takes writes, " (the disk is full: free some space, or
// <elsewhere>)"; "" for other errors.
func Hint(err error, elsewhere string) string {
	switch {
	case isAny(err, diskFull):
		return " (the disk is full: free some space, or " + elsewhere + ")"
	case isAny(err, diskReadOnly):
		return " (the disk is read-only: " + elsewhere + ")"
	}
	return ""
}

func isAny(err error, targets []error) bool {
	return slices.ContainsFunc(targets, func(t error) bool { return errors.Is(err, t) })
}

// tempMark is in every temporary file's name, after the final name.
const tempMark = ".tmp-"

func writeFile(path string, data []byte, perm fs.FileMode, sync bool) error {
	if err := write(path, data, perm, sync); err != nil {
		return fmt.Errorf("write %s: %w", path, inputs.Reason(err))
	}
	return nil
}

func write(path string, data []byte, perm fs.FileMode, sync bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+tempMark+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil && sync {
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
