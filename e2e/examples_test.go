package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/internal/app"
	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestExampleConfigLoads loads examples/wechat-exporter.yml with the files
// and variables it names provided: every token source in it is valid.
func TestExampleConfigLoads(t *testing.T) {
	b, err := os.ReadFile("examples/wechat-exporter.yml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{"secrets/news", "secrets/legacy", "secrets/component", "component/client-a.refresh_token"} {
		p := filepath.Join(dir, f)
		_ = os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte("e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("SHOP_APP_SECRET", "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0")
	path := filepath.Join(dir, "wechat-exporter.yml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]bool{}
	for _, a := range cfg.Accounts {
		sources[a.TokenSource] = true
	}
	if eps, want := cfg.Accounts[0].Endpoints, len(wechat.DatacubeEndpoints())+len(wechat.PublisherEndpoints()); len(eps) != want {
		t.Errorf("the publisher example has %d endpoints, want the %d datacube and ad ones", len(eps), want)
	}
	if len(sources) != 4 {
		t.Errorf("the example covers token sources %v, want all four", sources)
	}
}

// TestComposeFilesExist checks that every file docker-compose.yml mounts
// or builds from is in the repository.
func TestComposeFilesExist(t *testing.T) {
	b, err := os.ReadFile("examples/docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Build   map[string]string `yaml:"build"`
			Volumes []string          `yaml:"volumes"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"wechat-exporter", "prometheus", "alertmanager", "grafana"} {
		if _, ok := compose.Services[want]; !ok {
			t.Errorf("compose lacks %s", want)
		}
	}
	for name, s := range compose.Services {
		paths := []string{}
		if s.Build["context"] != "" {
			paths = append(paths, filepath.Join(s.Build["context"], "Dockerfile"))
		}
		for _, v := range s.Volumes {
			if src := strings.Split(v, ":")[0]; strings.HasPrefix(src, ".") {
				paths = append(paths, src)
			}
		}
		for _, p := range paths {
			if _, err := os.Stat(filepath.Join("examples", p)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

// TestExamplePrometheusConfig runs promtool check config on the examples
// as they are in the repository: the rule file they name is found beside
// them, here as in the compose stack (both are mounted in /etc/prometheus).
func TestExamplePrometheusConfig(t *testing.T) {
	promtool := lookPath(t, "promtool")
	rules, err := os.ReadFile("examples/wechat-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	found := fmt.Sprintf("%d rules found", strings.Count(string(rules), "- alert: "))
	for _, path := range []string{"examples/prometheus.yml", "examples/prometheus-shards.yml"} {
		out, err := exec.Command(promtool, "check", "config", path).CombinedOutput()
		if err != nil {
			t.Errorf("promtool check config %s: %v\n%s", path, err, out)
		} else if !strings.Contains(string(out), found) {
			t.Errorf("promtool check config %s did not read the alert rules:\n%s", path, out)
		}
	}
}

// TestComposeAlternativeUncomments uncomments the lines the compose file
// marks "your accounts" and checks that the result is still valid (no key
// defined twice), mounts the configuration where the command reads it, and
// that its command turns the demo off although the environment turns it on.
func TestComposeAlternativeUncomments(t *testing.T) {
	b, err := os.ReadFile("examples/docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	uncomment, changed := false, 0
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "# your accounts:":
			uncomment = true
			continue
		case uncomment && strings.HasPrefix(trimmed, "# "):
			line = strings.Replace(line, "# ", "", 1)
			changed++
		default:
			uncomment = false
		}
		lines = append(lines, line)
	}
	if changed < 3 {
		t.Fatalf("found %d lines marked \"your accounts\", want the command and two volumes", changed)
	}
	var compose struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
			Command     []string          `yaml:"command"`
			Volumes     []string          `yaml:"volumes"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(strings.Join(lines, "\n")), &compose); err != nil {
		t.Fatalf("the uncommented compose file is invalid: %v", err)
	}
	svc := compose.Services["wechat-exporter"]
	for k, v := range svc.Environment {
		t.Setenv(k, v)
	}
	f, err := app.CheckArgs(svc.Command)
	if err != nil {
		t.Fatalf("command %q: %v", svc.Command, err)
	}
	if f.Demo() {
		t.Errorf("command %q with environment %v still runs the demo", svc.Command, svc.Environment)
	}
	mounted := map[string]bool{}
	for _, v := range svc.Volumes {
		if parts := strings.Split(v, ":"); len(parts) > 1 {
			mounted[parts[1]] = true
		}
	}
	if !mounted[f.ConfigFile()] || !mounted[f.StoragePath()] {
		t.Errorf("volumes %q do not mount the configuration %s and the store %s", svc.Volumes, f.ConfigFile(), f.StoragePath())
	}
}

// TestAlertRulesConventions checks every alert rule against the
// monitoring-mixin conventions the rule file states (a known severity, a
// summary, a description and a runbook_url into a section of the runbook's
// runbook, a for: duration), and that the promtool tests make every alert
// fire and also stay quiet at least once.
func TestAlertRulesConventions(t *testing.T) {
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert       string            `yaml:"alert"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	for path, v := range map[string]any{"examples/wechat-alerts.yml": &rules, "examples/wechat-alerts_test.yml": &tests} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	text := exportertest.ReadFile(t, "docs/failures.md")
	const runbook = "https://github.com/wechat-exporter/wechat-exporter/blob/main/docs/failures.md#"
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			n++
			switch r.Labels["severity"] {
			case "critical", "warning", "info":
			default:
				t.Errorf("%s: severity %q, want critical, warning or info", r.Alert, r.Labels["severity"])
			}
			if r.For == "" {
				t.Errorf("%s: no for: duration", r.Alert)
			}
			for _, a := range []string{"summary", "description", "runbook_url"} {
				if r.Annotations[a] == "" {
					t.Errorf("%s: no %s annotation", r.Alert, a)
				}
			}
			if want := runbook + strings.ToLower(r.Alert); r.Annotations["runbook_url"] != want {
				t.Errorf("%s: runbook_url %q, want %q", r.Alert, r.Annotations["runbook_url"], want)
			}
			if !strings.Contains(text, "\n### "+r.Alert+"\n") {
				t.Errorf("%s: the runbook (docs/failures.md) has no section \"### %s\"", r.Alert, r.Alert)
			}
			if !fires[r.Alert] {
				t.Errorf("%s: no promtool test makes it fire", r.Alert)
			}
			if !quiet[r.Alert] {
				t.Errorf("%s: no promtool test checks that it stays quiet", r.Alert)
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d alerts found", n)
	}
}
