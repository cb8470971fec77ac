package store

import (
	"encoding/json"
	"testing"
)

// TestDigestFollowsServedRecords: the digest changes with any served
// record, not with older ones, and the render entry comes back as stored.
func TestDigestFollowsServedRecords(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put := func(date, rows string) {
		t.Helper()
		if err := s.Put("news", "getusercumulate", []Day{{Date: day(date), FetchedOn: day("2026-11-22"), Rows: json.RawMessage(rows)}}); err != nil {
			t.Fatal(err)
		}
	}
	served := []Served{{Endpoint: "getusercumulate", Days: 2}, {Endpoint: "getusersummary", Days: 1}}
	put("2026-11-19", `[{"cumulate_user":1}]`)
	put("2026-11-20", `[{"cumulate_user":2}]`)
	put("2026-11-21", `[{"cumulate_user":3}]`)
	d1, entry, err := s.CachedRender("news", served)
	if err != nil || entry != nil {
		t.Fatalf("CachedRender: %v, entry %q", err, entry)
	}
	put("2026-11-19", `[{"cumulate_user":9}]`) // not served: the third newest
	digest := func(account string, served []Served) uint64 {
		t.Helper()
		d, _, err := s.CachedRender(account, served)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := digest("news", served); d != d1 {
		t.Error("digest changed with a record that is not served")
	}
	put("2026-11-20", `[{"cumulate_user":8}]`)
	d2 := digest("news", served)
	if d2 == d1 {
		t.Error("digest unchanged after a served record changed")
	}
	if d := digest("news", served[:1]); d == d2 {
		t.Error("digest ignores the endpoints served")
	}
	if d := digest("shop", served); d == d2 {
		t.Error("another account has the same digest")
	}
	if err := s.PutRenders(map[string][]byte{"news": []byte("render")}); err != nil {
		t.Fatal(err)
	}
	if d, entry, err := s.CachedRender("news", served); err != nil || d != d2 || string(entry) != "render" {
		t.Errorf("CachedRender = %x %q %v", d, entry, err)
	}
}
