package wechat_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/internal/testanswers"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// readSample returns the official sample answer of an endpoint
// (internal/testanswers/samples).
func readSample(t testing.TB, endpoint string) []byte {
	t.Helper()
	b := testanswers.Sample(endpoint)
	if b == nil {
		t.Fatalf("no sample answer of %s", endpoint)
	}
	return b
}

// cnt and dec write known figures.
func cnt(v int64) wechat.Count     { return wechat.CountOf(v) }
func dec(v float64) wechat.Decimal { return wechat.DecimalOf(v) }

// now is the tests' fixed clock: 10:00 Beijing time on 2026-11-22.
var now = time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)

// recorder is an Observer that remembers what it was told.
type recorder struct {
	mu        sync.Mutex
	requests  map[string]int
	failures  map[string]int // endpoint/errcode
	refreshes int
}

func (r *recorder) Request(endpoint string, _ time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.requests == nil {
		r.requests, r.failures = map[string]int{}, map[string]int{}
	}
	r.requests[endpoint]++
	if err != nil {
		r.failures[endpoint+"/"+wechat.ErrCode(err)]++
	}
}

func (r *recorder) TokenRefresh(string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refreshes++
}

func (r *recorder) count(m func(*recorder) map[string]int, key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return m(r)[key]
}

// fastRetry keeps retry tests quick.
var fastRetry = wechat.RetryPolicy{Attempts: 3, Initial: time.Millisecond, Max: 2 * time.Millisecond}

const (
	appID  = "wx0123456789abcdef"
	secret = "s3cr3t-app-secret-0123456789"
)

type env struct {
	fake   *wechattest.Server
	client *wechat.Client
	clock  *wechattest.Clock
	obs    *recorder
}

// newEnv starts the fake with one account and a client with the given
// token source (stable if nil), both on the same fake clock.
func newEnv(t *testing.T, src wechat.TokenSource, opts ...wechat.Option) *env {
	t.Helper()
	e := &env{fake: wechattest.NewServer(), clock: wechattest.NewClock(now), obs: &recorder{}}
	t.Cleanup(e.fake.Close)
	e.fake.SetClock(e.clock.Now)
	e.fake.AddAccount(wechattest.Account{AppID: appID, Secret: secret, Publisher: true})
	if src == nil {
		src = wechat.NewStableToken(appID, secret)
	}
	opts = append([]wechat.Option{wechat.WithBaseURL(e.fake.URL), wechat.WithClock(e.clock.Now),
		wechat.WithObserver(e.obs), wechat.WithRetry(fastRetry)}, opts...)
	c, err := wechat.New(src, opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	return e
}

func day(s string) wechat.Date { return wechat.MustParseDate(s) }

func yesterday() wechat.Date { return wechat.Today(now).AddDays(-1) }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// fetchRows fetches ep for r and returns its rows as T.
func fetchRows[T wechat.Row](ctx context.Context, c *wechat.Client, ep wechat.Endpoint, r wechat.Range) ([]T, error) {
	ans, err := c.Fetch(ctx, ep, r)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(ans.Rows))
	for i, row := range ans.Rows {
		out[i] = row.(T)
	}
	return out, nil
}

// fetchAll fetches ep for r and returns its rows.
func fetchAll(ctx context.Context, c *wechat.Client, ep wechat.Endpoint, r wechat.Range) ([]wechat.Row, error) {
	if ep.PerPath { // the quota of two APIs
		ans, err := c.FetchQuotas(ctx, ep, r.End, []string{wechat.GetUserSummary.Path(), wechat.PublisherAdPosGeneral.Path()})
		return ans.Rows, err
	}
	ans, err := c.Fetch(ctx, ep, r)
	return ans.Rows, err
}

// fetchSettlement fetches the settlement snapshot as of day.
func fetchSettlement(ctx context.Context, c *wechat.Client, day wechat.Date) (wechat.Settlement, error) {
	rows, err := fetchRows[wechat.Settlement](ctx, c, wechat.PublisherSettlement, wechat.Range{Begin: day, End: day})
	if err != nil || len(rows) == 0 {
		return wechat.Settlement{}, err
	}
	return rows[0], nil
}

// legacyEndpoints are the 17 endpoints of the legacy documentation: the
// datacube ones with data since WeChat keeps any.
func legacyEndpoints() []wechat.Endpoint {
	var out []wechat.Endpoint
	for _, ep := range wechat.DatacubeEndpoints() {
		if ep.Since == 0 {
			out = append(out, ep)
		}
	}
	return out
}
