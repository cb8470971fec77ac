package exposition

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/cespare/xxhash/v2"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/served"
)

// An account's data section as renderText writes it (served.Rendered) is
// kept across restarts (see store.CachedRender): a cold start serves it
// while the stored rows are still being decoded. It is only ever attached
// to an account whose data and status are what it was rendered from: any
// later change to the account drops it.

// RenderCold renders the account as a cold start serves it (no fetch
// attempted yet, so no fetch status) and encodes it for the store:
// key (8 bytes), a checksum of the rest (8 bytes), then the number of
// non-empty families, each family's id and length, and the bytes.
func (e *Exposition) RenderCold(acc *served.Account, key uint64) []byte {
	pieces := e.coldPieces(acc)
	out := binary.LittleEndian.AppendUint64(nil, key)
	out = append(out, make([]byte, 8)...) // the checksum, below
	n, size := 0, 0
	for _, p := range pieces {
		if len(p) > 0 {
			n++
			size += len(p)
		}
	}
	out = binary.AppendUvarint(out, uint64(n))
	for id, p := range pieces {
		if len(p) > 0 {
			out = binary.AppendUvarint(out, uint64(id))
			out = binary.AppendUvarint(out, uint64(len(p)))
		}
	}
	out = append(make([]byte, 0, len(out)+size), out...)
	for _, p := range pieces {
		out = append(out, p...)
	}
	binary.LittleEndian.PutUint64(out[8:], xxhash.Sum64(out[16:]))
	return out
}

// coldPieces returns the account's pieces without the fetch status: those
// the last scrape rendered if it rendered this account, else a render of
// it with its status cleared.
func (e *Exposition) coldPieces(acc *served.Account) [][]byte {
	if p := e.rendered.Load(); p != nil {
		if r, ok := (*p)[acc]; ok {
			fams := familyTable()
			cold := append([][]byte(nil), r.gz...)
			for _, d := range collector.FetchStatusDescs() {
				cold[fams.ids[d]] = nil
			}
			return cold
		}
	}
	return e.renderAccount(acc.Cold(), false).gz
}

var errBadRender = errors.New("malformed render cache entry")

// DecodeRendered is the package's DecodeRendered, for the fetcher's
// Renderer.
func (e *Exposition) DecodeRendered(entry []byte, key uint64) (*served.Rendered, error) {
	return DecodeRendered(entry, key)
}

// DecodeRendered decodes an entry RenderCold made, if its key is key. It
// returns nil without error for an entry of another key (stale).
func DecodeRendered(entry []byte, key uint64) (*served.Rendered, error) {
	if len(entry) < 16 {
		return nil, errBadRender
	}
	if binary.LittleEndian.Uint64(entry) != key {
		return nil, nil
	}
	// A damaged entry would make the whole exposition unparsable: the
	// checksum keeps it from ever being served.
	if binary.LittleEndian.Uint64(entry[8:]) != xxhash.Sum64(entry[16:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errBadRender)
	}
	b := entry[16:]
	n, k := binary.Uvarint(b)
	families := len(familyTable().infos)
	if k <= 0 || n > uint64(families) {
		return nil, errBadRender
	}
	b = b[k:]
	ids, lens := make([]int, n), make([]int, n)
	total := 0
	for i := range ids {
		id, k1 := binary.Uvarint(b)
		if k1 <= 0 {
			return nil, errBadRender
		}
		l, k2 := binary.Uvarint(b[k1:])
		if k2 <= 0 || id >= uint64(families) || l > uint64(len(entry)) {
			return nil, errBadRender
		}
		ids[i], lens[i] = int(id), int(l)
		total += int(l)
		b = b[k1+k2:]
	}
	if total != len(b) {
		return nil, fmt.Errorf("%w: %d bytes of series, %d announced", errBadRender, len(b), total)
	}
	r := &served.Rendered{Pieces: make([][]byte, families)}
	for i, id := range ids {
		r.Pieces[id], b = b[:lens[i]:lens[i]], b[lens[i]:]
	}
	return r, nil
}

// CacheKey is the key of an account's render entry: what the rendering
// depends on besides the records themselves (dataDigest). The executable's
// own hash stands for the rendering code and metric descriptions, so a
// new build never serves an older build's render.
func (e *Exposition) CacheKey(appID string, dataDigest uint64) (uint64, bool) {
	exe := executableHash()
	if exe == 0 {
		return 0, false
	}
	h := xxhash.New()
	var b [8]byte
	for _, v := range []uint64{exe, dataDigest} {
		binary.LittleEndian.PutUint64(b[:], v)
		_, _ = h.Write(b[:])
	}
	_, _ = h.WriteString(strconv.Quote(appID))
	_, _ = h.WriteString(strconv.Quote(e.c.OptionsKey()))
	return h.Sum64(), true
}

// executableHash hashes the running binary once per process.
var executableHash = sync.OnceValue(HashExecutable)

// HashExecutable hashes the running binary; 0 if it cannot be read, which
// disables the render cache.
func HashExecutable() uint64 {
	path, err := os.Executable()
	if err != nil {
		return 0
	}
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	h := xxhash.New()
	if _, err := io.Copy(h, f); err != nil {
		return 0
	}
	return h.Sum64() | 1 // never 0
}
