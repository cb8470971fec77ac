package collector

import (
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// API quotas: quota/get for each API path the account's endpoints call.

var (
	quotaLimitDesc  = newLiveDesc("wechat_api_daily_quota_limit", "Calls a day WeChat allows the account to this API path (quota/get daily_limit), at most --collector.quota-interval old.", "path")
	quotaUsedDesc   = newLiveDesc("wechat_api_daily_quota_used", "Calls to this API path today (Beijing), by the exporter and anything else using the account's AppID (quota/get used).", "path")
	quotaRemainDesc = newLiveDesc("wechat_api_daily_quota_remaining", "Calls to this API path left today before WeChat answers 45009 (quota/get remain).", "path")
)

func init() {
	register(wechat.APIQuota.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			if r.RowDate() != ep.Date {
				continue // an earlier day's quota, reset since
			}
			row := r.(wechat.APIQuotaRow)
			path := string(row.Path)
			m.add(quotaLimitDesc, row.Quota.DailyLimit, a.account, path)
			m.add(quotaUsedDesc, row.Quota.Used, a.account, path)
			m.add(quotaRemainDesc, row.Quota.Remain, a.account, path)
		}
	}, quotaLimitDesc, quotaUsedDesc, quotaRemainDesc)
}
