// The one place to adapt the mixin to an installation. Override what
// differs, for example:
//
//   (import 'mixin.libsonnet') + { _config+:: { jobSelector: 'job="wechat-exporter"' } }
{
  _config+:: {
    // Selects the exporter's scrape job in every alert's every selector.
    // examples/prometheus.yml names its job "wechat"; the Prometheus
    // Operator names a ServiceMonitor's job after the Service
    // ("wechat-exporter" in examples/kubernetes/ and the Helm chart).
    jobSelector: 'job="wechat"',

    // Narrows the dashboards' Job list, which by default lists every job
    // that serves wechat_account_info, whatever its name (multi-select,
    // with All): a selector such as 'job="wechat"' pins it.
    dashboardJobSelector: '',

    // Each alert's runbook_url is this page, with the alert's name in
    // lower case as the fragment.
    runbookURL: 'https://github.com/wechat-exporter/wechat-exporter/blob/main/docs/failures.md',

    // WeChatCallbackFailureSpike: a day's failed callbacks above this many
    // times the median of the week before, and above a floor (a quiet
    // account going from 2 to 12 failures is not a spike).
    callbackFailureSpikeFactor: 5,
    callbackFailureSpikeMin: 50,
    // WeChatCallbackFailureRatioHigh and WeChatCallbackSlow, on days of
    // more than callbackMin callbacks.
    callbackFailureRatio: 0.05,
    callbackSlowSeconds: 2,
    callbackMin: 100,

    // The account's figures against its usual day (the median of the
    // stored week before, which the exporter serves as *_baseline), each
    // with a ratio and an absolute floor so that small accounts stay quiet.
    // WeChatUnfollowSpike: a day's unfollows above this many times the
    // usual, and at least this many.
    unfollowSpikeFactor: 3,
    unfollowSpikeMin: 50,
    // WeChatFollowersFalling: a day's net loss of followers above this
    // share of the followers and this many, on an account whose usual
    // day loses followers too.
    followersFallingRatio: 0.0005,
    followersFallingMin: 20,
    // WeChatReadsCollapsed: readers on a publishing day below this share
    // of the usual publishing day, and at least this many fewer.
    readsCollapseRatio: 0.3,
    readsCollapseMin: 200,
    // WeChatAdIncomeDropped: a day's ad income below this share of the
    // usual, and at least this many yuan less.
    adIncomeDropRatio: 0.5,
    adIncomeDropMinYuan: 20,

    // WeChatAPIQuotaLow: less than this share of an API's daily quota left.
    quotaLowRatio: 0.1,

    // WeChatDiscoveryStale: the platform's list of authorised accounts
    // last read longer ago than this (it is read every 10 minutes by
    // default: refresh_interval).
    discoveryStaleSeconds: 3600,

    // The dashboards.
    dashboardTags: ['wechat', 'wechat-exporter'],
    dashboardRefresh: '5m',
    dashboardTimeFrom: 'now-30d',
    dashboardTimezone: 'browser',
  },
}
