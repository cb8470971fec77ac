package collector_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestMetricFilter: an allowlist keeps only the families it matches
// (whole names), a denylist removes those it matches; removed families are
// neither described nor collected; the two lists do not go together.
func TestMetricFilter(t *testing.T) {
	d := wechat.MustParseDate("2026-11-22")
	state := served.NewState(map[string]string{"fx": "wx"})
	state.SetData("fx", wechat.GetUserSummary.Name, d, []wechat.Row{wechat.UserSummary{Ref: wechat.Ref{RefDate: d}, UserSource: wechat.CodeOf(30), NewUser: wechat.CountOf(5), CancelUser: wechat.CountOf(2)}})
	state.SetData("fx", wechat.GetUserCumulate.Name, d, []wechat.Row{wechat.UserCumulate{Ref: wechat.Ref{RefDate: d}, CumulateUser: wechat.CountOf(100)}})
	for _, tc := range []struct {
		allow, deny string
		want        []string // the wechat_user_ families served
	}{
		{"", "", []string{"wechat_user_followers", "wechat_user_follows", "wechat_user_unfollows"}},
		{"", "wechat_user_follows,wechat_user_unfollows", []string{"wechat_user_followers"}},
		{"", "wechat_user_.*follows", []string{"wechat_user_followers"}},
		{"", "wechat_user_follow", []string{"wechat_user_followers", "wechat_user_follows", "wechat_user_unfollows"}}, // whole names only
		{"wechat_user_followers, wechat_account_info", "", []string{"wechat_user_followers"}},
	} {
		f, err := collector.NewMetricFilter(tc.allow, tc.deny)
		if err != nil {
			t.Fatal(err)
		}
		c := collector.New(state, collector.WithMetricFilter(f))
		served := map[string]bool{}
		for k := range gather(t, c) {
			if name := k[:strings.IndexByte(k, '{')]; strings.HasPrefix(name, "wechat_user_") {
				served[name] = true
			}
		}
		described := map[string]bool{}
		ch := make(chan *prometheus.Desc, 512)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			s := d.String()
			described[s[strings.Index(s, `fqName: "`)+9:strings.Index(s, `", help`)]] = true
		}
		for _, name := range []string{"wechat_user_followers", "wechat_user_follows", "wechat_user_unfollows"} {
			want := false
			for _, w := range tc.want {
				want = want || w == name
			}
			if served[name] != want || described[name] != want {
				t.Errorf("allow %q deny %q: %s served %v, described %v, want %v", tc.allow, tc.deny, name, served[name], described[name], want)
			}
			if slices.Contains(f.Removed(), name) == want {
				t.Errorf("allow %q deny %q: %s in Removed() %v, want %v", tc.allow, tc.deny, name, !want, !want)
			}
		}
	}
	if _, err := collector.NewMetricFilter("a", "b"); err == nil {
		t.Error("an allowlist and a denylist together were accepted")
	}
	if _, err := collector.NewMetricFilter("", "wechat_(user"); err == nil || !strings.Contains(err.Error(), "--metric-denylist") {
		t.Errorf("a bad expression: %v", err)
	}
}
