package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lockName is the file in a capture directory that the one Writer of its
// journal holds locked while it runs. The lock, not the file, says the
// directory is taken: the system drops it when the process ends however it
// ends (kill -9 included), so there is never a stale lock to clean up. The
// file holds the holder's process id, for the message a second listener
// gets.
const lockName = ".listen.lock"

// LockedError is why OpenWriter refused a directory: another process
// writes its journal. PID is that process's id, 0 when it could not be
// read.
type LockedError struct {
	Dir string
	PID int
}

func (e *LockedError) Error() string {
	return "another " + e.holder() + " is already saving events in " + e.Dir + ": two listeners on one directory would hand out the same seq numbers; stop that one, or give this one another --dir"
}

// holder names the process that holds the lock: "listen (pid 7)".
func (e *LockedError) holder() string {
	if e.PID > 0 {
		return "listen (pid " + strconv.Itoa(e.PID) + ")"
	}
	return "listen"
}

// errHeld says another process holds the lock (lockFile's error).
var errHeld = errors.New("locked by another process")

// dirLock is a capture directory's lock, held until release.
type dirLock struct {
	path string
	f    *os.File
}

// lockDir takes dir's lock, or returns a *LockedError when another process
// holds it.
func lockDir(dir string) (*dirLock, error) {
	path := filepath.Join(dir, lockName)
	for range 10 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		if err := lockFile(f); err != nil {
			pid := readPID(f)
			f.Close()
			if errors.Is(err, errHeld) {
				return nil, &LockedError{Dir: dir, PID: pid}
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// The file may have been removed by the holder that just let go,
		// after this process opened it: a lock on a file no longer at path
		// guards nothing, so start again.
		l := &dirLock{path: path, f: f}
		if l.stillHeld() {
			if err := writePID(f); err != nil {
				f.Close()
				return nil, fmt.Errorf("write %s: %w", path, err)
			}
			return l, nil
		}
		f.Close()
	}
	return nil, fmt.Errorf("lock %s: it keeps being replaced", path)
}

// release removes the lock file, then lets go of the lock: in that order,
// a process waiting for it finds the file gone and makes a new one.
func (l *dirLock) release() error {
	if l == nil {
		return nil
	}
	_ = os.Remove(l.path)
	return l.f.Close()
}

// stillHeld reports whether the lock file at its path is still the one
// locked (a directory removed and made again has none).
func (l *dirLock) stillHeld() bool {
	held, err1 := l.f.Stat()
	now, err2 := os.Stat(l.path)
	return err1 == nil && err2 == nil && os.SameFile(held, now)
}

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

func readPID(f *os.File) int {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
