package collector_test

import (
	"testing"
)

// TestMessagesFamily serves each official sample answer of the family and
// checks every figure comes out under its documented metric, and nothing
// else.
func TestMessagesFamily(t *testing.T) {
	a := `account="fx"`
	checkFamily(t, "samples", []familyCase{
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
	})
}
