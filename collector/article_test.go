package collector_test

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestArticlesFamily serves each official sample answer of the family and
// checks every figure comes out under its documented metric, and nothing
// else.
func TestArticlesFamily(t *testing.T) {
	a := `account="fx"`
	checkFamily(t, "samples", []familyCase{
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
			// kanyikan and souyisou are not in this sample (older than those
			// fields): no series, never a 0.
			`wechat_article_post_cumulative_moments_share_users{` + a + `,msgid="202457380_1",source="session"}`: 63925,
			`wechat_article_post_cumulative_moments_shares{` + a + `,msgid="202457380_1",source="session"}`:      66489,
			`wechat_article_post_cumulative_moments_share_users{` + a + `,msgid="202457380_1",source="moments"}`: 18249,
			`wechat_article_post_cumulative_moments_shares{` + a + `,msgid="202457380_1",source="moments"}`:      19319,
			`wechat_article_post_cumulative_moments_share_users{` + a + `,msgid="202457380_1",source="other"}`:   731,
			`wechat_article_post_cumulative_moments_shares{` + a + `,msgid="202457380_1",source="other"}`:        775}},
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
			`wechat_article_hourly_share_users{` + a + `,hour="00"}`:                            279,
			`wechat_article_hourly_shares{` + a + `,hour="00"}`:                                 340,
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
	})
}

// TestHostileTitles serves titles with invalid UTF-8, control characters,
// quotes, backslashes, markup and huge lengths: the exposition must parse.
func TestHostileTitles(t *testing.T) {
	titles := []string{"bad \xff\xfe utf8", "line1\nline2\r\n\ttab", `quote " and \ backslash`, "<script>alert('x')</script>",
		strings.Repeat("长", 5000), "\x00\x01\x7f", "", "} # EOF\n# HELP x y"}
	var rows []wechat.Row
	for i, title := range titles {
		rows = append(rows, wechat.ArticleSummary{Ref: wechat.Ref{RefDate: wechat.MustParseDate("2026-11-21")},
			MsgID: wechat.FlexString(fmt.Sprintf("id\n%d\xff", i)), Title: wechat.FlexString(title), ReadCounts: wechat.ReadCounts{IntPageReadCount: wechat.CountOf(int64(100 - i))}})
	}
	state := served.NewState(map[string]string{"fx": "wx"})
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

func TestPostCap(t *testing.T) {
	d := wechat.MustParseDate("2026-11-21")
	var rows []wechat.Row
	for i := 0; i < 10; i++ {
		rows = append(rows, wechat.ArticleSummary{Ref: wechat.Ref{RefDate: d}, MsgID: wechat.FlexString(fmt.Sprintf("m%d", i)),
			Title: "t", ReadCounts: wechat.ReadCounts{IntPageReadCount: wechat.CountOf(int64(i * 10))}})
	}
	state := served.NewState(map[string]string{"fx": "wx"})
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

// TestArticleTotalAsOfServedDay: a day replayed from history (backfill)
// shows each article's totals as they stood that day, not later ones.
func TestArticleTotalAsOfServedDay(t *testing.T) {
	sent := wechat.MustParseDate("2026-11-10")
	row := wechat.ArticleTotal{Ref: wechat.Ref{RefDate: sent}, MsgID: "9_1", Title: "t"}
	for i := 0; i < 5; i++ {
		row.Details = append(row.Details, wechat.ArticleTotalDetail{StatDate: sent.AddDays(i), ReadCounts: wechat.ReadCounts{IntPageReadCount: wechat.CountOf(int64(100 * (i + 1)))}})
	}
	for day, want := range map[string]float64{"2026-11-10": 100, "2026-11-12": 300, "2026-11-20": 500} {
		state := served.NewState(map[string]string{"fx": "wx"})
		state.SetData("fx", "getarticletotal", wechat.MustParseDate(day), []wechat.Row{row})
		got := gather(t, collector.New(state))[`wechat_article_post_cumulative_reads{account="fx",msgid="9_1",page="article"}`]
		if got != want {
			t.Errorf("served day %s: %v, want %v", day, got, want)
		}
	}
}
