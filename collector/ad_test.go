package collector_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/internal/testanswers/testrows"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// fetchAdFixture serves a public ad sample as WeChat would and fetches it
// through the client, which sets each row's day.
func fetchAdFixture(t *testing.T, ep wechat.Endpoint, file string, d wechat.Date) []wechat.Row {
	t.Helper()
	body := testrows.Answer(t, filepath.Dir(file), filepath.Base(file))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }))
	defer srv.Close()
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("token"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := wechat.New(wechat.NewFileToken(tok), wechat.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	ans, err := c.Fetch(context.Background(), ep, wechat.Range{Begin: d, End: d})
	if err != nil {
		t.Fatal(err)
	}
	return ans.Rows
}

// TestAdFixturesReachMetrics: every figure of the three ad samples' lists
// and totals comes out under its documented name, amounts in yuan.
func TestAdFixturesReachMetrics(t *testing.T) {
	a := `account="fx"`
	d := wechat.MustParseDate("2020-04-13")
	settlement := map[string]float64{
		`wechat_ad_revenue_yuan{` + a + `}`:                                                                       51783686.98,
		`wechat_ad_settled_revenue_yuan{` + a + `}`:                                                               26136967.65,
		`wechat_ad_pending_revenue_yuan{` + a + `}`:                                                               25646719.33,
		`wechat_ad_penalty_yuan{` + a + `}`:                                                                       0,
		`wechat_ad_settlement_revenue_yuan{` + a + `,period="2020-03-01"}`:                                        7189260.45,
		`wechat_ad_settlement_status{` + a + `,period="2020-03-01"}`:                                              1,
		`wechat_ad_settlement_slot_revenue_yuan{` + a + `,period="2020-03-01",slot="SLOT_ID_WEAPP_BANNER"}`:       341394.43,
		`wechat_ad_settlement_slot_revenue_yuan{` + a + `,period="2020-03-01",slot="SLOT_ID_WEAPP_REWARD_VIDEO"}`: 6847866.02}
	tests := []struct {
		ep   wechat.Endpoint
		file string // in testanswers: samples/<endpoint> unless set
		want map[string]float64
	}{
		{wechat.PublisherAdPosGeneral, "", map[string]float64{
			`wechat_ad_requests{` + a + `,slot="SLOT_ID_WEAPP_INTERSTITIAL"}`:       443610,
			`wechat_ad_exposures{` + a + `,slot="SLOT_ID_WEAPP_INTERSTITIAL"}`:      181814,
			`wechat_ad_exposure_ratio{` + a + `,slot="SLOT_ID_WEAPP_INTERSTITIAL"}`: 0.409850995,
			`wechat_ad_clicks{` + a + `,slot="SLOT_ID_WEAPP_INTERSTITIAL"}`:         10095,
			`wechat_ad_click_ratio{` + a + `,slot="SLOT_ID_WEAPP_INTERSTITIAL"}`:    0.055523777,
			`wechat_ad_income_yuan{` + a + `,slot="SLOT_ID_WEAPP_INTERSTITIAL"}`:    521.75,
			`wechat_ad_ecpm_yuan{` + a + `,slot="SLOT_ID_WEAPP_INTERSTITIAL"}`:      2.86969100289}},
		{wechat.PublisherCPSGeneral, "", map[string]float64{
			`wechat_ad_cps_exposures{` + a + `}`:         15153,
			`wechat_ad_cps_clicks{` + a + `}`:            396,
			`wechat_ad_cps_click_rate{` + a + `}`:        38.265151515,
			`wechat_ad_cps_orders{` + a + `}`:            3,
			`wechat_ad_cps_order_ratio{` + a + `}`:       0.007575758,
			`wechat_ad_cps_order_amount_yuan{` + a + `}`: 1629,
			`wechat_ad_cps_commission_yuan{` + a + `}`:   250.21}},
		{wechat.PublisherSettlement, "", settlement},
		// The other SDK's name of a slot's settled revenue.
		{wechat.PublisherSettlement, "versions/publisher_settlement.morgine", settlement},
	}
	for _, tt := range tests {
		if tt.file == "" {
			tt.file = "samples/" + tt.ep.Name
		}
		t.Run(tt.file, func(t *testing.T) {
			rows := fetchAdFixture(t, tt.ep, tt.file, d)
			state := served.NewState(map[string]string{"fx": "wxfixture"})
			state.SetData("fx", tt.ep.Name, d, rows)
			got := gather(t, collector.New(state))
			for k, v := range tt.want {
				g, ok := got[k]
				if !ok {
					t.Errorf("missing %s", k)
				} else if diff := g - v; diff > 1e-6 || diff < -1e-6 {
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

// TestAdSlotsAddUp: two ad units of one slot are one series, with the
// rates and eCPM of the sums; a hostile slot name is bounded.
func TestAdSlotsAddUp(t *testing.T) {
	d := wechat.MustParseDate("2026-11-21")
	ref := wechat.Ref{RefDate: d}
	rows := []wechat.Row{
		wechat.AdPosition{Ref: ref, SlotID: "1", AdSlot: "SLOT_ID_BIZ_BOTTOM", ReqSuccCount: wechat.CountOf(100), ExposureCount: wechat.CountOf(40), ExposureRate: wechat.DecimalOf(0.4), ClickCount: wechat.CountOf(4), ClickRate: wechat.DecimalOf(0.1), Income: wechat.CountOf(400), ECPM: wechat.DecimalOf(10000)},
		wechat.AdPosition{Ref: ref, SlotID: "2", AdSlot: "SLOT_ID_BIZ_BOTTOM", ReqSuccCount: wechat.CountOf(300), ExposureCount: wechat.CountOf(60), ExposureRate: wechat.DecimalOf(0.2), ClickCount: wechat.CountOf(2), ClickRate: wechat.DecimalOf(0.0333), Income: wechat.CountOf(200), ECPM: wechat.DecimalOf(3333)},
		wechat.AdPosition{Ref: ref, AdSlot: wechat.FlexString(strings.Repeat("X", 500) + "\n"), ReqSuccCount: wechat.CountOf(7)},
		wechat.AdPosition{Ref: wechat.Ref{RefDate: d - 1}, AdSlot: "SLOT_ID_BIZ_BOTTOM", ReqSuccCount: wechat.CountOf(1000)}, // another day: not served
	}
	state := served.NewState(map[string]string{"fx": "wxfixture"})
	state.SetData("fx", wechat.PublisherAdPosGeneral.Name, d, rows)
	got := gather(t, collector.New(state))
	s := `{account="fx",slot="SLOT_ID_BIZ_BOTTOM"}`
	for k, v := range map[string]float64{"wechat_ad_requests" + s: 400, "wechat_ad_exposures" + s: 100, "wechat_ad_exposure_ratio" + s: 0.25,
		"wechat_ad_clicks" + s: 6, "wechat_ad_click_ratio" + s: 0.06, "wechat_ad_income_yuan" + s: 6, "wechat_ad_ecpm_yuan" + s: 60} {
		if diff := got[k] - v; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	n := 0
	for k := range got {
		if strings.HasPrefix(k, "wechat_ad_requests{") {
			n++
			if len(k) > 120 || strings.Contains(k, "\n") {
				t.Errorf("unbounded slot label: %q", k)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d slot series, want 2", n)
	}
}

// TestSettlementPeriodsBounded: periods are labelled by their first day,
// at most 48 are served (the newest), statuses are never summed, and an
// undocumented month passes through sanitised.
func TestSettlementPeriodsBounded(t *testing.T) {
	d := wechat.MustParseDate("2026-11-21")
	s := wechat.Settlement{Ref: wechat.Ref{RefDate: d}, RevenueAll: wechat.CountOf(100), SettledRevenueAll: wechat.CountOf(40)}
	for i := 0; i < 100; i++ {
		y, m := 2020+i/24, 1+(i%24)/2
		s.Periods = append(s.Periods, wechat.SettlementPeriod{Month: wechat.FlexString(fmt.Sprintf("%d%02d", y, m)), Order: wechat.CodeOf(int64(1 + i%2)), SettStatus: wechat.CodeOf(5), SettledRevenue: wechat.CountOf(100)})
	}
	s.Periods = append(s.Periods,
		wechat.SettlementPeriod{Month: "202402", Order: wechat.CodeOf(2), SettStatus: wechat.CodeOf(1)}, // the same period twice
		wechat.SettlementPeriod{Month: "20XX\"}", Order: wechat.CodeOf(3), SettStatus: wechat.CodeOf(2)})
	state := served.NewState(map[string]string{"fx": "wxfixture"})
	state.SetData("fx", wechat.PublisherSettlement.Name, d, []wechat.Row{s})
	got := gather(t, collector.New(state))
	n := 0
	for k := range got {
		if strings.HasPrefix(k, "wechat_ad_settlement_status{") {
			n++
		}
	}
	if n != 48 {
		t.Errorf("%d periods served, want 48", n)
	}
	if v := got[`wechat_ad_settlement_status{account="fx",period="2024-02-16"}`]; v != 1 {
		t.Errorf("status of a period listed twice = %v, want the later entry's code, not a sum", v)
	}
	if _, ok := got[`wechat_ad_settlement_status{account="fx",period="2020-01-01"}`]; ok {
		t.Error("the oldest periods are served")
	}
	if _, ok := got[`wechat_ad_settlement_status{account="fx",period="20XX\"}-3"}`]; !ok {
		t.Error("an undocumented period is dropped")
	}
	if got[`wechat_ad_pending_revenue_yuan{account="fx"}`] != 0.6 {
		t.Errorf("pending = %v", got[`wechat_ad_pending_revenue_yuan{account="fx"}`])
	}
}
