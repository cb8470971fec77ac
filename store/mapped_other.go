//go:build !linux

package store

// unmapPages does nothing where the exporter does not know how to drop
// mapped pages; the kernel reclaims them under pressure.
func unmapPages(addr, size uintptr) {}
