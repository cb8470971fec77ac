package collector_test

import (
	"testing"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestUsersFamily serves each official sample answer of the family and
// checks every figure comes out under its documented metric, and nothing
// else.
func TestUsersFamily(t *testing.T) {
	a := `account="fx"`
	checkFamily(t, "samples", []familyCase{
		{"getusersummary", map[string]float64{
			`wechat_user_follows{` + a + `,source="other"}`:   0,
			`wechat_user_unfollows{` + a + `,source="other"}`: 0}},
		{"getusercumulate", map[string]float64{`wechat_user_followers{` + a + `}`: 1217056}},
	})
}

func TestDuplicateRowsSummedNotFailed(t *testing.T) {
	d := wechat.MustParseDate("2026-11-21")
	rows := []wechat.Row{
		wechat.UserSummary{Ref: wechat.Ref{RefDate: d}, UserSource: wechat.CodeOf(30), NewUser: wechat.CountOf(5)},
		wechat.UserSummary{Ref: wechat.Ref{RefDate: d}, UserSource: wechat.CodeOf(30), NewUser: wechat.CountOf(7)},
		wechat.UserSummary{Ref: wechat.Ref{RefDate: d}, UserSource: wechat.CodeOf(999), NewUser: wechat.CountOf(1)},
	}
	state := served.NewState(map[string]string{"fx": "wx"})
	state.SetData("fx", "getusersummary", d, rows)
	got := gather(t, collector.New(state))
	if got[`wechat_user_follows{account="fx",source="qr_code"}`] != 12 {
		t.Errorf("duplicates not summed: %v", got)
	}
	if got[`wechat_user_follows{account="fx",source="999"}`] != 1 {
		t.Errorf("unknown source not passed through: %v", got)
	}
}

// TestUserCountFamily: user_get's total, the followers now, is its own
// gauge beside getusercumulate's day-old figure.
func TestUserCountFamily(t *testing.T) {
	d := wechat.MustParseDate("2026-11-22")
	rows, err := wechat.DecodeDay(wechat.GetUserCount, d, []byte(`[{"total":2}]`)) // as the store keeps the official sample
	if err != nil {
		t.Fatal(err)
	}
	state := served.NewState(map[string]string{"fx": "wx"})
	state.SetData("fx", wechat.GetUserCount.Name, d, rows)
	got := gather(t, collector.New(state))
	if v := got[`wechat_user_followers_current{account="fx"}`]; v != 2 {
		t.Errorf("wechat_user_followers_current = %v, want 2", v)
	}
	if _, ok := got[`wechat_user_followers{account="fx"}`]; ok {
		t.Error("user_get's total must not be served as getusercumulate's")
	}
}
