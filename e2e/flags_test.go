package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/dashboards"
	"github.com/wechat-exporter/wechat-exporter/internal/app"
	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestRequestsPerSecondFlag: with --wechat.requests-per-second the
// accounts' requests take turns, and the time waited is counted.
func TestRequestsPerSecondFlag(t *testing.T) {
	_, addr, _ := exportertest.Start(t, "--demo", "--wechat.requests-per-second=50", "--log.level=warn")
	body := demoReady(t, addr)
	m := regexp.MustCompile(`(?m)^wechat_api_rate_limit_wait_seconds_total (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("wechat_api_rate_limit_wait_seconds_total not served")
	}
	if v, err := strconv.ParseFloat(m[1], 64); err != nil || v <= 0 {
		t.Errorf("waited %s s under a limit of 50 requests a second for three accounts, want more than 0", m[1])
	}
}

// metricNames finds the exporter's metric names in a query.
var metricNames = regexp.MustCompile(`\bwechat_[a-z0-9_]*[a-z0-9]\b`)

// servedFamilies returns the metric families an exposition has.
func servedFamilies(body string) map[string]bool {
	served := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) `).FindAllStringSubmatch(body, -1) {
		served[m[1]] = true
	}
	return served
}

// TestMetricDenylist: the families a denylist names are not served, and
// every dashboard query that needs none of them still finds all its
// metrics.
func TestMetricDenylist(t *testing.T) {
	deny := "wechat_article_hourly_.*,wechat_article_post_.*,wechat_published_post_.*"
	_, addr, _ := exportertest.Start(t, "--demo", "--metric-denylist="+deny, "--log.level=warn")
	served := servedFamilies(demoReady(t, addr))
	denied := regexp.MustCompile("^(?:" + strings.ReplaceAll(deny, ",", "|") + ")$")
	for name := range served {
		if denied.MatchString(name) {
			t.Errorf("%s served despite the denylist", name)
		}
	}
	valid, needing := 0, 0
	for _, q := range dashboards.Queries() {
		names := metricNames.FindAllString(q.Expr, -1)
		if slices.ContainsFunc(names, denied.MatchString) {
			needing++
			continue // the panel needs a removed family
		}
		valid++
		for _, n := range names {
			if !served[n] {
				t.Errorf("%s / %s needs %s, which is not served", q.Dashboard, q.Panel, n)
			}
		}
	}
	if valid < 30 || needing < 3 {
		t.Errorf("%d queries still valid, %d needing removed families: the test selects too little", valid, needing)
	}
}

// TestDemoAtEveryHourOfTheDay starts the demo with its clock at hours of
// the Beijing day around the ready time (08:30) and midnight, where
// schedules change: at each, every endpoint of every account is served,
// and every metric a dashboard query needs (the API quota's included) is
// there. A start before the ready time once served no quota for hours.
func TestDemoAtEveryHourOfTheDay(t *testing.T) {
	today := wechat.Today(time.Now())
	for _, at := range []time.Duration{5 * time.Minute, 3 * time.Hour, 7 * time.Hour, 8*time.Hour + 29*time.Minute, 8*time.Hour + 45*time.Minute, 15 * time.Hour, 23*time.Hour + 58*time.Minute} {
		name := fmt.Sprintf("%02d:%02d", int(at.Hours()), int(at.Minutes())%60)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			offset := today.Start().Add(at).Sub(time.Now()).Round(time.Second)
			_, addr, _ := exportertest.Start(t, "--demo", "--debug.clock-offset="+offset.String(), "--log.level=warn")
			served := servedFamilies(demoReady(t, addr))
			for _, q := range dashboards.Queries() {
				for _, n := range metricNames.FindAllString(q.Expr, -1) {
					if !served[n] {
						t.Errorf("at %s Beijing: %s / %s needs %s, which is not served", name, q.Dashboard, q.Panel, n)
					}
				}
			}
		})
	}
}

// TestTelemetryPathChecked: a --web.telemetry-path that would panic
// (empty, no leading /, one of the exporter's own pages), be read as
// something else (a method and a path) or never match (a query) is
// refused when the flags are parsed: exit 2 naming the flag, before the
// store is opened.
func TestTelemetryPathChecked(t *testing.T) {
	for _, p := range []string{"", "metrics", "/probe", "/-/reload", "/targets", "GET /metrics", "/metrics?x", "/metrics/", "/a/../metrics", "/{x}"} {
		storage := filepath.Join(t.TempDir(), "data")
		start := time.Now()
		code, out := exportertest.Run(t, "--demo", "--storage.path="+storage, "--web.telemetry-path="+p)
		if code != app.ExitUsage || !strings.Contains(out, "--web.telemetry-path") || strings.Contains(out, "panic") {
			t.Errorf("--web.telemetry-path=%q: exit %d, want %d naming the flag:\n%s", p, code, app.ExitUsage, out)
		}
		if _, err := os.Stat(storage); err == nil {
			t.Errorf("--web.telemetry-path=%q: the store was opened before the flag was refused (%s)", p, time.Since(start))
		}
	}
}
