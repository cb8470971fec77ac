package e2e

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/dashboards"
	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
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

// TestMetricDenylist: the families a denylist names are not served, and
// every dashboard query that needs none of them still finds all its
// metrics.
func TestMetricDenylist(t *testing.T) {
	deny := "wechat_article_hourly_.*,wechat_article_post_.*,wechat_published_post_.*"
	_, addr, _ := exportertest.Start(t, "--demo", "--metric-denylist="+deny, "--log.level=warn")
	body := demoReady(t, addr)
	served := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) `).FindAllStringSubmatch(body, -1) {
		served[m[1]] = true
	}
	denied := regexp.MustCompile("^(?:" + strings.ReplaceAll(deny, ",", "|") + ")$")
	for name := range served {
		if denied.MatchString(name) {
			t.Errorf("%s served despite the denylist", name)
		}
	}
	valid, needing := 0, 0
	for _, q := range dashboards.Queries() {
		names := regexp.MustCompile(`\bwechat_[a-z0-9_]*[a-z0-9]\b`).FindAllString(q.Expr, -1)
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
