package wechat_test

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

func TestDateBeijingBoundaries(t *testing.T) {
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 21, 15, 59, 59, 0, time.UTC), "2026-11-21"}, // 23:59:59 Beijing
		{time.Date(2026, 11, 21, 16, 0, 0, 0, time.UTC), "2026-11-22"},   // 00:00 Beijing
		{time.Date(2026, 11, 22, 0, 30, 0, 0, time.FixedZone("PST", -8*3600)), "2026-11-22"},
		{time.Date(1969, 12, 31, 15, 0, 0, 0, time.UTC), "1969-12-31"},
		{time.Date(1969, 12, 31, 16, 0, 0, 0, time.UTC), "1970-01-01"},
	}
	for _, tt := range tests {
		if got := wechat.DateOf(tt.at).String(); got != tt.want {
			t.Errorf("DateOf(%v) = %s, want %s", tt.at, got, tt.want)
		}
	}
	d := day("2026-11-22")
	if got := d.Start(); !got.Equal(time.Date(2026, 11, 21, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("Start = %v", got)
	}
}

func TestParseDateRejects(t *testing.T) {
	for _, s := range []string{"", "2024-1-01", "2024/01/01", "2024-02-30", "20240101", "2024-01-01 ", "abcd-ef-gh"} {
		if _, err := wechat.ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
}

func TestPeriodLabels(t *testing.T) {
	tests := []struct {
		ep               wechat.Endpoint
		today, latest    string
		from, to         string
		wantLabelsInSpan []string
	}{
		{wechat.GetUserSummary, "2026-11-22", "2026-11-21", "2026-11-20", "2026-11-21", []string{"2026-11-20", "2026-11-21"}},
		// 2026-11-22 is a Sunday: the last complete week began Monday 11-09.
		{wechat.GetUpstreamMsgWeek, "2026-11-22", "2026-11-09", "2026-11-01", "2026-11-17", []string{"2026-11-02", "2026-11-09", "2026-11-16"}},
		{wechat.GetUpstreamMsgWeek, "2026-11-23", "2026-11-16", "2026-11-16", "2026-11-16", []string{"2026-11-16"}},
		{wechat.GetUpstreamMsgMonth, "2026-11-22", "2026-10-01", "2026-09-15", "2026-11-01", []string{"2026-10-01", "2026-11-01"}},
		{wechat.GetUpstreamMsgDistMonth, "2026-12-01", "2026-11-01", "2026-01-01", "2026-01-31", []string{"2026-01-01"}},
	}
	for _, tt := range tests {
		if got := tt.ep.LatestComplete(day(tt.today)).String(); got != tt.latest {
			t.Errorf("%s LatestComplete(%s) = %s, want %s", tt.ep.Name, tt.today, got, tt.latest)
		}
		var got []string
		for _, d := range tt.ep.Labels(day(tt.from), day(tt.to)) {
			got = append(got, d.String())
		}
		if !reflect.DeepEqual(got, tt.wantLabelsInSpan) {
			t.Errorf("%s Labels(%s, %s) = %v, want %v", tt.ep.Name, tt.from, tt.to, got, tt.wantLabelsInSpan)
		}
	}
}

// minimumRequests is the fewest requests that can cover [from, to].
func minimumRequests(ep wechat.Endpoint, from, to wechat.Date) int {
	if ep.Period != wechat.Daily {
		return len(ep.Labels(from, to))
	}
	days := int(to-from) + 1
	return (days + ep.MaxSpan - 1) / ep.MaxSpan
}

// TestSplitRangeCoversExactlyOnce checks, for every endpoint and random
// ranges, that the requests cover each wanted day (or period label) exactly
// once, fit the span, and are as few as possible.
func TestSplitRangeCoversExactlyOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, ep := range wechat.Endpoints() {
		for i := 0; i < 300; i++ {
			from := day("2015-01-01").AddDays(r.IntN(3000))
			to := from.AddDays(r.IntN(120))
			reqs := wechat.SplitRange(ep, from, to)
			covered := map[wechat.Date]int{}
			for _, q := range reqs {
				if q.Begin > q.End || q.Days() > ep.MaxSpan {
					t.Fatalf("%s: request %s does not fit span %d", ep.Name, q, ep.MaxSpan)
				}
				if ep.Period != wechat.Daily && (q.Begin != q.End || !ep.IsLabel(q.Begin)) {
					t.Fatalf("%s: request %s is not one period label", ep.Name, q)
				}
				for d := q.Begin; d <= q.End; d++ {
					covered[d]++
				}
			}
			for _, d := range ep.Labels(from, to) {
				if covered[d] != 1 {
					t.Fatalf("%s [%s, %s]: %s covered %d times", ep.Name, from, to, d, covered[d])
				}
			}
			for d, n := range covered {
				if d < from || d > to || n != 1 {
					t.Fatalf("%s [%s, %s]: %s outside or repeated", ep.Name, from, to, d)
				}
			}
			if want := minimumRequests(ep, from, to); len(reqs) != want {
				t.Fatalf("%s [%s, %s]: %d requests, minimum %d", ep.Name, from, to, len(reqs), want)
			}
		}
	}
}

func TestSplitDatesSkipsHeldDays(t *testing.T) {
	// Wanted: 01..03 and 10..20 of January; 04..09 are already held.
	var dates []wechat.Date
	for d := day("2026-01-01"); d <= day("2026-01-20"); d++ {
		if d < day("2026-01-04") || d > day("2026-01-09") {
			dates = append(dates, d)
		}
	}
	got := wechat.SplitDates(wechat.GetUserSummary, dates)
	want := []wechat.Range{
		{Begin: day("2026-01-01"), End: day("2026-01-03")},
		{Begin: day("2026-01-10"), End: day("2026-01-16")},
		{Begin: day("2026-01-17"), End: day("2026-01-20")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SplitDates = %v, want %v", got, want)
	}
}

// TestFakeAcceptsEveryPlannedRequest sends random planned ranges of every
// endpoint to the fake, which validates them as WeChat does.
func TestFakeAcceptsEveryPlannedRequest(t *testing.T) {
	e := newEnv(t, nil)
	r := rand.New(rand.NewPCG(3, 4))
	for _, ep := range wechat.Endpoints() {
		for i := 0; i < 3; i++ {
			to := yesterday().AddDays(-r.IntN(400))
			from := to.AddDays(-r.IntN(40))
			if to < ep.FirstDate() {
				continue
			}
			from = max(from, ep.FirstDate())
			for _, q := range wechat.SplitRange(ep, from, min(to, ep.LatestComplete(wechat.Today(now)))) {
				if _, err := fetchAll(ctx(t), e.client, ep, q); err != nil {
					t.Fatalf("%s %s: %v", ep.Name, q, err)
				}
			}
		}
	}
}

// TestClientMatchesFakeForEveryEndpoint fetches the newest complete
// period of every endpoint of past days (the live ones are tested apart:
// TestUserCountFromFake) in one call each, and compares the rows, their
// types included, with the fake's own.
func TestClientMatchesFakeForEveryEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	tested := 0
	for _, ep := range wechat.Endpoints() {
		if ep.Period == wechat.Live {
			continue
		}
		tested++
		label := ep.LatestComplete(wechat.Today(now))
		got, err := fetchAll(ctx(t), e.client, ep, wechat.Range{Begin: label, End: label})
		if err != nil {
			t.Fatalf("%s: %v", ep.Name, err)
		}
		want := e.fake.Rows(appID, ep.Name, label)
		if len(want) == 0 || len(got) != len(want) {
			t.Fatalf("%s: %d rows, fake has %d", ep.Name, len(got), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("%s row %d: got %T %+v, want %T %+v", ep.Name, i, got[i], got[i], want[i], want[i])
			}
		}
		if n := e.fake.Calls(appID, ep.Name); n != 1 {
			t.Errorf("%s: %d calls, want 1", ep.Name, n)
		}
	}
	if tested < len(wechat.DatacubeEndpoints())+len(wechat.PublisherEndpoints()) {
		t.Fatalf("only %d endpoints tested", tested)
	}
	if n := e.fake.Calls(appID, "stable_token"); n != 1 {
		t.Errorf("stable_token called %d times for %d requests, want 1", n, tested)
	}
}

func TestRangeRefusedBeforeAnyCall(t *testing.T) {
	e := newEnv(t, nil)
	tests := []wechat.Range{
		{Begin: day("2026-01-08"), End: day("2026-01-01")},
		{Begin: day("2026-01-01"), End: day("2026-01-08")}, // 8 days > 7
		{Begin: day("2014-11-30"), End: day("2014-11-30")},
	}
	for _, r := range tests {
		_, err := fetchRows[wechat.UserSummary](ctx(t), e.client, wechat.GetUserSummary, r)
		var re *wechat.RangeError
		if !errors.As(err, &re) {
			t.Errorf("%s: err = %v, want RangeError", r, err)
		}
	}
	if n := e.fake.Calls("", ""); n != 0 {
		t.Errorf("%d calls made for invalid ranges", n)
	}
}
