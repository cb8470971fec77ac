// Package mixin is wechat-exporter's monitoring mixin, in jsonnet: the
// alert rules (alerts.libsonnet) and the frame of the Grafana dashboards
// (dashboards.libsonnet), adapted to an installation in one place, the
// _config of config.libsonnet (the job selector above all).
//
// Its test builds it with go-jsonnet and keeps the files made from it equal
// to what it makes: examples/wechat-alerts.yml and dashboards/*.json with
// the default _config, examples/kubernetes/wechat-exporter-rules.yaml with
// the Kubernetes example's job. After a change to the mixin or to the
// dashboards' panels:
//
//	go test ./dashboards -update && go test ./mixin -update
package mixin
