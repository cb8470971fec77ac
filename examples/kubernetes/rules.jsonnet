// The alert rules for the ServiceMonitor of wechat-exporter.yaml, as a
// PrometheusRule: the chart's ServiceMonitor names the job after its
// app.kubernetes.io/name (jobLabel), wechat-exporter, so the mixin is
// built with that job (the chart's prometheusRule is the same rules). This is how to adapt the mixin to
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
    namespace: 'monitoring',
    labels: { 'app.kubernetes.io/name': 'wechat-exporter', release: 'kube-prometheus-stack' },
  },
  spec: mixin.prometheusAlerts,
}
