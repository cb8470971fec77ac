package exposition_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/exposition"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

var benchSizes = []int{1, 100, 1000}

// populated returns a state serving n accounts with a day of every
// endpoint, as the fake generates them (the articles of a settling week,
// the callback baseline week included).
func populated(b *testing.B, n int) *served.State {
	b.Helper()
	fake := wechattest.NewServer()
	defer fake.Close()
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	fake.SetClock(func() time.Time { return at })
	names := map[string]string{}
	for i := 0; i < n; i++ {
		names[fmt.Sprintf("account%04d", i)] = fmt.Sprintf("wxbench%010d", i)
		fake.AddAccount(wechattest.Account{AppID: fmt.Sprintf("wxbench%010d", i), Secret: "x"})
	}
	state := served.NewState(names)
	today := wechat.DateOf(at)
	for name, appID := range names {
		for _, ep := range wechat.DatacubeEndpoints() {
			latest := ep.LatestComplete(today)
			days := 1
			switch ep {
			case wechat.GetArticleTotal:
				days = 7
			case wechat.GetInterfaceSummary:
				days = 8
			}
			var rows []wechat.Row
			for d := 0; d < days; d++ {
				rows = append(rows, fake.Rows(appID, ep.Name, latest.AddDays(-d))...)
			}
			state.SetData(name, ep.Name, latest, rows)
			state.SetStatus(name, ep.Name, true, at)
		}
	}
	return state
}

// discard is a ResponseWriter that counts and drops the body, as a
// network connection would take it: no harness buffer to grow.
type discard struct {
	header http.Header
	code   int
	n      int64
}

func (d *discard) Header() http.Header  { return d.header }
func (d *discard) WriteHeader(code int) { d.code = code }
func (d *discard) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return len(p), nil
}

// gzipped is the request header of a scrape as Prometheus makes it.
var gzipped = http.Header{"Accept-Encoding": {"gzip"}}

func serve(b *testing.B, h http.Handler, header http.Header) {
	w := &discard{header: http.Header{}, code: http.StatusOK}
	r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	r.Header = header.Clone()
	h.ServeHTTP(w, r)
	if w.code != http.StatusOK || w.n < 1000 {
		b.Fatalf("status %d, %d bytes", w.code, w.n)
	}
	b.SetBytes(w.n)
}

// BenchmarkScrape is a full /metrics response through the real handler
// from a populated snapshot, in the steady state: the snapshot changes a
// few times a day, so almost every scrape finds its data section encoded.
// Compare with BenchmarkScrapeBaseline (and BenchmarkScrapeCold, the gzip
// ones with BenchmarkScrapeBaselineGzip):
//
//	go test ./exposition -run '^$' -bench 'Scrape' -benchmem -count 3
func BenchmarkScrape(b *testing.B) {
	benchHandler(b, steady, nil)
}

// BenchmarkScrapeGzip is BenchmarkScrape as Prometheus asks (gzip): the
// kept gzip members are written as they are, where a plain scrape has
// them decompressed. Compare with BenchmarkScrapeBaselineGzip.
func BenchmarkScrapeGzip(b *testing.B) {
	benchHandler(b, steady, gzipped)
}

// BenchmarkScrapeCold renders every account for every scrape, as the
// first scrape of a snapshot none of whose accounts was rendered before
// (after the rows of a cold start are decoded): the worst case.
func BenchmarkScrapeCold(b *testing.B) {
	benchHandler(b, cold, nil)
}

// BenchmarkScrapeChanged has one account changed before every scrape, as
// while the fetcher publishes: only that account is rendered again.
func BenchmarkScrapeChanged(b *testing.B) {
	benchHandler(b, oneChanged, nil)
}

// BenchmarkScrapeColdGzip is BenchmarkScrapeCold as Prometheus asks.
func BenchmarkScrapeColdGzip(b *testing.B) {
	benchHandler(b, cold, gzipped)
}

// BenchmarkScrapeChangedGzip is BenchmarkScrapeChanged as Prometheus asks.
func BenchmarkScrapeChangedGzip(b *testing.B) {
	benchHandler(b, oneChanged, gzipped)
}

type scrapeCase int

const (
	steady scrapeCase = iota
	cold
	oneChanged
)

func benchHandler(b *testing.B, c scrapeCase, header http.Header) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			state := populated(b, n)
			newHandler := func() *exposition.Handler {
				return exposition.New(state, collector.New(state)).Handler(prometheus.NewRegistry(), promhttp.HandlerOpts{})
			}
			h := newHandler()
			at := time.Now()
			if c != cold {
				serve(b, h, header) // the data section is encoded once
			}
			b.ReportAllocs()
			for b.Loop() {
				switch c {
				case cold:
					h = newHandler()
				case oneChanged:
					at = at.Add(time.Second)
					state.SetStatus("account0000", "getusersummary", true, at)
				}
				serve(b, h, header)
			}
		})
	}
}

// prebuilt serves fixed metrics: the floor client_golang allows.
type prebuilt []prometheus.Metric

func (p prebuilt) Describe(ch chan<- *prometheus.Desc) {}
func (p prebuilt) Collect(ch chan<- prometheus.Metric) {
	for _, m := range p {
		ch <- m
	}
}

// BenchmarkScrapeBaseline serves the same series as pre-built const
// metrics in a plain registry through promhttp.
func BenchmarkScrapeBaseline(b *testing.B) {
	benchBaseline(b, nil)
}

// BenchmarkScrapeBaselineGzip is BenchmarkScrapeBaseline with gzip, as
// Prometheus asks.
func BenchmarkScrapeBaselineGzip(b *testing.B) {
	benchBaseline(b, gzipped)
}

func benchBaseline(b *testing.B, header http.Header) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			ch := make(chan prometheus.Metric, 1024)
			var ms prebuilt
			done := make(chan struct{})
			go func() {
				for m := range ch {
					ms = append(ms, m)
				}
				close(done)
			}()
			collector.New(populated(b, n)).Collect(ch)
			close(ch)
			<-done
			reg := prometheus.NewRegistry()
			reg.MustRegister(ms)
			h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
			b.ReportAllocs()
			for b.Loop() {
				serve(b, h, header)
			}
		})
	}
}
