package capture

import (
	"errors"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// saveUnnamed writes body to an unnamed temporary file in the store's
// directory (O_TMPFILE) and links it into place under name: as atomic as a
// rename, nothing to clean up if the process dies half way, and linkat
// refuses to replace an existing file. It uses system calls directly, as a
// capture writes one file per request and os.File's bookkeeping (fstat,
// poller registration) costs as much as the write itself. handled is false
// when the filesystem or the environment cannot do it (no O_TMPFILE, no
// /proc): the caller then uses a named temporary file.
func (s *Store) saveUnnamed(name string, body []byte) (handled bool, err error) {
	if s.noUnnamed.Load() {
		return false, nil
	}
	fd, err := unix.Open(s.dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	if err != nil {
		if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL) {
			s.noUnnamed.Store(true)
			return false, nil
		}
		return true, err
	}
	defer unix.Close(fd)
	for rest := body; len(rest) > 0; {
		n, err := unix.Write(fd, rest)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return true, err
		}
		rest = rest[n:]
	}
	if s.fsync {
		if err := unix.Fsync(fd); err != nil {
			return true, err
		}
	}
	err = unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(fd), unix.AT_FDCWD, filepath.Join(s.dir, name), unix.AT_SYMLINK_FOLLOW)
	if errors.Is(err, unix.ENOENT) {
		// No /proc: the unnamed file goes away with its descriptor.
		s.noUnnamed.Store(true)
		return false, nil
	}
	return true, err
}
