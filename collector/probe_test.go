package collector_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

func probeState() *collector.Collector {
	state := collector.NewState(map[string]string{"news": "wx1", "shop": "wx2", "support": "wx3"})
	d := wechat.MustParseDate("2026-11-21")
	for i, name := range []string{"news", "shop", "support"} {
		state.SetData(name, "getusercumulate", d, []wechat.Row{wechat.UserCumulate{Ref: wechat.Ref{RefDate: d}, CumulateUser: int64(100 + i)}})
	}
	return collector.New(state)
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
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/probe?"+tt.query, nil))
		body := rec.Body.String()
		if rec.Code != tt.code {
			t.Errorf("%s: status %d, want %d: %s", tt.query, rec.Code, tt.code, body)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: body lacks %q:\n%s", tt.query, w, body)
			}
		}
		for _, d := range tt.deny {
			if strings.Contains(body, d) {
				t.Errorf("%s: body has %q", tt.query, d)
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
