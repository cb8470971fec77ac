package collector_test

import "testing"

// TestEveryDocumentedVersionServes serves each other documented version
// of the sample answers: every figure it has comes out under its metric,
// and a figure it lacks gives no series, never a 0.
func TestEveryDocumentedVersionServes(t *testing.T) {
	a := `account="fx"`
	articleTotals := func(msgid, title string) map[string]float64 {
		p := a + `,msgid="` + msgid + `"`
		return map[string]float64{
			`wechat_article_post_info{` + p + `,title="` + title + `"}`:            1,
			`wechat_article_post_target_users{` + p + `}`:                          261917,
			`wechat_article_post_cumulative_read_users{` + p + `,page="article"}`:  23676,
			`wechat_article_post_cumulative_reads{` + p + `,page="article"}`:       25615,
			`wechat_article_post_cumulative_read_users{` + p + `,page="original"}`: 29,
			`wechat_article_post_cumulative_reads{` + p + `,page="original"}`:      34,
			`wechat_article_post_cumulative_share_users{` + p + `}`:                122,
			`wechat_article_post_cumulative_shares{` + p + `}`:                     994,
			`wechat_article_post_cumulative_favorite_users{` + p + `}`:             1,
			`wechat_article_post_cumulative_favorites{` + p + `}`:                  3,
			// no *_by_source and no *_moments_*: this shape has none
		}
	}
	p := a + `,msgid="2247483650_1"`
	checkFamily(t, "versions", []familyCase{
		{"getarticletotal.legacy-docs", articleTotals("202457380_1", "马航丢画记")},
		{"getarticletotal.wechatpy", articleTotals("23423525", "test")},
		{"getuserread.legacy-docs", map[string]float64{
			`wechat_article_reads{` + a + `,page="article"}`:       48796,
			`wechat_article_read_users{` + a + `,page="article"}`:  45524,
			`wechat_article_reads{` + a + `,page="original"}`:      35,
			`wechat_article_read_users{` + a + `,page="original"}`: 11,
			`wechat_article_shares{` + a + `}`:                     276,
			`wechat_article_share_users{` + a + `}`:                11,
			`wechat_article_favorites{` + a + `}`:                  15,
			`wechat_article_favorite_users{` + a + `}`:             5}},
		{"getuserreadhour.legacy-docs", map[string]float64{
			`wechat_article_hourly_reads{` + a + `,hour="12",page="article"}`:      0,
			`wechat_article_hourly_read_users{` + a + `,hour="12",page="article"}`: 0,
			`wechat_article_hourly_shares{` + a + `,hour="12"}`:                    96,
			`wechat_article_hourly_share_users{` + a + `,hour="12"}`:               4}},
		{"getuserreadhour.chanxuehong", map[string]float64{
			`wechat_article_hourly_reads{` + a + `,hour="01",page="article"}`:      11815,
			`wechat_article_hourly_read_users{` + a + `,hour="01",page="article"}`: 9028,
			`wechat_article_hourly_shares{` + a + `,hour="01"}`:                    340,
			`wechat_article_hourly_share_users{` + a + `,hour="01"}`:               279}},
		{"getinterfacesummary.wechatpy", map[string]float64{ // max_time_count: the longest callback is not known
			`wechat_interface_callbacks{` + a + `}`:             1234,
			`wechat_interface_callback_failures{` + a + `}`:     0,
			`wechat_interface_callback_time_seconds{` + a + `}`: 12.345}},
		{"getusercumulate.chanxuehong", map[string]float64{`wechat_user_followers{` + a + `}`: 1217056}},
		{"getupstreammsg.chanxuehong", map[string]float64{
			`wechat_upstream_messages{` + a + `,msg_type="text"}`:      817,
			`wechat_upstream_message_users{` + a + `,msg_type="text"}`: 282}},
		{"getarticletotaldetail.docs-object", map[string]float64{
			`wechat_article_post_info{` + p + `,title="十一月的一篇文章"}`:                            1,
			`wechat_published_post_info{` + p + `,publish_type="not_notified"}`:               1,
			`wechat_published_post_cumulative_read_users{` + p + `}`:                          1610,
			`wechat_published_post_cumulative_read_users_by_scene{` + p + `,scene="message"}`: 950,
			`wechat_published_post_cumulative_share_users{` + p + `}`:                         62,
			`wechat_published_post_cumulative_zaikan_users{` + p + `}`:                        23,
			`wechat_published_post_cumulative_like_users{` + p + `}`:                          41,
			`wechat_published_post_cumulative_comments{` + p + `}`:                            8,
			`wechat_published_post_cumulative_collection_users{` + p + `}`:                    11,
			`wechat_published_post_cumulative_praise_yuan{` + p + `}`:                         12.5,
			`wechat_published_post_cumulative_read_subscriber_users{` + p + `}`:               1180,
			`wechat_published_post_read_delivery_ratio{` + p + `}`:                            0.37,
			`wechat_published_post_read_finish_ratio{` + p + `}`:                              0.48,
			`wechat_published_post_read_average_seconds{` + p + `}`:                           135,
			`wechat_published_post_read_exit_ratio{` + p + `,position="5"}`:                   0.52}},
	})
}
