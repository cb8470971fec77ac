// wechat-exporter's monitoring mixin: prometheusAlerts (the alert rules)
// and grafanaDashboards, adapted to an installation in config.libsonnet's
// _config. examples/wechat-alerts.yml, examples/kubernetes/wechat-exporter-rules.yaml
// and dashboards/*.json are built from it (go test ./mixin -update); a test
// keeps them equal. To build it for a job named otherwise:
//
//   go run github.com/google/go-jsonnet/cmd/jsonnet@v0.22.0 -J mixin -S -e \
//     'std.manifestYamlDoc(((import "mixin.libsonnet") + { _config+:: { jobSelector: "job=\"mine\"" } }).prometheusAlerts)'
(import 'config.libsonnet') +
(import 'alerts.libsonnet') +
(import 'dashboards.libsonnet')
