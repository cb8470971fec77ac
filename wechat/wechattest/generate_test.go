package wechattest

import (
	"fmt"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestOrdinaryDaysTripNoAccountAlert: the daily figures of the fake's
// demo accounts (SteadyAds) vary only so much that no ordinary day trips an alert of the mixin's
// wechat-account group (at its default thresholds), so that the demo, and
// the end-to-end test that runs the rules against it, trips only what an
// account is made to (UnfollowSpike), whatever the date. An alert compares
// a day with the median of the week before, which lies between the
// smallest and the largest day: the smallest day over the largest, over
// ten years, is the bound.
func TestOrdinaryDaysTripNoAccountAlert(t *testing.T) {
	const years = 10
	s := NewServer()
	t.Cleanup(s.Close)
	first := wechat.NewDate(2026, 1, 1)
	for i := range 6 {
		appID := fmt.Sprintf("wxdemo%012d", i)
		s.AddAccount(Account{AppID: appID, Publisher: true, SteadyAds: true, SilentEvery: 4})
		a := s.accounts[appID]
		figures := []struct {
			name     string
			minRatio float64 // the alert's ratio: a smaller day over a larger one must stay above it
			day      func(wechat.Date) float64
		}{
			{"unfollows (WeChatUnfollowSpike, 3 times the usual)", 1.0 / 3, func(d wechat.Date) float64 {
				return userSummaryTotal(a, d, func(r wechat.UserSummary) wechat.Count { return r.CancelUser })
			}},
			{"readers (WeChatReadsCollapsed, 0.3 of the usual)", 0.3, func(d wechat.Date) float64 {
				return float64(val(generate(a, wechat.GetBizSummary, d, d.AddDays(1))[0].(wechat.BizSummary).Detail.ReadUser))
			}},
			{"ad income (WeChatAdIncomeDropped, 0.5 of the usual)", 0.5, func(d wechat.Date) float64 {
				return float64(dayIncome(a, d))
			}},
		}
		for _, f := range figures {
			low, high := f.day(first), f.day(first)
			for d := first; d < first.AddDays(365*years); d++ {
				v := f.day(d)
				low, high = min(low, v), max(high, v)
			}
			if low <= f.minRatio*high {
				t.Errorf("%s: %s from %v to %v over %d years: an ordinary day can trip the alert", appID, f.name, low, high, years)
			}
		}
		// WeChatFollowersFalling: an ordinary day gains followers.
		for d := first; d < first.AddDays(365*years); d++ {
			follows := userSummaryTotal(a, d, func(r wechat.UserSummary) wechat.Count { return r.NewUser })
			if unfollows := userSummaryTotal(a, d, func(r wechat.UserSummary) wechat.Count { return r.CancelUser }); follows <= unfollows {
				t.Errorf("%s %s: %v follows, %v unfollows: followers fell on an ordinary day", appID, d, follows, unfollows)
				break
			}
		}
	}
}

func userSummaryTotal(a *Account, d wechat.Date, figure func(wechat.UserSummary) wechat.Count) float64 {
	var n int64
	for _, r := range generate(a, wechat.GetUserSummary, d, d.AddDays(1)) {
		n += val(figure(r.(wechat.UserSummary)))
	}
	return float64(n)
}
