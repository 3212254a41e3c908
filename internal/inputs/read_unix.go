//go:build unix

package inputs

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// appendFile appends a whole file to dst with plain system calls.
// os.ReadFile also registers the file with the runtime's poller and stats
// it, which makes it three times slower on small files, and validate reads
// thousands of them.
func appendFile(dst []byte, path string) ([]byte, error) {
	fd, err := retry(func() (int, error) { return syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0) })
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	return readAll(dst, fd, path, false)
}

// readAll reads fd to the end. With shortIsEnd, a read that returns less
// than asked for is taken as the end, and the read that would return 0 is
// skipped.
func readAll(dst []byte, fd int, path string, shortIsEnd bool) ([]byte, error) {
	for {
		dst = spare(dst)
		want := cap(dst) - len(dst)
		n, err := syscall.Read(fd, dst[len(dst):cap(dst)])
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		case n == 0:
			return dst, nil
		}
		dst = dst[:len(dst)+n]
		if shortIsEnd && n < want {
			return dst, nil
		}
	}
}

// dirHandle is the directory a Reader reads files in. It is opened at the
// second file in a row from one directory, so a tree of one file per
// directory costs no more than opening each by its path.
type dirHandle struct {
	last       string // the directory of the file read before
	path       string // the directory open as fd
	fd         int
	open       bool
	shortIsEnd bool // its file system returns whole reads of regular files
}

func (d *dirHandle) appendFile(dst []byte, path string, regular bool) ([]byte, error) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return d.appendIn(dst, ".", path, path, regular)
	}
	dir := path[:i]
	if dir == "" {
		dir = "/"
	}
	return d.appendIn(dst, dir, path[i+1:], path, regular)
}

func (d *dirHandle) appendIn(dst []byte, dir, base, path string, regular bool) ([]byte, error) {
	if !d.open || dir != d.path {
		first := dir != d.last
		d.last = dir
		if first {
			return appendFile(dst, path)
		}
		if err := d.reopen(dir); err != nil {
			return appendFile(dst, path) // it will say why, naming the file
		}
	}
	fd, err := retry(func() (int, error) { return unix.Openat(d.fd, base, unix.O_RDONLY|unix.O_CLOEXEC, 0) })
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	return readAll(dst, fd, path, regular && d.shortIsEnd)
}

func (d *dirHandle) reopen(dir string) error {
	d.close()
	fd, err := retry(func() (int, error) {
		return syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	})
	if err != nil {
		return err
	}
	*d = dirHandle{last: dir, path: dir, fd: fd, open: true, shortIsEnd: wholeReads(fd)}
	return nil
}

func (d *dirHandle) close() error {
	if !d.open {
		return nil
	}
	fd := d.fd
	*d = dirHandle{last: d.last}
	return syscall.Close(fd)
}

func retry(call func() (int, error)) (int, error) {
	for {
		fd, err := call()
		if !errors.Is(err, syscall.EINTR) {
			return fd, err
		}
	}
}
