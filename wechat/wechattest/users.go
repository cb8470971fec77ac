package wechattest

import (
	"fmt"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// user/get answers with the follower count now: yesterday's cumulate_user
// plus a part of today's follows, and the first OpenIDs of the list (the
// real API gives up to 10,000 a page, with next_openid).
func init() {
	liveAnswers[wechat.GetUserCount.Name] = func(_ *Server, a *Account, now time.Time, _ map[string]any) (map[string]any, int64) {
		today := wechat.Today(now)
		total := followers(a, today.AddDays(-1)) + int64(now.Sub(today.Start()).Hours())*a.Scale/20000
		ids := []string{}
		for i := 0; i < int(min(total, 3)); i++ {
			ids = append(ids, fmt.Sprintf("o%016x", hash("openid", a.AppID, i)))
		}
		next := ""
		if len(ids) > 0 {
			next = ids[len(ids)-1]
		}
		return map[string]any{"total": total, "count": len(ids), "data": map[string]any{"openid": ids}, "next_openid": next}, 0
	}
}
