package fetcher_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/exposition"
	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/internal/servedtest"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// beijing returns a time on the Beijing wall clock.
func beijing(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, wechat.Beijing)
	if err != nil {
		panic(err)
	}
	return t
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness runs a fetcher against the fake on one fake clock.
type harness struct {
	t        *testing.T
	fake     *wechattest.Server
	clock    *wechattest.Clock
	dir      string
	store    *store.Store
	state    *served.State
	fetcher  *fetcher.Fetcher
	logs     *syncBuffer
	cfg      fetcher.Config
	eps      []wechat.Endpoint
	epsOf    map[string][]wechat.Endpoint // an account's own endpoints, instead of eps
	accounts []string                     // account names; the first is "acc" (appID) unless set
	secrets  map[string]string            // account -> secret the client uses (default: the right one)
	appIDs   map[string]string            // account -> AppID, when not the default
	reg      *prometheus.Registry
	wrap     func(fetcher.Store) fetcher.Store
	clients  map[string]*wechat.Client // the accounts' clients, as the last open made them
	timeout  time.Duration
	// renderCache opens with the render cache and LoadCold; rest is
	// what LoadCold left to decode.
	renderCache bool
	rest        func(context.Context) error
}

const appID = "wxharness00000001"

func newHarness(t *testing.T, start time.Time, cfg fetcher.Config, eps ...wechat.Endpoint) *harness {
	t.Helper()
	return newHarnessWith(t, start, cfg, []string{"acc"}, nil, eps...)
}

// newHarnessWith starts the fake with the named accounts; setup may change
// the harness before the first open.
func newHarnessWith(t *testing.T, start time.Time, cfg fetcher.Config, accounts []string, setup func(*harness), eps ...wechat.Endpoint) *harness {
	t.Helper()
	h := &harness{t: t, fake: wechattest.NewServer(), clock: wechattest.NewClock(start), dir: t.TempDir(), logs: &syncBuffer{},
		cfg: cfg, eps: eps, accounts: accounts, secrets: map[string]string{}}
	t.Cleanup(h.fake.Close)
	h.fake.SetClock(h.clock.Now)
	for _, a := range accounts {
		h.fake.AddAccount(wechattest.Account{AppID: h.appID(a), Secret: "harness-secret-" + a})
	}
	if setup != nil {
		setup(h)
	}
	h.open()
	return h
}

func (h *harness) appID(account string) string {
	if id, ok := h.appIDs[account]; ok {
		return id
	}
	if account == "acc" {
		return appID
	}
	return "wx-" + account
}

// open (re)creates the store, state and fetcher, as a process start does.
func (h *harness) open() {
	h.t.Helper()
	st, err := store.Open(h.dir)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { st.Close() })
	h.store = st
	h.reg = prometheus.NewRegistry()
	api := collector.NewAPIMetrics(h.reg)
	names := map[string]string{}
	var accounts []fetcher.Account
	h.clients = map[string]*wechat.Client{}
	for _, a := range h.accounts {
		secret := h.secrets[a]
		if secret == "" {
			secret = "harness-secret-" + a
		}
		timeout := h.timeout
		if timeout == 0 {
			timeout = 5 * time.Second
		}
		client, err := wechat.New(wechat.NewStableToken(h.appID(a), secret), wechat.WithBaseURL(h.fake.URL),
			wechat.WithClock(h.clock.Now), wechat.WithObserver(api.For(a)), wechat.WithHTTPClient(&http.Client{Timeout: timeout}),
			wechat.WithRetry(wechat.RetryPolicy{Attempts: 2, Initial: time.Millisecond, Max: time.Millisecond}))
		if err != nil {
			h.t.Fatal(err)
		}
		names[a] = h.appID(a)
		h.clients[a] = client
		eps := h.eps
		if own, ok := h.epsOf[a]; ok {
			eps = own
		}
		accounts = append(accounts, fetcher.Account{Name: a, AppID: h.appID(a), Client: client, Endpoints: eps})
	}
	h.state = served.NewState(names)
	coll := collector.New(h.state)
	h.reg.MustRegister(coll)
	cfg := h.cfg
	if h.renderCache {
		cfg.RenderCache = exposition.New(h.state, coll)
	}
	cfg.Now = h.clock.Now
	cfg.Logger = log.NewLogfmtLogger(h.logs)
	if cfg.RetryInterval == 0 {
		cfg.RetryInterval = 10 * time.Minute
	}
	if cfg.ReadyTime == 0 {
		cfg.ReadyTime = fetcher.DefaultReadyTime
	}
	if cfg.Lookback == 0 {
		cfg.Lookback = 7
	}
	if cfg.EmptyGrace == 0 {
		cfg.EmptyGrace = fetcher.DefaultEmptyGrace
	}
	var fs fetcher.Store = st
	if h.wrap != nil {
		fs = h.wrap(st)
	}
	h.fetcher = fetcher.New(cfg, fs, h.state, accounts, h.reg)
	if h.renderCache {
		_, rest, err := h.fetcher.LoadCold(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		h.rest = rest
		return
	}
	if err := servedtest.LoadAll(h.fetcher); err != nil {
		h.t.Fatal(err)
	}
}

// runAt runs the due work at t and returns the datacube calls it made.
func (h *harness) runAt(t time.Time) int {
	h.clock.Set(t)
	before := h.fake.DatacubeCalls(appID)
	h.fetcher.RunOnce(context.Background())
	return h.fake.DatacubeCalls(appID) - before
}

func (h *harness) stored(ep wechat.Endpoint) []string { return h.storedFor("acc", ep) }

func (h *harness) storedFor(account string, ep wechat.Endpoint) []string {
	h.t.Helper()
	ds, err := h.store.Dates(account, ep.Name, 0, wechat.MustParseDate("2100-01-01"))
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

func (h *harness) served(ep wechat.Endpoint) *served.Endpoint { return h.servedFor("acc", ep) }

func (h *harness) servedFor(account string, ep wechat.Endpoint) *served.Endpoint {
	for _, a := range h.state.Load().Accounts() {
		if a.Name == account {
			return a.Endpoints[ep.Name]
		}
	}
	return nil
}

func TestReadyTimeAndLookback(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 07:00"), fetcher.Config{Lookback: 3}, wechat.GetUserCumulate)
	// Before 08:30 only up to the day before yesterday: 11-18..11-20 in one call (span 7).
	if calls := h.runAt(beijing("2026-11-22 07:00")); calls != 1 {
		t.Errorf("calls before ready time = %d, want 1", calls)
	}
	if got := strings.Join(h.stored(wechat.GetUserCumulate), ","); got != "2026-11-18,2026-11-19,2026-11-20" {
		t.Errorf("stored %s", got)
	}
	if calls := h.runAt(beijing("2026-11-22 08:29")); calls != 0 {
		t.Errorf("calls before ready time = %d, want 0", calls)
	}
	if calls := h.runAt(beijing("2026-11-22 08:30")); calls != 1 {
		t.Errorf("calls at ready time = %d, want 1", calls)
	}
	if ep := h.served(wechat.GetUserCumulate); ep == nil || ep.Date.String() != "2026-11-21" || len(ep.Rows) == 0 || !ep.Status.OK {
		t.Fatalf("served %+v, want 2026-11-21", ep)
	}
	// Nothing more until the next day's ready time.
	for _, at := range []string{"2026-11-22 12:00", "2026-11-23 00:10", "2026-11-23 08:29"} {
		if calls := h.runAt(beijing(at)); calls != 0 {
			t.Errorf("%s: %d calls, want 0", at, calls)
		}
	}
	if calls := h.runAt(beijing("2026-11-23 08:31")); calls != 1 {
		t.Errorf("next day: %d calls, want 1", calls)
	}
}

// TestGapFillWithMinimalCalls: days already stored cost nothing, and the
// missing ones are fetched with the fewest calls the spans allow.
func TestGapFillWithMinimalCalls(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 30}, wechat.GetUserSummary, wechat.GetUserReadHour, wechat.GetInterfaceSummary)
	// Pretend 11-08..11-12 were fetched earlier.
	var held []store.Day
	for d := wechat.MustParseDate("2026-11-08"); d <= wechat.MustParseDate("2026-11-12"); d++ {
		held = append(held, store.Day{Date: d, FetchedOn: d + 1, Rows: []byte("[]")})
	}
	for _, ep := range []wechat.Endpoint{wechat.GetUserSummary, wechat.GetUserReadHour, wechat.GetInterfaceSummary} {
		if err := h.store.Put("acc", ep.Name, held); err != nil {
			t.Fatal(err)
		}
	}
	h.runAt(beijing("2026-11-22 09:00"))
	// Wanted 10-23..11-21 (30 days) minus 5 held = 16 + 9 days.
	want := map[string]int{
		"getusersummary":      3 + 2, // 16 days / 7, then 9 days / 7
		"getuserreadhour":     25,    // span 1
		"getinterfacesummary": 2,     // span 30: one call per gap
	}
	for ep, n := range want {
		if got := h.fake.Calls(appID, ep); got != n {
			t.Errorf("%s: %d calls, want %d", ep, got, n)
		}
	}
	if got := len(h.stored(wechat.GetUserReadHour)); got != 30 {
		t.Errorf("stored %d days, want 30", got)
	}
}

func TestNotReadyRetriedEveryInterval(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 08:30"), fetcher.Config{Lookback: 1}, wechat.GetUserCumulate)
	release := h.fake.Inject(wechattest.Fault{Endpoint: "getusercumulate", Errcode: wechat.CodeNotReady})
	if calls := h.runAt(beijing("2026-11-22 08:30")); calls != 1 {
		t.Fatalf("first attempt: %d calls", calls)
	}
	if ep := h.served(wechat.GetUserCumulate); ep == nil || ep.Status.OK {
		t.Errorf("status after 61503: %+v, want failing", ep)
	}
	if calls := h.runAt(beijing("2026-11-22 08:39")); calls != 0 {
		t.Errorf("retried before the interval: %d calls", calls)
	}
	if calls := h.runAt(beijing("2026-11-22 08:40")); calls != 1 {
		t.Errorf("not retried after the interval: %d calls", calls)
	}
	release()
	if calls := h.runAt(beijing("2026-11-22 08:50")); calls != 1 {
		t.Errorf("after release: %d calls", calls)
	}
	if ep := h.served(wechat.GetUserCumulate); ep == nil || !ep.Status.OK || ep.Date.String() != "2026-11-21" {
		t.Errorf("served %+v", ep)
	}
}

func TestEmptyAnswerWhereRowsAreDue(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 08:30"), fetcher.Config{Lookback: 1}, wechat.GetUserCumulate)
	h.fake.Inject(wechattest.Fault{Endpoint: "getusercumulate", Body: `{"list":[]}`, Times: 1})
	h.runAt(beijing("2026-11-22 08:30"))
	if got := h.stored(wechat.GetUserCumulate); len(got) != 0 {
		t.Fatalf("an empty answer where rows are due was stored: %v", got)
	}
	if calls := h.runAt(beijing("2026-11-22 08:40")); calls != 1 {
		t.Errorf("not asked again: %d calls", calls)
	}
	if got := h.stored(wechat.GetUserCumulate); len(got) != 1 {
		t.Errorf("stored %v after retry", got)
	}
}

func TestQuotaWaitsForBeijingMidnight(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, wechat.GetUserCumulate)
	h.fake.Inject(wechattest.Fault{Endpoint: "getusercumulate", Errcode: wechat.CodeDailyQuota, Times: 1})
	h.runAt(beijing("2026-11-22 09:00"))
	for _, at := range []string{"2026-11-22 09:10", "2026-11-22 18:00", "2026-11-22 23:59"} {
		if calls := h.runAt(beijing(at)); calls != 0 {
			t.Errorf("%s: %d calls during quota wait", at, calls)
		}
	}
	if calls := h.runAt(beijing("2026-11-23 00:00")); calls != 1 {
		t.Errorf("after midnight: %d calls, want 1", calls)
	}
}

// TestPermanentErrorBacksOffADayAndLogsOnce: an error that needs a person
// (50002, the account restricted) is logged once a day and asked again
// the next day.
func TestPermanentErrorBacksOffADayAndLogsOnce(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, wechat.GetInterfaceSummary, wechat.GetUserCumulate)
	h.fake.Inject(wechattest.Fault{Endpoint: "getinterfacesummary", Errcode: 50002})
	h.runAt(beijing("2026-11-22 09:00"))
	for _, at := range []string{"2026-11-22 09:10", "2026-11-22 20:00", "2026-11-23 08:29"} {
		h.runAt(beijing(at))
	}
	if got := h.fake.Calls(appID, "getinterfacesummary"); got != 1 {
		t.Errorf("50002 retried within the day: %d calls", got)
	}
	if n := strings.Count(h.logs.String(), "fetch failing"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, h.logs.String())
	}
	h.runAt(beijing("2026-11-23 08:30"))
	if got := h.fake.Calls(appID, "getinterfacesummary"); got != 2 {
		t.Errorf("not tried again the next day: %d calls", got)
	}
	if ep := h.served(wechat.GetInterfaceSummary); ep == nil || ep.Status.OK {
		t.Errorf("50002 endpoint not marked failing: %+v", ep)
	}
	if ep := h.served(wechat.GetUserCumulate); ep == nil || !ep.Status.OK {
		t.Errorf("other endpoint affected: %+v", ep)
	}
}

func TestWeeklyAndMonthlyPeriods(t *testing.T) {
	// Monday 2026-11-23, after the ready time: last week began 11-16; last
	// month is October.
	h := newHarness(t, beijing("2026-11-23 09:00"), fetcher.Config{}, wechat.GetUpstreamMsgWeek, wechat.GetUpstreamMsgDistMonth)
	if calls := h.runAt(beijing("2026-11-23 09:00")); calls != 2 {
		t.Errorf("calls = %d, want one per endpoint", calls)
	}
	if got := strings.Join(h.stored(wechat.GetUpstreamMsgWeek), ","); got != "2026-11-16" {
		t.Errorf("weekly stored %s", got)
	}
	if got := strings.Join(h.stored(wechat.GetUpstreamMsgDistMonth), ","); got != "2026-10-01" {
		t.Errorf("monthly stored %s", got)
	}
	// Tuesday to Sunday: nothing new. Next Monday: one weekly call.
	for d := 1; d < 7; d++ {
		if calls := h.runAt(beijing("2026-11-23 09:00").AddDate(0, 0, d)); calls != 0 {
			t.Errorf("day %d: %d calls", d, calls)
		}
	}
	if calls := h.runAt(beijing("2026-11-30 09:00")); calls != 1 {
		t.Errorf("next Monday: %d calls, want 1", calls)
	}
	if calls := h.runAt(beijing("2026-12-01 09:00")); calls != 1 {
		t.Errorf("1 December: %d calls, want 1 (November)", calls)
	}
	if got := strings.Join(h.stored(wechat.GetUpstreamMsgDistMonth), ","); got != "2026-10-01,2026-11-01" {
		t.Errorf("monthly stored %s", got)
	}
}

// TestArticleTotalSettles: getarticletotal's figures grow for a week after
// sending, so recent send days are fetched again once a day, and served
// together.
func TestArticleTotalSettles(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, wechat.GetArticleTotal)
	if calls := h.runAt(beijing("2026-11-22 09:00")); calls != 7 {
		t.Errorf("first day: %d calls, want 7 (the settling week)", calls)
	}
	if calls := h.runAt(beijing("2026-11-22 15:00")); calls != 0 {
		t.Errorf("same day: %d calls", calls)
	}
	if calls := h.runAt(beijing("2026-11-23 09:00")); calls != 7 {
		t.Errorf("next day: %d calls, want 7", calls)
	}
	ep := h.served(wechat.GetArticleTotal)
	sent := map[wechat.Date]bool{}
	for _, r := range ep.Rows {
		sent[r.RowDate()] = true
	}
	if len(sent) != 7 {
		t.Errorf("served articles from %d send days, want 7", len(sent))
	}
}

// TestRestartMakesNoCall: a second process on the same store serves the
// same values at once and calls WeChat for nothing it has.
func TestRestartMakesNoCall(t *testing.T) {
	// In the afternoon, when the content endpoints' figures are final.
	h := newHarness(t, beijing("2026-11-22 13:00"), fetcher.Config{}, wechat.DatacubeEndpoints()...)
	h.runAt(beijing("2026-11-22 13:00"))
	if h.fake.DatacubeCalls(appID) == 0 {
		t.Fatal("nothing fetched")
	}
	before := gatherText(t, h.state)
	h.store.Close()
	h.open()
	if after := gatherText(t, h.state); after != before {
		t.Errorf("restart serves different data:\nbefore %d bytes, after %d bytes", len(before), len(after))
	}
	if calls := h.runAt(beijing("2026-11-22 13:05")); calls != 0 {
		t.Errorf("restart made %d datacube calls", calls)
	}
}

func gatherText(t *testing.T, state *served.State, opts ...collector.Option) string {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector.New(state, opts...))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if mf.GetName() != "wechat_datacube_last_fetch_success_timestamp_seconds" && mf.GetName() != "wechat_datacube_last_fetch_success" {
				b.WriteString(mf.GetName() + m.String() + "\n")
			}
		}
	}
	return b.String()
}

// TestScrapeNeverWaitsForFetch scrapes while a slow fetch is in flight.
func TestScrapeNeverWaitsForFetch(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, wechat.GetUserCumulate)
	h.runAt(beijing("2026-11-22 09:00"))
	h.fake.Inject(wechattest.Fault{Endpoint: "getusercumulate", Latency: 3 * time.Second}) // under the harness client's 5 s timeout
	h.clock.Set(beijing("2026-11-23 09:00"))
	before := h.fake.DatacubeCalls(appID)
	done := make(chan struct{})
	go func() {
		h.fetcher.RunOnce(context.Background())
		close(done)
	}()
	for h.fake.DatacubeCalls(appID) == before { // the fetch is now waiting on the fake
		time.Sleep(time.Millisecond)
	}
	calls := h.fake.DatacubeCalls(appID)
	text := gatherText(t, h.state)
	select {
	case <-done:
		t.Error("the scrape returned only once the fetch was over")
	default:
	}
	if !strings.Contains(text, "wechat_user_followers") {
		t.Error("the last good data is not served during a fetch")
	}
	if h.fake.DatacubeCalls(appID) != calls {
		t.Error("a scrape called WeChat")
	}
	<-done
}

// TestProvisionalFiguresFetchedUntilFinal: figures WeChat marks is_delay
// are served at once and fetched again every retry interval until final.
func TestProvisionalFiguresFetchedUntilFinal(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, wechat.GetArticleRead, wechat.GetUserSummary)
	h.runAt(beijing("2026-11-22 09:00"))
	if ep := h.served(wechat.GetArticleRead); ep == nil || len(ep.Rows) == 0 {
		t.Fatal("provisional figures not served")
	}
	summaryCalls := h.fake.Calls(appID, "getusersummary") // the served day and its baseline week
	calls := 0
	for at := beijing("2026-11-22 09:10"); at.Before(beijing("2026-11-22 14:00")); at = at.Add(10 * time.Minute) {
		calls += h.runAt(at)
	}
	// 09:00, then 09:10 .. 11:50 while provisional (17), 12:00 final.
	if got := h.fake.Calls(appID, "getarticleread"); got != 1+17+1 {
		t.Errorf("getarticleread called %d times, want 19 (until final, then no more)", got)
	}
	if got := h.fake.Calls(appID, "getusersummary"); got != summaryCalls {
		t.Errorf("a legacy endpoint was fetched again: %d calls after the first %d", got, summaryCalls)
	}
}

// TestEndpointOffline: 47009 marks the endpoint unavailable for the
// account, shown by a metric, tried again a week later.
func TestEndpointOffline(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 13:00"), fetcher.Config{Lookback: 1}, wechat.GetArticleTotal, wechat.GetArticleTotalDetail)
	release := h.fake.Inject(wechattest.Fault{Endpoint: "getarticletotal", Errcode: wechat.CodeAPIOffline})
	h.runAt(beijing("2026-11-22 13:00"))
	if got := h.metric("wechat_datacube_endpoint_unavailable", map[string]string{"endpoint": "getarticletotal"}); got != 1 {
		t.Errorf("unavailable metric = %v", got)
	}
	if ep := h.served(wechat.GetArticleTotalDetail); ep == nil || !ep.Status.OK {
		t.Errorf("the new endpoint is affected: %+v", ep)
	}
	for d := 1; d < 7; d++ {
		h.runAt(beijing("2026-11-22 13:00").AddDate(0, 0, d))
	}
	if got := h.fake.Calls(appID, "getarticletotal"); got != 1 {
		t.Errorf("offline endpoint called %d times within the week", got)
	}
	if n := countLines(h.logs.String(), "errcode 47009"); n != 1 {
		t.Errorf("logged %d times, want once", n)
	}
	release()
	h.runAt(beijing("2026-11-29 13:00"))
	if got := h.metric("wechat_datacube_endpoint_unavailable", map[string]string{"endpoint": "getarticletotal"}); got != 0 {
		t.Errorf("still marked unavailable after it came back: %v", got)
	}
}

// TestBaselineWeekKeptWhateverTheLookback: the callback failure baseline
// is the median of the week before the served day, so the store keeps
// that week even with a shorter lookback, and the baseline is served.
func TestBaselineWeekKeptWhateverTheLookback(t *testing.T) {
	h := newHarness(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1}, wechat.GetInterfaceSummary)
	h.runAt(beijing("2026-11-22 09:00"))
	if got := h.stored(wechat.GetInterfaceSummary); len(got) != wechat.GetInterfaceSummary.Served() {
		t.Errorf("stored %v, want the %d days served together", got, wechat.GetInterfaceSummary.Served())
	}
	if s := h.served(wechat.GetInterfaceSummary); s == nil || len(s.Rows) != wechat.GetInterfaceSummary.Served() {
		t.Errorf("served %+v, want a row for each of the %d days", s, wechat.GetInterfaceSummary.Served())
	}
}
