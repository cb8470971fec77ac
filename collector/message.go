package collector

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Message analysis: messages users sent to the account ("upstream").

var (
	msgDesc           = newDesc("wechat_upstream_messages", "Messages users sent to the account, by type (getupstreammsg msg_count).", "msg_type")
	msgUsersDesc      = newDesc("wechat_upstream_message_users", "Users who sent messages to the account, by type (getupstreammsg msg_user).", "msg_type")
	msgHourDesc       = newDesc("wechat_upstream_hourly_messages", "Messages users sent in each hour of the day, by type (getupstreammsghour msg_count).", "msg_type", "hour")
	msgHourUsersDesc  = newDesc("wechat_upstream_hourly_message_users", "Users who sent messages in each hour of the day, by type (getupstreammsghour msg_user).", "msg_type", "hour")
	msgWeekDesc       = newDesc("wechat_upstream_weekly_messages", "Messages users sent in the week, by type (getupstreammsgweek msg_count).", "msg_type")
	msgWeekUsersDesc  = newDesc("wechat_upstream_weekly_message_users", "Users who sent messages in the week, by type (getupstreammsgweek msg_user).", "msg_type")
	msgMonthDesc      = newDesc("wechat_upstream_monthly_messages", "Messages users sent in the month, by type (getupstreammsgmonth msg_count).", "msg_type")
	msgMonthUsersDesc = newDesc("wechat_upstream_monthly_message_users", "Users who sent messages in the month, by type (getupstreammsgmonth msg_user).", "msg_type")
	msgDistDesc       = newDesc("wechat_upstream_message_distribution_users", "Users by how many messages each sent that day (getupstreammsgdist msg_user).", "count_interval")
	msgDistWeekDesc   = newDesc("wechat_upstream_weekly_message_distribution_users", "Users by how many messages each sent in the week (getupstreammsgdistweek msg_user).", "count_interval")
	msgDistMonthDesc  = newDesc("wechat_upstream_monthly_message_distribution_users", "Users by how many messages each sent in the month (getupstreammsgdistmonth msg_user).", "count_interval")
)

func init() {
	registerMessages(wechat.GetUpstreamMsg.Name, msgDesc, msgUsersDesc)
	registerMessages(wechat.GetUpstreamMsgWeek.Name, msgWeekDesc, msgWeekUsersDesc)
	registerMessages(wechat.GetUpstreamMsgMonth.Name, msgMonthDesc, msgMonthUsersDesc)
	registerDistribution(wechat.GetUpstreamMsgDist.Name, msgDistDesc)
	registerDistribution(wechat.GetUpstreamMsgDistWeek.Name, msgDistWeekDesc)
	registerDistribution(wechat.GetUpstreamMsgDistMonth.Name, msgDistMonthDesc)

	register(wechat.GetUpstreamMsgHour.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			row := r.(wechat.UpstreamMsgHour)
			typ, hour := enumLabel(msgTypes, row.MsgType), hourLabel(row.Hourly)
			m.add(msgHourDesc, row.MsgCount, a.account, typ, hour)
			m.add(msgHourUsersDesc, row.MsgUser, a.account, typ, hour)
		}
	}, msgHourDesc, msgHourUsersDesc)
}

// registerMessages registers a daily, weekly or monthly message endpoint.
func registerMessages(endpoint string, count, users *prometheus.Desc) {
	register(endpoint, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			row := r.(wechat.UpstreamMsg)
			typ := enumLabel(msgTypes, row.MsgType)
			m.add(count, row.MsgCount, a.account, typ)
			m.add(users, row.MsgUser, a.account, typ)
		}
	}, count, users)
}

// registerDistribution registers a daily, weekly or monthly distribution.
func registerDistribution(endpoint string, users *prometheus.Desc) {
	register(endpoint, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			row := r.(wechat.UpstreamMsgDist)
			m.add(users, row.MsgUser, a.account, enumLabel(countIntervals, row.CountInterval))
		}
	}, users)
}
