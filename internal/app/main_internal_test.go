package app

import (
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
)

func TestMain(m *testing.M) { exportertest.Main(m, Main, "../..") }
