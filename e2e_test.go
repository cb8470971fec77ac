package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/dashboards"
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
	return waitFor(t, addr, func(b string) bool {
		return strings.Count(b, "wechat_datacube_last_fetch_success{") == 3*17 &&
			!strings.Contains(b, `wechat_datacube_last_fetch_success{account="support",endpoint="getinterfacesummary"} 0`) &&
			strings.Contains(b, "wechat_interface_callback_failures_baseline{")
	})
}

func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := lookPath(t, "promtool")
	_, addr, _ := startProcess(t, "--demo", "--log.level=warn")
	body := demoReady(t, addr)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
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
}

func (p promAPI) query(q string) (vector, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := p.get("/api/v1/query", url.Values{"query": {q}}, &data); err != nil {
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
	_, addr, _ := startProcess(t, "--demo", "--log.level=warn")
	demoReady(t, addr)

	dir := t.TempDir()
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
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	promAddr := freeAddr(t)
	cmd := exec.Command(prom, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus logs:\n%s", logs.String())
		}
	})
	api := promAPI{t, "http://" + promAddr}

	// Wait for a few scrapes, so that increase() has samples to work with.
	deadline := time.Now().Add(60 * time.Second)
	for {
		v, err := api.query(`count(count_over_time(wechat_user_followers{job="wechat"}[1m]) >= 3)`)
		if err == nil && len(v) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus did not scrape the exporter: %v", err)
		}
		time.Sleep(250 * time.Millisecond)
	}

	for _, q := range dashboards.Queries() {
		v, err := api.query(dashboards.ForPrometheus(q.Expr, "wechat"))
		switch {
		case err != nil:
			t.Errorf("%s / %s: %v\n%s", q.Dashboard, q.Panel, err, q.Expr)
		case len(v) == 0:
			t.Errorf("%s / %s: no data\n%s", q.Dashboard, q.Panel, q.Expr)
		}
	}

	checkRules(t, api)
}

// checkRules waits for the rules to be evaluated without error, and checks
// that the spike alert is pending or firing for the demo's spiking account
// and no other.
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
	deadline := time.Now().Add(30 * time.Second)
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
		for _, r := range all {
			evaluated = evaluated && r.Health == "ok"
			if r.Name == "WeChatCallbackFailureSpike" {
				for _, a := range r.Alerts {
					if a.State == "pending" || a.State == "firing" {
						spiking = append(spiking, a.Labels["account"])
					}
				}
			}
		}
		if evaluated && len(spiking) > 0 {
			if len(all) != 7 {
				t.Errorf("%d rules loaded, want 7", len(all))
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
	if len(spiking) != 1 || spiking[0] != spikeAccount {
		t.Errorf("WeChatCallbackFailureSpike for %v, want only %s", spiking, spikeAccount)
	}
}
