package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestBindAppIDs: each name's days belong to the AppID it had when they
// were stored. Swapped AppIDs take their days (and unavailable endpoints)
// with them, a corrected AppID starts from nothing while the old one's
// days are kept aside, and an AppID that comes back gets its days back.
func TestBindAppIDs(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put := func(name, figure string) {
		t.Helper()
		rows := json.RawMessage(fmt.Sprintf(`[{"ref_date":"2026-11-21","cumulate_user":%s}]`, figure))
		if err := s.Put(name, "getusercumulate", []Day{{Date: day("2026-11-21"), FetchedOn: day("2026-11-22"), Rows: rows}}); err != nil {
			t.Fatal(err)
		}
	}
	served := func(name string) string {
		t.Helper()
		days, err := s.Latest(name, "getusercumulate", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(days) == 0 {
			return "nothing"
		}
		var rows []struct {
			CumulateUser int `json:"cumulate_user"`
		}
		_ = json.Unmarshal(days[0].Rows, &rows)
		return fmt.Sprint(rows[0].CumulateUser)
	}
	bind := func(accounts map[string]string, want []string) {
		t.Helper()
		rebound, unbound, err := s.BindAppIDs(accounts)
		if err != nil || len(unbound) > 0 || fmt.Sprint(rebound) != fmt.Sprint(want) {
			t.Fatalf("BindAppIDs(%v) = %v, %v, %v; want %v rebound", accounts, rebound, unbound, err, want)
		}
	}
	// A store of an earlier version: days without an AppID are taken to
	// be the configured one's.
	put("a", "100")
	put("b", "200")
	if err := s.PutUnavailable("a", "getarticlesummary", Unavailability{Reason: "offline", Code: "47009", Until: time.Unix(2e9, 0)}); err != nil {
		t.Fatal(err)
	}
	bind(map[string]string{"a": "wxX", "b": "wxY"}, nil)
	if served("a") != "100" || served("b") != "200" {
		t.Fatalf("adopted: a %s, b %s", served("a"), served("b"))
	}
	bind(map[string]string{"a": "wxX", "b": "wxY"}, nil) // unchanged: nothing moves

	bind(map[string]string{"a": "wxY", "b": "wxX"}, []string{"a", "b"})
	if served("a") != "200" || served("b") != "100" {
		t.Errorf("swapped: a serves %s, b %s; want 200, 100", served("a"), served("b"))
	}
	if u, _ := s.Unavailable("b"); u["getarticlesummary"].Code != "47009" {
		t.Errorf("wxX's unavailable endpoint did not follow it to b: %v", u)
	}
	if u, _ := s.Unavailable("a"); len(u) != 0 {
		t.Errorf("a, now wxY, has wxX's unavailable endpoints: %v", u)
	}

	bind(map[string]string{"a": "wxZ", "b": "wxX"}, []string{"a"})
	if served("a") != "nothing" {
		t.Errorf("a, corrected to a new AppID, serves %s", served("a"))
	}
	put("a", "300") // wxZ's, fetched
	bind(map[string]string{"a": "wxY", "c": "wxZ"}, []string{"a"})
	if served("a") != "200" || served("c") != "300" {
		t.Errorf("wxY back under a, wxZ under a new name c: a %s, c %s; want 200, 300", served("a"), served("c"))
	}

	// A renamed account (the name c gone, its AppID under d) keeps its
	// days.
	bind(map[string]string{"a": "wxY", "b": "wxX", "d": "wxZ"}, nil)
	if served("d") != "300" || served("c") != "nothing" {
		t.Errorf("c renamed d: d serves %s, c %s; want 300, nothing", served("d"), served("c"))
	}

	// A read-only store cannot move days: a name whose days are another
	// AppID's is unbound, and nothing changes.
	s.readOnly = true
	rebound, unbound, err := s.BindAppIDs(map[string]string{"a": "wxX", "b": "wxX"})
	if !errors.Is(err, ErrReadOnly) || len(rebound) != 0 || !reflect.DeepEqual(unbound, []string{"a"}) {
		t.Errorf("read-only: %v, %v, %v; want a unbound and ErrReadOnly", rebound, unbound, err)
	}
	if served("a") != "200" {
		t.Errorf("read-only: a's days changed")
	}
}
