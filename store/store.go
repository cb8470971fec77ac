// Package store keeps every fetched day of WeChat data in an embedded bbolt
// database, so that nothing is fetched twice and nothing is lost on
// restart. Rows are kept as WeChat sent them (JSON, unknown fields
// included, so that a later version can export a new field from stored
// history without fetching again), keyed by account, endpoint and date,
// and each fetch is written in one transaction.
package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// SchemaVersion is the layout of the database. A store written by a newer
// exporter is refused rather than misread; an older one is migrated.
//
//   - 1: rows re-encoded from the typed rows (known fields only).
//   - 2: rows as WeChat sent them. Version 1 records read the same (their
//     fields are WeChat's), so the migration only marks the store: no row
//     is rewritten and nothing is fetched again.
const SchemaVersion = 2

// FileName is the database file inside the storage path.
const FileName = "wechat-exporter.db"

var (
	metaBucket = []byte("meta")
	dataBucket = []byte("data")
	schemaKey  = []byte("schema_version")
)

// Store is the embedded database. It is safe for concurrent use.
type Store struct {
	db        *bolt.DB
	path      string
	recovered *Recovery
	readOnly  bool
	mappedState
}

// Open opens (creating if needed) the store in directory dir. A store file
// found damaged is moved aside (see Recovered) and an empty store started
// in its place: the exporter then fetches its lookback again, which beats
// not serving at all, and the damaged file is kept for a person to look
// at or restore.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("storage path %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	reason, err := checkFile(path)
	if err != nil {
		return nil, fmt.Errorf("checking store %s: %w", path, err)
	}
	if reason == "" {
		s, err := open(path)
		if !errors.Is(err, errCorrupt) {
			return s, err
		}
		reason = err.Error()
	}
	moved, err := moveAside(path, time.Now())
	if err != nil {
		return nil, fmt.Errorf("store %s is damaged (%s) and could not be moved aside: %w; move or delete it, then start again", path, reason, err)
	}
	s, err := open(path)
	if err != nil {
		return nil, err
	}
	s.recovered = &Recovery{MovedTo: moved, Reason: reason}
	return s, nil
}

// errCorrupt marks what bbolt says of a file it cannot use.
var errCorrupt = errors.New("corrupt store file")

// open opens the file at path with bbolt. A file bbolt finds invalid, or
// panics on, is errCorrupt.
func open(path string) (*Store, error) {
	var db *bolt.DB
	err := guard(func() (err error) {
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
		return err
	})
	readOnly := false
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		if _, statErr := os.Stat(path); errors.Is(statErr, fs.ErrNotExist) {
			// Nothing to serve read-only: the directory is not writable,
			// and a read-only open would say only "no such file".
			return nil, fmt.Errorf("storage path %s: the store file %s cannot be created: %w", filepath.Dir(path), FileName, err)
		}
		// A read-only mount, or a file this user may not write: open it to
		// serve what it holds.
		readOnly = true
		err = guard(func() (err error) {
			db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, ReadOnly: true})
			return err
		})
	}
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return nil, fmt.Errorf("store %s is %w: is another wechat-exporter using the same --storage.path?", path, ErrLocked)
	case errors.Is(err, bolt.ErrInvalid), errors.Is(err, bolt.ErrChecksum), errors.Is(err, bolt.ErrVersionMismatch), errors.Is(err, ErrDamaged):
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	case err != nil:
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, readOnly: readOnly}
	if err := s.init(); err != nil {
		_ = db.Close()
		if errors.Is(err, ErrDamaged) {
			return nil, fmt.Errorf("%w: %v", errCorrupt, err)
		}
		return nil, err
	}
	return s, nil
}

// ErrReadOnly is the error of a write to a store opened read-only.
var ErrReadOnly = errors.New("store is read-only")

// ReadOnly reports whether the store could only be opened for reading (a
// read-only mount, or a file the process may not write): it serves what
// it holds, and every write fails with ErrReadOnly.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Recovered returns what Open did with a damaged store file, or nil if the
// file was whole (or new).
func (s *Store) Recovered() *Recovery { return s.recovered }

// view and update run a bbolt transaction under guard.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	return guard(func() error { return s.db.View(fn) })
}

func (s *Store) update(fn func(*bolt.Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("%w: %s", ErrReadOnly, s.path)
	}
	return guard(func() error { return s.db.Update(fn) })
}

func (s *Store) init() error {
	if s.readOnly {
		return s.view(func(tx *bolt.Tx) error { return s.checkSchema(tx.Bucket(metaBucket)) })
	}
	return s.update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(dataBucket); err != nil {
			return err
		}
		if meta.Get(schemaKey) != nil {
			if err := s.checkSchema(meta); err != nil {
				return err
			}
		}
		return meta.Put(schemaKey, []byte(fmt.Sprint(SchemaVersion)))
	})
}

// checkSchema refuses a store written by a newer exporter.
func (s *Store) checkSchema(meta *bolt.Bucket) error {
	if meta == nil {
		return nil // an empty store
	}
	v := meta.Get(schemaKey)
	if v == nil {
		return nil
	}
	var have int
	if _, err := fmt.Sscan(string(v), &have); err != nil || have > SchemaVersion {
		return fmt.Errorf("store %s has schema version %q; this exporter reads version %d: use a newer exporter or another --storage.path", s.path, v, SchemaVersion)
	}
	return nil
}

// Path returns the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database, waiting for any write in progress.
func (s *Store) Close() error { return s.db.Close() }

// ErrLocked is the error of Open when another process holds the store.
var ErrLocked = errors.New("locked")

// Day is one date's rows of one endpoint, as stored.
type Day struct {
	Date wechat.Date
	// FetchedOn is the Beijing day the rows were fetched: data that keeps
	// changing for some days (getarticletotal) is fetched again until
	// fetched late enough to be final.
	FetchedOn wechat.Date
	// FetchedAt is when, to the second (zero in days stored before it was
	// kept): a live endpoint's row is asked again an interval after it.
	FetchedAt time.Time
	// Delayed says WeChat marked the figures provisional (is_delay): they
	// are served, and fetched again until final.
	Delayed bool
	Rows    json.RawMessage // a JSON array of the endpoint's rows
	// Err is set, and the rest empty, when the day's record cannot be
	// decoded (a damaged disk): the day is as good as missing, and one
	// damaged day does not hide the others.
	Err error
}

// record is a day's stored value.
type record struct {
	FetchedOn wechat.Date     `json:"fetched_on"`
	FetchedAt int64           `json:"fetched_at,omitempty"` // Unix seconds
	Delayed   bool            `json:"delayed,omitempty"`
	Rows      json.RawMessage `json:"rows"`
}

// Put writes the days of one fetch of an account's endpoint in a single
// transaction: all are stored, or none.
func (s *Store) Put(account, endpoint string, days []Day) error {
	written := 0
	defer func() { s.touch(written) }()
	return s.update(func(tx *bolt.Tx) error {
		b, err := endpointBucket(tx, account, endpoint, true)
		if err != nil {
			return err
		}
		for _, d := range days {
			if !json.Valid(d.Rows) {
				return fmt.Errorf("store: refusing invalid JSON for %s/%s/%s", account, endpoint, d.Date)
			}
			rec := record{FetchedOn: d.FetchedOn, Delayed: d.Delayed, Rows: d.Rows}
			if !d.FetchedAt.IsZero() {
				rec.FetchedAt = d.FetchedAt.Unix()
			}
			v, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(d.Date.String()), v); err != nil {
				return err
			}
			written += len(v)
		}
		return nil
	})
}

// decodeDay decodes a stored record; a damaged one is a Day with Err.
func decodeDay(d wechat.Date, v []byte, account, endpoint string) Day {
	var r record
	// Unmarshal checks the whole record first, so the rows it hands back
	// are valid JSON: a second check of them was a third of what reading
	// a stored day cost.
	if err := json.Unmarshal(v, &r); err != nil {
		return Day{Date: d, Err: fmt.Errorf("store: damaged record of %s/%s/%s: %w", account, endpoint, d, err)}
	}
	if rows := bytes.TrimSpace(r.Rows); len(rows) == 0 || rows[0] != '[' {
		return Day{Date: d, Err: fmt.Errorf("store: damaged record of %s/%s/%s: rows are not a list (%.16s)", account, endpoint, d, r.Rows)}
	}
	day := Day{Date: d, FetchedOn: r.FetchedOn, Delayed: r.Delayed, Rows: r.Rows}
	if r.FetchedAt != 0 {
		day.FetchedAt = time.Unix(r.FetchedAt, 0)
	}
	return day
}

func endpointBucket(tx *bolt.Tx, account, endpoint string, create bool) (*bolt.Bucket, error) {
	data := tx.Bucket(dataBucket)
	if !create {
		if data == nil {
			return nil, nil // an empty store opened read-only
		}
		a := data.Bucket([]byte(account))
		if a == nil {
			return nil, nil
		}
		return a.Bucket([]byte(endpoint)), nil
	}
	a, err := data.CreateBucketIfNotExists([]byte(account))
	if err != nil {
		return nil, err
	}
	return a.CreateBucketIfNotExists([]byte(endpoint))
}

// Dates returns the stored dates of an account's endpoint within
// [from, to], in order.
func (s *Store) Dates(account, endpoint string, from, to wechat.Date) ([]wechat.Date, error) {
	var out []wechat.Date
	err := s.scan(account, endpoint, from, to, func(d wechat.Date, _ []byte, keyErr error) error {
		if keyErr == nil {
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// Range returns the days of an account's endpoint within [from, to], in
// order. A day whose record is damaged is returned with Err set, and so is
// a key that is not a date (with Date 0): each costs only itself.
func (s *Store) Range(account, endpoint string, from, to wechat.Date) ([]Day, error) {
	var out []Day
	err := s.scan(account, endpoint, from, to, func(d wechat.Date, v []byte, keyErr error) error {
		if keyErr != nil {
			out = append(out, Day{Err: keyErr})
		} else {
			out = append(out, decodeDay(d, v, account, endpoint))
		}
		return nil
	})
	return out, err
}

// scan calls fn for each stored day within [from, to], in order, until fn
// fails; a key that is not a date, among them in the keys' order, with
// keyErr. The value is only valid during the call.
func (s *Store) scan(account, endpoint string, from, to wechat.Date, fn func(d wechat.Date, v []byte, keyErr error) error) error {
	read := 0
	defer func() { s.touch(read) }()
	last := []byte(to.String())
	return s.view(func(tx *bolt.Tx) error {
		b, _ := endpointBucket(tx, account, endpoint, false)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek([]byte(from.String())); k != nil && bytes.Compare(k, last) <= 0; k, v = c.Next() {
			d, keyErr := parseKey(k, account, endpoint)
			read += len(v)
			if err := fn(d, v, keyErr); err != nil {
				return err
			}
		}
		return nil
	})
}

func parseKey(k []byte, account, endpoint string) (wechat.Date, error) {
	d, err := wechat.ParseDate(string(k))
	if err != nil {
		return 0, fmt.Errorf("store: bad key %q in %s/%s: %w", k, account, endpoint, err)
	}
	return d, nil
}

// Latest returns up to n newest days of an account's endpoint, newest
// first. A day whose record is damaged is returned with Err set.
func (s *Store) Latest(account, endpoint string, n int) ([]Day, error) {
	var out []Day
	read := 0
	defer func() { s.touch(read) }()
	err := s.view(func(tx *bolt.Tx) error {
		b, _ := endpointBucket(tx, account, endpoint, false)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && len(out) < n; k, v = c.Prev() {
			d, keyErr := parseKey(k, account, endpoint)
			read += len(v)
			if keyErr != nil {
				out = append(out, Day{Err: keyErr})
				continue
			}
			out = append(out, decodeDay(d, v, account, endpoint))
		}
		return nil
	})
	return out, err
}
