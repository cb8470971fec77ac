package app

import (
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// manyConfig is a configuration of n accounts with every datacube
// endpoint.
func manyConfig(n int) *config.Config {
	cfg := &config.Config{Accounts: make([]config.Account, n)}
	for i := range cfg.Accounts {
		cfg.Accounts[i] = config.Account{Name: fmt.Sprintf("a%06d", i), AppID: fmt.Sprintf("wxstart%010d", i),
			TokenSource: config.SourceStable, AppSecret: "startup-secret-0123456789", Endpoints: wechat.DatacubeEndpoints()}
	}
	return cfg
}

// BenchmarkStartup measures start-up from a loaded configuration to an
// exporter ready to serve (clients, snapshot, fetcher, the store read), on
// an empty store, at 1,000, 10,000 and 100,000 accounts. The cost per
// account (ns/account) must stay flat: start-up is linear in accounts.
//
//	go test -run '^$' -bench '^BenchmarkStartup$' -benchtime 1x .
func BenchmarkStartup(b *testing.B) {
	for _, n := range startupSizes {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			cfg := manyConfig(n)
			f, err := parseFlags([]string{"--wechat.api-url=http://127.0.0.1:1"})
			if err != nil {
				b.Fatal(err)
			}
			s, err := newSettings(f)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				st, err := store.Open(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := newExporter(b.Context(), cfg, st, prometheus.NewRegistry(), s, nopLogger(), f); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				st.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/account")
		})
	}
}

var startupSizes = []int{1000, 10000, 100000}
