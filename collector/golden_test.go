package collector_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const goldenFile = "testdata/metrics.golden.prom"

// fixedStore fills a store from the fake at a fixed time: every endpoint
// of one account, with hostile titles and a callback failure spike.
func fixedStore(t *testing.T) *store.Store {
	t.Helper()
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // Monday 10:00 Beijing
	now := func() time.Time { return at }
	fake := wechattest.NewServer()
	defer fake.Close()
	fake.SetClock(now)
	fake.AddAccount(wechattest.Account{AppID: "wxgolden", Secret: "golden-secret", Scale: 100000, Publisher: true, SilentEvery: 2,
		FailureSpike: wechat.MustParseDate("2026-11-22")})
	client, err := wechat.New(wechat.NewStableToken("wxgolden", "golden-secret"), wechat.WithBaseURL(fake.URL), wechat.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := fetcher.New(fetcher.Config{Now: now, ReadyTime: fetcher.DefaultReadyTime, RetryInterval: time.Minute, Lookback: 2},
		st, served.NewState(map[string]string{"golden": "wxgolden"}),
		[]fetcher.Account{{Name: "golden", Client: client, Endpoints: wechat.Endpoints()}}, prometheus.NewRegistry())
	f.RunOnce(context.Background())
	return st
}

// goldenState is the state a start on fixedStore serves.
func goldenState(t *testing.T) *served.State {
	t.Helper()
	st := fixedStore(t)
	state := served.NewState(map[string]string{"golden": "wxgolden"})
	f := fetcher.New(fetcher.Config{}, st, state, []fetcher.Account{{Name: "golden", Endpoints: wechat.Endpoints()}}, prometheus.NewRegistry())
	if err := loadAll(f); err != nil {
		t.Fatal(err)
	}
	return state
}

// TestGoldenMetrics compares the whole output of the collector over a
// fixed store with testdata/metrics.golden.prom (go test -update rewrites it).
func TestGoldenMetrics(t *testing.T) {
	state := goldenState(t)
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

// loadAll loads everything the store holds, as a start does.
func loadAll(f *fetcher.Fetcher) error {
	_, rest, err := f.LoadCold(context.Background())
	if err != nil {
		return err
	}
	return rest(context.Background())
}
