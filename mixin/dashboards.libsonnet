// The Grafana dashboards. Their panels are generated from Go
// (dashboards/panels.go, by go test ./dashboards -update) into
// dashboards/*.json here; this file puts each in its frame with _config:
// the variables (data source, job, accounts), tags, links, time range, and
// the __inputs and __requires a grafana.com import reads.
{
  local cfg = $._config,

  // The data source is a variable named like the grafana.com input, so
  // that an import from grafana.com fills it in, and a provisioned file
  // (where no input is asked for) still has it to choose from.
  local datasource = { type: 'prometheus', uid: '${DS_PROMETHEUS}' },

  local query(name, label, q, multi) = {
    name: name,
    label: label,
    type: 'query',
    datasource: datasource,
    query: { query: q, refId: name },
    definition: q,
    refresh: 2,
    sort: 1,
    multi: multi,
    includeAll: multi,
    current: {},
  } + (if multi then { allValue: '.+' } else {}),

  local variables = [
    { name: 'DS_PROMETHEUS', label: 'Data source', type: 'datasource', query: 'prometheus', current: {} },
    // Every job that serves the exporter's metrics, whatever its name
    // (_config.dashboardJobSelector may narrow the list).
    query('job', 'Job', if cfg.dashboardJobSelector == '' then 'label_values(wechat_account_info, job)'
    else 'label_values(wechat_account_info{%(dashboardJobSelector)s}, job)' % cfg, true),
    query('account', 'Account', 'label_values(wechat_account_info{job=~"$job"}, account)', true),
  ],

  local panelNames = {
    bargauge: 'Bar gauge',
    stat: 'Stat',
    table: 'Table',
    timeseries: 'Time series',
  },

  local frame(source) = source {
    __inputs: [{
      name: 'DS_PROMETHEUS',
      label: 'Prometheus',
      description: 'The Prometheus that scrapes wechat-exporter',
      type: 'datasource',
      pluginId: 'prometheus',
      pluginName: 'Prometheus',
    }],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.4.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
    ] + [
      { type: 'panel', id: t, name: panelNames[t], version: '' }
      for t in std.set([p.type for p in source.panels])
    ],
    tags: cfg.dashboardTags,
    schemaVersion: 39,
    version: 1,
    editable: true,
    graphTooltip: 1,
    time: { from: cfg.dashboardTimeFrom, to: 'now' },
    refresh: cfg.dashboardRefresh,
    timezone: cfg.dashboardTimezone,
    annotations: { list: [] },
    templating: { list: variables },
    links: [{ title: 'WeChat dashboards', type: 'dashboards', tags: cfg.dashboardTags, asDropdown: true }],
  },

  grafanaDashboards+:: {
    'wechat-overview.json': frame(import 'dashboards/wechat-overview.json'),
    'wechat-messages.json': frame(import 'dashboards/wechat-messages.json'),
    'wechat-articles.json': frame(import 'dashboards/wechat-articles.json'),
    'wechat-callbacks.json': frame(import 'dashboards/wechat-callbacks.json'),
    'wechat-ads.json': frame(import 'dashboards/wechat-ads.json'),
  },
}
