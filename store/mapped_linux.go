package store

import "syscall"

// unmapPages drops the pages of the size bytes mapped at addr from the
// process (MADV_DONTNEED: for a shared file mapping, they stay in the page
// cache, and a later read maps them again with the same content).
func unmapPages(addr, size uintptr) {
	if addr == 0 || size == 0 {
		return
	}
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, addr, size, syscall.MADV_DONTNEED)
}
