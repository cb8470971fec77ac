package mixin_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-jsonnet"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/wechat-exporter/wechat-exporter/dashboards"
)

var update = flag.Bool("update", false, "rewrite the files built from the mixin")

// evaluate evaluates jsonnet source (or, if source is empty, the file
// name) as `jsonnet -J mixin` does from the repository's root.
func evaluate(t *testing.T, name, source string) []byte {
	t.Helper()
	vm := jsonnet.MakeVM()
	vm.Importer(&jsonnet.FileImporter{JPaths: []string{"."}})
	var out string
	var err error
	if source == "" {
		out, err = vm.EvaluateFile(name)
	} else {
		out, err = vm.EvaluateAnonymousSnippet(name, source)
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return []byte(out)
}

// mixin is what the mixin builds with _config overridden by overrides
// (jsonnet, such as `{ jobSelector: 'job="x"' }`).
type mixin struct {
	Alerts     ruleFile                   `json:"prometheusAlerts"`
	Dashboards map[string]json.RawMessage `json:"grafanaDashboards"`
	Config     struct {
		JobSelector string `json:"jobSelector"`
	} `json:"config"`
}

func build(t *testing.T, overrides string) mixin {
	t.Helper()
	src := `local m = (import 'mixin.libsonnet') + { _config+:: ` + overrides + ` };
{ prometheusAlerts: m.prometheusAlerts, grafanaDashboards: m.grafanaDashboards, config: { jobSelector: m._config.jobSelector } }`
	var m mixin
	decodeStrict(t, evaluate(t, "build.jsonnet", src), &m)
	return m
}

// decodeStrict decodes JSON refusing fields v does not have: a field the
// mixin adds must be added to the rule file's form here too, or it would
// be left out of the YAML silently.
func decodeStrict(t *testing.T, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatal(err)
	}
}

// ruleFile is a Prometheus rule file, its keys in the order people write
// them.
type ruleFile struct {
	Groups []struct {
		Name  string `json:"name" yaml:"name"`
		Rules []rule `json:"rules" yaml:"rules"`
	} `json:"groups" yaml:"groups"`
}

type rule struct {
	Alert       string            `json:"alert" yaml:"alert"`
	Expr        string            `json:"expr" yaml:"expr"`
	For         string            `json:"for" yaml:"for"`
	Labels      map[string]string `json:"labels" yaml:"labels"`
	Annotations map[string]string `json:"annotations" yaml:"annotations"`
}

// header heads every file built from the mixin.
func header(from string) string {
	return "# Built from " + from + " by go test ./mixin -update:\n# edit that, not this file.\n"
}

func toYAML(t *testing.T, head string, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(head)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func toJSON(t *testing.T, raw json.RawMessage) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// built returns every file built from the mixin, by its path from here.
func built(t *testing.T) map[string][]byte {
	t.Helper()
	m := build(t, "{}")
	files := map[string][]byte{
		"../examples/wechat-alerts.yml": toYAML(t, header("mixin/ (alerts.libsonnet, config.libsonnet)"), m.Alerts),
	}
	for name, d := range m.Dashboards {
		files["../dashboards/"+name] = toJSON(t, d)
		// The Helm chart's copy: a chart reads no file outside itself.
		files["../charts/wechat-exporter/dashboards/"+name] = toJSON(t, d)
	}
	var k8s struct {
		APIVersion string `json:"apiVersion" yaml:"apiVersion"`
		Kind       string `json:"kind" yaml:"kind"`
		Metadata   struct {
			Name      string            `json:"name" yaml:"name"`
			Namespace string            `json:"namespace" yaml:"namespace"`
			Labels    map[string]string `json:"labels" yaml:"labels"`
		} `json:"metadata" yaml:"metadata"`
		Spec ruleFile `json:"spec" yaml:"spec"`
	}
	decodeStrict(t, evaluate(t, "../examples/kubernetes/rules.jsonnet", ""), &k8s)
	files["../examples/kubernetes/wechat-exporter-rules.yaml"] = toYAML(t, header("examples/kubernetes/rules.jsonnet and mixin/"), k8s)
	// The Helm chart's PrometheusRule spec, for job="wechat-exporter" (its
	// template puts in the ServiceMonitor's job).
	files["../charts/wechat-exporter/files/alerts.yaml"] = toYAML(t, header("examples/kubernetes/rules.jsonnet and mixin/"), k8s.Spec)
	return files
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBuiltFilesUpToDate: the rule files and dashboards shipped are what
// the mixin builds, byte for byte.
func TestBuiltFilesUpToDate(t *testing.T) {
	files := built(t)
	for _, d := range dashboards.All() {
		if _, ok := files["../dashboards/"+d.File]; !ok {
			t.Errorf("the mixin has no dashboard %s (dashboards.libsonnet's grafanaDashboards)", d.File)
		}
	}
	for path, want := range files {
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got := readFile(t, path); got != string(want) {
			t.Errorf("%s is not what the mixin builds: run go test ./mixin -update", path)
		}
	}
}

// TestRulesValid checks the rule files the way Prometheus loads them:
// every expression parses, every template expands, durations are valid.
func TestRulesValid(t *testing.T) {
	for path, b := range built(t) {
		if !strings.HasSuffix(path, ".yml") && !strings.HasSuffix(path, ".yaml") {
			continue
		}
		if strings.Contains(path, "kubernetes") {
			var doc struct {
				Spec yaml.Node `yaml:"spec"`
			}
			if err := yaml.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			var err error
			if b, err = yaml.Marshal(&doc.Spec); err != nil {
				t.Fatal(err)
			}
		}
		groups, errs := rulefmt.Parse(b, false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
		for _, err := range errs {
			t.Errorf("%s: %v", path, err)
		}
		if len(errs) == 0 && len(groups.Groups) < 2 {
			t.Errorf("%s: %d groups", path, len(groups.Groups))
		}
	}
}

// variable is the part of a dashboard's template variable the tests read.
type variable struct {
	Name       string `json:"name"`
	Definition string `json:"definition"`
	Multi      bool   `json:"multi"`
	IncludeAll bool   `json:"includeAll"`
}

// jobVariable returns a dashboard's job variable.
func jobVariable(t *testing.T, raw json.RawMessage) variable {
	t.Helper()
	var d struct {
		Templating struct {
			List []variable `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(d.Templating.List, func(v variable) bool { return v.Name == "job" })
	if i < 0 {
		t.Fatal("no job variable")
	}
	return d.Templating.List[i]
}

// hasMatcher reports whether ms has a matcher equal to m.
func hasMatcher(ms []*labels.Matcher, m *labels.Matcher) bool {
	return slices.ContainsFunc(ms, func(x *labels.Matcher) bool { return x.String() == m.String() })
}

// TestJobSelectorEverywhere builds the mixin with several job selectors:
// every selector of every alert carries the configured one's matchers
// (and no other job's), every description is one line with nothing left
// unformatted, and the dashboards list the jobs of that selector.
func TestJobSelectorEverywhere(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	for _, sel := range []string{`job="wechat"`, `job="wechat-exporter"`, `job=~"wechat-.+",namespace="monitoring"`} {
		t.Run(sel, func(t *testing.T) {
			m := build(t, "{ jobSelector: '"+sel+"' }")
			if m.Config.JobSelector != sel {
				t.Fatalf("_config.jobSelector %q, want %q", m.Config.JobSelector, sel)
			}
			want, err := p.ParseMetricSelector("{" + sel + "}")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, g := range m.Alerts.Groups {
				for _, r := range g.Rules {
					expr, err := p.ParseExpr(r.Expr)
					if err != nil {
						t.Fatalf("%s: %v", r.Alert, err)
					}
					parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
						vs, ok := node.(*parser.VectorSelector)
						if !ok {
							return nil
						}
						n++
						for _, w := range want {
							if !hasMatcher(vs.LabelMatchers, w) {
								t.Errorf("%s: %s lacks %s", r.Alert, vs, w)
							}
						}
						for _, m2 := range vs.LabelMatchers {
							if m2.Name == "job" && !hasMatcher(want, m2) {
								t.Errorf("%s: %s selects another job (%s)", r.Alert, vs, m2)
							}
						}
						return nil
					})
					for k, v := range r.Annotations {
						if strings.Contains(v, "\n") || strings.Contains(v, "%(") {
							t.Errorf("%s: annotation %s is not one formatted line: %q", r.Alert, k, v)
						}
					}
				}
			}
			if n < 20 {
				t.Fatalf("only %d selectors in the alerts", n)
			}
			// The dashboards list every job that serves the exporter's
			// metrics, whatever the alerts' selector: a user's job of
			// another name sees its data.
			for name, raw := range m.Dashboards {
				if v := jobVariable(t, raw); v.Definition != "label_values(wechat_account_info, job)" || !v.Multi || !v.IncludeAll {
					t.Errorf("%s: the job variable is %+v, want every job of wechat_account_info, multi-select with All", name, v)
				}
			}
		})
	}
}

// TestDashboardJobSelectorPins: _config.dashboardJobSelector narrows the
// dashboards' Job list to the jobs it selects.
func TestDashboardJobSelectorPins(t *testing.T) {
	sel := `job=~"wechat-.+",namespace="monitoring"`
	m := build(t, "{ dashboardJobSelector: '"+sel+"' }")
	for name, raw := range m.Dashboards {
		if v := jobVariable(t, raw); v.Definition != "label_values(wechat_account_info{"+sel+"}, job)" {
			t.Errorf("%s: the job variable is %q, want the jobs of {%s}", name, v.Definition, sel)
		}
	}
}
