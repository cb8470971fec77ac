package fetcher_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// TestOutageLoggedAsWhatItIs: with WeChat unreachable, 100 accounts'
// rounds of fetches say so in one line each (at most one a round per
// cause, far under one per account), the per-fetch detail at debug level;
// and a round says when it completes, what it fetched and serves.
func TestOutageLoggedAsWhatItIs(t *testing.T) {
	var names []string
	for i := range 100 {
		names = append(names, fmt.Sprintf("a%03d", i))
	}
	h := newHarnessWith(t, beijing("2026-11-22 10:00"), fetcher.Config{Lookback: 1}, names, func(h *harness) { h.renderCache = true },
		wechat.DatacubeEndpoints()...)
	h.fake.Inject(wechattest.Fault{Reset: true}) // WeChat unreachable: every connection dropped
	notDebug := func() []string {
		var out []string
		for _, l := range strings.Split(h.logs.String(), "\n") {
			if l != "" && !strings.Contains(l, "level=debug") {
				out = append(out, l)
			}
		}
		return out
	}
	h.runAt(beijing("2026-11-22 10:00"))
	h.runAt(beijing("2026-11-22 10:01")) // the first backoff: a second round
	lines := notDebug()
	if len(lines) > 4 {
		t.Errorf("%d lines above debug for 2 rounds of 100 accounts unreachable, want at most 4:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	if n := strings.Count(h.logs.String(), "WeChat unreachable"); n != 2 {
		t.Errorf("%d lines say WeChat is unreachable, want one a round:\n%s", n, strings.Join(lines, "\n"))
	}
	eps := len(wechat.DatacubeEndpoints())
	if !strings.Contains(h.logs.String(), fmt.Sprintf(`accounts=100 endpoints=%d fetches=%d hit="a000,a001,a002,a003,a004 and 95 more"`, eps, 100*eps)) {
		t.Errorf("the outage line does not say whom it hit:\n%s", strings.Join(lines, "\n"))
	}
	if strings.Count(h.logs.String(), "level=debug") < 100*eps {
		t.Error("the per-fetch detail is not at debug level")
	}

	// A round that completes says so.
	h.fake.ClearFaults()
	h.runAt(beijing("2026-11-22 10:10"))
	if !regexp.MustCompile(fmt.Sprintf(`level=info .*msg="fetch round complete" accounts=100 accounts_complete=100 endpoints_fetched=%d endpoints_failed=0 took=\S+ series_served=\d{5,}`, 100*eps)).MatchString(h.logs.String()) {
		t.Errorf("no line says the round completed:\n%s", strings.Join(notDebug(), "\n"))
	}
}
