//go:build long && !race

// This test fetches 100,000 days from the in-process fake (minutes);
// under the race detector it would take many. A long test: .ci/run runs it
// with -tags long, without -race; go test ./... leaves it out.

package fetcher_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// minimumCalls is the fewest requests that fill the lookback window of
// every endpoint of one account, from an empty store, at now.
func minimumCalls(now time.Time, lookback int) int {
	today := wechat.DateOf(now)
	n := 0
	for _, ep := range wechat.DatacubeEndpoints() {
		avail := ep.LatestComplete(today)
		from := avail.AddDays(1 - lookback)
		if ep.Period != wechat.Daily {
			from = avail
		}
		if ep.SettleDays > 0 { // its settling window
			from = min(from, avail.AddDays(1-ep.SettleDays))
		}
		if ep.Period == wechat.Daily { // and the days served with the newest (a baseline's week)
			from = min(from, avail.AddDays(1-ep.Served()))
		}
		n += len(wechat.SplitRange(ep, from, avail))
	}
	return n
}

// TestFirstCycleOfManyAccounts runs the first fetch cycle of 1000 accounts
// at the default concurrency and checks that it makes exactly the fewest
// calls the spans allow.
func TestFirstCycleOfManyAccounts(t *testing.T) {
	const accounts = 1000
	names := make([]string, accounts)
	for i := range names {
		names[i] = fmt.Sprintf("s%04d", i)
	}
	now := beijing("2026-11-22 09:00")
	h := newHarnessWith(t, now, fetcher.Config{Lookback: 7, MaxConcurrency: fetcher.DefaultMaxConcurrency}, names, nil, wechat.DatacubeEndpoints()...)
	start := time.Now()
	h.clock.Set(now)
	h.fetcher.RunOnce(t.Context())
	took := time.Since(start)
	want := accounts * minimumCalls(now, 7)
	if got := h.fake.DatacubeCalls(""); got != want {
		t.Errorf("first cycle made %d datacube calls, the spans allow %d", got, want)
	}
	if got := h.fake.Calls("", "stable_token"); got != accounts {
		t.Errorf("%d token calls for %d accounts", got, accounts)
	}
	for _, n := range []string{names[0], names[accounts-1]} {
		if s := h.servedFor(n, wechat.GetUserCumulate); s == nil || !s.Status.OK {
			t.Errorf("%s not served", n)
		}
	}
	t.Logf("first cycle of %d accounts: %d datacube calls (%d per account) in %v against the in-process fake",
		accounts, want, want/accounts, took.Round(time.Millisecond))
}
