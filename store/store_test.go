package store

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

func day(s string) wechat.Date { return wechat.MustParseDate(s) }

func TestPutAndRead(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	days := []Day{
		{Date: day("2026-11-19"), FetchedOn: day("2026-11-22"), Delayed: false, Rows: json.RawMessage(`[{"ref_date":"2026-11-19","cumulate_user":1}]`)},
		{Date: day("2026-11-20"), FetchedOn: day("2026-11-22"), Delayed: false, Rows: json.RawMessage(`[]`)},
		{Date: day("2026-11-21"), FetchedOn: day("2026-11-22"), Delayed: false, Rows: json.RawMessage(`[{"ref_date":"2026-11-21","cumulate_user":3}]`)},
	}
	if err := s.Put("news", "getusercumulate", days); err != nil {
		t.Fatal(err)
	}
	got, err := s.Dates("news", "getusercumulate", day("2026-11-20"), day("2026-11-30"))
	if err != nil || !reflect.DeepEqual(got, []wechat.Date{day("2026-11-20"), day("2026-11-21")}) {
		t.Fatalf("Dates = %v, %v", got, err)
	}
	latest, err := s.Latest("news", "getusercumulate", 2)
	if err != nil || len(latest) != 2 || latest[0].Date != day("2026-11-21") || string(latest[1].Rows) != "[]" {
		t.Fatalf("Latest = %+v, %v", latest, err)
	}
	if got, _ := s.Dates("other", "getusercumulate", 0, day("2030-01-01")); len(got) != 0 {
		t.Errorf("unknown account has dates %v", got)
	}
	// Reopen: everything is still there.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.Range("news", "getusercumulate", 0, day("2030-01-01"))
	if err != nil || !reflect.DeepEqual(r, days) {
		t.Fatalf("after reopen: %+v, %v", r, err)
	}
}

func TestPutIsAtomic(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Put("news", "getusersummary", []Day{{Date: day("2026-11-20"), Rows: json.RawMessage(`[]`)}, {Date: day("2026-11-21"), Rows: json.RawMessage(`[{`)}})
	if err == nil || !strings.Contains(err.Error(), "news/getusersummary/2026-11-21") {
		t.Fatalf("err = %v, want one naming the bad day", err)
	}
	if got, _ := s.Dates("news", "getusersummary", 0, day("2030-01-01")); len(got) != 0 {
		t.Errorf("a failed write left %v", got)
	}
}

func TestLockedStore(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("second open: %v, want a lock error", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucketIfNotExists(metaBucket)
		return b.Put(schemaKey, []byte("99"))
	})
	_ = db.Close()
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "schema version") {
		t.Fatalf("err = %v", err)
	}
}

// TestBadKeysAndRowsCostThemselves: a key that is not a date, and a
// record whose rows are not a list, come back as days with Err beside the
// good ones, from Range and Latest alike; they stop no read.
func TestBadKeysAndRowsCostThemselves(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	good := []Day{{Date: day("2026-11-20"), FetchedOn: day("2026-11-22"), Rows: json.RawMessage(`[{"cumulate_user":1}]`)},
		{Date: day("2026-11-21"), FetchedOn: day("2026-11-22"), Rows: json.RawMessage(`[{"cumulate_user":2}]`)}}
	if err := s.Put("a", "getusercumulate", good); err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(dataBucket).Bucket([]byte("a")).Bucket([]byte("getusercumulate"))
		if err := b.Put([]byte("2026-11-2x"), []byte(`{"rows":[]}`)); err != nil {
			return err
		}
		return b.Put([]byte("2026-11-19"), []byte(`{"fetched_on":"2026-11-22","rows":null}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	describe := func(days []Day) string {
		var out []string
		for _, d := range days {
			if d.Err != nil {
				out = append(out, "damaged")
			} else {
				out = append(out, d.Date.String())
			}
		}
		return strings.Join(out, " ")
	}
	r, err := s.Range("a", "getusercumulate", day("2026-11-01"), day("2026-11-30"))
	if got := describe(r); err != nil || got != "damaged 2026-11-20 2026-11-21 damaged" {
		t.Errorf("Range: %s, %v; want the null rows and the bad key damaged, the rest read", got, err)
	}
	l, err := s.Latest("a", "getusercumulate", 3)
	if got := describe(l); err != nil || got != "damaged 2026-11-21 2026-11-20" {
		t.Errorf("Latest: %s, %v", got, err)
	}
	if d, err := s.Dates("a", "getusercumulate", day("2026-11-01"), day("2026-11-30")); err != nil || len(d) != 3 {
		t.Errorf("Dates: %v, %v; want the three dates", d, err)
	}
}
