package exposition_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/exposition"
	"github.com/wechat-exporter/wechat-exporter/internal/servedtest"
	"github.com/wechat-exporter/wechat-exporter/served"
)

// prometheusAccept is what Prometheus 3 asks a target for by default.
const prometheusAccept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"

// samples parses an exposition with Prometheus's own parser for its
// format, strictly, and returns each series' value.
func samples(t *testing.T, p textparse.Parser) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for {
		e, err := p.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("does not parse: %v", err)
		}
		if e == textparse.EntrySeries {
			var ls labels.Labels
			p.Labels(&ls)
			_, _, v := p.Series()
			out[ls.String()] = v
		}
	}
}

// TestOpenMetricsWhenAsked: asked as Prometheus asks, /metrics answers
// OpenMetrics 1.0 that Prometheus's OpenMetrics parser reads whole, with
// the series and values of the text format; gzip or not.
func TestOpenMetricsWhenAsked(t *testing.T) {
	state := servedtest.Golden(t)
	live := prometheus.NewRegistry()
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wechat_api_requests_total", Help: "Requests."}, []string{"endpoint"})
	requests.WithLabelValues("getusersummary").Add(7)
	live.MustRegister(requests, prometheus.NewGauge(prometheus.GaugeOpts{Name: "wechat_store_read_only", Help: "Read-only."}))
	h := exposition.New(state, collector.New(state)).Handler(live, promhttp.HandlerOpts{})

	text := scrapeWith(t, h, http.Header{})
	want := samples(t, textparse.NewPromParser(text.Body.Bytes(), labels.NewSymbolTable(), false))
	if len(want) < 1000 {
		t.Fatalf("only %d series in the text format", len(want))
	}
	for _, enc := range []string{"", "gzip"} {
		rec := scrapeWith(t, h, http.Header{"Accept": {prometheusAccept}, "Accept-Encoding": {enc}})
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text; version=1.0.0") {
			t.Fatalf("gzip %q: Content-Type %q, want OpenMetrics 1.0.0", enc, ct)
		}
		body := rec.Body.Bytes()
		if enc == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.HasSuffix(body, []byte("\n# EOF\n")) || bytes.Count(body, []byte("# EOF")) != 1 {
			t.Errorf("gzip %q: the exposition does not end with one # EOF", enc)
		}
		got := samples(t, textparse.NewOpenMetricsParser(body, labels.NewSymbolTable()))
		if len(got) != len(want) {
			t.Errorf("gzip %q: %d series, the text format has %d", enc, len(got), len(want))
		}
		for s, v := range want {
			if g, ok := got[s]; !ok || g != v {
				t.Errorf("gzip %q: %s = %v (present %v), the text format says %v", enc, s, g, ok, v)
			}
		}
	}
}

// TestNoQuoteInHelp: OpenMetrics does not allow a bare double quote in a
// HELP text (the text format does), and the data section is written once
// for both: no metric may have one.
func TestNoQuoteInHelp(t *testing.T) {
	ch := make(chan *prometheus.Desc, 4096)
	collector.New(served.NewState(nil)).Describe(ch)
	close(ch)
	n := 0
	for d := range ch {
		n++
		if s := d.String(); strings.Contains(strings.SplitN(s, `help: "`, 2)[1], `\"`) {
			t.Errorf("a double quote in the help of %s", s)
		}
	}
	if n < 100 {
		t.Fatalf("only %d metrics described", n)
	}
}
