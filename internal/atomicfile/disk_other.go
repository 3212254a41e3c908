//go:build !windows

package atomicfile

import "syscall"

// The errors of a write that found no room, or a disk that takes no
// writes (see Hint).
var (
	diskFull     = []error{syscall.ENOSPC, syscall.EDQUOT}
	diskReadOnly = []error{syscall.EROFS}
)
