package fetcher_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// publisherHarness has "acc", a publisher, and "plain", which is not, both
// configured with the three ad endpoints.
func publisherHarness(t *testing.T) *harness {
	return newHarnessWith(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 7}, []string{"acc", "plain"}, func(h *harness) {
		h.fake.AddAccount(wechattest.Account{AppID: appID, Secret: "harness-secret-acc", Publisher: true})
	}, wechat.PublisherEndpoints()...)
}

// TestPublisherFetching: the ad slots' served day and baseline week cost
// one call (span 90), the settlement one snapshot a day, and the served
// figures are the fake's, in yuan.
func TestPublisherFetching(t *testing.T) {
	h := publisherHarness(t)
	if calls := h.runAt(beijing("2026-11-22 09:00")); calls != 3 {
		t.Errorf("first cycle: %d calls, want 3 (one per action)", calls)
	}
	if got := strings.Join(h.stored(wechat.PublisherAdPosGeneral), ","); !strings.HasPrefix(got, "2026-11-14,") || !strings.HasSuffix(got, ",2026-11-21") {
		t.Errorf("adpos stored %s", got)
	}
	if got := strings.Join(h.stored(wechat.PublisherSettlement), ","); got != "2026-11-21" {
		t.Errorf("settlement stored %s, want only the snapshot of yesterday", got)
	}
	s := h.fake.Rows(appID, wechat.PublisherSettlement.Name, wechat.MustParseDate("2026-11-21"))[0].(wechat.Settlement)
	if got, want := h.metric("wechat_ad_revenue_yuan", map[string]string{"account": "acc"}), float64(s.RevenueAll.Or(-1))/100; got != want {
		t.Errorf("revenue %v yuan, fake has %v", got, want)
	}
	var income int64
	for _, r := range h.fake.Rows(appID, wechat.PublisherAdPosGeneral.Name, wechat.MustParseDate("2026-11-21")) {
		income += r.(wechat.AdPosition).Income.Or(0)
	}
	if got := h.metric("wechat_ad_income_yuan", map[string]string{"account": "acc"}); got < float64(income)/100-1e-6 || got > float64(income)/100+1e-6 {
		t.Errorf("income %v yuan, fake has %v fen", got, income)
	}
	if calls := h.runAt(beijing("2026-11-22 15:00")); calls != 0 {
		t.Errorf("%d calls later the same day", calls)
	}
	if calls := h.runAt(beijing("2026-11-23 09:00")); calls != 3 {
		t.Errorf("next day: %d calls, want 3", calls)
	}
	if got := strings.Join(h.stored(wechat.PublisherSettlement), ","); got != "2026-11-21,2026-11-22" {
		t.Errorf("settlement stored %s", got)
	}
	if ep := h.served(wechat.PublisherSettlement); ep == nil || ep.Date != wechat.MustParseDate("2026-11-22") {
		t.Errorf("served settlement %+v, want the newest snapshot", ep)
	}
}

// TestNotAPublisher: ret 2009 marks the account's ad endpoints
// unavailable, says so once (one line for the three) with what to do, and
// waits a week.
func TestNotAPublisher(t *testing.T) {
	h := publisherHarness(t)
	for d := 0; d < 7; d++ {
		h.runAt(beijing("2026-11-22 09:00").AddDate(0, 0, d))
	}
	for _, ep := range wechat.PublisherEndpoints() {
		if got := h.fake.Calls("wx-plain", ep.Name); got != 1 {
			t.Errorf("%s called %d times within the week", ep.Name, got)
		}
		if got := h.metric("wechat_datacube_endpoint_unavailable", map[string]string{"account": "plain", "endpoint": ep.Name}); got != 1 {
			t.Errorf("%s: unavailable = %v", ep.Name, got)
		}
		if got := h.metric("wechat_datacube_endpoint_unavailable", map[string]string{"account": "acc", "endpoint": ep.Name}); got != 0 {
			t.Errorf("publisher's %s marked unavailable", ep.Name)
		}
	}
	if n := countLines(h.logs.String(), "remove publisher: true"); n != 1 || !strings.Contains(h.logs.String(), "endpoints=3") {
		t.Errorf("logged %d times, want once for the three endpoints:\n%s", n, h.logs)
	}
	h.runAt(beijing("2026-11-29 09:00"))
	if got := h.fake.Calls("wx-plain", wechat.PublisherAdPosGeneral.Name); got != 2 {
		t.Errorf("not tried again after a week: %d calls", got)
	}
}

// TestBackfillSkipsSnapshots: a past day's settlement cannot be asked
// for, so backfill spends nothing on it.
func TestBackfillSkipsSnapshots(t *testing.T) {
	h := publisherHarness(t)
	_, err := h.fetcher.Backfill(context.Background(), wechat.MustParseDate("2026-06-01"), wechat.MustParseDate("2026-11-21"), map[string]bool{"acc": true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := h.fake.Calls(appID, wechat.PublisherSettlement.Name); n != 0 {
		t.Errorf("settlement called %d times by backfill", n)
	}
	// 174 days: three 60-day ranges of rebate goods. The ad slots also
	// need the baseline week before the first day: 181 days, two 90-day
	// ranges and one of a day, in pages of 90 rows (3 slots a day):
	// 3 + 3 + 1.
	if n := h.fake.Calls(appID, wechat.PublisherAdPosGeneral.Name); n != 7 {
		t.Errorf("adpos: %d calls, want 7", n)
	}
	if n := h.fake.Calls(appID, wechat.PublisherCPSGeneral.Name); n != 3 {
		t.Errorf("cps: %d calls, want 3", n)
	}
	if got := len(h.stored(wechat.PublisherAdPosGeneral)); got != 174+wechat.BaselineWeek {
		t.Errorf("%d adpos days stored, want %d", got, 174+wechat.BaselineWeek)
	}
}
