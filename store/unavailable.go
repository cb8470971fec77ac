package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Endpoints WeChat will not serve an account (an endpoint taken offline,
// a permission not granted, an account that is not a publisher) are kept
// here with the time they are asked again, so that a restart makes no call
// WeChat would refuse again.

var unavailableBucket = []byte("unavailable")

// Unavailability is an endpoint WeChat will not serve an account.
type Unavailability struct {
	Reason string    `json:"reason"`  // wechat.ReasonOffline, ...
	Code   string    `json:"errcode"` // WeChat's code, as labelled
	Until  time.Time `json:"until"`   // when it is asked again
}

// PutUnavailable records that WeChat will not serve the account's endpoint.
func (s *Store) PutUnavailable(account, endpoint string, u Unavailability) error {
	v, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(unavailableBucket)
		if err != nil {
			return err
		}
		a, err := b.CreateBucketIfNotExists([]byte(account))
		if err != nil {
			return err
		}
		return a.Put([]byte(endpoint), v)
	})
}

// DeleteUnavailable forgets that the account's endpoint was unavailable.
func (s *Store) DeleteUnavailable(account, endpoint string) error {
	return s.update(func(tx *bolt.Tx) error {
		if b := tx.Bucket(unavailableBucket); b != nil {
			if a := b.Bucket([]byte(account)); a != nil {
				return a.Delete([]byte(endpoint))
			}
		}
		return nil
	})
}

// Unavailable returns the account's endpoints WeChat will not serve, by
// endpoint. A damaged record is left out: the endpoint is then asked.
func (s *Store) Unavailable(account string) (map[string]Unavailability, error) {
	out := map[string]Unavailability{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(unavailableBucket)
		if b == nil {
			return nil
		}
		a := b.Bucket([]byte(account))
		if a == nil {
			return nil
		}
		return a.ForEach(func(k, v []byte) error {
			var u Unavailability
			if json.Unmarshal(v, &u) == nil {
				out[string(k)] = u
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: reading unavailable endpoints of %s: %w", account, err)
	}
	return out, nil
}
