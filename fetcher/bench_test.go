package fetcher_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// BenchmarkScrapeDuringFetch measures a full /metrics response of 100
// accounts while the fetcher is idle, and while a fetch cycle of every
// account's every endpoint runs (WeChat answering in 50 ms, as over a real
// network), side by side:
//
//	go test ./fetcher -run '^$' -bench ScrapeDuringFetch
func BenchmarkScrapeDuringFetch(b *testing.B) {
	names := make([]string, 100)
	for i := range names {
		names[i] = fmt.Sprintf("b%03d", i)
	}
	t := &testing.T{}
	h := newHarnessWith(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1, MaxConcurrency: 4}, names, nil, wechat.Endpoints()...)
	defer h.fake.Close()
	h.runAt(beijing("2026-11-22 09:00"))
	handler := promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{})
	scrape := func(b *testing.B) {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != 200 || rec.Body.Len() < 1e6 {
			b.Fatalf("scrape: %d, %d bytes", rec.Code, rec.Body.Len())
		}
	}
	b.Run("idle", func(b *testing.B) {
		for b.Loop() {
			scrape(b)
		}
	})
	b.Run("fetching", func(b *testing.B) {
		release := h.fake.Inject(wechattest.Fault{Latency: 50 * time.Millisecond})
		defer release()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // one new day after another, for as long as the benchmark runs
			defer wg.Done()
			day := beijing("2026-11-23 09:00")
			for {
				select {
				case <-stop:
					return
				default:
				}
				h.clock.Set(day)
				h.fetcher.RunOnce(b.Context())
				day = day.AddDate(0, 0, 1)
			}
		}()
		time.Sleep(200 * time.Millisecond) // the cycle is under way
		for b.Loop() {
			scrape(b)
		}
		close(stop)
		h.fake.ClearFaults()
		wg.Wait()
	})
}
