package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"
	"time"
)

// A store file can be damaged in ways bbolt does not survive: cut short by
// a full disk or a bad copy, bbolt maps the missing pages and the process
// dies of SIGSEGV or SIGBUS at the first read; a damaged page panics
// inside bbolt. So Open checks the file's meta pages against its size
// before bbolt sees it, and every read and write runs under guard, which
// turns a fault or a panic into ErrDamaged.

// ErrDamaged is the cause of an error from a damaged store.
var ErrDamaged = errors.New("store damaged")

// Recovery says that Open found the store file damaged and moved it aside.
type Recovery struct {
	MovedTo string // where the damaged file is now
	Reason  string // what was wrong with it
}

// bbolt's file format (version 2): every page starts with a 16-byte
// header; pages 0 and 1 hold the meta, the newer (higher txid) valid one
// of which is current.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	pageHeaderSize = 16
	metaSize       = 64 // magic to checksum
	metaSumSize    = 56 // the bytes the checksum covers
	noFreelist     = ^uint64(0)
)

type meta struct {
	pageSize             uint32
	root, freelist, pgid uint64
	txid                 uint64
}

// parseMeta reads a meta page at the start of b, or returns false if it
// is not a valid one (wrong magic or version, bad checksum).
func parseMeta(b []byte) (meta, bool) {
	if len(b) < pageHeaderSize+metaSize {
		return meta{}, false
	}
	m := b[pageHeaderSize : pageHeaderSize+metaSize]
	le := binary.LittleEndian
	h := fnv.New64a()
	_, _ = h.Write(m[:metaSumSize])
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion || le.Uint64(m[56:]) != h.Sum64() {
		return meta{}, false
	}
	return meta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}

// checkFile returns why the store file at path is damaged, or "" if it
// looks whole (or does not exist yet). It reads only the meta pages.
func checkFile(path string) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("store %s is not a regular file", path)
	}
	size := fi.Size()
	if size == 0 {
		return "empty file (0 bytes)", nil
	}
	head := make([]byte, min(size, 128<<10))
	if _, err := io.ReadFull(f, head); err != nil {
		return "", err
	}
	// The first meta page gives the page size; if it is damaged, the
	// second is looked for where each possible page size puts it.
	var metas []meta
	if m, ok := parseMeta(head); ok {
		metas = append(metas, m)
		if int(m.pageSize) < len(head) {
			if m1, ok := parseMeta(head[m.pageSize:]); ok {
				metas = append(metas, m1)
			}
		}
	} else {
		for ps := 512; ps <= 64<<10 && ps < len(head); ps *= 2 {
			if m1, ok := parseMeta(head[ps:]); ok && int(m1.pageSize) == ps {
				metas = append(metas, m1)
				break
			}
		}
	}
	if len(metas) == 0 {
		return "no valid meta page: not a store, or its first pages are damaged", nil
	}
	cur := metas[0]
	for _, m := range metas[1:] {
		if m.txid > cur.txid {
			cur = m
		}
	}
	switch need := int64(cur.pgid) * int64(cur.pageSize); {
	case cur.pageSize < 512 || cur.pageSize&(cur.pageSize-1) != 0:
		return fmt.Sprintf("invalid page size %d", cur.pageSize), nil
	case need > size:
		return fmt.Sprintf("file cut short: its meta page needs %d bytes, the file has %d", need, size), nil
	case cur.root >= cur.pgid || cur.freelist >= cur.pgid && cur.freelist != noFreelist:
		return "meta page points past the end of the file", nil
	}
	return "", nil
}

// moveAside renames the damaged file at path to a name with the time, and
// returns that name.
func moveAside(path string, now time.Time) (string, error) {
	base := path + ".damaged-" + now.UTC().Format("20060102T150405Z")
	to := base
	for i := 1; ; i++ {
		if _, err := os.Lstat(to); errors.Is(err, os.ErrNotExist) {
			break
		}
		to = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.Rename(path, to); err != nil {
		return "", err
	}
	return to, nil
}

// guard runs f, turning a memory fault (a page of the file that is not
// there) or a panic inside bbolt (a damaged page) into an ErrDamaged error
// instead of the end of the process.
func guard(f func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrDamaged, r)
		}
	}()
	return f()
}
