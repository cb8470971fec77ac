package wechat_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestLimiterSpacesEveryRequest: clients sharing a limiter take turns, one
// request every 1/rate seconds across all of them, token requests
// included. (The limiter's clock stands still, so each turn is a further
// 10 ms away.)
func TestLimiterSpacesEveryRequest(t *testing.T) {
	frozen := time.Now()
	limiter := wechat.NewLimiterWithClock(100, func() time.Time { return frozen })
	var mu sync.Mutex
	var waits []time.Duration
	limiter.Waited = func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		waits = append(waits, d)
	}
	a := newEnv(t, nil, wechat.WithLimiter(limiter))
	b, err := wechat.New(wechat.NewStableToken(appID, secret), wechat.WithBaseURL(a.fake.URL), wechat.WithClock(a.clock.Now),
		wechat.WithRetry(fastRetry), wechat.WithLimiter(limiter))
	if err != nil {
		t.Fatal(err)
	}
	d := yesterday()
	for i := 0; i < 3; i++ {
		for _, c := range []*wechat.Client{a.client, b} {
			if _, err := c.Fetch(ctx(t), wechat.GetUserCumulate, wechat.Range{Begin: d, End: d}); err != nil {
				t.Fatal(err)
			}
		}
	}
	calls := a.fake.Calls("", "")
	if calls != 8 { // two tokens, six fetches
		t.Fatalf("%d requests, want 8", calls)
	}
	if len(waits) != calls-1 {
		t.Fatalf("%d waits for %d requests, want one for each after the first", len(waits), calls)
	}
	for i, w := range waits {
		if want := time.Duration(i+1) * 10 * time.Millisecond; w != want {
			t.Errorf("request %d waited %s, want %s", i+2, w, want)
		}
	}
}

// TestLimiterGivesUpWithTheContext: a request waiting for its turn ends
// when its context does, without calling WeChat.
func TestLimiterGivesUpWithTheContext(t *testing.T) {
	limiter := wechat.NewLimiter(0.001) // a turn every 1000 s
	e := newEnv(t, nil, wechat.WithLimiter(limiter))
	d := yesterday()
	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.client.Fetch(c, wechat.GetUserCumulate, wechat.Range{Begin: d, End: d})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Errorf("err %v after %s, want the context's deadline at once", err, time.Since(start))
	}
	// The token request took the first turn; the fetch never got one.
	if n := e.fake.Calls("", ""); n != 1 || e.fake.DatacubeCalls("") != 0 {
		t.Errorf("%d requests (%d datacube), want the token request only", n, e.fake.DatacubeCalls(""))
	}
}
