package collector

import (
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Interface analysis: the health of the account's own callback server, the
// URL WeChat posts user messages to. WeChat reports time costs in
// milliseconds; they are exposed in seconds.

var (
	callbacksDesc        = newDesc("wechat_interface_callbacks", "Passive replies to users' messages through the account's server URL (getinterfacesummary callback_count).")
	callbackFailuresDesc = newDesc("wechat_interface_callback_failures", "Passive replies to users' messages through the account's server URL that failed (getinterfacesummary fail_count).")
	callbackTimeDesc     = newDesc("wechat_interface_callback_time_seconds", "Total time the account's server took to answer callbacks (getinterfacesummary total_time_cost, ms converted to seconds).")
	callbackMaxTimeDesc  = newDesc("wechat_interface_callback_max_time_seconds", "Longest single callback answer (getinterfacesummary max_time_cost, ms converted to seconds).")
	callbackBaselineDesc = newDesc("wechat_interface_callback_failures_baseline", "Median daily failed callbacks of the stored days in the week before the served day (getinterfacesummary fail_count); absent with fewer than 3 such days.")

	hourlyCallbacksDesc        = newDesc("wechat_interface_hourly_callbacks", "Passive replies to users' messages through the account's server URL in each hour of the day (getinterfacesummaryhour callback_count).", "hour")
	hourlyCallbackFailuresDesc = newDesc("wechat_interface_hourly_callback_failures", "Passive replies through the account's server URL that failed, in each hour of the day (getinterfacesummaryhour fail_count).", "hour")
	hourlyCallbackTimeDesc     = newDesc("wechat_interface_hourly_callback_time_seconds", "Total callback answer time in each hour (getinterfacesummaryhour total_time_cost, ms converted to seconds).", "hour")
	hourlyCallbackMaxTimeDesc  = newDesc("wechat_interface_hourly_callback_max_time_seconds", "Longest callback answer in each hour (getinterfacesummaryhour max_time_cost, ms converted to seconds).", "hour")
)

const millisecondsPerSecond = 1000

func init() {
	register(wechat.GetInterfaceSummary.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			row := r.(wechat.InterfaceSummary)
			if row.RefDate != ep.Date {
				continue
			}
			m.add(callbacksDesc, row.CallbackCount, a.account)
			m.add(callbackFailuresDesc, row.FailCount, a.account)
			m.put(callbackTimeDesc, countOf(row.TotalTimeCost).per(millisecondsPerSecond), a.account)
			m.put(callbackMaxTimeDesc, countOf(row.MaxTimeCost).per(millisecondsPerSecond), a.account)
		}
		failures := dailyTotals(ep, func(r wechat.Row) known { return countOf(r.(wechat.InterfaceSummary).FailCount) })
		m.put(callbackBaselineDesc, baseline(failures), a.account)
	}, callbacksDesc, callbackFailuresDesc, callbackTimeDesc, callbackMaxTimeDesc, callbackBaselineDesc)

	register(wechat.GetInterfaceSummaryHour.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			row := r.(wechat.InterfaceSummaryHour)
			hour := hourLabel(row.Hourly)
			m.add(hourlyCallbacksDesc, row.CallbackCount, a.account, hour)
			m.add(hourlyCallbackFailuresDesc, row.FailCount, a.account, hour)
			m.put(hourlyCallbackTimeDesc, countOf(row.TotalTimeCost).per(millisecondsPerSecond), a.account, hour)
			m.put(hourlyCallbackMaxTimeDesc, countOf(row.MaxTimeCost).per(millisecondsPerSecond), a.account, hour)
		}
	}, hourlyCallbacksDesc, hourlyCallbackFailuresDesc, hourlyCallbackTimeDesc, hourlyCallbackMaxTimeDesc)
}
