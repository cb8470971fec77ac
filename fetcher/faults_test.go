package fetcher_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// metric returns the value of the series of name whose labels include
// want, summed over the series that match.
func (h *harness) metric(name string, want map[string]string) float64 {
	h.t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue series
				}
			}
			sum += m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return sum
}

// TestTransientFaultsKeepLastGoodData: each transient fault, lasting a
// while, is retried with backoff and counted by errcode (a timeout is not
// retried at once by the client: it waited out its timeout); the last
// good day stays served; the new day arrives once the fault ends.
func TestTransientFaultsKeepLastGoodData(t *testing.T) {
	faults := []struct {
		name  string
		fault wechattest.Fault
		code  string
	}{
		{"system busy", wechattest.Fault{Errcode: -1}, "-1"},
		{"bad gateway", wechattest.Fault{Status: 502}, "http_502"},
		{"unavailable", wechattest.Fault{Status: 503}, "http_503"},
		{"timeout", wechattest.Fault{Latency: 2 * time.Second}, "network"},
		{"connection reset", wechattest.Fault{Reset: true}, "network"},
		{"truncated body", wechattest.Fault{Truncate: true}, "decode"},
		{"proxy html page", wechattest.Fault{Body: wechattest.HTMLErrorPage}, "decode"},
		{"malformed json", wechattest.Fault{Body: wechattest.MalformedJSON}, "decode"},
	}
	for _, tt := range faults {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessWith(t, beijing("2026-11-21 09:00"), fetcher.Config{Lookback: 1}, []string{"acc"},
				func(h *harness) { h.timeout = 300 * time.Millisecond }, wechat.GetUserCumulate)
			h.runAt(beijing("2026-11-21 09:00"))
			good := h.served(wechat.GetUserCumulate)
			if good == nil || good.Date.String() != "2026-11-20" {
				t.Fatalf("first day not served: %+v", good)
			}
			tt.fault.Endpoint = "getusercumulate"
			release := h.fake.Inject(tt.fault)
			want := 2 // the client's bounded retries
			if tt.fault.Latency > 0 {
				want = 1
			}
			calls := h.runAt(beijing("2026-11-22 09:00"))
			if calls != want {
				t.Errorf("calls in one attempt = %d, want %d", calls, want)
			}
			if ep := h.served(wechat.GetUserCumulate); ep.Date != good.Date || len(ep.Rows) == 0 || ep.Status.OK {
				t.Errorf("during the fault: served %s (ok %v), want the last good day %s, failing", ep.Date, ep.Status.OK, good.Date)
			}
			if got := h.metric("wechat_api_request_failures_total", map[string]string{"endpoint": "getusercumulate", "errcode": tt.code}); got != float64(want) {
				t.Errorf("failures counted under %s: %v, want %d", tt.code, got, want)
			}
			if calls := h.runAt(beijing("2026-11-22 09:00").Add(50 * time.Second)); calls != 0 {
				t.Errorf("retried before the first backoff of a minute: %d calls", calls)
			}
			release()
			h.runAt(beijing("2026-11-22 09:01"))
			if ep := h.served(wechat.GetUserCumulate); ep.Date.String() != "2026-11-21" || !ep.Status.OK {
				t.Errorf("after the fault: served %s (ok %v)", ep.Date, ep.Status.OK)
			}
		})
	}
}

func TestTokenInvalidatedMidCycle(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 07:00"), fetcher.Config{Lookback: 1}, wechat.DatacubeEndpoints()...)
	h.runAt(beijing("2026-11-22 07:00")) // before the ready time: the day before yesterday
	// Another system resets the account's tokens while ours is still
	// cached: the next cycle's first calls are rejected, the token is
	// refreshed once, and the calls retried.
	h.fake.RevokeTokens(appID)
	h.runAt(beijing("2026-11-22 08:30"))
	for _, ep := range wechat.DatacubeEndpoints() {
		if s := h.served(ep); s == nil || !s.Status.OK {
			t.Errorf("%s: not fetched after the revocation: %+v", ep.Name, s)
		}
	}
	if got := h.metric("wechat_api_request_failures_total", map[string]string{"errcode": "40001"}); got < 1 {
		t.Errorf("the rejection was not counted")
	}
	if got := h.metric("wechat_access_token_refreshes_total", nil); got != 2 {
		t.Errorf("token refreshes = %v, want 2 (initial and one refresh)", got)
	}
}

func TestStableTokenEndpointDown(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, wechat.GetUserCumulate)
	release := h.fake.Inject(wechattest.Fault{Endpoint: "stable_token", Status: 503})
	if calls := h.runAt(beijing("2026-11-22 09:00")); calls != 0 {
		t.Errorf("datacube called without a token: %d", calls)
	}
	if got := h.metric("wechat_api_request_failures_total", map[string]string{"endpoint": "stable_token", "errcode": "http_503"}); got != 2 {
		t.Errorf("token endpoint failures = %v, want 2", got)
	}
	if ep := h.served(wechat.GetUserCumulate); ep == nil || ep.Status.OK {
		t.Errorf("not marked failing: %+v", ep)
	}
	release()
	h.runAt(beijing("2026-11-22 09:10"))
	if ep := h.served(wechat.GetUserCumulate); ep == nil || !ep.Status.OK {
		t.Errorf("not recovered: %+v", ep)
	}
}

// TestIPNotWhitelisted: 40164 from the token endpoint is permanent: a
// clear log line, a metric, and no retry before the next day.
func TestIPNotWhitelisted(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, wechat.GetUserCumulate)
	h.fake.Inject(wechattest.Fault{Endpoint: "stable_token", Errcode: 40164})
	h.runAt(beijing("2026-11-22 09:00"))
	h.runAt(beijing("2026-11-22 15:00"))
	if got := h.fake.Calls(appID, "stable_token"); got != 1 {
		t.Errorf("token calls = %d, want 1 (permanent: no retry today)", got)
	}
	if got := h.metric("wechat_api_request_failures_total", map[string]string{"endpoint": "stable_token", "errcode": "40164"}); got != 1 {
		t.Errorf("40164 counted %v times", got)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "errcode 40164") || !strings.Contains(logs, "not in whitelist") || !strings.Contains(logs, "add it to the IP whitelist") {
		t.Errorf("log does not explain the failure:\n%s", logs)
	}
	h.runAt(beijing("2026-11-23 08:30"))
	if got := h.fake.Calls(appID, "stable_token"); got != 2 {
		t.Errorf("not tried again the next day: %d token calls", got)
	}
}

func TestNotReadyForHours(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 08:30"), fetcher.Config{Lookback: 1}, wechat.GetUserSummary)
	release := h.fake.Inject(wechattest.Fault{Endpoint: "getusersummary", Errcode: wechat.CodeNotReady})
	calls := 0
	at := beijing("2026-11-22 08:30")
	for ; at.Before(beijing("2026-11-22 13:30")); at = at.Add(time.Minute) {
		calls += h.runAt(at)
	}
	if calls != 30 {
		t.Errorf("5 hours of 61503: %d calls, want 30 (one per retry interval)", calls)
	}
	release()
	for ; at.Before(beijing("2026-11-22 13:41")); at = at.Add(time.Minute) {
		h.runAt(at)
	}
	if ep := h.served(wechat.GetUserSummary); ep == nil || ep.Date.String() != "2026-11-21" || !ep.Status.OK {
		t.Errorf("data did not appear when ready: %+v", ep)
	}
}

func TestUnauthorizedEndpointIsolated(t *testing.T) {
	h := newHarnessWith(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, []string{"acc", "other"}, nil,
		wechat.GetUserCumulate, wechat.GetInterfaceSummary, wechat.GetUpstreamMsg)
	h.fake.Inject(wechattest.Fault{AppID: appID, Endpoint: "getinterfacesummary", Errcode: wechat.CodeUnauthorized})
	h.runAt(beijing("2026-11-22 09:00"))
	for _, acc := range []string{"acc", "other"} {
		for _, ep := range []wechat.Endpoint{wechat.GetUserCumulate, wechat.GetInterfaceSummary, wechat.GetUpstreamMsg} {
			s := h.servedFor(acc, ep)
			wantOK := !(acc == "acc" && ep == wechat.GetInterfaceSummary)
			if s == nil || s.Status.OK != wantOK {
				t.Errorf("%s/%s: %+v, want ok=%v", acc, ep.Name, s, wantOK)
			}
		}
	}
}

// TestOutageOfThreeDays: WeChat unreachable for three days, then back:
// every missing day is fetched with the fewest calls, and nothing stored
// before is lost.
func TestOutageOfThreeDays(t *testing.T) {
	h := newHarness(t, beijing("2026-11-18 09:00"), fetcher.Config{Lookback: 7}, wechat.GetUserSummary, wechat.GetUserReadHour)
	h.runAt(beijing("2026-11-18 09:00"))
	before := strings.Join(h.stored(wechat.GetUserSummary), ",")
	release := h.fake.Inject(wechattest.Fault{Reset: true})
	for at := beijing("2026-11-19 09:00"); at.Before(beijing("2026-11-21 23:00")); at = at.Add(10 * time.Minute) {
		h.runAt(at)
	}
	release()
	h.fake.ResetCalls()
	h.runAt(beijing("2026-11-22 09:00"))
	// Missing: 11-18..11-21. getusersummary: one call (span 7); hourly: four.
	if got := h.fake.Calls(appID, "getusersummary"); got != 1 {
		t.Errorf("getusersummary catch-up calls = %d, want 1", got)
	}
	if got := h.fake.Calls(appID, "getuserreadhour"); got != 4 {
		t.Errorf("getuserreadhour catch-up calls = %d, want 4", got)
	}
	after := strings.Join(h.stored(wechat.GetUserSummary), ",")
	if !strings.HasPrefix(after, before) || len(h.stored(wechat.GetUserSummary)) != strings.Count(before, ",")+1+4 {
		t.Errorf("stored before %s\nafter %s", before, after)
	}
}

// failingStore fails writes while broken is set, as a full disk does.
type failingStore struct {
	fetcher.Store
	mu     sync.Mutex
	broken bool
}

func (s *failingStore) Put(account, endpoint string, days []store.Day) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken {
		return errors.New("write wechat-exporter.db: no space left on device")
	}
	return s.Store.Put(account, endpoint, days)
}

func (s *failingStore) set(broken bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broken = broken
}

func TestStoreWriteFailure(t *testing.T) {
	fs := &failingStore{}
	h := newHarnessWith(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, []string{"acc"},
		func(h *harness) { h.wrap = func(s fetcher.Store) fetcher.Store { fs.Store = s; return fs } }, wechat.GetUserCumulate)
	fs.set(true)
	if calls := h.runAt(beijing("2026-11-22 09:00")); calls != 1 {
		t.Fatalf("calls = %d", calls)
	}
	if ep := h.served(wechat.GetUserCumulate); ep == nil || ep.Date.String() != "2026-11-21" || len(ep.Rows) == 0 {
		t.Errorf("fetched data not served from memory: %+v", ep)
	}
	if got := h.metric("wechat_store_write_failures_total", nil); got != 1 {
		t.Errorf("store write failures = %v", got)
	}
	if !strings.Contains(h.logs.String(), "no space left on device") {
		t.Errorf("the cause is not logged:\n%s", h.logs.String())
	}
	h.runAt(beijing("2026-11-22 09:10")) // still broken: no new call, write tried again
	fs.set(false)
	if calls := h.runAt(beijing("2026-11-22 09:20")); calls != 0 {
		t.Errorf("data fetched again instead of written from memory: %d calls", calls)
	}
	if got := h.stored(wechat.GetUserCumulate); len(got) != 1 || got[0] != "2026-11-21" {
		t.Errorf("stored %v once the disk was back", got)
	}
	if ep := h.served(wechat.GetUserCumulate); !ep.Status.OK {
		t.Errorf("not healthy after the disk came back: %+v", ep)
	}
}

// TestTenAccountsOneWrongSecret: nine accounts are served; the tenth is
// visibly failing.
func TestTenAccountsOneWrongSecret(t *testing.T) {
	names := []string{"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "bad"}
	h := newHarnessWith(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, names,
		func(h *harness) { h.secrets["bad"] = "not-the-secret" }, wechat.GetUserCumulate, wechat.GetUpstreamMsg)
	h.clock.Set(beijing("2026-11-22 09:00"))
	h.fetcher.RunOnce(t.Context())
	for _, n := range names {
		for _, ep := range []wechat.Endpoint{wechat.GetUserCumulate, wechat.GetUpstreamMsg} {
			s := h.servedFor(n, ep)
			if n == "bad" {
				if s == nil || s.Status.OK || len(s.Rows) != 0 {
					t.Errorf("bad/%s: %+v, want failing with no data", ep.Name, s)
				}
				continue
			}
			if s == nil || !s.Status.OK || len(s.Rows) == 0 {
				t.Errorf("%s/%s: %+v", n, ep.Name, s)
			}
		}
	}
	if got := h.metric("wechat_datacube_last_fetch_success", map[string]string{"account": "bad"}); got != 0 {
		t.Errorf("bad account's success = %v", got)
	}
	if got := h.metric("wechat_api_request_failures_total", map[string]string{"account": "bad", "endpoint": "stable_token", "errcode": "40125"}); got == 0 {
		t.Error("the wrong secret is not visible in wechat_api_request_failures_total")
	}
	if n := h.fake.DatacubeCalls("wx-bad"); n != 0 {
		t.Errorf("datacube called without a token: %d", n)
	}
}

// TestOddAnswerStoredAndCounted: an answer with a negative count, a row of
// a day not asked for and a duplicate row is WeChat's answer for the day
// all the same: stored as final (a restart asks nothing), served without
// the odd figure's series, each oddity counted, and said once in the log
// (at debug level for a figure), however often it comes again.
func TestOddAnswerStoredAndCounted(t *testing.T) {
	h := newHarness(t, beijing("2026-11-21 09:00"), fetcher.Config{Lookback: 1}, wechat.GetUserCumulate, wechat.GetUserSummary)
	h.runAt(beijing("2026-11-21 09:00"))
	odd := h.fake.Inject(wechattest.Fault{Endpoint: wechat.GetUserCumulate.Name,
		Body: `{"list":[{"ref_date":"2026-11-21","cumulate_user":-40}]}`})
	dup := h.fake.Inject(wechattest.Fault{Endpoint: wechat.GetUserSummary.Name,
		Body: `{"list":[{"ref_date":"2026-11-21","user_source":0,"new_user":3,"cancel_user":1},{"ref_date":"2026-11-21","user_source":0,"new_user":4,"cancel_user":2},{"ref_date":"2026-11-15","user_source":0,"new_user":9,"cancel_user":9}]}`})
	h.runAt(beijing("2026-11-22 09:00"))
	// getusersummary stores the week before 11-20 too: its baseline.
	wantStored := map[string]string{
		wechat.GetUserCumulate.Name: "2026-11-20,2026-11-21",
		wechat.GetUserSummary.Name:  "2026-11-13,2026-11-14,2026-11-15,2026-11-16,2026-11-17,2026-11-18,2026-11-19,2026-11-20,2026-11-21",
	}
	for _, ep := range []wechat.Endpoint{wechat.GetUserCumulate, wechat.GetUserSummary} {
		if got := strings.Join(h.stored(ep), ","); got != wantStored[ep.Name] {
			t.Errorf("%s: stored %v", ep.Name, got)
		}
		if s := h.served(ep); s == nil || s.Date.String() != "2026-11-21" || !s.Status.OK {
			t.Errorf("%s: served %+v, want the odd day, fetched", ep.Name, s)
		}
	}
	text := gatherText(t, h.state)
	if strings.Contains(text, "wechat_user_followers{") {
		t.Error("a negative cumulate_user is served")
	}
	if got := h.metric("wechat_user_follows", map[string]string{"account": "acc", "source": "other"}); got != 4 {
		t.Errorf("wechat_user_follows = %v: the last of the duplicate rows (4) is not the one served", got)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
	}{
		{"wechat_datacube_fields_missing_total", map[string]string{"account": "acc", "endpoint": "getusercumulate", "field": "cumulate_user", "reason": "negative"}},
		{"wechat_datacube_rows_skipped_total", map[string]string{"account": "acc", "endpoint": "getusersummary", "reason": "duplicate"}},
		{"wechat_datacube_rows_skipped_total", map[string]string{"account": "acc", "endpoint": "getusersummary", "reason": "out_of_range"}},
	} {
		if got := h.metric(c.name, c.labels); got != 1 {
			t.Errorf("%s%v = %v, want 1", c.name, c.labels, got)
		}
	}
	if got := h.metric("wechat_api_request_failures_total", map[string]string{"endpoint": "getusercumulate", "errcode": "decode"}); got != 0 {
		t.Errorf("the odd answer counted as %v failed requests", got)
	}
	// The same oddity the next day: counted again, not logged again.
	odd()
	dup()
	h.fake.Inject(wechattest.Fault{Endpoint: wechat.GetUserCumulate.Name, Body: `{"list":[{"ref_date":"2026-11-22","cumulate_user":-41}]}`})
	h.runAt(beijing("2026-11-23 09:00"))
	if got := h.metric("wechat_datacube_fields_missing_total", map[string]string{"account": "acc", "endpoint": "getusercumulate", "field": "cumulate_user", "reason": "negative"}); got != 2 {
		t.Errorf("cumulate_user negative counted %v times, want 2", got)
	}
	logs := h.logs.String()
	for _, want := range []string{"endpoint=getusercumulate field=cumulate_user reason=negative", "endpoint=getusersummary reason=duplicate", "endpoint=getusersummary reason=out_of_range"} {
		if n := strings.Count(logs, want); n != 1 {
			t.Errorf("%q logged %d times, want once:\n%s", want, n, logs)
		}
	}
	h.store.Close()
	h.open()
	if calls := h.runAt(beijing("2026-11-23 09:10")); calls != 0 {
		t.Errorf("%d calls after a restart: the odd days were not final", calls)
	}
}

// TestRowsPerDayBounded: an answer of far more rows than any account has
// is cut to fetcher.MaxRowsPerDay for the day, counted and logged once.
func TestRowsPerDayBounded(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, wechat.GetUserSummary)
	var b strings.Builder
	b.WriteString(`{"list":[`)
	for i := 0; i < fetcher.MaxRowsPerDay+2345; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"ref_date":"2026-11-21","user_source":%d,"new_user":1,"cancel_user":0}`, 1000+i)
	}
	b.WriteString(`]}`)
	h.fake.Inject(wechattest.Fault{Endpoint: wechat.GetUserSummary.Name, Body: b.String()})
	h.runAt(beijing("2026-11-22 09:00"))
	days, err := h.store.Range("acc", wechat.GetUserSummary.Name, wechat.MustParseDate("2026-11-21"), wechat.MustParseDate("2026-11-21"))
	if err != nil || len(days) != 1 {
		t.Fatalf("%d days, %v", len(days), err)
	}
	rows, err := wechat.DecodeDay(wechat.GetUserSummary, days[0].Date, days[0].Rows)
	if err != nil || len(rows) != fetcher.MaxRowsPerDay {
		t.Errorf("%d rows stored (%v), want %d", len(rows), err, fetcher.MaxRowsPerDay)
	}
	if got := h.metric("wechat_fetch_rows_dropped_total", map[string]string{"account": "acc", "endpoint": "getusersummary"}); got != 2345 {
		t.Errorf("wechat_fetch_rows_dropped_total = %v, want 2345", got)
	}
	h.runAt(beijing("2026-11-22 09:30")) // nothing due: no second line
	if n := strings.Count(h.logs.String(), "rows beyond"); n != 1 {
		t.Errorf("%d log lines about the cut, want 1", n)
	}
}

// TestStoreKeepsRowsAsSent: a field this version does not know is kept in
// the store with the rest of the row, as WeChat sent it, so that a later
// version can export it from stored history without fetching again.
func TestStoreKeepsRowsAsSent(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, wechat.GetUserCumulate)
	h.fake.Inject(wechattest.Fault{Endpoint: wechat.GetUserCumulate.Name,
		Body: `{"list":[{"ref_date":"2026-11-21","cumulate_user":1234,"user_source":0,"new_figure_2027":{"a":[1,2]}}]}`})
	h.runAt(beijing("2026-11-22 09:00"))
	days, err := h.store.Range("acc", wechat.GetUserCumulate.Name, wechat.MustParseDate("2026-11-21"), wechat.MustParseDate("2026-11-21"))
	if err != nil || len(days) != 1 {
		t.Fatalf("%d days, %v", len(days), err)
	}
	if got, want := string(days[0].Rows), `[{"ref_date":"2026-11-21","cumulate_user":1234,"user_source":0,"new_figure_2027":{"a":[1,2]}}]`; got != want {
		t.Errorf("stored %s\nwant     %s", got, want)
	}
}

// TestWrongSecretLogsOncePerAccount: WeChat refusing an account's
// credentials is one problem of the account, not one of each endpoint: one
// line per account says so (naming what to fix), however many endpoints
// it has and however often they are asked again that day.
func TestWrongSecretLogsOncePerAccount(t *testing.T) {
	names := []string{"good", "bad1", "bad2"}
	h := newHarnessWith(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 3}, names,
		func(h *harness) { h.secrets["bad1"], h.secrets["bad2"] = "not-the-secret", "not-the-secret" }, append(wechat.DatacubeEndpoints(), wechat.APIQuota)...)
	for _, at := range []string{"2026-11-22 09:00", "2026-11-22 09:30", "2026-11-22 12:00", "2026-11-22 18:00"} {
		h.clock.Set(beijing(at))
		h.fetcher.RunOnce(t.Context())
	}
	logs := h.logs.String()
	for _, n := range []string{"bad1", "bad2"} {
		var lines []string
		for _, l := range strings.Split(logs, "\n") {
			if strings.Contains(l, "account="+n+" ") && (strings.Contains(l, "level=error") || strings.Contains(l, "level=warn")) {
				lines = append(lines, l)
			}
		}
		if len(lines) != 1 || !strings.Contains(lines[0], "40125") || !strings.Contains(lines[0], "AppSecret") {
			t.Errorf("%s: %d lines at warn or error, want one naming 40125 and the AppSecret:\n%s", n, len(lines), strings.Join(lines, "\n"))
		}
	}
	if s := h.servedFor("good", wechat.GetUserCumulate); s == nil || !s.Status.OK {
		t.Errorf("good: %+v", s)
	}
	// Nor does each endpoint ask the token endpoint again for the refusal
	// it has just had: one call, and its answer is every endpoint's.
	for _, n := range []string{"bad1", "bad2"} {
		if got := h.fake.Calls(h.appID(n), "stable_token"); got != 1 {
			t.Errorf("%s: %d stable_token calls, want 1", n, got)
		}
	}
}
