// Package charttest tests the Helm chart (../wechat-exporter) as a
// cluster would take it: rendered by Helm itself (helm lint, helm
// template, with the default values and the value sets in testdata/),
// every object decoded strictly into its Kubernetes API type, every pod
// spec evaluated against Pod Security "restricted", the container's
// arguments parsed by the exporter's own flag parser, and the
// PrometheusRule checked by promtool, its selectors matching the
// ServiceMonitor's job.
//
// It is a module of its own, so that the exporter's module takes in
// neither Helm nor Kubernetes' libraries: `go test ./...` at the
// repository's root does not run it; .ci/run does, with
// `cd charts/charttest && go test ./...`.
package charttest
