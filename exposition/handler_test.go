package exposition_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/exposition"
	"github.com/wechat-exporter/wechat-exporter/internal/testanswers/testrows"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

func handlerFixture(t *testing.T) (*served.State, *exposition.Handler, *prometheus.Registry, prometheus.Counter) {
	t.Helper()
	state := served.NewState(map[string]string{"fx": "wx"})
	for _, ep := range []string{"getinterfacesummary", "getarticletotal"} {
		rows := testrows.Sample(t, ep)
		state.SetData("fx", ep, rows[0].RowDate(), rows)
	}
	live := prometheus.NewRegistry()
	requests := prometheus.NewCounter(prometheus.CounterOpts{Name: "wechat_api_requests_total", Help: "h"})
	live.MustRegister(requests)
	e := exposition.New(state, collector.New(state))
	return state, e.Handler(live, promhttp.HandlerOpts{}), live, requests
}

func scrapeWith(t *testing.T, h http.Handler, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header = header
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	return rec
}

func parse(t *testing.T, b []byte) map[string]string {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("exposition does not parse: %v", err)
	}
	out := map[string]string{}
	for name, mf := range mfs {
		out[name] = mf.String()
	}
	return out
}

// TestHandlerServesWhatPromhttpServes: the cached handler's output has the
// same families and samples as promhttp over both registries.
func TestHandlerServesWhatPromhttpServes(t *testing.T) {
	state, h, live, requests := handlerFixture(t)
	requests.Add(3)
	data := prometheus.NewRegistry()
	data.MustRegister(collector.New(state))
	want := scrapeWith(t, promhttp.HandlerFor(prometheus.Gatherers{data, live}, promhttp.HandlerOpts{}), http.Header{}).Body.Bytes()
	got := scrapeWith(t, h, http.Header{})
	if ct := got.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	g, w := parse(t, got.Body.Bytes()), parse(t, want)
	if len(g) != len(w) || len(g) < 10 {
		t.Fatalf("%d families, promhttp serves %d", len(g), len(w))
	}
	for name, mf := range w {
		if g[name] != mf {
			t.Errorf("%s differs:\n got %s\nwant %s", name, g[name], mf)
		}
	}
}

// TestHandlerCachesPerSnapshot: live metrics are fresh at every scrape;
// the data section is encoded again only when the snapshot changes.
func TestHandlerCachesPerSnapshot(t *testing.T) {
	state, h, _, requests := handlerFixture(t)
	first := scrapeWith(t, h, http.Header{}).Body.String()
	requests.Inc()
	second := scrapeWith(t, h, http.Header{}).Body.String()
	if !strings.Contains(second, "wechat_api_requests_total 1") || strings.Contains(first, "wechat_api_requests_total 1") {
		t.Error("live metrics not gathered at each scrape")
	}
	if strings.Replace(second, "wechat_api_requests_total 1", "wechat_api_requests_total 0", 1) != first {
		t.Error("the data section changed without a new snapshot")
	}
	state.SetData("fx", "getusercumulate", wechat.MustParseDate("2026-11-21"), []wechat.Row{wechat.UserCumulate{Ref: wechat.Ref{RefDate: wechat.MustParseDate("2026-11-21")}, CumulateUser: wechat.CountOf(4242)}})
	if third := scrapeWith(t, h, http.Header{}).Body.String(); !strings.Contains(third, `wechat_user_followers{account="fx"} 4242`) {
		t.Error("a new snapshot was not served")
	}
	state.SetStatus("fx", "getusercumulate", false, time.Now())
	if fourth := scrapeWith(t, h, http.Header{}).Body.String(); !strings.Contains(fourth, `wechat_datacube_last_fetch_success{account="fx",endpoint="getusercumulate"} 0`) {
		t.Error("a status change was not served")
	}
}

func TestHandlerGzip(t *testing.T) {
	_, h, _, _ := handlerFixture(t)
	plain := scrapeWith(t, h, http.Header{}).Body.Bytes()
	rec := scrapeWith(t, h, http.Header{"Accept-Encoding": {"gzip, deflate"}})
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("not gzipped: %v", rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) {
		t.Errorf("gzipped body differs from the plain one (%d vs %d bytes)", len(got), len(plain))
	}
}

func TestHandlerProtobufFallback(t *testing.T) {
	_, h, _, _ := handlerFixture(t)
	rec := scrapeWith(t, h, http.Header{"Accept": {"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"}})
	if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, "protobuf") {
		t.Errorf("Content-Type %q, want protobuf", ct)
	}
}

func TestHandlerLiveOnly(t *testing.T) {
	_, h, _, requests := handlerFixture(t)
	requests.Add(2)
	req := httptest.NewRequest(http.MethodGet, "/metrics?data=false", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	if !strings.Contains(body, "wechat_api_requests_total 2") || strings.Contains(body, "wechat_interface_callbacks") {
		t.Errorf("?data=false served:\n%s", body)
	}
}
