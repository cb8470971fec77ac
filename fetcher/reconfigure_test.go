package fetcher_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// TestSetAccountsWhileRunning: accounts and endpoints added while the
// fetcher runs are served from the store at once and fetched for what it
// lacks; removed ones are no longer served or fetched; nothing unchanged
// is fetched again.
func TestSetAccountsWhileRunning(t *testing.T) {
	eps := []wechat.Endpoint{wechat.GetUserCumulate}
	h := newHarnessWith(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 3}, []string{"acc", "b"}, nil, eps...)
	h.runAt(beijing("2026-11-22 09:00"))
	h.fake.AddAccount(wechattest.Account{AppID: "wx-c", Secret: "harness-secret-c"})
	newClient := func(appID, secret string) *wechat.Client {
		c, err := wechat.New(wechat.NewStableToken(appID, secret), wechat.WithBaseURL(h.fake.URL), wechat.WithClock(h.clock.Now),
			wechat.WithHTTPClient(&http.Client{Timeout: 5 * time.Second}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	calls := func(appID string) int { return h.fake.Calls(appID, "") }
	before := map[string]int{appID: calls(appID), "wx-b": calls("wx-b")}

	// acc gains getusersummary, b goes, c comes.
	err := h.fetcher.SetAccounts(context.Background(), []fetcher.Account{
		{Name: "acc", AppID: appID, Client: h.clients["acc"], Endpoints: []wechat.Endpoint{wechat.GetUserCumulate, wechat.GetUserSummary}},
		{Name: "c", AppID: "wx-c", Client: newClient("wx-c", "harness-secret-c"), Endpoints: eps},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.runAt(beijing("2026-11-22 09:05"))
	if got := h.fake.Calls(appID, wechat.GetUserCumulate.Name); got != 1 {
		t.Errorf("acc's unchanged getusercumulate asked %d times in all, want 1 (the first pass)", got)
	}
	// Its served day and baseline week: 8 days, two requests of span 7.
	want := len(wechat.SplitRange(wechat.GetUserSummary, wechat.MustParseDate("2026-11-14"), wechat.MustParseDate("2026-11-21")))
	if got := h.fake.Calls(appID, wechat.GetUserSummary.Name); got != want {
		t.Errorf("acc's new getusersummary asked %d times, want %d", got, want)
	}
	if got := calls(appID) - before[appID]; got != want {
		t.Errorf("acc made %d requests, want %d (its new endpoint; no new token)", got, want)
	}
	if got := calls("wx-b") - before["wx-b"]; got != 0 {
		t.Errorf("the removed account made %d requests", got)
	}
	if got := h.fake.DatacubeCalls("wx-c"); got != 1 {
		t.Errorf("the new account made %d datacube requests, want 1", got)
	}
	snap := h.state.Load()
	if snap.Account("b") != nil {
		t.Error("the removed account is still served")
	}
	if a := snap.Account("c"); a == nil || a.Endpoints[wechat.GetUserCumulate.Name] == nil {
		t.Error("the new account is not served")
	}
	if a := snap.Account("acc"); a == nil || a.Endpoints[wechat.GetUserSummary.Name] == nil {
		t.Error("acc's new endpoint is not served")
	}

	// b comes back with what it stored: served at once, nothing fetched;
	// acc loses getusersummary, which is no longer served.
	err = h.fetcher.SetAccounts(context.Background(), []fetcher.Account{
		{Name: "acc", AppID: appID, Client: h.clients["acc"], Endpoints: eps},
		{Name: "b", AppID: "wx-b", Client: newClient("wx-b", "harness-secret-b"), Endpoints: eps},
	})
	if err != nil {
		t.Fatal(err)
	}
	if a := h.state.Load().Account("b"); a == nil || a.Endpoints[wechat.GetUserCumulate.Name] == nil || len(a.Endpoints[wechat.GetUserCumulate.Name].Rows) == 0 {
		t.Error("the returning account's stored days are not served at once")
	}
	if a := h.state.Load().Account("acc"); a == nil || a.Endpoints[wechat.GetUserSummary.Name] != nil {
		t.Error("acc's removed endpoint is still served")
	}
	h.runAt(beijing("2026-11-22 09:10"))
	if got := h.fake.DatacubeCalls("wx-b") - 1; got != 0 { // its first pass made the one
		t.Errorf("the returning account fetched %d requests again", got)
	}
}

// unbindableStore cannot keep aside the days of an account whose AppID
// changed, as a read-only store cannot.
type unbindableStore struct {
	fetcher.Store
	broken atomic.Bool
}

func (s *unbindableStore) BindAppIDs(accounts map[string]string) ([]string, []string, error) {
	if s.broken.Load() {
		return nil, []string{"acc"}, errors.New("store is read-only")
	}
	return s.Store.BindAppIDs(accounts)
}

// TestAppIDChangeNotBound: an account given another AppID whose stored
// days cannot be kept aside serves none of them and is not fetched (its
// new days would be written among the old AppID's); once the store can
// move them, it is fetched.
func TestAppIDChangeNotBound(t *testing.T) {
	us := &unbindableStore{}
	eps := []wechat.Endpoint{wechat.GetUserCumulate}
	h := newHarnessWith(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 3}, []string{"acc"},
		func(h *harness) { h.wrap = func(s fetcher.Store) fetcher.Store { us.Store = s; return us } }, eps...)
	h.runAt(beijing("2026-11-22 09:00"))
	if ep := h.served(wechat.GetUserCumulate); ep == nil || len(ep.Rows) == 0 {
		t.Fatal("nothing served before the change")
	}
	const other = "wx0000000000000b0b"
	h.fake.AddAccount(wechattest.Account{AppID: other, Secret: "other-secret"})
	client, err := wechat.New(wechat.NewStableToken(other, "other-secret"), wechat.WithBaseURL(h.fake.URL), wechat.WithClock(h.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	us.broken.Store(true)
	if err := h.fetcher.SetAccounts(t.Context(), []fetcher.Account{{Name: "acc", AppID: other, Client: client, Endpoints: eps}}); err != nil {
		t.Fatal(err)
	}
	if ep := h.served(wechat.GetUserCumulate); ep != nil && len(ep.Rows) > 0 {
		t.Errorf("the old AppID's days are served under its new AppID: %+v", ep)
	}
	if h.runAt(beijing("2026-11-22 09:10")); h.fake.DatacubeCalls(other) != 0 {
		t.Error("an account whose days could not be kept aside was fetched")
	}
	if !strings.Contains(h.logs.String(), "neither served nor fetched") {
		t.Errorf("not logged:\n%s", h.logs)
	}
	us.broken.Store(false)
	if err := h.fetcher.SetAccounts(t.Context(), []fetcher.Account{{Name: "acc", AppID: other, Client: client, Endpoints: eps}}); err != nil {
		t.Fatal(err)
	}
	if h.runAt(beijing("2026-11-22 09:20")); h.fake.DatacubeCalls(other) == 0 {
		t.Error("once bound, the new AppID was not fetched")
	}
}
