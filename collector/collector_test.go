package collector_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// sampleDir holds the official sample answers, one per endpoint, named
// after it.
const sampleDir = "testdata/samples"

// readSample returns the official sample answer of an endpoint.
func readSample(t *testing.T, endpoint string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sampleDir, endpoint+".json"))
	if err != nil {
		t.Fatalf("sample answer of %s: %v", endpoint, err)
	}
	return b
}

// fixtureRows decodes the list of an endpoint's sample answer into rows.
func fixtureRows(t *testing.T, endpoint string) []wechat.Row {
	t.Helper()
	b := readSample(t, endpoint)
	var ans struct{ List json.RawMessage }
	if err := json.Unmarshal(b, &ans); err != nil {
		t.Fatal(err)
	}
	ep, ok := wechat.EndpointByName(endpoint)
	if !ok {
		t.Fatalf("no endpoint %s", endpoint)
	}
	var first struct {
		Date wechat.Date `json:"ref_date"`
	}
	var items []json.RawMessage
	if err := json.Unmarshal(ans.List, &items); err == nil && len(items) > 0 {
		_ = json.Unmarshal(items[0], &first)
	}
	rows, err := wechat.DecodeDay(ep, first.Date, ans.List)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

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

// TestEveryFixtureValueReachesMetrics serves each public sample response
// and checks that each of its figures comes out under its documented name.
func TestEveryFixtureValueReachesMetrics(t *testing.T) {
	a := `account="fx"`
	tests := []struct {
		endpoint string
		want     map[string]float64
	}{
		{"getusersummary", map[string]float64{
			`wechat_user_follows{` + a + `,source="other"}`:   0,
			`wechat_user_unfollows{` + a + `,source="other"}`: 0}},
		{"getusercumulate", map[string]float64{`wechat_user_followers{` + a + `}`: 1217056}},
		{"getarticlesummary", map[string]float64{
			`wechat_article_post_info{` + a + `,msgid="10000050_1",title="12月27日 DiLi日报"}`: 1,
			`wechat_article_post_read_users{` + a + `,msgid="10000050_1",page="article"}`:  23676,
			`wechat_article_post_reads{` + a + `,msgid="10000050_1",page="article"}`:       25615,
			`wechat_article_post_read_users{` + a + `,msgid="10000050_1",page="original"}`: 29,
			`wechat_article_post_reads{` + a + `,msgid="10000050_1",page="original"}`:      34,
			`wechat_article_post_share_users{` + a + `,msgid="10000050_1"}`:                122,
			`wechat_article_post_shares{` + a + `,msgid="10000050_1"}`:                     994,
			`wechat_article_post_favorite_users{` + a + `,msgid="10000050_1"}`:             1,
			`wechat_article_post_favorites{` + a + `,msgid="10000050_1"}`:                  3}},
		{"getarticletotal", map[string]float64{
			`wechat_article_post_info{` + a + `,msgid="202457380_1",title="马航丢画记"}`:                               1,
			`wechat_article_post_target_users{` + a + `,msgid="202457380_1"}`:                                     261917,
			`wechat_article_post_cumulative_read_users{` + a + `,msgid="202457380_1",page="article"}`:             23676,
			`wechat_article_post_cumulative_reads{` + a + `,msgid="202457380_1",page="article"}`:                  25615,
			`wechat_article_post_cumulative_read_users{` + a + `,msgid="202457380_1",page="original"}`:            29,
			`wechat_article_post_cumulative_reads{` + a + `,msgid="202457380_1",page="original"}`:                 34,
			`wechat_article_post_cumulative_share_users{` + a + `,msgid="202457380_1"}`:                           122,
			`wechat_article_post_cumulative_shares{` + a + `,msgid="202457380_1"}`:                                994,
			`wechat_article_post_cumulative_favorite_users{` + a + `,msgid="202457380_1"}`:                        1,
			`wechat_article_post_cumulative_favorites{` + a + `,msgid="202457380_1"}`:                             3,
			`wechat_article_post_cumulative_read_users_by_source{` + a + `,msgid="202457380_1",source="session"}`: 657283,
			`wechat_article_post_cumulative_reads_by_source{` + a + `,msgid="202457380_1",source="session"}`:      753486,
			`wechat_article_post_cumulative_read_users_by_source{` + a + `,msgid="202457380_1",source="history"}`: 1669,
			`wechat_article_post_cumulative_reads_by_source{` + a + `,msgid="202457380_1",source="history"}`:      1920,
			`wechat_article_post_cumulative_read_users_by_source{` + a + `,msgid="202457380_1",source="moments"}`: 367308,
			`wechat_article_post_cumulative_reads_by_source{` + a + `,msgid="202457380_1",source="moments"}`:      433422,
			`wechat_article_post_cumulative_read_users_by_source{` + a + `,msgid="202457380_1",source="friends"}`: 15428,
			`wechat_article_post_cumulative_reads_by_source{` + a + `,msgid="202457380_1",source="friends"}`:      19645,
			`wechat_article_post_cumulative_read_users_by_source{` + a + `,msgid="202457380_1",source="other"}`:   477,
			`wechat_article_post_cumulative_reads_by_source{` + a + `,msgid="202457380_1",source="other"}`:        703,
			// Not in this fixture (older than those fields): present as 0.
			`wechat_article_post_cumulative_read_users_by_source{` + a + `,msgid="202457380_1",source="kanyikan"}`: 0,
			`wechat_article_post_cumulative_reads_by_source{` + a + `,msgid="202457380_1",source="kanyikan"}`:      0,
			`wechat_article_post_cumulative_read_users_by_source{` + a + `,msgid="202457380_1",source="souyisou"}`: 0,
			`wechat_article_post_cumulative_reads_by_source{` + a + `,msgid="202457380_1",source="souyisou"}`:      0,
			`wechat_article_post_cumulative_moments_share_users{` + a + `,msgid="202457380_1",source="session"}`:   63925,
			`wechat_article_post_cumulative_moments_shares{` + a + `,msgid="202457380_1",source="session"}`:        66489,
			`wechat_article_post_cumulative_moments_share_users{` + a + `,msgid="202457380_1",source="moments"}`:   18249,
			`wechat_article_post_cumulative_moments_shares{` + a + `,msgid="202457380_1",source="moments"}`:        19319,
			`wechat_article_post_cumulative_moments_share_users{` + a + `,msgid="202457380_1",source="other"}`:     731,
			`wechat_article_post_cumulative_moments_shares{` + a + `,msgid="202457380_1",source="other"}`:          775}},
		{"getuserread", map[string]float64{
			`wechat_article_read_users{` + a + `,page="article"}`:              545497,
			`wechat_article_reads{` + a + `,page="article"}`:                   856093,
			`wechat_article_read_users{` + a + `,page="original"}`:             191,
			`wechat_article_reads{` + a + `,page="original"}`:                  240,
			`wechat_article_share_users{` + a + `}`:                            22603,
			`wechat_article_shares{` + a + `}`:                                 28487,
			`wechat_article_favorite_users{` + a + `}`:                         3163,
			`wechat_article_favorites{` + a + `}`:                              3841,
			`wechat_article_read_users_by_source{` + a + `,source="session"}`:  381272,
			`wechat_article_reads_by_source{` + a + `,source="session"}`:       646629,
			`wechat_article_share_users_by_source{` + a + `,source="session"}`: 13110,
			`wechat_article_shares_by_source{` + a + `,source="session"}`:      16469}},
		{"getuserreadhour", map[string]float64{
			`wechat_article_hourly_read_users{` + a + `,hour="00",page="article"}`:              9028,
			`wechat_article_hourly_reads{` + a + `,hour="00",page="article"}`:                   11815,
			`wechat_article_hourly_read_users{` + a + `,hour="00",page="original"}`:             0,
			`wechat_article_hourly_reads{` + a + `,hour="00",page="original"}`:                  0,
			`wechat_article_hourly_share_users{` + a + `,hour="00"}`:                            279,
			`wechat_article_hourly_shares{` + a + `,hour="00"}`:                                 340,
			`wechat_article_hourly_favorite_users{` + a + `,hour="00"}`:                         0,
			`wechat_article_hourly_favorites{` + a + `,hour="00"}`:                              0,
			`wechat_article_hourly_read_users_by_source{` + a + `,hour="00",source="session"}`:  6812,
			`wechat_article_hourly_reads_by_source{` + a + `,hour="00",source="session"}`:       9172,
			`wechat_article_hourly_share_users_by_source{` + a + `,hour="00",source="session"}`: 164,
			`wechat_article_hourly_shares_by_source{` + a + `,hour="00",source="session"}`:      196}},
		{"getusershare", map[string]float64{
			`wechat_article_shares_by_scene{` + a + `,scene="friends"}`:      207,
			`wechat_article_share_users_by_scene{` + a + `,scene="friends"}`: 11,
			`wechat_article_shares_by_scene{` + a + `,scene="5"}`:            23,
			`wechat_article_share_users_by_scene{` + a + `,scene="5"}`:       11}},
		{"getusersharehour", map[string]float64{
			`wechat_article_hourly_shares_by_scene{` + a + `,hour="12",scene="friends"}`:      72,
			`wechat_article_hourly_share_users_by_scene{` + a + `,hour="12",scene="friends"}`: 4}},
		{"getupstreammsg", map[string]float64{
			`wechat_upstream_message_users{` + a + `,msg_type="text"}`: 282,
			`wechat_upstream_messages{` + a + `,msg_type="text"}`:      817}},
		{"getupstreammsghour", map[string]float64{
			`wechat_upstream_hourly_message_users{` + a + `,hour="00",msg_type="text"}`: 9,
			`wechat_upstream_hourly_messages{` + a + `,hour="00",msg_type="text"}`:      10}},
		{"getupstreammsgweek", map[string]float64{
			`wechat_upstream_weekly_message_users{` + a + `,msg_type="text"}`: 16,
			`wechat_upstream_weekly_messages{` + a + `,msg_type="text"}`:      27}},
		{"getupstreammsgmonth", map[string]float64{
			`wechat_upstream_monthly_message_users{` + a + `,msg_type="text"}`: 7989,
			`wechat_upstream_monthly_messages{` + a + `,msg_type="text"}`:      42206}},
		{"getupstreammsgdist", map[string]float64{
			`wechat_upstream_message_distribution_users{` + a + `,count_interval="1-5"}`: 246}},
		{"getupstreammsgdistweek", map[string]float64{
			`wechat_upstream_weekly_message_distribution_users{` + a + `,count_interval="1-5"}`: 246}},
		{"getupstreammsgdistmonth", map[string]float64{
			`wechat_upstream_monthly_message_distribution_users{` + a + `,count_interval="1-5"}`: 246}},
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
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			rows := fixtureRows(t, tt.endpoint)
			state := collector.NewState(map[string]string{"fx": "wxfixture"})
			state.SetData("fx", tt.endpoint, rows[0].RowDate(), rows)
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
			// And nothing but these (plus the account and date series).
			for k := range got {
				if _, ok := tt.want[k]; !ok && !strings.HasPrefix(k, "wechat_account_info") && !strings.HasPrefix(k, "wechat_datacube_data_date") {
					t.Errorf("unexpected series %s", k)
				}
			}
		})
	}
}

func TestLintClean(t *testing.T) {
	state := collector.NewState(map[string]string{"fx": "wxfixture"})
	for _, ep := range []string{"getarticletotal", "getinterfacesummary", "getuserreadhour"} {
		rows := fixtureRows(t, ep)
		state.SetData("fx", ep, rows[0].RowDate(), rows)
	}
	problems, err := testutil.CollectAndLint(collector.New(state))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// TestHostileTitles serves titles with invalid UTF-8, control characters,
// quotes, backslashes, markup and huge lengths: the exposition must parse.
func TestHostileTitles(t *testing.T) {
	titles := []string{"bad \xff\xfe utf8", "line1\nline2\r\n\ttab", `quote " and \ backslash`, "<script>alert('x')</script>",
		strings.Repeat("长", 5000), "\x00\x01\x7f", "", "} # EOF\n# HELP x y"}
	var rows []wechat.Row
	for i, title := range titles {
		rows = append(rows, wechat.ArticleSummary{Ref: wechat.Ref{RefDate: wechat.MustParseDate("2026-11-21")},
			MsgID: fmt.Sprintf("id\n%d\xff", i), Title: title, ReadCounts: wechat.ReadCounts{IntPageReadCount: int64(100 - i)}})
	}
	state := collector.NewState(map[string]string{"fx": "wx"})
	state.SetData("fx", "getarticlesummary", wechat.MustParseDate("2026-11-21"), rows)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(collector.New(state))
	parser := expfmt.NewTextParser(model.UTF8Validation)
	parsed, err := parser.TextToMetricFamilies(bytes.NewReader(exposition(t, reg)))
	if err != nil {
		t.Fatalf("exposition does not parse: %v", err)
	}
	info := parsed["wechat_article_post_info"]
	if info == nil || len(info.GetMetric()) != len(titles) {
		t.Fatalf("post_info series: %v", info)
	}
	for _, m := range info.GetMetric() {
		for _, lp := range m.GetLabel() {
			v := lp.GetValue()
			if strings.ContainsAny(v, "\n\r\t\x00\x7f") || len([]rune(v)) > 129 {
				t.Errorf("label %s not sanitised: %q", lp.GetName(), v)
			}
		}
	}
}

func TestDuplicateRowsSummedNotFailed(t *testing.T) {
	d := wechat.MustParseDate("2026-11-21")
	rows := []wechat.Row{
		wechat.UserSummary{Ref: wechat.Ref{RefDate: d}, UserSource: 30, NewUser: 5},
		wechat.UserSummary{Ref: wechat.Ref{RefDate: d}, UserSource: 30, NewUser: 7},
		wechat.UserSummary{Ref: wechat.Ref{RefDate: d}, UserSource: 999, NewUser: 1},
	}
	state := collector.NewState(map[string]string{"fx": "wx"})
	state.SetData("fx", "getusersummary", d, rows)
	got := gather(t, collector.New(state))
	if got[`wechat_user_follows{account="fx",source="qr_code"}`] != 12 {
		t.Errorf("duplicates not summed: %v", got)
	}
	if got[`wechat_user_follows{account="fx",source="999"}`] != 1 {
		t.Errorf("unknown source not passed through: %v", got)
	}
}

func TestPostCap(t *testing.T) {
	d := wechat.MustParseDate("2026-11-21")
	var rows []wechat.Row
	for i := 0; i < 10; i++ {
		rows = append(rows, wechat.ArticleSummary{Ref: wechat.Ref{RefDate: d}, MsgID: fmt.Sprintf("m%d", i),
			Title: "t", ReadCounts: wechat.ReadCounts{IntPageReadCount: int64(i * 10)}})
	}
	state := collector.NewState(map[string]string{"fx": "wx"})
	state.SetData("fx", "getarticlesummary", d, rows)
	got := gather(t, collector.New(state, collector.WithMaxPosts(3)))
	var ids []string
	for k := range got {
		if strings.HasPrefix(k, "wechat_article_post_info") {
			ids = append(ids, k[strings.Index(k, "msgid=")+7:strings.Index(k, `",title`)])
		}
	}
	sort.Strings(ids)
	if strings.Join(ids, ",") != "m7,m8,m9" {
		t.Errorf("posts served %v, want the three most read", ids)
	}
}

func TestRemovedAccountNotServed(t *testing.T) {
	state := collector.NewState(map[string]string{"kept": "wx1"})
	state.SetData("gone", "getusercumulate", wechat.MustParseDate("2026-11-21"), []wechat.Row{wechat.UserCumulate{CumulateUser: 5}})
	for k := range gather(t, collector.New(state)) {
		if strings.Contains(k, "gone") {
			t.Errorf("unconfigured account served: %s", k)
		}
	}
}

// exposition renders what reg gathers in the text format.
func exposition(t *testing.T, reg prometheus.Gatherer) []byte {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestCallbackFailureBaseline(t *testing.T) {
	served := wechat.MustParseDate("2026-11-21")
	day := func(ago int, fails int64) wechat.Row {
		return wechat.InterfaceSummary{Ref: wechat.Ref{RefDate: served.AddDays(-ago)}, CallbackCount: 1000, FailCount: fails}
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
		state := collector.NewState(map[string]string{"fx": "wx"})
		state.SetData("fx", "getinterfacesummary", served, tt.rows)
		got := gather(t, collector.New(state))
		v, ok := got[`wechat_interface_callback_failures_baseline{account="fx"}`]
		switch {
		case tt.want < 0 && ok:
			t.Errorf("%s: baseline %v, want none", tt.name, v)
		case tt.want >= 0 && (!ok || v != tt.want):
			t.Errorf("%s: baseline %v (present %v), want %v", tt.name, v, ok, tt.want)
		}
		if got[`wechat_interface_callback_failures{account="fx"}`] != float64(tt.rows[0].(wechat.InterfaceSummary).FailCount) {
			t.Errorf("%s: the served day's failures mixed with older days: %v", tt.name, got)
		}
	}
}

// TestArticleTotalAsOfServedDay: a day replayed from history (backfill)
// shows each article's totals as they stood that day, not later ones.
func TestArticleTotalAsOfServedDay(t *testing.T) {
	sent := wechat.MustParseDate("2026-11-10")
	row := wechat.ArticleTotal{Ref: wechat.Ref{RefDate: sent}, MsgID: "9_1", Title: "t"}
	for i := 0; i < 5; i++ {
		row.Details = append(row.Details, wechat.ArticleTotalDetail{StatDate: sent.AddDays(i), ReadCounts: wechat.ReadCounts{IntPageReadCount: int64(100 * (i + 1))}})
	}
	for day, want := range map[string]float64{"2026-11-10": 100, "2026-11-12": 300, "2026-11-20": 500} {
		state := collector.NewState(map[string]string{"fx": "wx"})
		state.SetData("fx", "getarticletotal", wechat.MustParseDate(day), []wechat.Row{row})
		got := gather(t, collector.New(state))[`wechat_article_post_cumulative_reads{account="fx",msgid="9_1",page="article"}`]
		if got != want {
			t.Errorf("served day %s: %v, want %v", day, got, want)
		}
	}
}

// TestSeriesPerEndpointBounded: rows that would make more than
// collector.MaxSeriesPerEndpoint series of one account's endpoint are cut
// there, and the cut is shown.
func TestSeriesPerEndpointBounded(t *testing.T) {
	d := wechat.MustParseDate("2026-11-21")
	var rows []wechat.Row
	for i := 0; i < 3000; i++ { // two series a row: follows and unfollows
		rows = append(rows, wechat.UserSummary{Ref: wechat.Ref{RefDate: d}, UserSource: int64(1000 + i), NewUser: 1})
	}
	state := collector.NewState(map[string]string{"fx": "wx"})
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
