package dashboards

// The values are WeChat's daily figures for the day given by
// wechat_datacube_data_date_timestamp_seconds (usually yesterday).
const daily = " WeChat's figure for the last reported day (usually yesterday)."

// Sums over a period take the daily figure once a day, at the subquery's
// steps (00:00 UTC, 08:00 Beijing: before the default ready time, 08:30),
// rather than every sample: live data has a sample per scrape, imported
// data one a day.
const sumNote = " The newest day joins the sum the morning after it is first shown."

var overview = Dashboard{
	File: "wechat-overview.json", UID: "wechat-overview", Title: "WeChat / Overview",
	Description: "Every WeChat Official Account at a glance: audience, messages, articles, callback server health, and the exporter's data freshness.",
	Panels: []Panel{
		{Type: "stat", Title: "Followers", Unit: "short", Width: 6,
			Description: "Total followers per account (getusercumulate)." + daily,
			Targets:     []Target{{`last_over_time(wechat_user_followers{` + sel + `}[1d])`, "{{account}}"}}},
		{Type: "stat", Title: "Net follows", Unit: "short", Width: 6,
			Description: "New followers minus unfollows, all channels (getusersummary)." + daily,
			Targets:     []Target{{`sum by (account) (last_over_time(wechat_user_follows{` + sel + `}[1d])) - sum by (account) (last_over_time(wechat_user_unfollows{` + sel + `}[1d]))`, "{{account}}"}}},
		{Type: "stat", Title: "Net follows, 7 days", Unit: "short", Width: 6,
			Description: "New followers minus unfollows over seven days: the daily figures shown at 08:00 Beijing on each of the last seven days, added up, so each day counts once, live or imported (getusersummary)." + sumNote,
			Targets:     []Target{{`sum by (account) (sum_over_time((sum by (job, instance, account) (last_over_time(wechat_user_follows{` + sel + `}[1d])) - sum by (job, instance, account) (last_over_time(wechat_user_unfollows{` + sel + `}[1d])))[7d:1d]))`, "{{account}}"}}},
		{Type: "stat", Title: "Callback failures", Unit: "short", Width: 6,
			Description: "Callbacks to the account's own server that failed (getinterfacesummary)." + daily,
			Targets:     []Target{{`last_over_time(wechat_interface_callback_failures{` + sel + `}[1d])`, "{{account}}"}}},
		{Type: "timeseries", Title: "Followers over time", Unit: "short",
			Description: "Total followers per account, day by day.",
			Targets:     []Target{{`last_over_time(wechat_user_followers{` + sel + `}[1d])`, "{{account}}"}}},
		{Type: "timeseries", Title: "Follows and unfollows", Unit: "short",
			Description: "New followers and unfollows per account, day by day (getusersummary).",
			Targets: []Target{
				{`sum by (account) (last_over_time(wechat_user_follows{` + sel + `}[1d]))`, "{{account}} follows"},
				{`-sum by (account) (last_over_time(wechat_user_unfollows{` + sel + `}[1d]))`, "{{account}} unfollows"}}},
		{Type: "timeseries", Title: "Messages received", Unit: "short",
			Description: "Messages users sent to each account, all types (getupstreammsg).",
			Targets:     []Target{{`sum by (account) (last_over_time(wechat_upstream_messages{` + sel + `}[1d]))`, "{{account}}"}}},
		{Type: "timeseries", Title: "Article readers and sharers", Unit: "short",
			Description: "Readers of the article pages and users who shared articles, per account (getuserread; for accounts without it, getbizsummary).",
			Targets: []Target{
				{Expr: `sum by (job, instance, account) (last_over_time(wechat_article_read_users{` + sel + `,page="article"}[1d])) or on (job, instance, account) last_over_time(wechat_published_read_users{` + sel + `}[1d])`, Legend: "{{account}} readers"},
				{Expr: `last_over_time(wechat_article_share_users{` + sel + `}[1d]) or on (job, instance, account) last_over_time(wechat_published_share_users{` + sel + `}[1d])`, Legend: "{{account}} sharers"}}},
		{Type: "timeseries", Title: "Callback failure ratio", Unit: "percentunit",
			Description: "Share of callbacks to the account's server that failed (getinterfacesummary fail_count / callback_count).",
			Targets:     []Target{{`last_over_time(wechat_interface_callback_failures{` + sel + `}[1d]) / last_over_time(wechat_interface_callbacks{` + sel + `}[1d])`, "{{account}}"}}},
		{Type: "timeseries", Title: "Callback failures vs baseline", Unit: "short",
			Description: "Failed callbacks per day, and the median of the week before (the WeChatCallbackFailureSpike baseline).",
			Targets: []Target{
				{`last_over_time(wechat_interface_callback_failures{` + sel + `}[1d])`, "{{account}}"},
				{`last_over_time(wechat_interface_callback_failures_baseline{` + sel + `}[1d])`, "{{account}} baseline"}}},
		{Type: "table", Title: "Data freshness", Unit: "s",
			Description: "Age of the data served per account and endpoint: time since 00:00 Beijing of the day served. About one to two days is normal for daily endpoints.",
			Targets:     []Target{{`time() - wechat_datacube_data_date_timestamp_seconds{` + sel + `}`, ""}}},
		{Type: "table", Title: "Fetch health", Unit: "bool_yes_no",
			Description: "Whether the last fetch of each account's endpoint succeeded (or found the stored data complete).",
			Targets:     []Target{{`wechat_datacube_last_fetch_success{` + sel + `}`, ""}}},
		{Type: "timeseries", Title: "WeChat API calls per day", Unit: "short",
			Description: "Requests the exporter made to WeChat per account over the last day, token requests and retries included: what it spends of the API quota.",
			Targets:     []Target{{`sum by (account) (increase(wechat_api_requests_total{` + sel + `}[1d]))`, "{{account}}"}}},
		{Type: "timeseries", Title: "WeChat API failures per day", Unit: "short",
			Description: "Failed requests to WeChat over the last day by errcode (http_<status>, network and decode for failures outside WeChat).",
			Targets:     []Target{{`sum by (account, errcode) (increase(wechat_api_request_failures_total{` + sel + `}[1d]))`, "{{account}} {{errcode}}"}}},
		{Type: "timeseries", Title: "API quota left today", Unit: "percentunit", Width: 24,
			Description: "The share of each API's daily quota left, for the account's most used API (quota/get remain / daily_limit). At zero WeChat answers 45009 until 00:00 Beijing; the WeChatAPIQuotaLow alert warns below 10%.",
			Targets:     []Target{{`min by (account) (wechat_api_daily_quota_remaining{` + sel + `} / (wechat_api_daily_quota_limit{` + sel + `} > 0))`, "{{account}}"}}},
	},
}

var messages = Dashboard{
	File: "wechat-messages.json", UID: "wechat-messages", Title: "WeChat / Messages",
	Description: "Messages users sent to the accounts: by type, by hour of day, by week and month, and how many each user sent.",
	Panels: []Panel{
		{Type: "timeseries", Title: "Messages by type", Unit: "short",
			Description: "Messages users sent, by message type (getupstreammsg msg_count).",
			Targets:     []Target{{`sum by (msg_type) (last_over_time(wechat_upstream_messages{` + sel + `}[1d]))`, "{{msg_type}}"}}},
		{Type: "timeseries", Title: "Senders by type", Unit: "short",
			Description: "Users who sent messages, by message type (getupstreammsg msg_user).",
			Targets:     []Target{{`sum by (msg_type) (last_over_time(wechat_upstream_message_users{` + sel + `}[1d]))`, "{{msg_type}}"}}},
		{Type: "bargauge", Title: "Messages by hour of day", Unit: "short", Width: 24,
			Description: "Messages users sent in each hour (Beijing time), all types (getupstreammsghour)." + daily,
			Targets:     []Target{{`sum by (hour) (last_over_time(wechat_upstream_hourly_messages{` + sel + `}[1d]))`, "{{hour}}"}}},
		{Type: "bargauge", Title: "Weekly messages by type", Unit: "short",
			Description: "Messages users sent in the last complete week, by type (getupstreammsgweek).",
			Targets:     []Target{{`sum by (msg_type) (last_over_time(wechat_upstream_weekly_messages{` + sel + `}[7d]))`, "{{msg_type}}"}}},
		{Type: "bargauge", Title: "Monthly messages by type", Unit: "short",
			Description: "Messages users sent in the last complete month, by type (getupstreammsgmonth).",
			Targets:     []Target{{`sum by (msg_type) (last_over_time(wechat_upstream_monthly_messages{` + sel + `}[31d]))`, "{{msg_type}}"}}},
		{Type: "bargauge", Title: "Messages per user (day)", Unit: "short", Width: 8,
			Description: "Users by how many messages each sent on the day (getupstreammsgdist)." + daily,
			Targets:     []Target{{`sum by (count_interval) (last_over_time(wechat_upstream_message_distribution_users{` + sel + `}[1d]))`, "{{count_interval}}"}}},
		{Type: "bargauge", Title: "Messages per user (week)", Unit: "short", Width: 8,
			Description: "Users by how many messages each sent in the last complete week (getupstreammsgdistweek).",
			Targets:     []Target{{`sum by (count_interval) (last_over_time(wechat_upstream_weekly_message_distribution_users{` + sel + `}[7d]))`, "{{count_interval}}"}}},
		{Type: "bargauge", Title: "Messages per user (month)", Unit: "short", Width: 8,
			Description: "Users by how many messages each sent in the last complete month (getupstreammsgdistmonth).",
			Targets:     []Target{{`sum by (count_interval) (last_over_time(wechat_upstream_monthly_message_distribution_users{` + sel + `}[31d]))`, "{{count_interval}}"}}},
	},
}

// Article panels fall back, per account, to the 2025 content endpoints
// where the legacy article endpoints are missing: "A or on (job, instance,
// account) B" keeps B only for accounts A has nothing for.
var articles = Dashboard{
	File: "wechat-articles.json", UID: "wechat-articles", Title: "WeChat / Articles",
	Description: "Article readers by page and channel, shares, favourites, reads by hour, engagement, and the top posts. Accounts without the legacy article endpoints are shown from the 2025 content endpoints.",
	Panels: []Panel{
		{Type: "timeseries", Title: "Readers by page", Unit: "short",
			Description: "Readers of the article page and of the 'read original' page, all channels (getuserread; else getbizsummary read_user and redirect_ori_page_user).",
			Targets:     []Target{{Expr: `sum by (page) (last_over_time(wechat_article_read_users{` + sel + `}[1d]) or on (job, instance, account) (label_replace(last_over_time(wechat_published_read_users{` + sel + `}[1d]), "page", "article", "", "") or label_replace(last_over_time(wechat_published_original_page_users{` + sel + `}[1d]), "page", "original", "", "")))`, Legend: "{{page}}"}}},
		{Type: "timeseries", Title: "Readers by channel", Unit: "short",
			Description: "Article page readers by where they came from (getuserread's channels; else getbizsummary's scenes).",
			Targets:     []Target{{Expr: `sum by (source) (last_over_time(wechat_article_read_users_by_source{` + sel + `}[1d]) or on (job, instance, account) label_replace(last_over_time(wechat_published_read_users_by_scene{` + sel + `}[1d]), "source", "$1", "scene", "(.*)"))`, Legend: "{{source}}"}}},
		{Type: "timeseries", Title: "Sharers by scene", Unit: "short",
			Description: "Users who shared articles, by where they shared to (getusershare; else getbizsummary's total, as scene \"all\").",
			Targets:     []Target{{Expr: `sum by (scene) (last_over_time(wechat_article_share_users_by_scene{` + sel + `}[1d]) or on (job, instance, account) label_replace(last_over_time(wechat_published_share_users{` + sel + `}[1d]), "scene", "all", "", ""))`, Legend: "{{scene}}"}}},
		{Type: "timeseries", Title: "Favourites", Unit: "short",
			Description: "Users who added articles to favourites (getuserread; else getbizsummary collection_user).",
			Targets:     []Target{{Expr: `sum by (account) (last_over_time(wechat_article_favorite_users{` + sel + `}[1d]) or on (job, instance, account) last_over_time(wechat_published_collection_users{` + sel + `}[1d]))`, Legend: "{{account}}"}}},
		{Type: "timeseries", Title: "Likes, zaikan and comments", Unit: "short",
			Description: "Users who liked (thumbs-up) or marked zaikan (在看) the account's content, and comments (getbizsummary).",
			Targets: []Target{
				{Expr: `sum by (account) (last_over_time(wechat_published_like_users{` + sel + `}[1d]))`, Legend: "{{account}} likes"},
				{Expr: `sum by (account) (last_over_time(wechat_published_zaikan_users{` + sel + `}[1d]))`, Legend: "{{account}} zaikan"},
				{Expr: `sum by (account) (last_over_time(wechat_published_comments{` + sel + `}[1d]))`, Legend: "{{account}} comments"}}},
		{Type: "bargauge", Title: "Reads by hour of day", Unit: "short", Width: 24,
			Description: "Article page reads in each hour (Beijing time), all channels (getuserreadhour; the content endpoints have no hourly figures)." + daily,
			NoFallback:  "the 2025 content endpoints have no hourly figures",
			Targets:     []Target{{Expr: `sum by (hour) (last_over_time(wechat_article_hourly_reads{` + sel + `,page="article"}[1d]))`, Legend: "{{hour}}"}}},
		{Type: "stat", Title: "Read to the end", Unit: "percentunit", Width: 12,
			Description: "Average share of readers who read the recent articles to the end (getarticletotaldetail read_finish_rate).",
			Targets:     []Target{{Expr: `avg by (account) (last_over_time(wechat_published_post_read_finish_ratio{` + sel + `}[1d]))`, Legend: "{{account}}"}}},
		{Type: "stat", Title: "Average read time", Unit: "s", Width: 12,
			Description: "Average time readers spent on the recent articles (getarticletotaldetail read_avg_activetime).",
			Targets:     []Target{{Expr: `avg by (account) (last_over_time(wechat_published_post_read_average_seconds{` + sel + `}[1d]))`, Legend: "{{account}}"}}},
		{Type: "table", Title: "Top posts", Unit: "short", Width: 24, Height: 12, Merge: true,
			Columns:     []string{"", "Readers that day", "Sharers that day", "Favourited by, since sending", "Readers since sending"},
			Description: "The most read articles of the last 30 days: that day's readers and sharers (getarticlesummary, else getarticleread and getarticleshare), and since sending the users who favourited and the readers (getarticletotal for 7 days, else getarticletotaldetail for 30). Capped by --collector.article.max-posts.",
			Targets: []Target{
				{Expr: `last_over_time(wechat_article_post_info{` + sel + `}[1d])`},
				{Expr: `sum by (account, msgid) (last_over_time(wechat_article_post_read_users{` + sel + `,page="article"}[1d])) or on (account, msgid) sum by (account, msgid) (last_over_time(wechat_published_post_read_users{` + sel + `}[1d]))`},
				{Expr: `sum by (account, msgid) (last_over_time(wechat_article_post_share_users{` + sel + `}[1d])) or on (account, msgid) sum by (account, msgid) (last_over_time(wechat_published_post_share_users{` + sel + `}[1d]))`},
				{Expr: `sum by (account, msgid) (last_over_time(wechat_article_post_cumulative_favorite_users{` + sel + `}[1d])) or on (account, msgid) sum by (account, msgid) (last_over_time(wechat_published_post_cumulative_collection_users{` + sel + `}[1d]))`},
				{Expr: `sum by (account, msgid) (last_over_time(wechat_article_post_cumulative_read_users{` + sel + `,page="article"}[1d])) or on (account, msgid) sum by (account, msgid) (last_over_time(wechat_published_post_cumulative_read_users{` + sel + `}[1d]))`}}},
	},
}

var callbacks = Dashboard{
	File: "wechat-callbacks.json", UID: "wechat-callbacks", Title: "WeChat / Callback server",
	Description: "Health of each account's own callback server, the URL WeChat posts user messages to: callbacks, failures, failure ratio, answer times, by hour, and the day failures spiked.",
	Panels: []Panel{
		{Type: "timeseries", Title: "Callbacks", Unit: "short",
			Description: "Callbacks WeChat made to the account's server per day (getinterfacesummary callback_count).",
			Targets:     []Target{{`last_over_time(wechat_interface_callbacks{` + sel + `}[1d])`, "{{account}}"}}},
		{Type: "timeseries", Title: "Failures and baseline", Unit: "short",
			Description: "Failed callbacks per day, and the median of the week before, which the spike alert compares with.",
			Targets: []Target{
				{`last_over_time(wechat_interface_callback_failures{` + sel + `}[1d])`, "{{account}}"},
				{`last_over_time(wechat_interface_callback_failures_baseline{` + sel + `}[1d])`, "{{account}} baseline"}}},
		{Type: "timeseries", Title: "Failure ratio", Unit: "percentunit",
			Description: "Share of callbacks that failed (fail_count / callback_count).",
			Targets:     []Target{{`last_over_time(wechat_interface_callback_failures{` + sel + `}[1d]) / last_over_time(wechat_interface_callbacks{` + sel + `}[1d])`, "{{account}}"}}},
		{Type: "timeseries", Title: "Answer time", Unit: "s",
			Description: "Average (total_time_cost / callback_count) and longest time the server took to answer a callback. WeChat waits 5 s.",
			Targets: []Target{
				{`last_over_time(wechat_interface_callback_time_seconds{` + sel + `}[1d]) / last_over_time(wechat_interface_callbacks{` + sel + `}[1d])`, "{{account}} average"},
				{`last_over_time(wechat_interface_callback_max_time_seconds{` + sel + `}[1d])`, "{{account}} max"}}},
		{Type: "bargauge", Title: "Failures by hour of day", Unit: "short",
			Description: "Failed callbacks in each hour (Beijing time) (getinterfacesummaryhour)." + daily,
			Targets:     []Target{{`sum by (hour) (last_over_time(wechat_interface_hourly_callback_failures{` + sel + `}[1d]))`, "{{hour}}"}}},
		{Type: "bargauge", Title: "Failure ratio by hour of day", Unit: "percentunit",
			Description: "Share of callbacks that failed in each hour (Beijing time)." + daily,
			Targets:     []Target{{`sum by (hour) (last_over_time(wechat_interface_hourly_callback_failures{` + sel + `}[1d])) / sum by (hour) (last_over_time(wechat_interface_hourly_callbacks{` + sel + `}[1d]))`, "{{hour}}"}}},
		{Type: "bargauge", Title: "Average answer time by hour of day", Unit: "s",
			Description: "Average callback answer time in each hour (Beijing time)." + daily,
			Targets:     []Target{{`sum by (hour) (last_over_time(wechat_interface_hourly_callback_time_seconds{` + sel + `}[1d])) / sum by (hour) (last_over_time(wechat_interface_hourly_callbacks{` + sel + `}[1d]))`, "{{hour}}"}}},
		{Type: "table", Title: "The day failures spiked", Unit: "dateTimeAsIso",
			Description: "Accounts whose last reported day had more than 5 times the failures of the week before's median, and which day that was (as WeChatCallbackFailureSpike).",
			Targets: []Target{{`wechat_datacube_data_date_timestamp_seconds{` + sel + `,endpoint="getinterfacesummary"} * 1000
  and on (job, instance, account)
(last_over_time(wechat_interface_callback_failures{` + sel + `}[1d]) > 5 * clamp_min(last_over_time(wechat_interface_callback_failures_baseline{` + sel + `}[1d]), 1))`, "{{account}}"}}},
	},
}

// ads covers the ad analysis of publisher accounts; other accounts have
// no series and are left out of its panels.
var ads = Dashboard{
	File: "wechat-ads.json", UID: "wechat-ads", Title: "WeChat / Ad revenue",
	Description: "Ad revenue of the accounts that are publishers (流量主): income, eCPM, fill and click rates by ad slot, rebate goods, and settlement. Amounts in yuan (WeChat's fen converted).",
	Panels: []Panel{
		{Type: "stat", Title: "Ad income", Unit: "currencyCNY", Width: 6,
			Description: "Ad income of all slots (publisher_adpos_general income)." + daily,
			Targets:     []Target{{`sum by (account) (last_over_time(wechat_ad_income_yuan{` + sel + `}[1d]))`, "{{account}}"}}},
		{Type: "stat", Title: "Ad income, 30 days", Unit: "currencyCNY", Width: 24,
			Description: "Ad income of all slots over thirty days: the daily figures shown at 08:00 Beijing on each of the last thirty days, added up, so each day counts once, live or imported (publisher_adpos_general income)." + sumNote,
			Targets:     []Target{{`sum by (account) (sum_over_time((sum by (job, instance, account) (last_over_time(wechat_ad_income_yuan{` + sel + `}[1d])))[30d:1d]))`, "{{account}}"}}},
		{Type: "stat", Title: "Revenue not yet settled", Unit: "currencyCNY", Width: 6,
			Description: "Revenue to date minus revenue settled (publisher_settlement revenue_all - settled_revenue_all).",
			Targets:     []Target{{`last_over_time(wechat_ad_pending_revenue_yuan{` + sel + `}[1d])`, "{{account}}"}}},
		{Type: "stat", Title: "Revenue settled", Unit: "currencyCNY", Width: 6,
			Description: "Revenue settled to date (publisher_settlement settled_revenue_all); revenue to date in the second value.",
			Targets: []Target{
				{`last_over_time(wechat_ad_settled_revenue_yuan{` + sel + `}[1d])`, "{{account}} settled"},
				{`last_over_time(wechat_ad_revenue_yuan{` + sel + `}[1d])`, "{{account}} to date"}}},
		{Type: "stat", Title: "Penalties", Unit: "currencyCNY", Width: 6,
			Description: "Revenue deducted as penalties to date (publisher_settlement penalty_all).",
			Targets:     []Target{{`last_over_time(wechat_ad_penalty_yuan{` + sel + `}[1d])`, "{{account}}"}}},
		{Type: "timeseries", Title: "Ad income by slot", Unit: "currencyCNY",
			Description: "Ad income per day by ad slot (publisher_adpos_general income).",
			Targets:     []Target{{`sum by (account, slot) (last_over_time(wechat_ad_income_yuan{` + sel + `}[1d]))`, "{{account}} {{slot}}"}}},
		{Type: "timeseries", Title: "eCPM", Unit: "currencyCNY",
			Description: "Income per thousand ads shown, all slots (income / exposures × 1000), and per slot as WeChat reports it (publisher_adpos_general ecpm).",
			Targets: []Target{
				{`sum by (account) (last_over_time(wechat_ad_income_yuan{` + sel + `}[1d])) / sum by (account) (last_over_time(wechat_ad_exposures{` + sel + `}[1d])) * 1000`, "{{account}}"},
				{`last_over_time(wechat_ad_ecpm_yuan{` + sel + `}[1d])`, "{{account}} {{slot}}"}}},
		{Type: "timeseries", Title: "Requests, ads shown and clicks", Unit: "short",
			Description: "Ad requests that returned an ad, ads shown and clicks per day, all slots (publisher_adpos_general).",
			Targets: []Target{
				{`sum by (account) (last_over_time(wechat_ad_requests{` + sel + `}[1d]))`, "{{account}} requests"},
				{`sum by (account) (last_over_time(wechat_ad_exposures{` + sel + `}[1d]))`, "{{account}} shown"},
				{`sum by (account) (last_over_time(wechat_ad_clicks{` + sel + `}[1d]))`, "{{account}} clicks"}}},
		{Type: "timeseries", Title: "Exposure and click-through ratios", Unit: "percentunit",
			Description: "Ads shown per request (exposure_rate) and clicks per ad shown (click_rate), by slot (publisher_adpos_general).",
			Targets: []Target{
				{`last_over_time(wechat_ad_exposure_ratio{` + sel + `}[1d])`, "{{account}} {{slot}} shown"},
				{`last_over_time(wechat_ad_click_ratio{` + sel + `}[1d])`, "{{account}} {{slot}} clicked"}}},
		{Type: "timeseries", Title: "Rebate goods", Unit: "short",
			Description: "Rebate goods (返佣商品) shown, clicked and ordered per day (publisher_cps_general). WeChat's own click_rate is not used: its unit is unclear.",
			Targets: []Target{
				{`last_over_time(wechat_ad_cps_exposures{` + sel + `}[1d])`, "{{account}} shown"},
				{`last_over_time(wechat_ad_cps_clicks{` + sel + `}[1d])`, "{{account}} clicks"},
				{`last_over_time(wechat_ad_cps_orders{` + sel + `}[1d])`, "{{account}} orders"}}},
		{Type: "timeseries", Title: "Rebate goods amounts", Unit: "currencyCNY",
			Description: "Amount of the rebate goods orders and the estimated commission per day (publisher_cps_general total_fee, total_commission).",
			Targets: []Target{
				{`last_over_time(wechat_ad_cps_order_amount_yuan{` + sel + `}[1d])`, "{{account}} orders"},
				{`last_over_time(wechat_ad_cps_commission_yuan{` + sel + `}[1d])`, "{{account}} commission"}}},
		{Type: "stat", Title: "Rebate goods rates", Unit: "percentunit", Width: 24,
			Description: "Clicks per goods shown (computed), and orders per click (publisher_cps_general order_rate)." + daily,
			Targets: []Target{
				{`last_over_time(wechat_ad_cps_clicks{` + sel + `}[1d]) / last_over_time(wechat_ad_cps_exposures{` + sel + `}[1d])`, "{{account}} clicked"},
				{`last_over_time(wechat_ad_cps_order_ratio{` + sel + `}[1d])`, "{{account}} ordered"}}},
		{Type: "table", Title: "Settlement periods", Unit: "currencyCNY", Width: 24, Height: 10, Merge: true,
			Columns:     []string{"Settled revenue", "Status"},
			Description: "Each half-month settlement period (period is its first day): settled revenue and status (1 settling, 2 or 3 settled, 4 paying, 5 paid) (publisher_settlement settlement_list).",
			Targets: []Target{
				{`last_over_time(wechat_ad_settlement_revenue_yuan{` + sel + `}[1d])`, ""},
				{`last_over_time(wechat_ad_settlement_status{` + sel + `}[1d])`, ""}}},
		{Type: "bargauge", Title: "Settled revenue by slot over the past year", Unit: "currencyCNY", Width: 24,
			Description: "Each ad slot's settled revenue summed over the settlement periods of the past year (publisher_settlement slot_revenue).",
			Targets:     []Target{{`sum by (account, slot) (last_over_time(wechat_ad_settlement_slot_revenue_yuan{` + sel + `}[1d]))`, "{{account}} {{slot}}"}}},
	},
}
