package collector_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/internal/testanswers/testrows"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// gather returns every sample as name{labels sorted by name} -> value.
func gather(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, lp := range m.GetLabel() {
				ls = append(ls, fmt.Sprintf("%s=%q", lp.GetName(), lp.GetValue()))
			}
			out[mf.GetName()+"{"+strings.Join(ls, ",")+"}"] = m.GetGauge().GetValue()
		}
	}
	return out
}

// newestDay is the newest day an answer speaks of: its rows' days, and
// for the articles' running totals their newest statistics day (served as
// of then).
func newestDay(rows []wechat.Row) wechat.Date {
	newest := rows[0].RowDate()
	for _, r := range rows {
		newest = max(newest, r.RowDate())
		switch a := r.(type) {
		case wechat.ArticleTotal:
			if d, ok := a.Latest(); ok {
				newest = max(newest, d.StatDate)
			}
		case wechat.PublishedArticle:
			for _, d := range a.DetailList {
				newest = max(newest, d.StatDate)
			}
		}
	}
	return newest
}

// familyCase is an endpoint's answer (endpoint, or endpoint.source for a
// version) and every series it must give.
type familyCase struct {
	endpoint string
	want     map[string]float64
}

// checkFamily serves each case's answer (from dir of testanswers) as the
// account fx's data of its newest day, and checks that every wanted series
// comes out with its value, and no other (but the account and date
// series).
func checkFamily(t *testing.T, dir string, cases []familyCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.endpoint, func(t *testing.T) {
			rows := testrows.Rows(t, dir, tt.endpoint)
			newest := newestDay(rows)
			state := served.NewState(map[string]string{"fx": "wxfixture"})
			name, _, _ := strings.Cut(tt.endpoint, ".")
			state.SetData("fx", name, newest, rows)
			got := gather(t, collector.New(state))
			for k, v := range tt.want {
				g, ok := got[k]
				if !ok {
					t.Errorf("missing %s", k)
					continue
				}
				if diff := g - v; diff > 1e-9 || diff < -1e-9 {
					t.Errorf("%s = %v, want %v", k, g, v)
				}
			}
			for k := range got {
				if _, ok := tt.want[k]; !ok && !strings.HasPrefix(k, "wechat_account_info") && !strings.HasPrefix(k, "wechat_datacube_data_date") {
					t.Errorf("unexpected series %s", k)
				}
			}
		})
	}
}
