// Package servedtest builds served snapshots for the tests of the packages
// that read them (collector, exposition) the way a start builds them: from
// a store the fetcher filled from the in-repo fake of WeChat.
package servedtest

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// GoldenStore fills a store from the fake at a fixed time (Monday
// 2026-11-23, 10:00 Beijing): every endpoint of one account, "golden",
// with hostile titles, quiet days, ad data and a callback failure spike.
func GoldenStore(t testing.TB) *store.Store {
	t.Helper()
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
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

// Golden is the state a start on GoldenStore serves.
func Golden(t testing.TB) *served.State {
	t.Helper()
	st := GoldenStore(t)
	state := served.NewState(map[string]string{"golden": "wxgolden"})
	f := fetcher.New(fetcher.Config{}, st, state, []fetcher.Account{{Name: "golden", Endpoints: wechat.Endpoints()}}, prometheus.NewRegistry())
	if err := LoadAll(f); err != nil {
		t.Fatal(err)
	}
	return state
}

// LoadAll loads everything the fetcher's store holds, as a start does,
// and returns what failed.
func LoadAll(f *fetcher.Fetcher) error {
	_, rest, err := f.LoadCold(context.Background())
	if err != nil {
		return err
	}
	return rest(context.Background())
}
