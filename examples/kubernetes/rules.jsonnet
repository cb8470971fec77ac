// The alert rules for the ServiceMonitor of wechat-exporter.yaml, as a
// PrometheusRule: the Prometheus Operator names the job after the Service,
// so the mixin is built with that job. This is how to adapt the mixin to
// an installation; wechat-exporter-rules.yaml is what it makes
// (go test ./mixin -update writes it).
local mixin = (import '../../mixin/mixin.libsonnet') + {
  _config+:: { jobSelector: 'job="wechat-exporter"' },
};

{
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: {
    name: 'wechat-exporter',
    labels: { 'app.kubernetes.io/name': 'wechat-exporter' },
  },
  spec: mixin.prometheusAlerts,
}
