package fetcher_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestLiveEndpointHourly: user_get is asked at once (before the ready time
// too: it is not a past day's data), then once per live interval; its row
// is today's, overwritten by each answer, and served at once.
func TestLiveEndpointHourly(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 06:00"), fetcher.Config{Lookback: 1, LiveInterval: time.Hour}, wechat.GetUserCount)
	calls := func() int { return h.fake.Calls(appID, wechat.GetUserCount.Name) }
	h.runAt(beijing("2026-11-22 06:00"))
	if calls() != 1 {
		t.Fatalf("%d calls at start, want 1", calls())
	}
	s := h.served(wechat.GetUserCount)
	if s == nil || s.Date.String() != "2026-11-22" || len(s.Rows) != 1 || !s.Status.OK {
		t.Fatalf("served %+v, want today's count", s)
	}
	first := s.Rows[0].(wechat.UserCount).Total.Or(-1)
	for _, at := range []string{"2026-11-22 06:10", "2026-11-22 06:59"} {
		h.runAt(beijing(at))
	}
	if calls() != 1 {
		t.Errorf("%d calls within the hour, want 1", calls())
	}
	for _, at := range []string{"2026-11-22 07:00", "2026-11-22 08:00", "2026-11-22 12:00"} {
		h.runAt(beijing(at))
	}
	if calls() != 4 {
		t.Errorf("%d calls after three hours, want 4", calls())
	}
	if got := strings.Join(h.stored(wechat.GetUserCount), ","); got != "2026-11-22" {
		t.Errorf("stored days %s, want today's only", got)
	}
	if now := h.served(wechat.GetUserCount).Rows[0].(wechat.UserCount).Total.Or(-1); now <= first {
		t.Errorf("served %d at noon, %d at 06:00: not the newest answer", now, first)
	}
	h.runAt(beijing("2026-11-23 00:30"))
	if s := h.served(wechat.GetUserCount); s.Date.String() != "2026-11-23" {
		t.Errorf("after midnight the count is served as of %s", s.Date)
	}
}
