// The alert rules, in the monitoring-mixin style: every alert has a
// severity (critical pages a person now, warning is a ticket for working
// hours, info is for dashboards), a summary, a description and a
// runbook_url into docs/failures.md; `for:` rides over single evaluations
// that are blips. Every selector carries _config.jobSelector.
//
// The exporter serves WeChat's figures for a past day (yesterday, usually),
// unchanged until the next day's arrive;
// wechat_datacube_data_date_timestamp_seconds says which day. Rules on data
// metrics therefore compare days, not scrapes, and a finding on yesterday's
// data is never a page: nothing done now changes yesterday.

// text joins the lines of a text block into one line, as YAML's folded
// scalars do: descriptions are written over lines here and read as one.
local text(s) = std.join(' ', std.filter(function(l) l != '', std.split(s, '\n')));

{
  local cfg = $._config,
  local alert(name, severity, forDuration, expr, summary, description) = {
    alert: name,
    expr: expr % cfg,
    'for': forDuration,
    labels: { severity: severity },
    annotations: {
      summary: summary,
      description: text(description % cfg),
      runbook_url: '%s#%s' % [cfg.runbookURL, std.asciiLower(name)],
    },
  },

  prometheusAlerts+:: {
    groups+: [
      {
        name: 'wechat-exporter',
        rules: [
          // Without the exporter every other alert here is silent: a dead
          // exporter resolves them all.
          alert('WeChatExporterDown', 'warning', '10m',
                'up{%(jobSelector)s} == 0',
                'The WeChat exporter cannot be scraped.', |||
                  {{ $labels.instance }}: Prometheus has failed to scrape the exporter for 10 minutes.
                  No WeChat alert can fire meanwhile. The exporter's stored data is safe, and days
                  it missed are fetched when it is back.
                |||),

          alert('WeChatExporterAbsent', 'warning', '15m',
                'absent(up{%(jobSelector)s})',
                'Prometheus has no WeChat exporter target.', |||
                  No target of {%(jobSelector)s} has been scraped for 15 minutes (a removed target, a
                  broken service discovery or relabelling, or a job named otherwise: the mixin's
                  jobSelector). No WeChat alert can fire meanwhile.
                |||),

          // Daily data for day D is served from D+1 after the ready time
          // until D+2, so a day older than 3 days means the fetching is
          // stuck. Weekly data is due every Monday, monthly data every 1st.
          alert('WeChatDataStale', 'warning', '30m', |||
            (time() - wechat_datacube_data_date_timestamp_seconds{%(jobSelector)s,endpoint!~".*(week|month)"} > 3 * 86400)
            or
            (time() - wechat_datacube_data_date_timestamp_seconds{%(jobSelector)s,endpoint=~".*week"} > 16 * 86400)
            or
            (time() - wechat_datacube_data_date_timestamp_seconds{%(jobSelector)s,endpoint=~".*month"} > 64 * 86400)
          |||, 'WeChat data served is older than expected.', |||
            {{ $labels.account }}/{{ $labels.endpoint }}: the data served is
            {{ $value | humanizeDuration }} old. Check WeChatFetchFailing and the exporter's logs.
          |||),

          // "Data not ready" after the ready time is normal for an hour or
          // two. Endpoints WeChat will not serve the account are
          // WeChatEndpointUnavailable.
          alert('WeChatFetchFailing', 'warning', '3h', |||
            wechat_datacube_last_fetch_success{%(jobSelector)s} == 0
              unless on (job, instance, account, endpoint)
            wechat_datacube_endpoint_unavailable{%(jobSelector)s} == 1
          |||, 'Fetching WeChat data fails.', |||
            {{ $labels.account }}/{{ $labels.endpoint }}: the last fetch failed for 3 hours.
            wechat_api_request_failures_total tells the errcode, the exporter's log what it means.
          |||),

          // WeChat answers that it will not serve the endpoint for the
          // account, and the reason label says why: offline (47009, the
          // endpoint was taken offline; the dashboards fall back to the 2025
          // content endpoints), unauthorized (48001: the account is not
          // verified, or a platform's account has not granted the permission
          // set), or not_publisher (ad ret 2009: remove publisher: true). The
          // exporter asks again weekly; nothing pages.
          alert('WeChatEndpointUnavailable', 'info', '1h',
                'wechat_datacube_endpoint_unavailable{%(jobSelector)s} == 1',
                'WeChat does not serve an endpoint for an account.', |||
                  {{ $labels.account }}/{{ $labels.endpoint }}: WeChat will not serve the endpoint for this
                  account ({{ $labels.reason }}); the exporter's log says what would change that. Asked again weekly.
                |||),

          // The token endpoint refuses the account's credentials: no data
          // can be fetched, and the account's other systems using the same
          // AppSecret are likely broken too. This one needs a person now.
          alert('WeChatCredentialsRejected', 'critical', '10m',
                'wechat_credentials_rejected{%(jobSelector)s} == 1',
                "WeChat refuses the account's credentials.", |||
                  {{ $labels.account }}: WeChat refuses to hand out an access token for the account's
                  credentials (wrong AppSecret or AppID, the exporter's IP not in the whitelist, a frozen
                  secret, an invalid refresh token or verify ticket). The exporter's log has WeChat's errcode.
                |||),

          // One rejected access token is refreshed and the call retried:
          // routine when another system resets the account's token. Many
          // rejections an hour mean some system keeps resetting it.
          alert('WeChatTokenRejected', 'warning', '15m', |||
            sum by (job, instance, account) (
              increase(wechat_api_request_failures_total{%(jobSelector)s,errcode=~"40001|40014|42001",endpoint!~"token|stable_token|api_component_token|api_authorizer_token"}[1h])
            ) > 3
          |||, "WeChat keeps rejecting the exporter's access tokens.", |||
            {{ $labels.account }}: WeChat rejected the exporter's access token {{ $value }} times in
            the last hour: another system keeps resetting the account's token (token_source classic,
            or a forced stable token refresh). Make it use the stable token, or give the exporter
            its token (token_source file).
          |||),

          // Little of an API's daily quota is left: at zero WeChat answers
          // 45009 and that endpoint is not fetched until the next Beijing
          // midnight. Usually another system using the same AppID.
          alert('WeChatAPIQuotaLow', 'warning', '15m', |||
            wechat_api_daily_quota_remaining{%(jobSelector)s} < %(quotaLowRatio)g * wechat_api_daily_quota_limit{%(jobSelector)s}
              and wechat_api_daily_quota_limit{%(jobSelector)s} > 0
          |||, "An API's daily quota is nearly spent.", |||
            {{ $labels.account }}: {{ $value }} calls to {{ $labels.path }} are left today. At zero
            WeChat answers 45009 and the exporter stops fetching that endpoint until 00:00 Beijing.
            wechat_api_requests_total shows the exporter's share; the rest is another system using the AppID.
          |||),

          alert('WeChatStoreWriteFailing', 'warning', '5m',
                'increase(wechat_store_write_failures_total{%(jobSelector)s}[1h]) > 0',
                'The exporter cannot write its store.', |||
                  {{ $labels.instance }}: {{ $value }} store writes failed in the last hour
                  (full disk or read-only storage path). The days fetched are served from memory
                  and written once the disk is back, without fetching them again.
                |||),

          // The store file was damaged at start and moved aside: the
          // exporter serves again from a new store, but what only the old
          // file held (backfilled history) needs a person's decision.
          alert('WeChatStoreDamaged', 'warning', '1m',
                'wechat_store_files_moved_aside_total{%(jobSelector)s} > 0',
                'The exporter found its store damaged and started a new one.', |||
                  {{ $labels.instance }}: the store file was damaged at start and moved aside; the
                  exporter fetches the lookback again. The log line "the store file was damaged" says
                  why and where the old file is.
                |||),

          // The store can only be read: the exporter serves what it holds
          // and fetches nothing, so the data goes stale day by day.
          alert('WeChatStoreReadOnly', 'warning', '10m',
                'wechat_store_read_only{%(jobSelector)s} == 1',
                "The exporter's store is read-only; nothing is fetched.", |||
                  {{ $labels.instance }}: the store could only be opened for reading (a read-only mount,
                  or a file the exporter's user may not write). It serves what the store holds and fetches
                  nothing until the store is writable and the exporter restarted.
                |||),

          // A refused reload keeps the configuration that was running: the
          // accounts added by the edit are not collected, those removed are
          // still asked, and the next restart fails on the same file.
          alert('WeChatConfigReloadFailed', 'warning', '10m',
                'wechat_exporter_config_last_reload_successful{%(jobSelector)s} == 0',
                "The exporter refused its configuration file's last reload.", |||
                  {{ $labels.instance }}: the configuration file was edited and the reload refused it;
                  the exporter runs on with the configuration it had, and a restart would fail on the file.
                  The log line "configuration not reloaded" names the file, the line and the field.
                |||),

          // A platform rotated an authorizer refresh token and the exporter
          // could not write the new one: it holds it in memory, but after a
          // restart the old one is refused, and only the account's owner
          // authorising the platform again brings the account back.
          alert('WeChatRefreshTokenNotSaved', 'critical', '1m',
                'increase(wechat_refresh_token_save_failures_total{%(jobSelector)s}[1h]) > 0',
                'A rotated refresh token could not be saved.', |||
                  {{ $labels.instance }}: a rotated authorizer refresh token could not be written
                  in the last hour. They are held in memory only: make the refresh token directory writable
                  before the exporter restarts, or the accounts need authorising again. The log line
                  "could not save the rotated authorizer refresh token" names the account and the file.
                |||),

          // Discovery reads the platform's list of authorised accounts every
          // refresh_interval; while it fails, the accounts served are those
          // of the last list read.
          alert('WeChatDiscoveryStale', 'warning', '15m',
                'time() - wechat_discovery_last_success_timestamp_seconds{%(jobSelector)s} > %(discoveryStaleSeconds)d',
                "The platform's list of authorised accounts is not being read.", |||
                  {{ $labels.instance }}: the platform's list of authorised accounts was last read
                  {{ $value | humanizeDuration }} ago (decades: never since the exporter started). Accounts authorised since
                  are not collected, and those that left are still asked. The log line "the platform's list
                  of authorised accounts could not be read" says why.
                |||),
        ],
      },
      {
        name: 'wechat-callbacks',
        rules: [
          // The headline alert: the account's callback server failed far
          // more often than usual. The baseline is the median daily
          // fail_count of the week before, computed by the exporter from its
          // store, so it works on the first day and is not dragged up by an
          // earlier spike. It is about yesterday: a ticket for the callback
          // server's owners, not a page.
          alert('WeChatCallbackFailureSpike', 'warning', '5m', |||
            wechat_interface_callback_failures{%(jobSelector)s}
              > %(callbackFailureSpikeFactor)g * clamp_min(wechat_interface_callback_failures_baseline{%(jobSelector)s}, 1)
            and
            wechat_interface_callback_failures{%(jobSelector)s} > %(callbackFailureSpikeMin)g
          |||, 'WeChat callback failures spiked.', |||
            {{ $labels.account }}: {{ $value }} passive replies to users' messages through the
            account's server failed on the last reported day, more than %(callbackFailureSpikeFactor)g times the median of the
            week before. Users' messages went unanswered: check the callback server's logs and
            deployments of that day.
          |||),

          alert('WeChatCallbackFailureRatioHigh', 'warning', '5m', |||
            wechat_interface_callback_failures{%(jobSelector)s} / wechat_interface_callbacks{%(jobSelector)s} > %(callbackFailureRatio)g
            and
            wechat_interface_callbacks{%(jobSelector)s} > %(callbackMin)g
          |||, 'Many WeChat callbacks fail.', |||
            {{ $labels.account }}: {{ $value | humanizePercentage }} of the passive replies through
            the account's server failed on the last reported day.
          |||),

          // WeChat gives a callback server 5 seconds; an average near that
          // means many users get no answer.
          alert('WeChatCallbackSlow', 'warning', '5m', |||
            wechat_interface_callback_time_seconds{%(jobSelector)s} / wechat_interface_callbacks{%(jobSelector)s} > %(callbackSlowSeconds)g
            and
            wechat_interface_callbacks{%(jobSelector)s} > %(callbackMin)g
          |||, 'The WeChat callback server answers slowly.', |||
            {{ $labels.account }}: the account's server took {{ $value | humanizeDuration }}
            on average to answer a callback on the last reported day (WeChat waits 5 s).
          |||),
        ],
      },
      {
        name: 'wechat-account',
        rules: [
          // The figures an operator watches every morning, each against the
          // account's own usual: the median of the stored week before the
          // served day, which the exporter serves (the *_baseline gauges),
          // so that each works from the first day, without Prometheus
          // history. Each has a ratio and an absolute floor, so that a small
          // account does not page on 3 unfollows; without enough stored days
          // the baseline is absent and so is the alert. About yesterday:
          // tickets, not pages.
          alert('WeChatUnfollowSpike', 'warning', '5m', |||
            sum by (job, instance, account) (wechat_user_unfollows{%(jobSelector)s})
              > %(unfollowSpikeFactor)g * clamp_min(max by (job, instance, account) (wechat_user_unfollows_baseline{%(jobSelector)s}), 1)
            and
            sum by (job, instance, account) (wechat_user_unfollows{%(jobSelector)s}) >= %(unfollowSpikeMin)g
          |||, 'Far more users than usual unfollowed the account.', |||
            {{ $labels.account }}: {{ $value }} users unfollowed the account on the last reported day, more than
            %(unfollowSpikeFactor)g times the median day of the week before. Look at what the account sent
            that day and the day before (wechat_article_post_info, the Articles dashboard) and at the
            unfollows by channel (wechat_user_unfollows).
          |||),

          alert('WeChatFollowersFalling', 'warning', '5m', |||
            sum by (job, instance, account) (wechat_user_follows{%(jobSelector)s})
              - sum by (job, instance, account) (wechat_user_unfollows{%(jobSelector)s})
              < -%(followersFallingMin)g
            and
            sum by (job, instance, account) (wechat_user_follows{%(jobSelector)s})
              - sum by (job, instance, account) (wechat_user_unfollows{%(jobSelector)s})
              < -%(followersFallingRatio)g * max by (job, instance, account) (wechat_user_followers{%(jobSelector)s})
            and
            max by (job, instance, account) (wechat_user_net_follows_baseline{%(jobSelector)s}) < 0
          |||, "The account's followers have been falling for days.", |||
            {{ $labels.account }}: the account's net follows were {{ $value }} on the last reported day
            (more than %(followersFallingRatio)g of its followers lost), and its median day of the week
            before lost followers too: more leave than come, day after day. Compare follows and unfollows by channel (wechat_user_follows, wechat_user_unfollows):
            a channel that stopped bringing followers, or unfollows that grew.
          |||),

          alert('WeChatReadsCollapsed', 'warning', '5m', |||
            max by (job, instance, account) (wechat_published_read_users{%(jobSelector)s})
              < %(readsCollapseRatio)g * max by (job, instance, account) (wechat_published_read_users_baseline{%(jobSelector)s})
            and
            max by (job, instance, account) (wechat_published_read_users_baseline{%(jobSelector)s})
              - max by (job, instance, account) (wechat_published_read_users{%(jobSelector)s})
              >= %(readsCollapseMin)g
            and
            max by (job, instance, account) (wechat_published_pages_sent{%(jobSelector)s}) > 0
          |||, "The account's content was read far less than usual.", |||
            {{ $labels.account }}: {{ $value }} users read the account's content on the last reported day,
            on which it published, less than %(readsCollapseRatio)g of its median publishing day of the
            week before. Look at the readers by scene (wechat_published_read_users_by_scene): a scene
            that went to nothing points at a channel gone or an article limited; check the account's
            notices in the Official Accounts Platform.
          |||),

          alert('WeChatAdIncomeDropped', 'warning', '5m', |||
            sum by (job, instance, account) (wechat_ad_income_yuan{%(jobSelector)s})
              < %(adIncomeDropRatio)g * max by (job, instance, account) (wechat_ad_income_baseline_yuan{%(jobSelector)s})
            and
            max by (job, instance, account) (wechat_ad_income_baseline_yuan{%(jobSelector)s})
              - sum by (job, instance, account) (wechat_ad_income_yuan{%(jobSelector)s})
              >= %(adIncomeDropMinYuan)g
          |||, "The account's ad income dropped.", |||
            {{ $labels.account }}: the account's ads earned {{ $value }} yuan on the last reported day, less
            than %(adIncomeDropRatio)g of its median day of the week before. Look at the income by ad slot
            (wechat_ad_income_yuan) and at exposures (wechat_ad_exposures): fewer reads show fewer ads;
            a slot at nothing may be switched off or penalised (wechat_ad_penalty_yuan).
          |||),
        ],
      },
    ],
  },
}
