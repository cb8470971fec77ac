package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"

	"github.com/wechat-exporter/wechat-exporter/dashboards"
	"github.com/wechat-exporter/wechat-exporter/internal/app"
	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
)

const installPrometheus = "apt-get update && apt-get install -y prometheus (Debian's package provides prometheus and promtool)"

func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed; to run this end-to-end test: %s", name, installPrometheus)
	}
	return p
}

// demoReady waits until the demo exporter served every endpoint of every
// account, and returns the scrape.
func demoReady(t *testing.T, addr string) string {
	t.Helper()
	return exportertest.WaitFor(t, addr, func(b string) bool {
		return app.DemoFetched(b, len(app.DemoNames)) && strings.Contains(b, "wechat_interface_callback_failures_baseline{")
	})
}

func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := lookPath(t, "promtool")
	_, addr, _ := exportertest.Start(t, "--demo", "--log.level=warn")
	body := demoReady(t, addr)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestOpenMetricsAnswered asks the running exporter as Prometheus asks
// (OpenMetrics first): /metrics, its live part alone and /probe answer
// OpenMetrics 1.0, ended by its # EOF, which Prometheus's OpenMetrics
// parser reads whole. (That it has the text format's every series and
// value is collector's TestOpenMetricsWhenAsked: here the demo's data may
// change between two scrapes.)
func TestOpenMetricsAnswered(t *testing.T) {
	_, addr, _ := exportertest.Start(t, "--demo", "--log.level=warn")
	demoReady(t, addr)
	const accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
	for path, least := range map[string]int{"/metrics": 5000, "/metrics?data=false": 50, "/probe?account=news": 1000} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, err)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text; version=1.0.0") || !bytes.HasSuffix(body, []byte("\n# EOF\n")) {
			t.Errorf("%s: Content-Type %q, ends %q: want OpenMetrics 1.0.0 ended by # EOF", path, ct, body[max(0, len(body)-40):])
		}
		p := textparse.NewOpenMetricsParser(body, labels.NewSymbolTable())
		n := 0
		for {
			e, err := p.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: Prometheus's OpenMetrics parser: %v", path, err)
			}
			if e == textparse.EntrySeries {
				n++
			}
		}
		if n < least {
			t.Errorf("%s: %d series, want at least %d", path, n, least)
		}
	}
}

func TestPromtoolRules(t *testing.T) {
	promtool := lookPath(t, "promtool")
	for _, args := range [][]string{{"check", "rules", "wechat-alerts.yml"}, {"test", "rules", "wechat-alerts_test.yml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "examples"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// promAPI queries a Prometheus HTTP API.
type promAPI struct {
	t    *testing.T
	base string
}

func (p promAPI) get(path string, params url.Values, out any) error {
	resp, err := http.Get(p.base + path + "?" + params.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return err
	}
	if env.Status != "success" {
		return fmt.Errorf("%s", env.Error)
	}
	return json.Unmarshal(env.Data, out)
}

type vector []struct {
	Metric map[string]string `json:"metric"`
	Value  []any             `json:"value"` // [time, "value"]
}

func (p promAPI) query(q string) (vector, error) { return p.queryAt(q, time.Time{}) }

// queryAt runs an instant query at a time (now if zero).
func (p promAPI) queryAt(q string, at time.Time) (vector, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	params := url.Values{"query": {q}}
	if !at.IsZero() {
		params.Set("time", fmt.Sprint(at.Unix()))
	}
	if err := p.get("/api/v1/query", params, &data); err != nil {
		return nil, err
	}
	var v vector
	if data.ResultType == "vector" {
		err := json.Unmarshal(data.Result, &v)
		return v, err
	}
	return vector{{}}, nil // a scalar
}

// TestPrometheusEndToEnd runs the demo exporter and a real Prometheus with
// the example rules, then runs every dashboard query and every rule through
// Prometheus's HTTP API.
func TestPrometheusEndToEnd(t *testing.T) {
	prom := lookPath(t, "prometheus")
	_, addr, _ := exportertest.Start(t, "--demo", "--log.level=warn")
	demoReady(t, addr)

	rules, err := filepath.Abs("examples/wechat-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: wechat
    static_configs:
      - targets: [%q]
`, rules, addr)
	api := startPrometheus(t, prom, cfg)
	waitForQuery(t, api, `count(count_over_time(wechat_user_followers{job="wechat"}[1m]) >= 3)`, 1)

	for _, q := range dashboards.Queries() {
		v, err := api.query(dashboards.ForPrometheus(q.Expr, "wechat", ".+"))
		// A sum over days takes each day's value at 00:00 UTC: this
		// Prometheus, seconds old, has none yet. TestHistoryJoinsLive
		// checks those panels on imported and live days.
		daily := strings.Contains(q.Expr, ":1d])")
		switch {
		case err != nil:
			t.Errorf("%s / %s: %v\n%s", q.Dashboard, q.Panel, err, q.Expr)
		case len(v) == 0 && !daily:
			t.Errorf("%s / %s: no data\n%s", q.Dashboard, q.Panel, q.Expr)
		}
		// The demo's legacyOffline account has no legacy article data:
		// the article panels must fall back to the content endpoints.
		if q.NoFallback != "" || !strings.Contains(q.Expr, "wechat_article_") && !strings.Contains(q.Expr, "wechat_published_") {
			continue
		}
		if v, err := api.query(dashboards.ForPrometheus(q.Expr, "wechat", app.DemoLegacyOffline)); err != nil || len(v) == 0 {
			t.Errorf("%s / %s: no data for %s, whose legacy article endpoints are offline (%v)\n%s", q.Dashboard, q.Panel, app.DemoLegacyOffline, err, q.Expr)
		}
	}
	if v, _ := api.query(`wechat_datacube_endpoint_unavailable{account="` + app.DemoLegacyOffline + `"}`); len(v) != len(app.DemoLegacyEndpoints) {
		t.Errorf("%d legacy endpoints shown unavailable for %s, want %d", len(v), app.DemoLegacyOffline, len(app.DemoLegacyEndpoints))
	}
	if v, _ := api.query(`wechat_article_reads{account="` + app.DemoLegacyOffline + `"}`); len(v) != 0 {
		t.Errorf("%s has legacy article data: the fallback is not tested", app.DemoLegacyOffline)
	}

	// The ad panels show the publisher, and only it.
	if v, err := api.query(`count by (account) (wechat_ad_income_yuan)`); err != nil || len(v) != 1 || v[0].Metric["account"] != app.DemoPublisher {
		t.Errorf("ad income series by account: %+v %v, want only %s", v, err, app.DemoPublisher)
	}

	checkRules(t, api)
}

// checkRules waits for the rules to be evaluated without error, and checks
// that the spike alert is pending or firing for the demo's spiking account
// and no other, the unfollow spike for the demo's account whose unfollows
// spiked and no other, the account's other figures' alerts for none, and
// the unavailable endpoint alert only for the account whose legacy
// endpoints are offline.
func checkRules(t *testing.T, api promAPI) {
	t.Helper()
	type rule struct {
		Name      string `json:"name"`
		Query     string `json:"query"`
		Health    string `json:"health"`
		LastError string `json:"lastError"`
		Alerts    []struct {
			Labels map[string]string `json:"labels"`
			State  string            `json:"state"`
		} `json:"alerts"`
	}
	var spiking []string
	unavailable := map[string]bool{}
	// The alerts of the account's figures against its usual day, and the
	// accounts the demo's data must trip each for.
	business := map[string]string{"WeChatUnfollowSpike": app.DemoUnfollowSpike,
		"WeChatFollowersFalling": "", "WeChatReadsCollapsed": "", "WeChatAdIncomeDropped": ""}
	tripped := map[string][]string{}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var data struct {
			Groups []struct {
				Rules []rule `json:"rules"`
			} `json:"groups"`
		}
		if err := api.get("/api/v1/rules", url.Values{}, &data); err != nil {
			t.Fatal(err)
		}
		var all []rule
		for _, g := range data.Groups {
			all = append(all, g.Rules...)
		}
		evaluated := len(all) > 0
		spiking = nil
		clear(unavailable)
		clear(tripped)
		for _, r := range all {
			evaluated = evaluated && r.Health == "ok"
			for _, a := range r.Alerts {
				if a.State != "pending" && a.State != "firing" {
					continue
				}
				switch r.Name {
				case "WeChatCallbackFailureSpike":
					spiking = append(spiking, a.Labels["account"])
				case "WeChatEndpointUnavailable":
					unavailable[a.Labels["account"]] = true
				default:
					if _, ok := business[r.Name]; ok {
						tripped[r.Name] = append(tripped[r.Name], a.Labels["account"])
					}
				}
			}
		}
		if evaluated && len(spiking) > 0 && len(unavailable) > 0 && len(tripped) > 0 {
			b, _ := os.ReadFile("examples/wechat-alerts.yml")
			if want := strings.Count(string(b), "- alert: "); len(all) != want {
				t.Errorf("%d rules loaded, want the file's %d", len(all), want)
			}
			for _, r := range all {
				if r.LastError != "" {
					t.Errorf("rule %s: %s", r.Name, r.LastError)
				}
				if _, err := api.query(r.Query); err != nil {
					t.Errorf("rule %s does not run: %v", r.Name, err)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rules not evaluated or no spike alert: %+v", all)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(spiking) != 1 || spiking[0] != app.DemoSpike {
		t.Errorf("WeChatCallbackFailureSpike for %v, want only %s", spiking, app.DemoSpike)
	}
	if len(unavailable) != 1 || !unavailable[app.DemoLegacyOffline] {
		t.Errorf("WeChatEndpointUnavailable for %v, want only %s", unavailable, app.DemoLegacyOffline)
	}
	for name, want := range business {
		if got := strings.Join(tripped[name], ","); got != want {
			t.Errorf("%s for %q, want %q", name, got, want)
		}
	}
}

// startPrometheus runs a real Prometheus with the configuration text on a
// free loopback port and a temporary data directory.
func startPrometheus(t *testing.T, prom, cfg string, extra ...string) promAPI {
	t.Helper()
	return startPrometheusOn(t, prom, cfg, filepath.Join(t.TempDir(), "tsdb"), extra...)
}

// startPrometheusOn is startPrometheus on the data directory tsdb.
func startPrometheusOn(t *testing.T, prom, cfg, tsdb string, extra ...string) promAPI {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	promAddr := exportertest.FreeAddr(t)
	args := append([]string{"--config.file=" + filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path=" + tsdb,
		"--web.listen-address=" + promAddr, "--log.level=warn"}, extra...)
	cmd := exec.Command(prom, args...)
	exportertest.DieWithTest(cmd) // a killed test leaves no Prometheus running
	logs := &exportertest.Log{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if code, _ := exportertest.Get(t, "http://"+promAddr+"/-/ready"); code == 200 {
			return promAPI{t, "http://" + promAddr}
		}
		select {
		case <-exited:
			t.Fatalf("prometheus exited:\n%s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitForQuery waits until q returns want series.
func waitForQuery(t *testing.T, api promAPI, q string, want int) vector {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		v, err := api.query(q)
		if err == nil && len(v) == want {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d series, want %d (%v)", q, len(v), want, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestShardedScraping runs two Prometheus servers on the shipped shard
// configuration: together they scrape every account once.
func TestShardedScraping(t *testing.T) {
	prom := lookPath(t, "prometheus")
	const n = 8
	_, addr, _ := exportertest.Start(t, "--demo", fmt.Sprintf("--demo.accounts=%d", n), "--log.level=warn")
	// The first cycle of 8 accounts against the in-process fake is CPU
	// bound: under the race detector, with other packages' tests on the
	// same 2 cores, it takes 20 s and more.
	exportertest.WaitForWithin(t, addr, 2*time.Minute, func(b string) bool { return strings.Count(b, "wechat_user_followers{") == n })
	example, err := os.ReadFile("examples/prometheus-shards.yml")
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := filepath.Abs("examples/wechat-alerts.yml")
	base := strings.NewReplacer("wechat-exporter:10070", addr, "- wechat-alerts.yml", "- "+rules,
		"scrape_interval: 1m", "scrape_interval: 2s", "scrape_timeout: 30s", "scrape_timeout: 2s").Replace(string(example))
	seen := map[string]string{}
	for _, shard := range []string{"0", "1"} {
		cfg := strings.NewReplacer(`regex: "0"          # this server's shard`, `regex: "`+shard+`"`, `shard: "0"`, `shard: "`+shard+`"`).Replace(base)
		if !strings.Contains(cfg, `regex: "`+shard+`"`) {
			t.Fatal("the shard example no longer has the keep rule this test edits")
		}
		api := startPrometheus(t, prom, cfg)
		targets := waitForTargets(t, api)
		// Every target's samples, once each has been scraped (a fixed
		// wait for "one more scrape" failed under load: a scrape that
		// ran over its timeout made its series stale meanwhile).
		v := waitForQuery(t, api, `wechat_user_followers{job="wechat"}`, targets["wechat"])
		for _, s := range v {
			if other, dup := seen[s.Metric["account"]]; dup {
				t.Errorf("account %s scraped by shards %s and %s", s.Metric["account"], other, shard)
			}
			seen[s.Metric["account"]] = shard
			if s.Metric["instance"] != s.Metric["account"] {
				t.Errorf("instance %q, want the account", s.Metric["instance"])
			}
		}
		if self, _ := api.query(`wechat_api_requests_total{job="wechat-exporter"}`); len(self) == 0 {
			t.Errorf("shard %s: the exporter's own metrics are not scraped", shard)
		}
		if data, _ := api.query(`wechat_user_followers{job="wechat-exporter"}`); len(data) != 0 {
			t.Errorf("shard %s: ?data=false served data", shard)
		}
	}
	if len(seen) != n {
		t.Errorf("the shards scraped %d accounts, want %d: %v", len(seen), n, seen)
	}
}

// waitForTargets waits until service discovery settled and every active
// target was scraped successfully, and returns the targets per job.
func waitForTargets(t *testing.T, api promAPI) map[string]int {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // a bound: scrapes under load can time out for a while
	for {
		var data struct {
			Active []struct {
				ScrapePool string `json:"scrapePool"`
				Health     string `json:"health"`
			} `json:"activeTargets"`
		}
		err := api.get("/api/v1/targets", url.Values{"state": {"active"}}, &data)
		jobs, healthy := map[string]int{}, err == nil && len(data.Active) > 0
		for _, tg := range data.Active {
			jobs[tg.ScrapePool]++
			healthy = healthy && tg.Health == "up"
		}
		if healthy && jobs["wechat"] > 0 && jobs["wechat-exporter"] > 0 {
			return jobs
		}
		if time.Now().After(deadline) {
			t.Fatalf("targets not all up: %+v %v", data.Active, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
