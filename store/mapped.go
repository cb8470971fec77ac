package store

import (
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// bbolt reads the file through a memory map, and every page a read touches
// stays mapped, counted in the process's resident memory (RssFile) and in
// its peak, until the kernel wants the memory back: a restart that loads a
// platform's stored days maps most of the file in (1.6 GiB at 1,000 demo
// accounts). The pages are the file's own, kept in the page cache, so
// unmapping them loses nothing and costs only a page fault on the next
// read. The store unmaps the whole file each time its reads and writes
// have moved dropMappedEvery bytes.
const dropMappedEvery = 16 << 20

// touch counts n bytes read or written, and unmaps the file's pages once
// dropMappedEvery bytes have been.
func (s *Store) touch(n int) {
	if s.touched.Add(int64(n)) < dropMappedEvery {
		return
	}
	s.touched.Store(0)
	s.dropMapped()
}

// dropMapped unmaps the file's pages. It runs in a read transaction: bbolt
// remaps the file only when no read transaction is open, so the map is the
// one unmapped.
func (s *Store) dropMapped() {
	_ = s.view(func(tx *bolt.Tx) error {
		unmapPages(tx.DB().Info().Data, uintptr(tx.Size()))
		s.drops.Add(1)
		return nil
	})
}

// mappedState is the store's count of bytes moved since the last unmap.
type mappedState struct {
	touched atomic.Int64
	drops   atomic.Int64
}
