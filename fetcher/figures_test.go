package fetcher_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// notExported are figures WeChat sends that no series shows (the README's
// "Fields not exported" says why): taking them away changes nothing
// served.
var notExported = map[string][]string{
	// WeChat gives original-page reads and favourites only daily, on
	// getuserread's all-channels row: the hourly ones are always 0.
	wechat.GetUserReadHour.Name: {"ori_page_read_user", "ori_page_read_count", "add_to_fav_user", "add_to_fav_count"},
}

// figureRun fetches ep's day at at for one account from the fake, its
// answers rewritten by rewrite (if not nil), and returns the harness and
// the series served.
func figureRun(t *testing.T, ep wechat.Endpoint, at time.Time, rewrite func([]byte) []byte) (*harness, []string) {
	t.Helper()
	eps := []wechat.Endpoint{ep}
	if ep.PerPath {
		eps = append(eps, wechat.GetUserCumulate) // the quota is asked of the paths the account calls
	}
	h := newHarnessWith(t, at, fetcher.Config{Lookback: 1}, []string{"acc"}, func(h *harness) {
		h.fake.AddAccount(wechattest.Account{AppID: appID, Secret: "harness-secret-acc", Publisher: ep.Publisher})
		if rewrite != nil {
			h.fake.Inject(wechattest.Fault{Endpoint: ep.Name, Rewrite: rewrite})
		}
	}, eps...)
	h.runAt(at)
	return h, servedSeries(t, h)
}

// servedSeries is every series of the harness's state, every post's included:
// under the cap of posts, which are served depends on their reads.
func servedSeries(t *testing.T, h *harness) []string {
	return strings.Split(strings.TrimSpace(gatherText(t, h.state, collector.WithMaxPosts(-1))), "\n")
}

// TestEachFigureCostsOnlyItsSeries takes each figure of each endpoint in
// turn out of every row of the fake's answers: the figure's series are
// gone, every other series is served with its value, the day is stored
// (as final: a restart asks WeChat nothing), and the figure is counted
// in wechat_datacube_fields_missing_total.
func TestEachFigureCostsOnlyItsSeries(t *testing.T) {
	at := beijing("2026-11-23 13:00") // a Monday, content figures final
	for _, ep := range wechat.Endpoints() {
		t.Run(ep.Name, func(t *testing.T) {
			t.Parallel()
			h, full := figureRun(t, ep, at, nil)
			days := h.stored(ep)
			if len(days) == 0 || len(full) == 0 {
				t.Fatalf("the fake's full answer: %d days stored, %d series", len(days), len(full))
			}
			for _, f := range ep.Figures() {
				h, got := figureRun(t, ep, at, wechattest.WithoutField(f))
				gone := 0
				for _, s := range full {
					if !slices.Contains(got, s) {
						gone++
					}
				}
				for _, s := range got {
					if !slices.Contains(full, s) {
						t.Errorf("without %s: %s is new, or its value changed", f, s)
					}
				}
				if exported := !slices.Contains(notExported[ep.Name], f); exported && gone == 0 {
					t.Errorf("without %s: every series is still served", f)
				} else if !exported && gone > 0 {
					t.Errorf("without %s, not exported: %d series gone", f, gone)
				}
				if got := h.stored(ep); !slices.Equal(got, days) {
					t.Errorf("without %s: stored %v, want %v", f, got, days)
				}
				if n := h.metric("wechat_datacube_fields_missing_total", map[string]string{"account": "acc", "endpoint": ep.Name, "field": f, "reason": "missing"}); n == 0 {
					t.Errorf("without %s: not counted", f)
				}
				h.store.Close()
				h.open() // a restart
				before := h.fake.Calls(appID, ep.Name)
				h.clock.Set(at)
				h.fetcher.RunOnce(context.Background())
				if calls := h.fake.Calls(appID, ep.Name) - before; calls != 0 {
					t.Errorf("without %s: %d calls after a restart, want 0", f, calls)
				}
				if again := servedSeries(t, h); !slices.Equal(again, got) {
					t.Errorf("without %s: after a restart the stored day serves otherwise", f)
				}
			}
		})
	}
}
