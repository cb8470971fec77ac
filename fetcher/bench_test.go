package fetcher_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/exposition"
	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/internal/servedtest"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
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
	h := newHarnessWith(t, beijing("2026-11-22 09:00"), fetcher.Config{Lookback: 1, MaxConcurrency: 4}, names, nil, wechat.DatacubeEndpoints()...)
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

// storeOf fills a store directly (no HTTP) with what the fetcher keeps for
// n accounts: the served days of every endpoint.
func storeOf(b *testing.B, n int) (dir string, names map[string]string) {
	b.Helper()
	fake := wechattest.NewServer()
	defer fake.Close()
	at := beijing("2026-11-22 09:00")
	fake.SetClock(func() time.Time { return at })
	dir = b.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	names = map[string]string{}
	today := wechat.DateOf(at)
	for i := 0; i < n; i++ {
		name, appID := fmt.Sprintf("account%04d", i), fmt.Sprintf("wxcold%010d", i)
		names[name] = appID
		fake.AddAccount(wechattest.Account{AppID: appID, Secret: "x"})
		for _, ep := range wechat.DatacubeEndpoints() {
			latest := ep.LatestComplete(today)
			var days []store.Day
			for d := ep.Served() - 1; d >= 0; d-- {
				rows, err := json.Marshal(fake.Rows(appID, ep.Name, latest.AddDays(-d)))
				if err != nil {
					b.Fatal(err)
				}
				days = append(days, store.Day{Date: latest.AddDays(-d), FetchedOn: today, Rows: rows})
			}
			if err := st.Put(name, ep.Name, days); err != nil {
				b.Fatal(err)
			}
		}
	}
	return dir, names
}

// coldStart opens the store, loads it and serves the first complete
// /metrics through the handler newHandler builds. With cache, accounts
// whose render cache entry matches are served from it (LoadCold), and the
// executable is hashed as a new process does; without, every stored row
// is decoded first (LoadStored).
func coldStart(b *testing.B, dir string, names map[string]string, cache bool, newHandler func(*served.State, *collector.Collector) http.Handler) {
	st, err := store.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	state := served.NewState(names)
	c := collector.New(state)
	var accounts []fetcher.Account
	for name := range names {
		accounts = append(accounts, fetcher.Account{Name: name, Endpoints: wechat.DatacubeEndpoints()})
	}
	cfg := fetcher.Config{}
	if cache {
		cfg.RenderCache = exposition.New(state, c)
		if exposition.HashExecutable() == 0 {
			b.Fatal("the executable cannot be hashed: no render cache")
		}
	}
	f := fetcher.New(cfg, st, state, accounts, prometheus.NewRegistry())
	if cache {
		if _, _, err := f.LoadCold(context.Background()); err != nil {
			b.Fatal(err)
		}
		if state.Load().Complete() {
			b.Fatal("nothing served from the render cache")
		}
	} else if err := servedtest.LoadAll(f); err != nil {
		b.Fatal(err)
	}
	w := &sink{header: http.Header{}, marker: []byte(`wechat_user_followers{account="account0000"}`)}
	newHandler(state, c).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if w.code != 0 && w.code != 200 || !w.found {
		b.Fatalf("first /metrics: %d, %d bytes, marker found %v", w.code, w.n, w.found)
	}
}

// sink is a ResponseWriter that, like a socket, keeps nothing: it counts
// the bytes and looks for a marker (across writes). A recorder would add
// the cost of growing a buffer to the size of the exposition.
type sink struct {
	header http.Header
	code   int
	n      int
	marker []byte
	tail   []byte
	found  bool
}

func (s *sink) Header() http.Header  { return s.header }
func (s *sink) WriteHeader(code int) { s.code = code }

func (s *sink) Write(p []byte) (int, error) {
	s.n += len(p)
	if !s.found {
		s.tail = append(s.tail, p[:min(len(p), len(s.marker))]...)
		s.found = bytes.Contains(s.tail, s.marker) || bytes.Contains(p, s.marker)
		s.tail = append(s.tail[:0], p[max(0, len(p)-len(s.marker)):]...)
	}
	return len(p), nil
}

// fillRenderCache runs one cold start without entries: it decodes the
// accounts and stores their renders, as the first start of a new version
// does.
func fillRenderCache(b *testing.B, dir string, names map[string]string) {
	st, err := store.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	state := served.NewState(names)
	var accounts []fetcher.Account
	for name := range names {
		accounts = append(accounts, fetcher.Account{Name: name, Endpoints: wechat.DatacubeEndpoints()})
	}
	f := fetcher.New(fetcher.Config{RenderCache: exposition.New(state, collector.New(state))}, st, state, accounts, prometheus.NewRegistry())
	_, rest, err := f.LoadCold(context.Background())
	if err == nil {
		err = rest(context.Background())
	}
	if err != nil {
		b.Fatal(err)
	}
	f.SaveRenderCache()
}

func textHandler(state *served.State, c *collector.Collector) http.Handler {
	return exposition.New(state, c).Handler(prometheus.NewRegistry(), promhttp.HandlerOpts{})
}

// BenchmarkColdStart is the time from a store holding n accounts to a
// complete first /metrics: open, serve each account's render cache entry,
// write. BenchmarkColdStartDecode does the same without the render cache
// (decoding every stored row first, as when the records changed or the
// exporter was upgraded), and BenchmarkColdStartBaseline decodes and
// renders through promhttp:
//
//	go test ./fetcher -run '^$' -bench 'ColdStart' -benchtime 3x
func BenchmarkColdStart(b *testing.B) {
	benchColdStart(b, true, textHandler)
}

func BenchmarkColdStartDecode(b *testing.B) {
	benchColdStart(b, false, textHandler)
}

func BenchmarkColdStartBaseline(b *testing.B) {
	benchColdStart(b, false, func(_ *served.State, c *collector.Collector) http.Handler {
		reg := prometheus.NewRegistry()
		reg.MustRegister(c)
		return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	})
}

func benchColdStart(b *testing.B, cache bool, newHandler func(*served.State, *collector.Collector) http.Handler) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			dir, names := storeOf(b, n)
			if cache {
				fillRenderCache(b, dir, names)
			}
			b.ReportAllocs()
			for b.Loop() {
				coldStart(b, dir, names, cache, newHandler)
			}
		})
	}
}
