package collector_test

import (
	"testing"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestQuotaFamily: each API path's quota is served under its path; a row
// of an earlier day (a quota since reset) is not.
func TestQuotaFamily(t *testing.T) {
	d := wechat.MustParseDate("2026-11-22")
	rows, err := wechat.DecodeDay(wechat.APIQuota, d, []byte(`[
		{"cgi_path":"/datacube/getusersummary","quota":{"daily_limit":5000,"used":120,"remain":4880}},
		{"cgi_path":"/publisher/stat","quota":{"daily_limit":1000,"used":1000,"remain":0}}]`))
	if err != nil {
		t.Fatal(err)
	}
	old, err := wechat.DecodeDay(wechat.APIQuota, d.AddDays(-1), []byte(`[{"cgi_path":"/cgi-bin/user/get","quota":{"daily_limit":9,"used":9,"remain":0}}]`))
	if err != nil {
		t.Fatal(err)
	}
	state := served.NewState(map[string]string{"fx": "wx"})
	state.SetData("fx", wechat.APIQuota.Name, d, append(rows, old...))
	got := gather(t, collector.New(state))
	a := `account="fx"`
	want := map[string]float64{
		`wechat_api_daily_quota_limit{` + a + `,path="/datacube/getusersummary"}`:     5000,
		`wechat_api_daily_quota_used{` + a + `,path="/datacube/getusersummary"}`:      120,
		`wechat_api_daily_quota_remaining{` + a + `,path="/datacube/getusersummary"}`: 4880,
		`wechat_api_daily_quota_limit{` + a + `,path="/publisher/stat"}`:              1000,
		`wechat_api_daily_quota_used{` + a + `,path="/publisher/stat"}`:               1000,
		`wechat_api_daily_quota_remaining{` + a + `,path="/publisher/stat"}`:          0,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (served: %v), want %v", k, g, ok, v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok && k[:len("wechat_api_daily_quota")] == "wechat_api_daily_quota" {
			t.Errorf("unexpected series %s", k)
		}
	}
}
