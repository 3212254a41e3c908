package inputs

import "syscall"

// wholeReads reports whether the file system under the directory fd is
// one whose reads of a regular file return all that was asked for unless
// they reach the end: the local ones, read through the page cache. FUSE,
// 9p and network file systems may return less, so they are left out.
func wholeReads(fd int) bool {
	var st syscall.Statfs_t
	if syscall.Fstatfs(fd, &st) != nil {
		return false
	}
	switch uint32(st.Type) {
	case 0xEF53, // ext2, ext3, ext4
		0x58465342, // xfs
		0x9123683E, // btrfs
		0x01021994, // tmpfs
		0x794C7630: // overlayfs
		return true
	}
	return false
}
