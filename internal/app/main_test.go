package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/version"

	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
)

// startServe runs serve with args until the test ends or the returned
// stop is called; it returns serve's result on the channel.
func startServe(t *testing.T, args ...string) (addr string, stop func(), result <-chan error) {
	t.Helper()
	addr = exportertest.FreeAddr(t)
	f, err := parseFlags(append([]string{"--web.listen-address=" + addr, "--log.level=error"}, args...))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() { res <- serve(ctx, f, log.NewNopLogger(), log.NewNopLogger(), nil) }()
	t.Cleanup(cancel)
	deadline := time.Now().Add(time.Minute)
	for {
		if code, _ := exportertest.Get(t, "http://"+addr+"/healthz"); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("exporter did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return addr, cancel, res
}

func TestDemoServesEveryEndpoint(t *testing.T) {
	storage := t.TempDir()
	addr, stop, result := startServe(t, "--demo", "--storage.path="+storage)
	body := exportertest.WaitFor(t, addr, func(b string) bool {
		return DemoFetched(b, len(DemoNames))
	})
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	for _, name := range []string{"wechat_user_followers", "wechat_interface_callback_failures", "wechat_article_post_info",
		"wechat_upstream_monthly_messages", "wechat_api_requests_total", "wechat_access_token_refreshes_total",
		"wechat_exporter_build_info", "wechat_account_info", "wechat_datacube_data_date_timestamp_seconds"} {
		if mfs[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	// Only the publisher has ad series.
	for _, name := range []string{"wechat_ad_income_yuan", "wechat_ad_revenue_yuan", "wechat_ad_cps_commission_yuan"} {
		for _, m := range mfs[name].GetMetric() {
			if acc := m.GetLabel()[0].GetValue(); acc != DemoPublisher {
				t.Errorf("%s for %s, which is not a publisher", name, acc)
			}
		}
		if len(mfs[name].GetMetric()) == 0 {
			t.Errorf("no %s for the publisher %s", name, DemoPublisher)
		}
	}
	// The spiking account stands out.
	fails := map[string]float64{}
	for _, m := range mfs["wechat_interface_callback_failures"].GetMetric() {
		fails[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
	}
	if fails["support"] < 10*fails["news"] || fails["support"] < 10*fails["shop"] {
		t.Errorf("no clear spike on support: %v", fails)
	}
	// So does the account that lost many followers yesterday, against its own week.
	unfollows, baseline := map[string]float64{}, map[string]float64{}
	for _, m := range mfs["wechat_user_unfollows"].GetMetric() {
		unfollows[m.GetLabel()[0].GetValue()] += m.GetGauge().GetValue()
	}
	for _, m := range mfs["wechat_user_unfollows_baseline"].GetMetric() {
		baseline[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
	}
	for _, acc := range DemoNames {
		spiking := unfollows[acc] > 3*baseline[acc]
		if baseline[acc] == 0 || spiking != (acc == DemoUnfollowSpike) {
			t.Errorf("%s: unfollows %v against a baseline of %v", acc, unfollows[acc], baseline[acc])
		}
	}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if m.TimestampMs != nil {
				t.Errorf("%s has a sample timestamp", name)
			}
		}
	}
	readmeDocuments(t, body)
	if code, page := exportertest.Get(t, "http://"+addr+"/"); code != 200 || !strings.Contains(page, "/metrics") {
		t.Errorf("landing page: %d %.200s", code, page)
	}
	if code, _ := exportertest.Get(t, "http://"+addr+"/readyz"); code != 200 {
		t.Errorf("/readyz: %d", code)
	}
	stop()
	if err := <-result; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if _, err := os.Stat(filepath.Join(storage, "wechat-exporter.db")); err != nil {
		t.Errorf("store not kept at --storage.path: %v", err)
	}
}

func TestConfigErrorsStopBeforeServing(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(cfg, []byte("accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret_file: missing.secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := parseFlags([]string{"--config.file=" + cfg, "--storage.path=" + dir, "--web.listen-address=" + exportertest.FreeAddr(t)})
	if err != nil {
		t.Fatal(err)
	}
	err = serve(context.Background(), f, log.NewNopLogger(), log.NewNopLogger(), nil)
	want := cfg + ":4: accounts[0].app_secret_file: cannot read secret file: " + filepath.Join(dir, "missing.secret") + ": no such file or directory"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if code := Main([]string{"--config.file=" + cfg, "--config.check"}); code != 1 {
		t.Errorf("--config.check on a bad file exited %d, want 1", code)
	}
}

func TestConfigCheckValid(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ok.yml")
	_ = os.WriteFile(filepath.Join(dir, "s"), []byte("0123456789abcdef0123456789abcdef"), 0o600)
	_ = os.WriteFile(cfg, []byte("accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret_file: s\n"), 0o600)
	if code := Main([]string{"--config.file=" + cfg, "--config.check", "--storage.path=" + filepath.Join(dir, "never")}); code != 0 {
		t.Errorf("--config.check exited %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "never")); err == nil {
		t.Error("--config.check opened the store")
	}
	// The account's original ID where its AppID belongs: WeChat would
	// refuse every call, so the check does.
	_ = os.WriteFile(cfg, []byte("accounts:\n  - name: a\n    app_id: gh_0123456789ab\n    app_secret_file: s\n"), 0o600)
	if code := Main([]string{"--config.file=" + cfg, "--config.check"}); code != 1 {
		t.Errorf("--config.check of an original ID for app_id exited %d, want 1", code)
	}
}

func TestBadFlags(t *testing.T) {
	tests := map[string]string{
		"--collector.ready-time=8h":      `--collector.ready-time "8h": want HH:MM, e.g. 08:30`,
		"--collector.ready-time=24:00":   `--collector.ready-time "24:00": want HH:MM, e.g. 08:30`,
		"--collector.lookback=2h":        `--collector.lookback "2h": want a duration of at least one day, e.g. 7d`,
		"--collector.retry-interval=1ms": `--collector.retry-interval 1ms: want at least 1s`,
		"--wechat.max-concurrency=0":     `--wechat.max-concurrency 0: want at least 1`,
	}
	for arg, want := range tests {
		if _, err := parseFlags([]string{arg, "--demo"}); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", arg, err, want)
		}
	}
	// A value that does not parse names its flag and what it wants, in
	// both spellings (--flag=value and --flag value).
	for args, want := range map[string]string{
		"--shard=$(SHARD)":                 `--shard "$(SHARD)": want a whole number`,
		"--total-shards x":                 `--total-shards "x": want a whole number`,
		"--wechat.timeout=30":              `--wechat.timeout "30": want a duration with its unit, such as 30s or 2m`,
		"--collector.retry-interval 10":    `--collector.retry-interval "10": want a duration with its unit, such as 30s or 2m`,
		"--wechat.requests-per-second=abc": `--wechat.requests-per-second "abc": want a number`,
	} {
		if _, err := parseFlags(strings.Fields(args)); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", args, err, want)
		}
	}
	if got, _ := parseLookback("30d"); got != 30 {
		t.Errorf("30d = %d days", got)
	}
	if got, _ := parseReadyTime("08:30"); got != 8*time.Hour+30*time.Minute {
		t.Errorf("08:30 = %v", got)
	}
}

// TestTelemetryPath serves metrics elsewhere.
func TestTelemetryPath(t *testing.T) {
	addr, _, _ := startServe(t, "--demo", "--web.telemetry-path=/wechat")
	if code, body := exportertest.Get(t, fmt.Sprintf("http://%s/wechat", addr)); code != 200 || !strings.Contains(body, "wechat_account_info") {
		t.Errorf("/wechat: %d", code)
	}
}

func nopLogger() log.Logger { return log.NewNopLogger() }

// TestLandingPageLinks follows every link of the landing page, and submits
// its probe form with the account it suggests: each answers 200.
func TestLandingPageLinks(t *testing.T) {
	addr, _, _ := startServe(t, "--demo", "--storage.path="+t.TempDir())
	code, page := exportertest.Get(t, "http://"+addr+"/")
	if code != 200 {
		t.Fatalf("landing page: %d", code)
	}
	links := regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(links) < 4 {
		t.Fatalf("landing page has %d links: %s", len(links), page)
	}
	for _, l := range links {
		if code, body := exportertest.Get(t, "http://"+addr+l[1]); code != 200 {
			t.Errorf("link %s: %d %.200s", l[1], code, body)
		}
	}
	form := regexp.MustCompile(`<form action="([^"]+)">`).FindStringSubmatch(page)
	input := regexp.MustCompile(`name="account" placeholder="([^"]+)"`).FindStringSubmatch(page)
	if form == nil || input == nil {
		t.Fatalf("no probe form on the landing page: %s", page)
	}
	if code, body := exportertest.Get(t, "http://"+addr+form[1]+"?account="+input[1]); code != 200 || !strings.Contains(body, `account="`+input[1]+`"`) {
		t.Errorf("probe form with account=%s: %d %.200s", input[1], code, body)
	}
}

// TestBuildInfo: wechat_exporter_build_info carries what --version
// prints, build user and date included.
func TestBuildInfo(t *testing.T) {
	saved := []string{version.Version, version.Revision, version.Branch, version.BuildUser, version.BuildDate}
	t.Cleanup(func() {
		version.Version, version.Revision, version.Branch, version.BuildUser, version.BuildDate = saved[0], saved[1], saved[2], saved[3], saved[4]
	})
	version.Version, version.Revision, version.Branch, version.BuildUser, version.BuildDate = "v1.2.3", "0123abc", "main", "ci@builder", "20261201-00:00:00"
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(buildInfo())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range mfs[0].GetMetric()[0].GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	want := map[string]string{"version": "v1.2.3", "revision": "0123abc", "branch": "main", "build_user": "ci@builder", "build_date": "20261201-00:00:00"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s %s=%q, want %q", mfs[0].GetName(), k, got[k], v)
		}
	}
	for _, k := range []string{"goversion", "goos", "goarch"} {
		if got[k] == "" {
			t.Errorf("%s lacks %s", mfs[0].GetName(), k)
		}
	}
}
