package fetcher_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// TestQuotaAskedPerPathHourly: the quota of each API path the account
// calls is asked once per quota interval, a restart included, and served
// with what WeChat counted: the exporter's calls and anyone else's.
func TestQuotaAskedPerPathHourly(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1, QuotaInterval: time.Hour},
		wechat.GetUserSummary, wechat.GetUserCumulate, wechat.APIQuota)
	quotaCalls := func() int { return h.fake.Calls(appID, wechat.APIQuota.Name) }
	h.fake.UseQuota(appID, wechat.GetUserSummary.Path(), 4000) // another system sharing the AppID
	h.runAt(beijing("2026-11-22 09:00"))
	if n := quotaCalls(); n != 2 {
		t.Fatalf("%d quota calls, want 2 (one per path)", n)
	}
	got := map[string]wechat.QuotaFigures{}
	for _, r := range h.served(wechat.APIQuota).Rows {
		q := r.(wechat.APIQuotaRow)
		got[string(q.Path)] = q.Quota
	}
	want := map[string]wechat.QuotaFigures{
		// 4000 of the other system's, 2 of the first fetch (the served
		// day and its baseline week: 8 days, span 7).
		"/datacube/getusersummary":  {DailyLimit: wechat.CountOf(wechattest.DefaultDailyQuota), Used: wechat.CountOf(4002), Remain: wechat.CountOf(wechattest.DefaultDailyQuota - 4002)},
		"/datacube/getusercumulate": {DailyLimit: wechat.CountOf(wechattest.DefaultDailyQuota), Used: wechat.CountOf(1), Remain: wechat.CountOf(wechattest.DefaultDailyQuota - 1)},
	}
	if len(got) != len(want) {
		t.Fatalf("served quotas %v, want %v", got, want)
	}
	for p, q := range want {
		if got[p] != q {
			t.Errorf("%s: served %+v, want %+v", p, got[p], q)
		}
	}
	for _, at := range []string{"09:10", "09:59"} {
		h.runAt(beijing("2026-11-22 " + at))
	}
	if n := quotaCalls(); n != 2 {
		t.Errorf("%d quota calls within the hour, want 2", n)
	}
	h.runAt(beijing("2026-11-22 10:00"))
	if n := quotaCalls(); n != 4 {
		t.Errorf("%d quota calls after an hour, want 4", n)
	}
	// A restart within the hour does not ask again.
	h.store.Close()
	h.open()
	h.runAt(beijing("2026-11-22 10:20"))
	if n := quotaCalls(); n != 4 {
		t.Errorf("%d quota calls after a restart within the hour, want 4", n)
	}
	h.runAt(beijing("2026-11-22 11:00"))
	if n := quotaCalls(); n != 6 {
		t.Errorf("%d quota calls at 11:00, want 6", n)
	}
}

// TestQuotaRefused: an account for which WeChat refuses quota/get has it
// off (unavailable, asked again in a week), and its data is fetched as
// ever.
func TestQuotaRefused(t *testing.T) {
	h := newHarnessWith(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1, QuotaInterval: time.Hour}, []string{"acc"}, func(h *harness) {
		h.fake.AddAccount(wechattest.Account{AppID: appID, Secret: "harness-secret-acc", Unauthorized: []string{wechat.APIQuota.Name}})
	}, wechat.GetUserCumulate, wechat.APIQuota)
	for _, at := range []string{"09:00", "10:00", "12:00", "2026-11-23 09:00"} {
		if len(at) == 5 {
			at = "2026-11-22 " + at
		}
		h.runAt(beijing(at))
	}
	if n := h.fake.Calls(appID, wechat.APIQuota.Name); n != 1 {
		t.Errorf("%d quota calls for an account WeChat refuses it, want 1", n)
	}
	if s := h.served(wechat.APIQuota); s == nil || s.Status.Unavailable != wechat.ReasonUnauthorized {
		t.Errorf("quota served as %+v, want unavailable (unauthorized)", s)
	}
	if got := h.stored(wechat.GetUserCumulate); len(got) != 2 {
		t.Errorf("getusercumulate stored %v, want two days", got)
	}
}

// TestQuotaAskedOnceADay: by default the quota of each path is asked once
// a Beijing day, after the day's fetch of the account's other endpoints,
// not again that day (a restart included), the next day after its fetch,
// and at once when WeChat answers 45009 for one of the account's paths.
// An exporter that serves no quota yet (a first start) asks at once,
// whatever the hour: before the day's ready time it would otherwise show
// no quota for hours (and WeChatAPIQuotaLow could not fire).
func TestQuotaAskedOnceADay(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 07:00"), fetcher.Config{Lookback: 1},
		wechat.GetUserSummary, wechat.GetUserCumulate, wechat.APIQuota)
	quotaCalls := func() int { return h.fake.Calls(appID, wechat.APIQuota.Name) }
	// A first start before the ready time: nothing is served, so the
	// quota is asked at once; yesterday's data is not due yet.
	h.runAt(beijing("2026-11-22 07:00"))
	if n := quotaCalls(); n != 2 {
		t.Errorf("%d quota calls at a first start, want 2 (one per path)", n)
	}
	if !slices.ContainsFunc(servedSeries(t, h), func(s string) bool {
		return strings.HasPrefix(s, "wechat_api_daily_quota_remaining") && strings.Contains(s, `value:"`+wechat.GetUserSummary.Path()+`"`)
	}) {
		t.Errorf("after a first start the quota of %s is not served", wechat.GetUserSummary.Path())
	}
	h.runAt(beijing("2026-11-22 08:00"))
	if n := quotaCalls(); n != 2 {
		t.Errorf("%d quota calls before the day's fetch, want 2", n)
	}
	// The day's fetch, then the quota: one question per path.
	h.runAt(beijing("2026-11-22 08:30"))
	h.runAt(beijing("2026-11-22 08:31"))
	if n := quotaCalls(); n != 4 {
		t.Fatalf("%d quota calls after the day's fetch, want 4 (one per path more)", n)
	}
	for _, at := range []string{"2026-11-22 09:30", "2026-11-22 13:00", "2026-11-22 23:59", "2026-11-23 03:00"} {
		h.runAt(beijing(at))
	}
	h.store.Close()
	h.open()
	h.runAt(beijing("2026-11-23 04:00"))
	if n := quotaCalls(); n != 4 {
		t.Errorf("%d quota calls in the rest of the day, a restart included, want 4", n)
	}
	h.runAt(beijing("2026-11-23 08:30"))
	h.runAt(beijing("2026-11-23 08:31"))
	if n := quotaCalls(); n != 6 {
		t.Errorf("%d quota calls after the next day's fetch, want 6", n)
	}
	// A 45009 in the day's fetch: the quota is asked at once, not after
	// the others (the endpoint waits for midnight now, and the others'
	// figures matter most), and once only.
	h.fake.Inject(wechattest.Fault{Endpoint: wechat.GetUserSummary.Name, Errcode: wechat.CodeDailyQuota})
	h.runAt(beijing("2026-11-24 08:30"))
	h.runAt(beijing("2026-11-24 08:31"))
	if n := quotaCalls(); n != 8 {
		t.Errorf("%d quota calls after a 45009, want 8: asked at once", n)
	}
	h.runAt(beijing("2026-11-24 13:00"))
	if n := quotaCalls(); n != 8 {
		t.Errorf("%d quota calls later that day, want 8", n)
	}
}
