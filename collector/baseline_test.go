package collector_test

import (
	"testing"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestBaselines: each baseline is the median of the stored days in the
// week before the served day; the served day's own figures are served
// only for it; a stored day without rows counts as 0; a baseline is
// absent with fewer than 3 days; the readers' baseline takes only the
// days the account published on.
func TestBaselines(t *testing.T) {
	newest := wechat.MustParseDate("2026-11-22")
	day := func(back int) wechat.Date { return newest.AddDays(-back) }
	summary := func(d wechat.Date, follows, unfollows int64) wechat.Row {
		return wechat.UserSummary{Ref: wechat.Ref{RefDate: d}, UserSource: wechat.CodeOf(30),
			NewUser: wechat.CountOf(follows), CancelUser: wechat.CountOf(unfollows)}
	}
	biz := func(d wechat.Date, readers, sent int64) wechat.Row {
		return wechat.BizSummary{Ref: wechat.Ref{RefDate: d},
			Detail: wechat.BizSummaryDetail{Engagement: wechat.Engagement{ReadUser: wechat.CountOf(readers)}, SendPageCount: wechat.CountOf(sent)}}
	}
	income := func(d wechat.Date, slot string, fen int64) wechat.Row {
		return wechat.AdPosition{Ref: wechat.Ref{RefDate: d}, Date: wechat.FlexString(d.String()), AdSlot: wechat.FlexString(slot), Income: wechat.CountOf(fen)}
	}
	const account = `{account="fx"}`
	tests := []struct {
		name     string
		endpoint wechat.Endpoint
		rows     []wechat.Row
		days     []wechat.Date // stored days; nil: those of the rows
		want     map[string]float64
		absent   []string
	}{
		{
			name: "unfollows and net follows: median of the week before, the spike day apart", endpoint: wechat.GetUserSummary,
			rows: []wechat.Row{summary(newest, 5, 400), summary(day(1), 30, 10), summary(day(2), 30, 20),
				summary(day(3), 10, 40), summary(day(8), 0, 900)}, // day 8 is before the week
			want: map[string]float64{
				"wechat_user_unfollows_baseline" + account:             20,
				"wechat_user_net_follows_baseline" + account:           10,
				`wechat_user_unfollows{account="fx",source="qr_code"}`: 400,
			},
		},
		{
			// Without its quiet days, two days: no baseline. With them,
			// 0, 0, 10 and 20 unfollows.
			name: "a stored quiet day counts 0", endpoint: wechat.GetUserSummary,
			rows: []wechat.Row{summary(newest, 5, 5), summary(day(1), 0, 10), summary(day(2), 0, 20)},
			days: []wechat.Date{newest, day(1), day(2), day(3), day(4)},
			want: map[string]float64{"wechat_user_unfollows_baseline" + account: 5, "wechat_user_net_follows_baseline" + account: -5},
		},
		{
			name: "a first day: no baseline", endpoint: wechat.GetUserSummary,
			rows:   []wechat.Row{summary(newest, 5, 400), summary(day(1), 30, 10), summary(day(2), 30, 20)},
			want:   map[string]float64{`wechat_user_unfollows{account="fx",source="qr_code"}`: 400},
			absent: []string{"wechat_user_unfollows_baseline" + account, "wechat_user_net_follows_baseline" + account},
		},
		{
			name: "a figure WeChat did not give makes no baseline", endpoint: wechat.GetUserSummary,
			rows: []wechat.Row{
				wechat.UserSummary{Ref: wechat.Ref{RefDate: newest}, UserSource: wechat.CodeOf(30), NewUser: wechat.CountOf(5)},
				wechat.UserSummary{Ref: wechat.Ref{RefDate: day(1)}, UserSource: wechat.CodeOf(30), NewUser: wechat.CountOf(5)},
				wechat.UserSummary{Ref: wechat.Ref{RefDate: day(2)}, UserSource: wechat.CodeOf(30), NewUser: wechat.CountOf(5)},
				wechat.UserSummary{Ref: wechat.Ref{RefDate: day(3)}, UserSource: wechat.CodeOf(30), NewUser: wechat.CountOf(5)},
			},
			days:   []wechat.Date{newest, day(1), day(2), day(3), day(4)},
			absent: []string{"wechat_user_unfollows_baseline" + account, "wechat_user_net_follows_baseline" + account},
		},
		{
			name: "readers: the publishing days only", endpoint: wechat.GetBizSummary,
			rows: []wechat.Row{biz(newest, 300, 1), biz(day(1), 1000, 1), biz(day(2), 10, 0), biz(day(3), 3000, 2),
				biz(day(4), 20, 0), biz(day(5), 2000, 1)},
			want: map[string]float64{"wechat_published_read_users_baseline" + account: 2000, "wechat_published_read_users" + account: 300},
		},
		{
			name: "readers: too few publishing days", endpoint: wechat.GetBizSummary,
			rows:   []wechat.Row{biz(newest, 300, 1), biz(day(1), 1000, 1), biz(day(2), 10, 0), biz(day(3), 3000, 2), biz(day(4), 20, 0)},
			absent: []string{"wechat_published_read_users_baseline" + account},
		},
		{
			name: "ad income: all slots of a day, in yuan", endpoint: wechat.PublisherAdPosGeneral,
			rows: []wechat.Row{income(newest, "SLOT_ID_BIZ_BOTTOM", 100), income(day(1), "SLOT_ID_BIZ_BOTTOM", 10000),
				income(day(1), "SLOT_ID_BIZ_MID_CONTEXT", 5000), income(day(2), "SLOT_ID_BIZ_BOTTOM", 20000),
				income(day(3), "SLOT_ID_BIZ_BOTTOM", 12000)},
			want: map[string]float64{"wechat_ad_income_baseline_yuan" + account: 150,
				`wechat_ad_income_yuan{account="fx",slot="SLOT_ID_BIZ_BOTTOM"}`: 1},
		},
		{
			name: "callback failures: a stored day without callbacks counts 0", endpoint: wechat.GetInterfaceSummary,
			rows: []wechat.Row{
				wechat.InterfaceSummary{Ref: wechat.Ref{RefDate: newest}, CallbackCount: wechat.CountOf(100), FailCount: wechat.CountOf(50)},
				wechat.InterfaceSummary{Ref: wechat.Ref{RefDate: day(1)}, CallbackCount: wechat.CountOf(100), FailCount: wechat.CountOf(9)},
			},
			days: []wechat.Date{newest, day(1), day(2), day(3)},
			want: map[string]float64{"wechat_interface_callback_failures_baseline" + account: 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := served.NewState(map[string]string{"fx": "wxfixture"})
			state.SetData("fx", tt.endpoint.Name, newest, tt.rows, tt.days...)
			got := gather(t, collector.New(state))
			for k, v := range tt.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
				}
			}
			for _, k := range tt.absent {
				if g, ok := got[k]; ok {
					t.Errorf("%s = %v, want no series", k, g)
				}
			}
			for k := range got {
				if k == `wechat_user_follows{account="fx",source="qr_code"}` || k == `wechat_user_unfollows{account="fx",source="qr_code"}` {
					continue
				}
				if _, ok := tt.want[k]; !ok && tt.endpoint == wechat.GetUserSummary && !isStatus(k) {
					t.Errorf("unexpected series %s: only the served day's figures and the baselines", k)
				}
			}
		})
	}
}

func isStatus(series string) bool {
	for _, p := range []string{"wechat_account_info", "wechat_datacube_data_date"} {
		if len(series) >= len(p) && series[:len(p)] == p {
			return true
		}
	}
	return false
}
