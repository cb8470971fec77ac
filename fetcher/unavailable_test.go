package fetcher_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// TestUnauthorizedIsUnavailable: 48001 makes the endpoint unavailable for
// the account, with the reason and the permission set to grant said once
// at warn; no WeChatFetchFailing (the status is failing but unavailable);
// asked again in a week, not at a restart.
func TestUnauthorizedIsUnavailable(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, wechat.GetUserSummary, wechat.GetUpstreamMsg)
	release := h.fake.Inject(wechattest.Fault{Endpoint: wechat.GetUpstreamMsg.Name, Errcode: wechat.CodeUnauthorized})
	h.runAt(beijing("2026-11-22 09:00"))
	if got := h.metric("wechat_datacube_endpoint_unavailable", map[string]string{"endpoint": "getupstreammsg", "reason": "unauthorized"}); got != 1 {
		t.Errorf("unavailable{reason=unauthorized} = %v, want 1", got)
	}
	line := ""
	for _, l := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(l, "48001") {
			line = l
		}
	}
	if !strings.Contains(line, "level=warn") || !strings.Contains(line, "permission set 1") || !strings.Contains(line, "verified") {
		t.Errorf("log line %q: want a warning naming permission set 1 and verification", line)
	}
	// A restart the next day asks nothing that would be refused again.
	h.store.Close()
	h.open()
	if got := h.metric("wechat_datacube_endpoint_unavailable", map[string]string{"endpoint": "getupstreammsg", "reason": "unauthorized"}); got != 1 {
		t.Errorf("after a restart: unavailable = %v, want 1 (persisted)", got)
	}
	for d := 1; d < 7; d++ {
		h.runAt(beijing("2026-11-22 09:00").AddDate(0, 0, d))
	}
	if got := h.fake.Calls(appID, wechat.GetUpstreamMsg.Name); got != 1 {
		t.Errorf("unauthorized endpoint called %d times within the week and a restart, want 1", got)
	}
	if n := countLines(h.logs.String(), "48001"); n != 1 {
		t.Errorf("logged %d times, want once", n)
	}
	release()
	h.runAt(beijing("2026-11-29 09:00"))
	if got := h.metric("wechat_datacube_endpoint_unavailable", map[string]string{"endpoint": "getupstreammsg"}); got != 0 {
		t.Errorf("still unavailable once granted: %v", got)
	}
	h.store.Close()
	h.open()
	before := h.fake.Calls(appID, wechat.GetUpstreamMsg.Name)
	h.runAt(beijing("2026-11-30 09:00"))
	if got := h.fake.Calls(appID, wechat.GetUpstreamMsg.Name) - before; got != 1 {
		t.Errorf("after it came back and a restart: %d calls the next day, want 1", got)
	}
}

// TestAdRateLimitRetriedInMinutes: the ad API's ret 45009 means "too
// frequent" (not the daily quota): asked again in a minute, then two,
// backing off, not at the next Beijing midnight.
func TestAdRateLimitRetriedInMinutes(t *testing.T) {
	h := publisherHarness(t)
	release := h.fake.Inject(wechattest.Fault{AppID: appID, Endpoint: wechat.PublisherCPSGeneral.Name, Ret: wechat.CodeAdTooFrequent})
	h.runAt(beijing("2026-11-22 09:00"))
	calls := func() int { return h.fake.Calls(appID, wechat.PublisherCPSGeneral.Name) }
	if calls() != 1 {
		t.Fatalf("%d calls", calls())
	}
	h.runAt(beijing("2026-11-22 09:00").Add(59 * time.Second))
	h.runAt(beijing("2026-11-22 09:01"))
	if calls() != 2 {
		t.Errorf("%d calls after a minute, want 2", calls())
	}
	h.runAt(beijing("2026-11-22 09:02"))
	if calls() != 2 {
		t.Errorf("%d calls: the second wait must be longer", calls())
	}
	h.runAt(beijing("2026-11-22 09:03"))
	if calls() != 3 {
		t.Errorf("%d calls after two more minutes, want 3", calls())
	}
	release()
	h.runAt(beijing("2026-11-22 09:07"))
	if s := h.served(wechat.PublisherCPSGeneral); s == nil || !s.Status.OK {
		t.Errorf("not fetched once the rate limit passed: %+v", s)
	}
}

// countLines counts the lines of logs containing s.
// countLines counts the lines of logs above debug level (what an
// operator sees by default) that contain s.
func countLines(logs, s string) int {
	n := 0
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, s) && !strings.Contains(l, "level=debug") {
			n++
		}
	}
	return n
}
