package collector_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestSeriesPerEndpointBounded: rows that would make more than
// collector.MaxSeriesPerEndpoint series of one account's endpoint are cut
// there, and the cut is shown.
func TestSeriesPerEndpointBounded(t *testing.T) {
	d := wechat.MustParseDate("2026-11-21")
	var rows []wechat.Row
	for i := 0; i < 3000; i++ { // two series a row: follows and unfollows
		rows = append(rows, wechat.UserSummary{Ref: wechat.Ref{RefDate: d}, UserSource: wechat.CodeOf(int64(1000 + i)), NewUser: wechat.CountOf(1), CancelUser: wechat.CountOf(0)})
	}
	state := served.NewState(map[string]string{"fx": "wx"})
	state.SetData("fx", "getusersummary", d, rows)
	got := gather(t, collector.New(state))
	n := 0
	for k := range got {
		if strings.HasPrefix(k, "wechat_user_follows{") || strings.HasPrefix(k, "wechat_user_unfollows{") {
			n++
		}
	}
	if n != collector.MaxSeriesPerEndpoint {
		t.Errorf("%d series of getusersummary, want %d", n, collector.MaxSeriesPerEndpoint)
	}
	if v := got[`wechat_datacube_series_dropped{account="fx",endpoint="getusersummary"}`]; v != 6000-float64(collector.MaxSeriesPerEndpoint) {
		t.Errorf("wechat_datacube_series_dropped = %v, want %d", v, 6000-collector.MaxSeriesPerEndpoint)
	}
}

// TestStatusFamily: the exporter's own series of an account: the account,
// the day each endpoint serves, how its last fetch went and when it last
// succeeded, and why WeChat will not serve an endpoint.
func TestStatusFamily(t *testing.T) {
	d := wechat.MustParseDate("2026-11-21")
	at := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	state := served.NewState(map[string]string{"fx": "wxfixture"})
	state.SetData("fx", "getusercumulate", d, []wechat.Row{wechat.UserCumulate{Ref: wechat.Ref{RefDate: d}, CumulateUser: wechat.CountOf(5)}})
	state.SetStatus("fx", "getusercumulate", true, at)
	state.SetStatus("fx", "getupstreammsg", false, at)
	state.SetStatus("fx", "getarticletotal", false, at)
	state.SetUnavailable("fx", "getarticletotal", wechat.ReasonOffline)
	got := gather(t, collector.New(state))
	want := map[string]float64{
		`wechat_account_info{account="fx",app_id="wxfixture",nick_name="",service_type="",verify_type=""}`: 1,
		`wechat_user_followers{account="fx"}`:                                                            5,
		`wechat_datacube_data_date_timestamp_seconds{account="fx",endpoint="getusercumulate"}`:           float64(d.Start().Unix()),
		`wechat_datacube_last_fetch_success{account="fx",endpoint="getusercumulate"}`:                    1,
		`wechat_datacube_last_fetch_success_timestamp_seconds{account="fx",endpoint="getusercumulate"}`:  float64(at.Unix()),
		`wechat_datacube_last_fetch_success{account="fx",endpoint="getupstreammsg"}`:                     0,
		`wechat_datacube_last_fetch_success{account="fx",endpoint="getarticletotal"}`:                    0,
		`wechat_datacube_endpoint_unavailable{account="fx",endpoint="getarticletotal",reason="offline"}`: 1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected series %s", k)
		}
	}
	if d.Start().Unix() != 1795190400 { // 2026-11-21 00:00 Beijing = 2026-11-20 16:00 UTC
		t.Errorf("the served day starts at %d", d.Start().Unix())
	}
}

// TestNickNameLabelBounded: a nickname is chosen by an account's owner and
// given by WeChat's answer: as a label value it is made safe text and cut,
// whatever it holds.
func TestNickNameLabelBounded(t *testing.T) {
	state := served.NewState(map[string]string{"fx": "wxfixture"})
	state.SetInfo("fx", served.AccountInfo{Discovered: true, NickName: "News\n" + strings.Repeat("长", 10_000)})
	for k := range gather(t, collector.New(state)) {
		if !strings.HasPrefix(k, "wechat_account_info{") {
			continue
		}
		nick := k[strings.Index(k, `nick_name="`)+len(`nick_name="`):]
		nick = nick[:strings.Index(nick, `"`)]
		if strings.ContainsAny(nick, "\n\\") || utf8.RuneCountInString(strings.TrimSuffix(nick, "…")) > 64 || !strings.HasPrefix(nick, "News 长") {
			t.Errorf("nick_name label %.80q... (%d runes): want safe text of at most 64 runes and an ellipsis", nick, utf8.RuneCountInString(nick))
		}
	}
}
