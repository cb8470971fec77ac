package collector_test

import (
	"testing"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestCallbacksFamily serves each official sample answer of the family and
// checks every figure comes out under its documented metric, and nothing
// else.
func TestCallbacksFamily(t *testing.T) {
	a := `account="fx"`
	checkFamily(t, "samples", []familyCase{
		{"getinterfacesummary", map[string]float64{
			`wechat_interface_callbacks{` + a + `}`:                 36974,
			`wechat_interface_callback_failures{` + a + `}`:         67,
			`wechat_interface_callback_time_seconds{` + a + `}`:     14994.291,
			`wechat_interface_callback_max_time_seconds{` + a + `}`: 5.044}},
		{"getinterfacesummaryhour", map[string]float64{
			`wechat_interface_hourly_callbacks{` + a + `,hour="00"}`:                 331,
			`wechat_interface_hourly_callback_failures{` + a + `,hour="00"}`:         18,
			`wechat_interface_hourly_callback_time_seconds{` + a + `,hour="00"}`:     167.87,
			`wechat_interface_hourly_callback_max_time_seconds{` + a + `,hour="00"}`: 5.042}},
	})
}

func TestCallbackFailureBaseline(t *testing.T) {
	newest := wechat.MustParseDate("2026-11-21")
	day := func(ago int, fails int64) wechat.Row {
		return wechat.InterfaceSummary{Ref: wechat.Ref{RefDate: newest.AddDays(-ago)}, CallbackCount: wechat.CountOf(1000), FailCount: wechat.CountOf(fails)}
	}
	tests := []struct {
		name string
		rows []wechat.Row
		want float64 // -1: absent
	}{
		{"median of the week, spike ignored", []wechat.Row{day(0, 900), day(1, 10), day(2, 12), day(3, 500), day(4, 8), day(5, 11)}, 11},
		{"even count", []wechat.Row{day(0, 900), day(1, 10), day(2, 20), day(3, 30), day(4, 40)}, 25},
		{"days older than a week left out", []wechat.Row{day(0, 1), day(1, 10), day(2, 10), day(8, 1000), day(9, 1000)}, -1},
		{"too few days", []wechat.Row{day(0, 900), day(1, 10), day(2, 12)}, -1},
	}
	for _, tt := range tests {
		state := served.NewState(map[string]string{"fx": "wx"})
		state.SetData("fx", "getinterfacesummary", newest, tt.rows)
		got := gather(t, collector.New(state))
		v, ok := got[`wechat_interface_callback_failures_baseline{account="fx"}`]
		switch {
		case tt.want < 0 && ok:
			t.Errorf("%s: baseline %v, want none", tt.name, v)
		case tt.want >= 0 && (!ok || v != tt.want):
			t.Errorf("%s: baseline %v (present %v), want %v", tt.name, v, ok, tt.want)
		}
		if got[`wechat_interface_callback_failures{account="fx"}`] != float64(tt.rows[0].(wechat.InterfaceSummary).FailCount.Or(-1)) {
			t.Errorf("%s: the served day's failures mixed with older days: %v", tt.name, got)
		}
	}
}
