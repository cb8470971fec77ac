package store

import (
	"bytes"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Each account's days belong to an AppID, while the store is keyed by the
// account's name, which the configuration gives: a name can be given
// another AppID (two accounts' AppIDs swapped, a wrong one corrected).
// The days stored under the name must then not be served, nor kept, as
// the new AppID's. The store records the AppID of each name's days, and
// when a name's AppID changes its days are kept aside under the old AppID
// (with its unavailable endpoints), and the name gets the days kept aside
// for its new AppID, if any:
//
//	app_ids/<name> = AppID
//	aside/<AppID>/data/<endpoint>/<date>, aside/<AppID>/unavailable/<endpoint>
//
// So a swap serves each AppID's days under its new name without a call,
// a corrected AppID is fetched from nothing, and nothing stored is lost.
// A new name whose AppID's days are stored under a name no longer
// configured takes them: a renamed account keeps its history.

var (
	appIDBucket = []byte("app_ids")
	asideBucket = []byte("aside")
	asideData   = []byte("data")
	asideUnav   = []byte("unavailable")
)

// BindAppIDs makes the days stored under each name of accounts (name to
// AppID; an empty AppID is left alone) those of its AppID, in one
// transaction. A name stored without an AppID (by an earlier version, or
// new) takes the one given: its days, if any, are taken to be that
// AppID's. rebound are the names whose days changed (kept aside, and
// those of the new AppID brought back if the store had them): what was
// served of them is stale. unbound are the names whose days are another
// AppID's and could not be moved (a read-only store, or a failed write):
// none of their days may be served, nor new ones written under them.
func (s *Store) BindAppIDs(accounts map[string]string) (rebound, unbound []string, err error) {
	var changed []string // the names whose AppID is new to the store or changed
	err = s.view(func(tx *bolt.Tx) error {
		ids := tx.Bucket(appIDBucket)
		for name, id := range accounts {
			var cur []byte
			if ids != nil {
				cur = ids.Get([]byte(name))
			}
			if id != "" && !bytes.Equal(cur, []byte(id)) {
				changed = append(changed, name)
				if cur != nil {
					unbound = append(unbound, name)
				}
			}
		}
		return nil
	})
	if err != nil || len(changed) == 0 {
		return nil, unbound, err
	}
	slices.Sort(changed)
	if s.readOnly {
		slices.Sort(unbound)
		return nil, unbound, fmt.Errorf("%w: the AppID of %d accounts changed, and their days cannot be kept aside: %s", ErrReadOnly, len(unbound), s.path)
	}
	err = s.update(func(tx *bolt.Tx) error {
		rebound = nil
		ids, err := tx.CreateBucketIfNotExists(appIDBucket)
		if err != nil {
			return err
		}
		aside, err := tx.CreateBucketIfNotExists(asideBucket)
		if err != nil {
			return err
		}
		// First every name whose AppID changed puts its days aside, so
		// that in a swap each finds the other's there.
		for _, name := range changed {
			if cur := ids.Get([]byte(name)); cur != nil {
				if err := putAside(tx, aside, name, string(cur)); err != nil {
					return err
				}
				rebound = append(rebound, name)
			}
		}
		for _, name := range changed {
			id := accounts[name]
			if !hasDays(tx, name) {
				if err := bringBack(tx, aside, name, id); err != nil {
					return err
				}
			}
			if !hasDays(tx, name) {
				if err := rename(tx, ids, accounts, name, id); err != nil {
					return err
				}
			}
			if err := ids.Put([]byte(name), []byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, unbound, fmt.Errorf("store: keeping aside the days of accounts whose AppID changed: %w", err)
	}
	return rebound, nil, nil
}

// hasDays reports whether the name has a bucket of days.
func hasDays(tx *bolt.Tx, name string) bool {
	data := tx.Bucket(dataBucket)
	return data != nil && data.Bucket([]byte(name)) != nil
}

// putAside moves the name's days, unavailable endpoints and render entry
// under aside/<appID>: merged with what is already there, the name's, the
// newer, winning.
func putAside(tx *bolt.Tx, aside *bolt.Bucket, name, appID string) error {
	dst, err := aside.CreateBucketIfNotExists([]byte(appID))
	if err != nil {
		return err
	}
	for _, m := range []struct{ from, to []byte }{{dataBucket, asideData}, {unavailableBucket, asideUnav}} {
		if err := moveTree(tx.Bucket(m.from), []byte(name), dst, m.to); err != nil {
			return err
		}
	}
	if r := tx.Bucket(renderBucket); r != nil {
		return r.Delete([]byte(name))
	}
	return nil
}

// bringBack gives the name the days kept aside for appID, if any.
func bringBack(tx *bolt.Tx, aside *bolt.Bucket, name, appID string) error {
	src := aside.Bucket([]byte(appID))
	if src == nil {
		return nil
	}
	for _, m := range []struct{ from, to []byte }{{asideData, dataBucket}, {asideUnav, unavailableBucket}} {
		dst, err := tx.CreateBucketIfNotExists(m.to)
		if err != nil {
			return err
		}
		if err := moveTree(src, m.from, dst, []byte(name)); err != nil {
			return err
		}
	}
	return aside.DeleteBucket([]byte(appID))
}

// rename gives the name the days of the same AppID stored under a name
// the accounts no longer have: an account renamed keeps its history.
func rename(tx *bolt.Tx, ids *bolt.Bucket, accounts map[string]string, name, appID string) error {
	var from []byte
	_ = ids.ForEach(func(k, v []byte) error {
		if _, configured := accounts[string(k)]; !configured && string(v) == appID && from == nil {
			from = append([]byte(nil), k...)
		}
		return nil
	})
	if from == nil {
		return nil
	}
	for _, b := range [][]byte{dataBucket, unavailableBucket} {
		if err := moveTree(tx.Bucket(b), from, tx.Bucket(b), []byte(name)); err != nil {
			return err
		}
	}
	if r := tx.Bucket(renderBucket); r != nil {
		if err := r.Delete(from); err != nil {
			return err
		}
	}
	return ids.Delete(from)
}

// moveTree moves the bucket from/key into to/as (created if need be,
// merged if there), key by key: bbolt moves a bucket only under its own
// key.
func moveTree(from *bolt.Bucket, key []byte, to *bolt.Bucket, as []byte) error {
	if from == nil || from.Bucket(key) == nil {
		return nil
	}
	dst, err := to.CreateBucketIfNotExists(as)
	if err != nil {
		return err
	}
	if err := copyTree(from.Bucket(key), dst); err != nil {
		return err
	}
	return from.DeleteBucket(key)
}

func copyTree(src, dst *bolt.Bucket) error {
	return src.ForEach(func(k, v []byte) error {
		if v != nil {
			return dst.Put(k, v)
		}
		sub, err := dst.CreateBucketIfNotExists(k)
		if err != nil {
			return err
		}
		return copyTree(src.Bucket(k), sub)
	})
}
