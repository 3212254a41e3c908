package capture

import (
	"strconv"

	"golang.org/x/sys/unix"
)

func mount(dir string, size int) error {
	return unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.Itoa(size))
}

func unmount(dir string) { _ = unix.Unmount(dir, unix.MNT_DETACH) }
