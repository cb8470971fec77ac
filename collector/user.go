package collector

import (
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// User analysis: getusersummary and getusercumulate.

var (
	followsDesc   = newDesc("wechat_user_follows", "New followers by follow channel (getusersummary new_user).", "source")
	unfollowsDesc = newDesc("wechat_user_unfollows", "Unfollows by follow channel (getusersummary cancel_user).", "source")
	followersDesc = newDesc("wechat_user_followers", "Total followers at the end of the served day (getusercumulate cumulate_user).")
	currentDesc   = newLiveDesc("wechat_user_followers_current", "Followers when last asked, at most --collector.live-interval ago (user/get total); getusercumulate's figure is a day behind.")
)

func init() {
	register(wechat.GetUserSummary.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			row := r.(wechat.UserSummary)
			src := enumLabel(followSources, row.UserSource)
			m.add(followsDesc, row.NewUser, a.account, src)
			m.add(unfollowsDesc, row.CancelUser, a.account, src)
		}
	}, followsDesc, unfollowsDesc)

	register(wechat.GetUserCumulate.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		// One row per day; the served day's row is the one wanted.
		for _, r := range ep.Rows {
			if r.RowDate() == ep.Date {
				m.add(followersDesc, r.(wechat.UserCumulate).CumulateUser, a.account)
				return
			}
		}
	}, followersDesc)

	register(wechat.GetUserCount.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			if r.RowDate() == ep.Date {
				m.add(currentDesc, r.(wechat.UserCount).Total, a.account)
				return
			}
		}
	}, currentDesc)
}
