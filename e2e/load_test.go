package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/internal/app"
	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
)

// BenchmarkLoad runs the exporter as its own process with 100 demo
// accounts and lets 50 concurrent clients scrape /metrics (gzip, as
// Prometheus does) for 30 s, then reports the latency percentiles, the
// throughput, the errors and the exporter's peak resident memory:
//
//	go test -run '^$' -bench '^BenchmarkLoad$' -benchtime 1x .
//
// WECHAT_LOAD_DURATION shortens or lengthens the run (a Go duration).
func BenchmarkLoad(b *testing.B) {
	duration := 30 * time.Second
	if d, err := time.ParseDuration(os.Getenv("WECHAT_LOAD_DURATION")); err == nil {
		duration = d
	}
	const accounts, clients = 100, 50
	b.Run(fmt.Sprintf("accounts=%d/clients=%d", accounts, clients), func(b *testing.B) {
		cmd, addr, _ := exportertest.Start(b, "--demo", fmt.Sprintf("--demo.accounts=%d", accounts), "--log.level=error")
		exportertest.WaitFor(b, addr, func(body string) bool {
			return app.DemoFetched(body, accounts)
		})
		for b.Loop() {
			r := load("http://"+addr+"/metrics", clients, duration)
			b.ReportMetric(r.pct(0.50), "p50-ms")
			b.ReportMetric(r.pct(0.90), "p90-ms")
			b.ReportMetric(r.pct(0.99), "p99-ms")
			b.ReportMetric(r.pct(1), "max-ms")
			b.ReportMetric(float64(len(r.latencies))/duration.Seconds(), "scrapes/s")
			b.ReportMetric(float64(r.errors), "errors")
			b.ReportMetric(peakRSSMiB(b, cmd.Process.Pid), "peak-RSS-MiB")
			if r.errors > 0 {
				b.Errorf("%d failed scrapes: %s", r.errors, r.firstError)
			}
		}
	})
}

type loadResult struct {
	latencies  []time.Duration
	errors     int
	firstError string
}

func (r loadResult) pct(p float64) float64 {
	if len(r.latencies) == 0 {
		return 0
	}
	i := min(int(p*float64(len(r.latencies))), len(r.latencies)-1)
	return float64(r.latencies[i]) / float64(time.Millisecond)
}

// load scrapes url from n clients until d has passed.
func load(url string, n int, d time.Duration) loadResult {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	var mu sync.Mutex
	var r loadResult
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				start := time.Now()
				err := scrapeOnce(client, url)
				took := time.Since(start)
				mu.Lock()
				if err != nil {
					r.errors++
					if r.firstError == "" {
						r.firstError = err.Error()
					}
				} else {
					r.latencies = append(r.latencies, took)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	return r
}

// scrapeOnce fetches the metrics (gzip is asked for and undone by the
// transport) and checks that the whole exposition arrived.
func scrapeOnce(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || !strings.Contains(string(body), "wechat_user_followers{") || !strings.HasSuffix(string(body), "\n") {
		return fmt.Errorf("status %d, %d bytes", resp.StatusCode, len(body))
	}
	return nil
}

// peakRSSMiB reads a process's peak resident memory (VmHWM).
func peakRSSMiB(b *testing.B, pid int) float64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmHWM")
	return 0
}
