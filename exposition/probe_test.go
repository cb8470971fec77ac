package exposition_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/exposition"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

func probeState() *exposition.Exposition {
	state := served.NewState(map[string]string{"news": "wx1", "shop": "wx2", "support": "wx3"})
	d := wechat.MustParseDate("2026-11-21")
	for i, name := range []string{"news", "shop", "support"} {
		state.SetData(name, "getusercumulate", d, []wechat.Row{wechat.UserCumulate{Ref: wechat.Ref{RefDate: d}, CumulateUser: wechat.CountOf(int64(100 + i))}})
	}
	return exposition.New(state, collector.New(state))
}

func TestProbe(t *testing.T) {
	h := probeState().ProbeHandler(promhttp.HandlerOpts{})
	tests := []struct {
		query      string
		code       int
		want, deny []string
	}{
		{"account=shop", 200, []string{`wechat_user_followers{account="shop"} 101`}, []string{`account="news"`, `account="support"`}},
		{"account=news&account=support", 200, []string{`account="news"} 100`, `account="support"} 102`}, []string{`account="shop"`}},
		{"account=nobody", 404, []string{`unknown account "nobody"`}, nil},
		{"account=shop&account=nobody", 404, []string{`unknown account "nobody"`}, []string{"wechat_user_followers"}},
		{"", 400, []string{"missing parameter"}, nil},
		// More parameters than net/url parses (10,000): said, not taken
		// for none.
		{strings.Repeat("account=shop&", 10_000) + "account=news", 400, []string{"too many query parameters", "10000"}, []string{"missing parameter"}},
		{"account=shop;x", 400, []string{"invalid semicolon"}, nil},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/probe?"+tt.query, nil))
		body := rec.Body.String()
		if rec.Code != tt.code {
			t.Errorf("%.80s: status %d, want %d: %s", tt.query, rec.Code, tt.code, body)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%.80s: body lacks %q:\n%s", tt.query, w, body)
			}
		}
		for _, d := range tt.deny {
			if strings.Contains(body, d) {
				t.Errorf("%.80s: body has %q", tt.query, d)
			}
		}
	}
}

func TestTargets(t *testing.T) {
	rec := httptest.NewRecorder()
	probeState().TargetsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/targets", nil))
	var groups []struct {
		Targets []string `json:"targets"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &groups); err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || strings.Join(groups[0].Targets, ",") != "news,shop,support" {
		t.Errorf("targets %+v", groups)
	}
}

// TestProbeWaitsForColdStartRows: right after a cold start served from the
// render cache, /probe waits for the account's rows rather than answer
// without its data; the text /metrics does not wait.
func TestProbeWaitsForColdStartRows(t *testing.T) {
	d := wechat.MustParseDate("2026-11-21")
	state := served.NewState(map[string]string{"news": "wx1"})
	full := served.NewState(map[string]string{"news": "wx1"})
	rows := []wechat.Row{wechat.UserCumulate{Ref: wechat.Ref{RefDate: d}, CumulateUser: wechat.CountOf(100)}}
	full.SetData("news", "getusercumulate", d, rows)
	r, err := exposition.DecodeRendered(exposition.New(full, collector.New(full)).RenderCold(full.Load().Account("news"), 7), 7)
	if err != nil || r == nil {
		t.Fatal(r, err)
	}
	state.SetRendered("news", r)
	e := exposition.New(state, collector.New(state))
	probe := e.ProbeHandler(promhttp.HandlerOpts{})

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/probe?account=news", nil)
	ctx, cancel := context.WithTimeout(req.Context(), 30*time.Millisecond)
	defer cancel()
	probe.ServeHTTP(rec, req.WithContext(ctx))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "still loading") {
		t.Errorf("while loading: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	e.Handler(prometheus.NewRegistry(), promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `wechat_user_followers{account="news"} 100`) {
		t.Errorf("text /metrics while loading lacks the cached data:\n%s", rec.Body)
	}

	go func() {
		time.Sleep(20 * time.Millisecond)
		state.SetAccountData("news", map[string]served.EndpointData{"getusercumulate": {Date: d, Rows: rows}}, true)
	}()
	rec = httptest.NewRecorder()
	probe.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/probe?account=news", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `wechat_user_followers{account="news"} 100`) {
		t.Errorf("after loading: %d %s", rec.Code, rec.Body)
	}
}
