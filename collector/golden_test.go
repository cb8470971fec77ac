package collector_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/internal/servedtest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const goldenFile = "testdata/metrics.golden.prom"

// TestGoldenMetrics compares the whole output of the collector over a
// fixed store with testdata/metrics.golden.prom (go test -update rewrites it).
func TestGoldenMetrics(t *testing.T) {
	state := servedtest.Golden(t)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(collector.New(state, collector.WithMaxPosts(5)))
	if *update {
		if err := os.WriteFile(filepath.FromSlash(goldenFile), exposition(t, reg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.Open(filepath.FromSlash(goldenFile))
	if err != nil {
		t.Fatalf("%v (run go test ./collector -run Golden -update to create it)", err)
	}
	defer golden.Close()
	if err := testutil.GatherAndCompare(reg, golden); err != nil {
		t.Fatal(err)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", problems, err)
	}
}
