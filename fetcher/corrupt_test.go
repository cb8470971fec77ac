package fetcher_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// damageRecord overwrites the stored value of one day with bytes that are
// not a record, as a bad disk would, with the store closed.
func (h *harness) damageRecord(account string, ep wechat.Endpoint, d string) {
	h.t.Helper()
	h.putRaw(account, ep, d, "\x00\x13garbage{")
}

// putRaw writes a key and value into the endpoint's bucket as they are,
// with the store closed.
func (h *harness) putRaw(account string, ep wechat.Endpoint, key, value string) {
	h.t.Helper()
	if err := h.store.Close(); err != nil {
		h.t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(h.dir, store.FileName), 0o600, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("data")).Bucket([]byte(account)).Bucket([]byte(ep.Name))
		return b.Put([]byte(key), []byte(value))
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		h.t.Fatal(err)
	}
}

// TestCorruptStoredDays: a stored day whose record (or whose rows) cannot
// be decoded is counted and logged once, served around (never hiding the
// good newest day), fetched again and overwritten, and blocks neither the
// other days nor the endpoint's status.
func TestCorruptStoredDays(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 10:00"), fetcher.Config{Lookback: 7}, wechat.GetInterfaceSummary, wechat.GetUserSummary)
	h.runAt(beijing("2026-11-22 10:00"))
	// A damaged record of an older day of an endpoint that serves eight
	// days, and rows that no longer decode of another endpoint's newest
	// day (the one it serves).
	if err := h.store.Put("acc", wechat.GetUserSummary.Name, []store.Day{{Date: wechat.MustParseDate("2026-11-21"),
		FetchedOn: wechat.MustParseDate("2026-11-22"), Rows: json.RawMessage(`[{"ref_date":"not a date","new_user":1}]`)}}); err != nil {
		t.Fatal(err)
	}
	h.damageRecord("acc", wechat.GetInterfaceSummary, "2026-11-18")
	h.open() // a restart: every served day is read

	for ep, want := range map[wechat.Endpoint]string{wechat.GetInterfaceSummary: "2026-11-21", wechat.GetUserSummary: "2026-11-20"} {
		s := h.served(ep)
		if s == nil || s.Date.String() != want || len(s.Rows) == 0 {
			t.Errorf("%s: served %+v, want the newest good day %s", ep.Name, s, want)
		}
		if got := h.metric("wechat_store_read_failures_total", map[string]string{"account": "acc", "endpoint": ep.Name}); got != 1 {
			t.Errorf("%s: wechat_store_read_failures_total = %v, want 1", ep.Name, got)
		}
	}
	before := h.fake.Calls(appID, wechat.GetInterfaceSummary.Name) + h.fake.Calls(appID, wechat.GetUserSummary.Name)
	h.runAt(beijing("2026-11-22 10:05"))
	after := h.fake.Calls(appID, wechat.GetInterfaceSummary.Name) + h.fake.Calls(appID, wechat.GetUserSummary.Name)
	if after-before != 2 {
		t.Errorf("%d calls to fetch the two damaged days again, want 2", after-before)
	}
	for _, ep := range []wechat.Endpoint{wechat.GetInterfaceSummary, wechat.GetUserSummary} {
		if got := h.metric("wechat_datacube_last_fetch_success", map[string]string{"account": "acc", "endpoint": ep.Name}); got != 1 {
			t.Errorf("%s: last fetch success %v, want 1", ep.Name, got)
		}
		days, err := h.store.Range("acc", ep.Name, wechat.MustParseDate("2026-11-15"), wechat.MustParseDate("2026-11-21"))
		if err != nil || len(days) != 7 {
			t.Fatalf("%s: %d days, %v", ep.Name, len(days), err)
		}
		for _, d := range days {
			if d.Err != nil {
				t.Errorf("%s %s still damaged: %v", ep.Name, d.Date, d.Err)
			} else if _, err := wechat.DecodeDay(ep, d.Date, d.Rows); err != nil {
				t.Errorf("%s %s still does not decode: %v", ep.Name, d.Date, err)
			}
		}
	}
	if s := h.served(wechat.GetUserSummary); s == nil || s.Date.String() != "2026-11-21" {
		t.Errorf("getusersummary: served %+v after fetching again, want 2026-11-21", s)
	}
	h.store.Close()
	h.open() // read again: nothing damaged is left, nothing is counted twice
	if got := h.metric("wechat_store_read_failures_total", nil); got != 0 {
		t.Errorf("after the days were fetched again, %v read failures", got)
	}
	if n := strings.Count(h.logs.String(), "damaged stored day"); n != 2 {
		t.Errorf("%d log lines about damaged days, want one each:\n%s", n, h.logs.String())
	}
}

// TestBadKeyOrNullRowsCostOnlyThemselves: a key that is not a date in an
// endpoint's bucket, and a record whose rows are null, cost only
// themselves: each is counted in wechat_store_read_failures_total and
// logged once, the endpoint's other days are served, the damaged day is
// fetched again, and the endpoint goes on being fetched.
func TestBadKeyOrNullRowsCostOnlyThemselves(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 10:00"), fetcher.Config{Lookback: 7}, wechat.GetInterfaceSummary, wechat.GetUserCumulate)
	h.runAt(beijing("2026-11-22 10:00"))
	h.putRaw("acc", wechat.GetInterfaceSummary, "not-a-date", `{"fetched_on":"2026-11-22","rows":[]}`)
	h.putRaw("acc", wechat.GetUserCumulate, "2026-11-21", `{"fetched_on":"2026-11-22","rows":null}`)
	h.open() // a restart: every served day is read
	if s := h.served(wechat.GetInterfaceSummary); s == nil || s.Date.String() != "2026-11-21" || len(s.Rows) == 0 {
		t.Errorf("getinterfacesummary beside a bad key: served %+v, want 2026-11-21", s)
	}
	if s := h.served(wechat.GetUserCumulate); s == nil || s.Date.String() != "2026-11-20" || len(s.Rows) == 0 {
		t.Errorf("getusercumulate with null rows on its newest day: served %+v, want the day before", s)
	}
	for _, ep := range []wechat.Endpoint{wechat.GetInterfaceSummary, wechat.GetUserCumulate} {
		if got := h.metric("wechat_store_read_failures_total", map[string]string{"account": "acc", "endpoint": ep.Name}); got != 1 {
			t.Errorf("%s: wechat_store_read_failures_total = %v, want 1", ep.Name, got)
		}
	}
	h.runAt(beijing("2026-11-22 10:05"))
	if s := h.served(wechat.GetUserCumulate); s == nil || s.Date.String() != "2026-11-21" || !s.Status.OK {
		t.Errorf("getusercumulate after fetching again: %+v, want 2026-11-21", s)
	}
	h.runAt(beijing("2026-11-23 10:00")) // the next day
	for _, ep := range []wechat.Endpoint{wechat.GetInterfaceSummary, wechat.GetUserCumulate} {
		if s := h.served(ep); s == nil || s.Date.String() != "2026-11-22" || !s.Status.OK {
			t.Errorf("%s the next day: %+v, want 2026-11-22 fetched", ep.Name, s)
		}
	}
	if got := h.metric("wechat_store_read_failures_total", nil); got != 2 {
		t.Errorf("read failures %v after a day, want 2: each counted once", got)
	}
}
