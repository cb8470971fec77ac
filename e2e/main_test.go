// Package e2e holds the tests of the exporter as a running process: the
// binary started with its flags, its HTTP server, signals, the shipped
// files (README, examples, alerts, dashboards, the systemd unit, the
// Kubernetes manifest) and a real Prometheus and promtool beside it.
package e2e

import (
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/app"
	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
)

func TestMain(m *testing.M) { exportertest.Main(m, app.Main, "..") }
