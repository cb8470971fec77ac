package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/dashboards"
	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
)

// grafanaDashboard is what Grafana reads of a dashboard to query it.
type grafanaDashboard struct {
	Title      string `json:"title"`
	Templating struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Multi      bool            `json:"multi"`
			IncludeAll bool            `json:"includeAll"`
			AllValue   string          `json:"allValue"`
			Query      json.RawMessage `json:"query"` // {"query": ...}; a string for the data source
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

var labelValues = regexp.MustCompile(`^label_values\((.*),\s*(\w+)\)$`)

// TestDashboardsForAnyJobName imports the shipped dashboards as Grafana
// would beside a Prometheus whose scrape job is named "wechat", and one
// whose job is "wechat-exporter" (the Kubernetes example's and the Helm
// chart's ServiceMonitor): each template variable's own query runs
// against Prometheus, with the values of the variables before it, and
// must give values (the job its name); every panel then runs with what
// the variables gave, as All and as the job picked alone, and returns
// data.
func TestDashboardsForAnyJobName(t *testing.T) {
	prom := lookPath(t, "prometheus")
	files, err := filepath.Glob("dashboards/*.json")
	if err != nil || len(files) < 5 {
		t.Fatalf("dashboards: %v %v", files, err)
	}
	for _, job := range []string{"wechat", "wechat-exporter"} {
		t.Run(job, func(t *testing.T) {
			t.Parallel()
			_, addr, _ := exportertest.Start(t, "--demo", "--log.level=warn")
			demoReady(t, addr)
			api := startPrometheus(t, prom, fmt.Sprintf("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: %s\n    static_configs:\n      - targets: [%q]\n", job, addr))
			waitForQuery(t, api, fmt.Sprintf(`count(count_over_time(wechat_user_followers{job=%q}[1m]) >= 3)`, job), 1)
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				var d grafanaDashboard
				if err := json.Unmarshal(b, &d); err != nil {
					t.Fatal(err)
				}
				for _, pick := range []bool{false, true} {
					vars := grafanaVariables(t, api, f, d, job, pick)
					for _, p := range d.Panels {
						for _, tg := range p.Targets {
							v, err := api.query(dashboards.ForPrometheus(tg.Expr, vars["job"], vars["account"]))
							daily := strings.Contains(tg.Expr, ":1d])") // see TestPrometheusEndToEnd
							if err != nil || len(v) == 0 && !daily {
								t.Errorf("%s / %s with job %s and accounts %s: no data (%v)\n%s", d.Title, p.Title, vars["job"], vars["account"], err, tg.Expr)
							}
						}
					}
				}
			}
		})
	}
}

// grafanaVariables runs a dashboard's query variables in order, as
// Grafana does, and returns their values as Grafana puts them into a regex
// matcher: All selected (the allValue, or every value), or with pick the
// job picked alone.
func grafanaVariables(t *testing.T, api promAPI, file string, d grafanaDashboard, job string, pick bool) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var query struct{ Query string }
		if err := json.Unmarshal(v.Query, &query); err != nil {
			t.Fatalf("%s: variable %s: %v", file, v.Name, err)
		}
		q := query.Query
		for name, val := range vars {
			q = strings.ReplaceAll(q, "$"+name, val)
		}
		m := labelValues.FindStringSubmatch(q)
		if m == nil {
			t.Fatalf("%s: variable %s: a query Grafana's label_values does not take: %s", file, v.Name, q)
		}
		var values []string
		if err := api.get("/api/v1/label/"+m[2]+"/values", url.Values{"match[]": {m[1]}}, &values); err != nil {
			t.Fatalf("%s: variable %s: %v", file, v.Name, err)
		}
		sort.Strings(values)
		if len(values) == 0 {
			t.Fatalf("%s: variable %s (%s) has no values: its panels would be empty", file, v.Name, q)
		}
		if v.Name == "job" && (len(values) != 1 || values[0] != job) {
			t.Errorf("%s: the job variable lists %v, want [%s]", file, values, job)
		}
		value := v.AllValue
		if !v.IncludeAll || value == "" {
			quoted := make([]string, len(values))
			for i, x := range values {
				quoted[i] = regexp.QuoteMeta(x)
			}
			value = "(" + strings.Join(quoted, "|") + ")"
		}
		if pick && v.Name == "job" {
			value = regexp.QuoteMeta(job)
		}
		vars[v.Name] = value
	}
	return vars
}
