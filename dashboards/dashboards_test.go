package dashboards_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"iter"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/dashboards"
	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/served"
)

var update = flag.Bool("update", false, "rewrite the dashboards' sources in mixin/dashboards")

// capture is a Registerer that keeps what is registered.
type capture struct{ cs []prometheus.Collector }

func (c *capture) Register(col prometheus.Collector) error { c.cs = append(c.cs, col); return nil }
func (c *capture) MustRegister(cs ...prometheus.Collector) { c.cs = append(c.cs, cs...) }
func (c *capture) Unregister(prometheus.Collector) bool    { return false }

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// ExporterMetrics returns every metric name the exporter can serve, with
// the series names of histograms.
func exporterMetrics(t *testing.T) map[string]bool {
	t.Helper()
	reg := &capture{}
	reg.MustRegister(collector.New(served.NewState(nil)), versioncollector.NewCollector("wechat_exporter"))
	collector.NewAPIMetrics(reg)
	fetcher.New(fetcher.Config{}, nil, served.NewState(nil), nil, reg)
	names := map[string]bool{}
	for _, c := range reg.cs {
		ch := make(chan *prometheus.Desc, 1024)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			n := fqName.FindStringSubmatch(d.String())[1]
			names[n] = true
			if strings.HasSuffix(n, "_seconds") && strings.Contains(n, "duration") {
				names[n+"_bucket"], names[n+"_sum"], names[n+"_count"] = true, true, true
			}
		}
	}
	if len(names) < 70 {
		t.Fatalf("only %d metric names", len(names))
	}
	return names
}

// TestGeneratedFilesUpToDate checks the dashboards' sources in
// mixin/dashboards/ are what this package's panels make; the mixin's test
// checks the shipped dashboards are what the mixin makes of them.
func TestGeneratedFilesUpToDate(t *testing.T) {
	for _, d := range dashboards.All() {
		want, err := d.Source()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("..", "mixin", "dashboards", d.File)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./dashboards -update writes it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what dashboards.go generates: run go test ./dashboards -update && go test ./mixin -update", path)
		}
	}
}

type panelJSON struct {
	Type        string            `json:"type"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Datasource  map[string]string `json:"datasource"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	Targets []struct {
		Expr       string            `json:"expr"`
		Datasource map[string]string `json:"datasource"`
	} `json:"targets"`
}

type dashboardJSON struct {
	Inputs []struct {
		Name, Type, PluginID string
	} `json:"__inputs"`
	Requires []struct {
		Type, ID string
	} `json:"__requires"`
	UID        string      `json:"uid"`
	Title      string      `json:"title"`
	Panels     []panelJSON `json:"panels"`
	Templating struct {
		List []struct {
			Name       string            `json:"name"`
			Type       string            `json:"type"`
			Multi      bool              `json:"multi"`
			Datasource map[string]string `json:"datasource"`
			Definition string            `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

// LoadShipped reads every dashboard file in the directory.
func loadShipped(t *testing.T) map[string]dashboardJSON {
	t.Helper()
	files, err := filepath.Glob("*.json")
	if err != nil || len(files) != len(dashboards.All()) {
		t.Fatalf("dashboards: %v %v", files, err)
	}
	out := map[string]dashboardJSON{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboardJSON
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = d
	}
	return out
}

// TestShippedDashboards checks what is shipped: every query parses and uses
// only metrics the exporter exposes; every panel has a title, unit and
// description; no datasource is hard-coded; the variables are there.
func TestShippedDashboards(t *testing.T) {
	metrics := exporterMetrics(t)
	uids := map[string]bool{}
	for file, d := range loadShipped(t) {
		if d.UID == "" || uids[d.UID] {
			t.Errorf("%s: missing or duplicate uid %q", file, d.UID)
		}
		uids[d.UID] = true
		vars := map[string]bool{}
		for _, v := range d.Templating.List {
			vars[v.Name] = true
			if v.Type == "query" && (v.Datasource["uid"] != "${DS_PROMETHEUS}" || !strings.Contains(v.Definition, "wechat_account_info")) {
				t.Errorf("%s: variable %s: datasource %v, query %q", file, v.Name, v.Datasource, v.Definition)
			}
			if v.Name == "account" && !v.Multi {
				t.Errorf("%s: account is not multi-select", file)
			}
		}
		if !vars["DS_PROMETHEUS"] || !vars["job"] || !vars["account"] {
			t.Errorf("%s: variables %v, want DS_PROMETHEUS, job and account", file, vars)
		}
		if len(d.Panels) < 5 {
			t.Errorf("%s: only %d panels", file, len(d.Panels))
		}
		// What a grafana.com import reads: the data source asked for, and
		// what the dashboard needs.
		if len(d.Inputs) != 1 || d.Inputs[0].Name != "DS_PROMETHEUS" || d.Inputs[0].Type != "datasource" || d.Inputs[0].PluginID != "prometheus" {
			t.Errorf("%s: __inputs %+v, want the one Prometheus data source DS_PROMETHEUS", file, d.Inputs)
		}
		requires := map[string]bool{}
		for _, r := range d.Requires {
			requires[r.Type+"/"+r.ID] = true
		}
		for _, want := range []string{"grafana/grafana", "datasource/prometheus"} {
			if !requires[want] {
				t.Errorf("%s: __requires lacks %s", file, want)
			}
		}
		for _, p := range d.Panels {
			if !requires["panel/"+p.Type] {
				t.Errorf("%s: __requires lacks the panel type %s", file, p.Type)
			}
		}
		for _, p := range d.Panels {
			where := file + ": " + p.Title
			if p.Title == "" || p.Description == "" || p.FieldConfig.Defaults.Unit == "" {
				t.Errorf("%s: title, description and unit are required", where)
			}
			if p.Datasource["uid"] != "${DS_PROMETHEUS}" {
				t.Errorf("%s: hard-coded datasource %v", where, p.Datasource)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: no queries", where)
			}
			for _, tg := range p.Targets {
				if tg.Datasource["uid"] != "${DS_PROMETHEUS}" {
					t.Errorf("%s: hard-coded datasource %v", where, tg.Datasource)
				}
				if !strings.Contains(tg.Expr, `account=~"$account"`) {
					t.Errorf("%s: query ignores the account variable: %s", where, tg.Expr)
				}
				expr, err := parser.NewParser(parser.Options{}).ParseExpr(dashboards.ForPrometheus(tg.Expr, "wechat", ".+"))
				if err != nil {
					t.Errorf("%s: %v\n%s", where, err, tg.Expr)
					continue
				}
				for _, name := range metricNames(expr) {
					if !metrics[name] {
						t.Errorf("%s: metric %s is not exposed by the exporter", where, name)
					}
				}
			}
		}
	}
}

// metricNames lists the metric names an expression selects.
func metricNames(expr parser.Expr) []string {
	var names []string
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			names = append(names, vs.Name)
		}
		return nil
	})
	return names
}

// TestDashboardQueries exposes the queries to the end-to-end test, and
// checks it finds them all.
func TestDashboardQueries(t *testing.T) {
	qs := dashboards.Queries()
	n := 0
	for _, d := range loadShipped(t) {
		for _, p := range d.Panels {
			n += len(p.Targets)
		}
	}
	if len(qs) != n {
		t.Errorf("Queries() has %d, the files %d", len(qs), n)
	}
}

// notOnDashboards are ad metrics left off on purpose, with why.
var notOnDashboards = map[string]string{
	"wechat_ad_cps_click_rate": "its unit is unclear (the public sample's value is exposures per click); the panel computes clicks / exposures",
}

// TestAdMetricsOnDashboards: every ad metric the exporter serves is on the
// ad revenue dashboard.
func TestAdMetricsOnDashboards(t *testing.T) {
	used := map[string]bool{}
	for q, expr := range parsedQueries(t) {
		for _, name := range metricNames(expr) {
			if q.Dashboard == "wechat-ads" {
				used[name] = true
			}
		}
	}
	n := 0
	for name := range exporterMetrics(t) {
		if strings.HasPrefix(name, "wechat_ad_") {
			n++
			if !used[name] && notOnDashboards[name] == "" {
				t.Errorf("%s is on no panel of the ad revenue dashboard", name)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d ad metrics found", n)
	}
}

// sameMeaning lists the pairs of metrics a panel may show as one series
// ("legacy or content"): the legacy article figure and the content
// endpoints' figure the documentation describes alike.
var sameMeaning = map[[2]string]bool{
	{"wechat_article_read_users", "wechat_published_read_users"}:                                           true, // readers of the article pages that day
	{"wechat_article_read_users", "wechat_published_original_page_users"}:                                  true, // page="original": readers of 阅读原文
	{"wechat_article_share_users", "wechat_published_share_users"}:                                         true, // users who shared that day
	{"wechat_article_favorite_users", "wechat_published_collection_users"}:                                 true, // 收藏, that day
	{"wechat_article_read_users_by_source", "wechat_published_read_users_by_scene"}:                        true, // readers by channel (the scenes keep their own values)
	{"wechat_article_share_users_by_scene", "wechat_published_share_users"}:                                true, // scene="all"
	{"wechat_article_post_read_users", "wechat_published_post_read_users"}:                                 true, // a post's readers that day
	{"wechat_article_post_share_users", "wechat_published_post_share_users"}:                               true, // a post's sharers that day
	{"wechat_article_post_cumulative_favorite_users", "wechat_published_post_cumulative_collection_users"}: true, // 收藏 since sending
	{"wechat_article_post_cumulative_read_users", "wechat_published_post_cumulative_read_users"}:           true, // readers since sending
}

// TestMergesOnlyEqualMeanings: where a query shows one metric or, for
// other accounts, another as the same series, the two mean the same thing.
func TestMergesOnlyEqualMeanings(t *testing.T) {
	merges := 0
	for q, expr := range parsedQueries(t) {
		parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
			// "A or on (account) B" shows B where A is missing: one
			// series. A plain "or" keeps series whose labels differ.
			b, ok := n.(*parser.BinaryExpr)
			if !ok || b.Op != parser.LOR || b.VectorMatching == nil || !b.VectorMatching.On {
				return nil
			}
			merges++
			for _, l := range metricNames(b.LHS) {
				for _, r := range metricNames(b.RHS) {
					if !sameMeaning[[2]string{l, r}] {
						t.Errorf("%s: %q shows %s and %s as one series, which sameMeaning does not list", q.Dashboard, q.Expr, l, r)
					}
				}
			}
			return nil
		})
	}
	if merges < 8 {
		t.Errorf("only %d merges found", merges)
	}
}

// TestDailyFiguresReadAtEveryStep: a data metric has one value a day (one
// sample a day where backfilled), so a panel reads it with
// last_over_time over its period (1d; 7d for weekly, 31d for monthly
// figures): a plain selector finds nothing more than 5 minutes after a
// backfilled sample, and max_over_time would see two days.
func TestDailyFiguresReadAtEveryStep(t *testing.T) {
	n := 0
	for q, expr := range parsedQueries(t) {
		parser.Inspect(expr, func(node parser.Node, path []parser.Node) error {
			vs, ok := node.(*parser.VectorSelector)
			if !ok || strings.HasPrefix(vs.Name, "wechat_api_") || strings.HasPrefix(vs.Name, "wechat_datacube_") {
				return nil // the exporter's own state: live only
			}
			n++
			want := 24 * time.Hour
			switch {
			case strings.Contains(vs.Name, "_weekly_"):
				want = 7 * 24 * time.Hour
			case strings.Contains(vs.Name, "_monthly_"):
				want = 31 * 24 * time.Hour
			}
			ok = len(path) >= 2
			if ok {
				ms, isMatrix := path[len(path)-1].(*parser.MatrixSelector)
				call, isCall := path[len(path)-2].(*parser.Call)
				ok = isMatrix && isCall && call.Func.Name == "last_over_time" && ms.Range == want
			}
			if !ok {
				t.Errorf("%s / %s: %s is not read with last_over_time(...[%s])\n%s", q.Dashboard, q.Panel, vs.Name, model.Duration(want), q.Expr)
			}
			return nil
		})
	}
	if n < 80 {
		t.Errorf("only %d data selectors found", n)
	}
}

// parsedQueries yields every dashboard query, parsed as Prometheus gets it.
func parsedQueries(t *testing.T) iter.Seq2[dashboards.Query, parser.Expr] {
	return func(yield func(dashboards.Query, parser.Expr) bool) {
		for _, q := range dashboards.Queries() {
			expr, err := parser.NewParser(parser.Options{}).ParseExpr(dashboards.ForPrometheus(q.Expr, "wechat", ".+"))
			if err != nil {
				t.Fatalf("%s / %s: %v", q.Dashboard, q.Panel, err)
			}
			if !yield(q, expr) {
				return
			}
		}
	}
}
