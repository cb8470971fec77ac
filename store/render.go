package store

import (
	"encoding/binary"

	"github.com/cespare/xxhash/v2"
	bolt "go.etcd.io/bbolt"
)

// The render cache: per account, the exposition the collector rendered
// from the account's served records, keyed by a digest of those records'
// bytes. A restart whose records are unchanged serves it at once instead
// of decoding every row first. Being keyed by content, an entry can never
// be served for other data, whoever wrote the records (an older exporter,
// backfill); a stale entry is simply not used.

var renderBucket = []byte("render")

// Served names an endpoint and how many of its newest days are served.
type Served struct {
	Endpoint string
	Days     int
}

// digest hashes the records of the account that are served: the newest
// Days of each endpoint, keys and values, in the order given; read is the
// bytes of the values.
func digest(tx *bolt.Tx, account string, served []Served) (sum uint64, read int) {
	h := xxhash.New()
	var n [8]byte
	for _, sv := range served {
		_, _ = h.WriteString(sv.Endpoint)
		_, _ = h.Write([]byte{0})
		b, _ := endpointBucket(tx, account, sv.Endpoint, false) // never fails when not creating
		if b == nil {
			continue
		}
		c := b.Cursor()
		i := 0
		for k, v := c.Last(); k != nil && i < sv.Days; k, v = c.Prev() {
			binary.LittleEndian.PutUint64(n[:], uint64(len(v)))
			_, _ = h.Write(k)
			_, _ = h.Write(n[:])
			_, _ = h.Write(v)
			read += len(v)
			i++
		}
	}
	return h.Sum64(), read
}

// CachedRender returns, from one consistent read, the digest of the
// account's served records and its stored render entry (nil if none).
func (s *Store) CachedRender(account string, served []Served) (uint64, []byte, error) {
	var d uint64
	var entry []byte
	read := 0
	defer func() { s.touch(read + len(entry)) }()
	err := s.view(func(tx *bolt.Tx) error {
		d, read = digest(tx, account, served)
		if b := tx.Bucket(renderBucket); b != nil {
			if v := b.Get([]byte(account)); v != nil {
				entry = append([]byte(nil), v...) // the value lives only as long as the transaction
			}
		}
		return nil
	})
	return d, entry, err
}

// PutRenders stores render entries, by account, in one transaction.
func (s *Store) PutRenders(entries map[string][]byte) error {
	written := 0
	for _, v := range entries {
		written += len(v)
	}
	defer s.touch(written)
	return s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(renderBucket)
		if err != nil {
			return err
		}
		for account, v := range entries {
			if err := b.Put([]byte(account), v); err != nil {
				return err
			}
		}
		return nil
	})
}
