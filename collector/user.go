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

	unfollowsBaselineDesc  = newDesc("wechat_user_unfollows_baseline", "Median daily unfollows, all channels (getusersummary cancel_user), of the stored days in the week before the served day, a quiet day counting 0; absent with fewer than 3 such days.")
	netFollowsBaselineDesc = newDesc("wechat_user_net_follows_baseline", "Median daily net follows, all channels (getusersummary new_user minus cancel_user; negative when followers fell), of the stored days in the week before the served day, a quiet day counting 0; absent with fewer than 3 such days.")
)

func init() {
	register(wechat.GetUserSummary.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			row := r.(wechat.UserSummary)
			if row.RefDate != ep.Date {
				continue // the week before: the baselines'
			}
			src := enumLabel(followSources, row.UserSource)
			m.add(followsDesc, row.NewUser, a.account, src)
			m.add(unfollowsDesc, row.CancelUser, a.account, src)
		}
		unfollows := dailyTotals(ep, func(r wechat.Row) known { return countOf(r.(wechat.UserSummary).CancelUser) })
		m.put(unfollowsBaselineDesc, baseline(unfollows), a.account)
		net := dailyTotals(ep, func(r wechat.Row) known {
			row := r.(wechat.UserSummary)
			follows, unfollows := countOf(row.NewUser), countOf(row.CancelUser)
			return known{follows.v - unfollows.v, follows.ok && unfollows.ok}
		})
		m.put(netFollowsBaselineDesc, baseline(net), a.account)
	}, followsDesc, unfollowsDesc, unfollowsBaselineDesc, netFollowsBaselineDesc)

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
