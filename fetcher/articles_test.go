package fetcher_test

import (
	"testing"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// TestArticleTotalDetailWindow: getarticletotaldetail counts an item for
// up to 30 days, so a publish day is asked again once a day for 30 days
// and its posts are served that long, with totals that still grow after
// the first week. The calls are the minimum: one per publish day whose
// totals can still change, one for the new day, and one second look at
// an empty day before it is taken as final. An account that publishes
// weekly costs about 6 calls a day, not 30.
func TestArticleTotalDetailWindow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		every int // publish on one day in every
	}{
		{"daily", 1},
		{"weekly", 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := beijing("2026-11-10 13:00")
			h := newHarnessWith(t, start, fetcher.Config{Lookback: 1}, []string{"acc"}, func(h *harness) {
				h.fake.AddAccount(wechattest.Account{AppID: appID, Secret: "harness-secret-acc", PublishEvery: tc.every})
			}, wechat.GetArticleTotalDetail)
			published := func(d wechat.Date) bool { return int(d)%tc.every == 0 }

			if calls := h.runAt(start); calls != wechattest.ContentPeriod {
				t.Errorf("first day: %d calls, want %d (the whole statistics period)", calls, wechattest.ContentPeriod)
			}
			if calls := h.runAt(beijing("2026-11-10 18:00")); calls != 0 {
				t.Errorf("later the same day: %d calls, want 0", calls)
			}
			for day := 11; day <= 20; day++ {
				now := beijing("2026-11-10 13:00").AddDate(0, 0, day-10)
				today := wechat.Today(now)
				want := 0
				for age := 1; age <= wechattest.ContentPeriod; age++ {
					d := today.AddDays(-age)
					switch {
					case published(d):
						want++ // its totals can still grow
					case age == 1:
						want++ // the new day
					case age == 2:
						want++ // the second look at an empty day
					}
				}
				if calls := h.runAt(now); calls != want {
					t.Errorf("%s: %d calls, want %d", today, calls, want)
				}
			}

			// Posts up to 30 days old are served, with their totals as of
			// yesterday: still growing after the first week.
			today := wechat.Today(beijing("2026-11-20 13:00"))
			served := h.served(wechat.GetArticleTotalDetail)
			if served == nil {
				t.Fatal("nothing served")
			}
			oldest := today
			for _, r := range served.Rows {
				a := r.(wechat.PublishedArticle)
				if len(a.DetailList) != 1 {
					t.Fatalf("%s served with %d details, want the one of the served day", a.MsgID, len(a.DetailList))
				}
				if got := a.DetailList[0].StatDate; got != today.AddDays(-1) {
					t.Errorf("%s (published %s) totals as of %s, want %s", a.MsgID, a.RowDate(), got, today.AddDays(-1))
				}
				oldest = min(oldest, a.RowDate())
			}
			var wantOldest wechat.Date
			for age := wechattest.ContentPeriod; age >= 1; age-- {
				if d := today.AddDays(-age); published(d) {
					wantOldest = d
					break
				}
			}
			if oldest != wantOldest {
				t.Errorf("oldest post served was published %s, want %s (%d days ago)", oldest, wantOldest, int(today-wantOldest))
			}
			if int(today-oldest) <= 7 {
				t.Errorf("oldest post served is %d days old: the window stops at a week", int(today-oldest))
			}
		})
	}
}

// TestEmptyArticleDayCostsNoRetry: an article list is empty on a day with
// no post above WeChat's threshold. That is a final answer: the newest day
// is not asked again the same day (unless WeChat marks the answer
// provisional with is_delay, as the content endpoints do in the morning),
// and the next day asks only the new day.
func TestEmptyArticleDayCostsNoRetry(t *testing.T) {
	start := beijing("2026-11-10 09:00") // just after the ready time
	h := newHarnessWith(t, start, fetcher.Config{Lookback: 1}, []string{"acc"}, func(h *harness) {
		// Publishes on no day of the window.
		h.fake.AddAccount(wechattest.Account{AppID: appID, Secret: "harness-secret-acc", PublishEvery: 1_000_000})
	}, wechat.GetArticleSummary, wechat.GetArticleRead)
	calls := func(ep wechat.Endpoint) int { return h.fake.Calls(appID, ep.Name) }
	h.runAt(start)
	if calls(wechat.GetArticleSummary) != 1 || calls(wechat.GetArticleRead) != 1 {
		t.Fatalf("first run: %d and %d calls, want 1 each", calls(wechat.GetArticleSummary), calls(wechat.GetArticleRead))
	}
	read, prev := 1, start
	for _, at := range []string{"09:10", "09:30", "10:00", "11:00", "11:50", "12:00", "13:00", "18:00", "23:59"} {
		now := beijing("2026-11-10 " + at)
		h.runAt(now)
		if got := calls(wechat.GetArticleSummary); got != 1 {
			t.Errorf("%s: getarticlesummary asked %d times for an empty day already answered", at, got)
		}
		// Asked again while the last answer was provisional (is_delay,
		// until the fake's DelayUntil), then final.
		if prev.Before(wechat.Today(prev).Start().Add(wechattest.DelayUntil)) {
			read++
		}
		prev = now
		if got := calls(wechat.GetArticleRead); got != read {
			t.Errorf("%s: getarticleread asked %d times, want %d (retried only while provisional)", at, got, read)
		}
	}
	for _, ep := range []wechat.Endpoint{wechat.GetArticleSummary, wechat.GetArticleRead} {
		if got := h.stored(ep); len(got) != 1 || got[0] != "2026-11-09" {
			t.Errorf("%s stored %v, want the empty day 2026-11-09", ep.Name, got)
		}
	}
	// The next days: only the new day (getarticlesummary's days do not
	// settle; the second look is for getarticletotaldetail's window).
	h.runAt(beijing("2026-11-11 13:00"))
	h.runAt(beijing("2026-11-12 13:00"))
	if got := calls(wechat.GetArticleSummary); got != 3 {
		t.Errorf("two days later: getarticlesummary asked %d times, want 3", got)
	}
}
