package collector_test

import "testing"

// TestContentFamily serves each answer of the 2025 content endpoints
// (testanswers' content, written from their documented fields) and checks that
// every figure comes out under its documented metric, and nothing else:
// the scenes as label values, the total (全部) as the metric without scene,
// praise in yuan, reading time in seconds, the totals of the served day.
func TestContentFamily(t *testing.T) {
	a := `account="fx"`
	p := `,msgid="2247483650_1"`
	checkFamily(t, "content", []familyCase{
		{"getbizsummary", map[string]float64{
			`wechat_published_read_users{` + a + `}`:                            1520,
			`wechat_published_read_users_by_scene{` + a + `,scene="message"}`:   600,
			`wechat_published_read_users_by_scene{` + a + `,scene="chat"}`:      300,
			`wechat_published_read_users_by_scene{` + a + `,scene="moments"}`:   250,
			`wechat_published_read_users_by_scene{` + a + `,scene="profile"}`:   120,
			`wechat_published_read_users_by_scene{` + a + `,scene="recommend"}`: 150,
			`wechat_published_read_users_by_scene{` + a + `,scene="souyisou"}`:  60,
			`wechat_published_read_users_by_scene{` + a + `,scene="other"}`:     40,
			`wechat_published_share_users{` + a + `}`:                           88,
			`wechat_published_zaikan_users{` + a + `}`:                          31,
			`wechat_published_like_users{` + a + `}`:                            57,
			`wechat_published_comments{` + a + `}`:                              12,
			`wechat_published_collection_users{` + a + `}`:                      19,
			`wechat_published_original_page_users{` + a + `}`:                   7,
			`wechat_published_pages_sent{` + a + `}`:                            3}},
		{"getarticleread", map[string]float64{
			`wechat_published_post_read_users{` + a + p + `}`:                            910,
			`wechat_published_post_read_users_by_scene{` + a + p + `,scene="message"}`:   500,
			`wechat_published_post_read_users_by_scene{` + a + p + `,scene="chat"}`:      210,
			`wechat_published_post_read_users_by_scene{` + a + p + `,scene="moments"}`:   130,
			`wechat_published_post_read_users_by_scene{` + a + p + `,scene="recommend"}`: 70}},
		{"getarticleshare", map[string]float64{
			`wechat_published_post_share_users{` + a + p + `}`: 42}},
		{"getarticletotaldetail", map[string]float64{
			`wechat_article_post_info{` + a + p + `,title="十一月的一篇文章"}`:                             1,
			`wechat_published_post_info{` + a + p + `,publish_type="notified"}`:                    1,
			`wechat_published_post_cumulative_read_users{` + a + p + `}`:                           1610,
			`wechat_published_post_cumulative_read_users_by_scene{` + a + p + `,scene="message"}`:  950,
			`wechat_published_post_cumulative_read_users_by_scene{` + a + p + `,scene="chat"}`:     380,
			`wechat_published_post_cumulative_read_users_by_scene{` + a + p + `,scene="moments"}`:  200,
			`wechat_published_post_cumulative_read_users_by_scene{` + a + p + `,scene="souyisou"}`: 80,
			`wechat_published_post_cumulative_share_users{` + a + p + `}`:                          62,
			`wechat_published_post_cumulative_zaikan_users{` + a + p + `}`:                         23,
			`wechat_published_post_cumulative_like_users{` + a + p + `}`:                           41,
			`wechat_published_post_cumulative_comments{` + a + p + `}`:                             8,
			`wechat_published_post_cumulative_collection_users{` + a + p + `}`:                     11,
			`wechat_published_post_cumulative_praise_yuan{` + a + p + `}`:                          12.5,
			`wechat_published_post_cumulative_read_subscriber_users{` + a + p + `}`:                1180,
			`wechat_published_post_read_delivery_ratio{` + a + p + `}`:                             0.37,
			`wechat_published_post_read_finish_ratio{` + a + p + `}`:                               0.48,
			`wechat_published_post_read_average_seconds{` + a + p + `}`:                            135,
			`wechat_published_post_read_exit_ratio{` + a + p + `,position="1"}`:                    0.18,
			`wechat_published_post_read_exit_ratio{` + a + p + `,position="2"}`:                    0.12,
			`wechat_published_post_read_exit_ratio{` + a + p + `,position="3"}`:                    0.1,
			`wechat_published_post_read_exit_ratio{` + a + p + `,position="4"}`:                    0.08,
			`wechat_published_post_read_exit_ratio{` + a + p + `,position="5"}`:                    0.52}},
	})
}
