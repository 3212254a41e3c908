package atomicfile

import "golang.org/x/sys/windows"

// The errors of a write that found no room, or a disk that takes no
// writes (see Hint). Windows has codes of its own for them, which the
// syscall package's ENOSPC and EROFS are not.
var (
	diskFull     = []error{windows.ERROR_DISK_FULL, windows.ERROR_HANDLE_DISK_FULL}
	diskReadOnly = []error{windows.ERROR_WRITE_PROTECT}
)
