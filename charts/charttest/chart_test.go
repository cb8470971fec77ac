package charttest

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	yaml3 "gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"

	"github.com/wechat-exporter/wechat-exporter/internal/app"
)

var update = flag.Bool("update", false, "rewrite examples/kubernetes/wechat-exporter.yaml from the chart")

const chart = "../wechat-exporter"

// valueSets are the value files the chart is rendered with, beside its
// defaults ("").
var valueSets = []string{"", "testdata/one-account.yaml", "testdata/discovery-3-shards.yaml", "testdata/tls-existing-secret.yaml", "../../examples/kubernetes/values.yaml"}

// helm runs Helm itself (the go.mod's tool, helm.sh/helm/v4/cmd/helm).
func helm(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"tool", "helm"}, args...)...)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("helm %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

func valuesArgs(values string) []string {
	if values == "" {
		return nil
	}
	return []string{"-f", values}
}

// render is helm template of the chart with values, as release in
// namespace "monitoring".
func render(t *testing.T, release, values string) string {
	t.Helper()
	return helm(t, append([]string{"template", release, chart, "--namespace", "monitoring", "--kube-version", "1.31.0"}, valuesArgs(values)...)...)
}

// TestLint: helm lint --strict passes with every value set.
func TestLint(t *testing.T) {
	for _, values := range valueSets {
		helm(t, append([]string{"lint", "--strict", chart}, valuesArgs(values)...)...)
	}
}

// objects are a render's objects, decoded strictly into their API types.
type objects struct {
	statefulSets    []appsv1.StatefulSet
	services        []corev1.Service
	configMaps      []corev1.ConfigMap
	serviceMonitors []monitoringv1.ServiceMonitor
	rules           []monitoringv1.PrometheusRule
	kinds           []string
}

// decode decodes every document of a render strictly: a field its API
// type does not have fails, as a cluster's server-side validation would.
func decode(t *testing.T, manifest string) objects {
	t.Helper()
	var o objects
	dec := yaml3.NewDecoder(strings.NewReader(manifest))
	for {
		var node yaml3.Node
		if err := dec.Decode(&node); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		doc, err := yaml3.Marshal(&node)
		if err != nil {
			t.Fatal(err)
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatal(err)
		}
		if meta.Kind == "" {
			continue // an empty document
		}
		o.kinds = append(o.kinds, meta.Kind)
		strict := func(v any) {
			if err := yaml.UnmarshalStrict(doc, v); err != nil {
				t.Errorf("%s: %v\n%s", meta.Kind, err, doc)
			}
		}
		switch meta.APIVersion + " " + meta.Kind {
		case "apps/v1 StatefulSet":
			var v appsv1.StatefulSet
			strict(&v)
			o.statefulSets = append(o.statefulSets, v)
		case "v1 Service":
			var v corev1.Service
			strict(&v)
			o.services = append(o.services, v)
		case "v1 ConfigMap":
			var v corev1.ConfigMap
			strict(&v)
			o.configMaps = append(o.configMaps, v)
		case "v1 ServiceAccount":
			strict(&corev1.ServiceAccount{})
		case "v1 Secret":
			strict(&corev1.Secret{})
		case "networking.k8s.io/v1 NetworkPolicy":
			strict(&networkingv1.NetworkPolicy{})
		case "monitoring.coreos.com/v1 ServiceMonitor":
			var v monitoringv1.ServiceMonitor
			strict(&v)
			o.serviceMonitors = append(o.serviceMonitors, v)
		case "monitoring.coreos.com/v1 PrometheusRule":
			var v monitoringv1.PrometheusRule
			strict(&v)
			o.rules = append(o.rules, v)
		default:
			t.Errorf("an object of an API this test does not know: %s %s", meta.APIVersion, meta.Kind)
		}
	}
	return o
}

// TestRenderedObjects renders the chart with every value set and checks
// each as a cluster would take it, and as the exporter would.
func TestRenderedObjects(t *testing.T) {
	restricted, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, values := range valueSets {
		t.Run(filepath.Base(values), func(t *testing.T) {
			// A release named otherwise than the chart: its objects' names
			// are not the job.
			o := decode(t, render(t, "team-a", values))
			if len(o.statefulSets) != 1 || len(o.services) != 1 {
				t.Fatalf("%d StatefulSets and %d Services, want one each", len(o.statefulSets), len(o.services))
			}
			sts, svc := o.statefulSets[0], o.services[0]
			pod := sts.Spec.Template
			// Pod Security "restricted", as a namespace enforcing it admits.
			for _, r := range restricted.EvaluatePod(psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}, &pod.ObjectMeta, &pod.Spec) {
				if !r.Allowed {
					t.Errorf("Pod Security restricted refuses the pod: %s: %s", r.ForbiddenReason, r.ForbiddenDetail)
				}
			}
			c := pod.Spec.Containers[0]
			if c.Resources.Limits.Memory().IsZero() {
				t.Error("no memory limit")
			}
			// Every replica's arguments, as the exporter parses them.
			replicas := int(*sts.Spec.Replicas)
			for ordinal := range replicas {
				args := slices.Clone(c.Args)
				for i := range args {
					args[i] = strings.ReplaceAll(args[i], "$(SHARD)", strconv.Itoa(ordinal))
				}
				f, err := app.CheckArgs(args)
				if err != nil {
					t.Fatalf("pod %d: the exporter refuses its arguments: %v", ordinal, err)
				}
				if f.TotalShards() != replicas {
					t.Errorf("--total-shards=%d with %d replicas", f.TotalShards(), replicas)
				}
			}
			if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool {
				return e.Name == "SHARD" && e.ValueFrom != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.labels['apps.kubernetes.io/pod-index']"
			}) {
				t.Error("SHARD is not the pod's index")
			}
			for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
				if p == nil || p.HTTPGet == nil && p.TCPSocket == nil {
					t.Errorf("probe %+v", p)
				}
			}
			if len(sts.Spec.VolumeClaimTemplates) != 1 {
				t.Error("no volume claim template for the store")
			}
			// The ServiceMonitor's job, and the rules that select it.
			for _, sm := range o.serviceMonitors {
				job := svc.Labels[sm.Spec.JobLabel]
				if sm.Spec.JobLabel == "" || job == "" {
					t.Fatalf("the ServiceMonitor's job label %q is not on the Service", sm.Spec.JobLabel)
				}
				for k, v := range sm.Spec.Selector.MatchLabels {
					if svc.Labels[k] != v {
						t.Errorf("the ServiceMonitor selects %s=%s, which the Service lacks", k, v)
					}
				}
				for _, r := range o.rules {
					checkRules(t, r, job)
				}
			}
			if len(o.rules) > 0 && len(o.serviceMonitors) == 0 {
				t.Error("rules without a ServiceMonitor")
			}
		})
	}
}

// checkRules checks a PrometheusRule's groups with promtool, and that
// every selector of every rule selects the job.
func checkRules(t *testing.T, r monitoringv1.PrometheusRule, job string) {
	t.Helper()
	b, err := yaml.Marshal(r.Spec)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not installed (apt-get install -y prometheus): %v", err)
	}
	if out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput(); err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
	n := 0
	for _, g := range r.Spec.Groups {
		for _, rule := range g.Rules {
			expr, err := parser.NewParser(parser.Options{}).ParseExpr(rule.Expr.String())
			if err != nil {
				t.Fatalf("%s: %v", rule.Alert, err)
			}
			parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
				vs, ok := node.(*parser.VectorSelector)
				if !ok {
					return nil
				}
				n++
				if !slices.ContainsFunc(vs.LabelMatchers, func(m *labels.Matcher) bool { return m.Name == "job" && m.Value == job }) {
					t.Errorf("%s: %s does not select the ServiceMonitor's job %q", rule.Alert, vs, job)
				}
				return nil
			})
		}
	}
	if n < 20 {
		t.Errorf("%d selectors in the rules", n)
	}
}

// TestExampleRenderedFromChart: examples/kubernetes/wechat-exporter.yaml
// is the chart rendered with examples/kubernetes/values.yaml, byte for
// byte (go test -update rewrites it).
func TestExampleRenderedFromChart(t *testing.T) {
	const example = "../../examples/kubernetes/wechat-exporter.yaml"
	want := "# Rendered from charts/wechat-exporter with examples/kubernetes/values.yaml by\n" +
		"# (cd charts/charttest && go test -update): change those, not this file.\n" +
		render(t, "wechat-exporter", "../../examples/kubernetes/values.yaml")
	if *update {
		if err := os.WriteFile(example, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is not the chart's render: run (cd charts/charttest && go test -update)", example)
	}
}

// TestAppVersion: the chart's appVersion is the exporter's version.
func TestAppVersion(t *testing.T) {
	var c struct {
		AppVersion string `json:"appVersion"`
	}
	b, err := os.ReadFile(filepath.Join(chart, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	v, err := os.ReadFile("../../VERSION")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSpace(string(v)); c.AppVersion != want {
		t.Errorf("Chart.yaml's appVersion %q, VERSION %q", c.AppVersion, want)
	}
	_ = fmt.Sprint()
}

// TestReadmeListsEveryValue: every value of values.yaml is in the chart
// README's table (a key of a map value is named by the map).
func TestReadmeListsEveryValue(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(chart, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(chart, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// A row names a value as `path`, or beside its sibling as
	// `parent.sibling`, `last`.
	listed := func(path string) bool {
		parent, last, nested := strings.Cut(path, ".")
		if i := strings.LastIndex(path, "."); i >= 0 {
			parent, last = path[:i], path[i+1:]
		}
		for _, line := range strings.Split(string(readme), "\n") {
			cell, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " | ")
			if !strings.HasPrefix(line, "| `") {
				continue
			}
			if strings.Contains(cell, "`"+path+"`") || nested && strings.Contains(cell, "`"+parent+".") && strings.Contains(cell, "`"+last+"`") {
				return true
			}
		}
		return false
	}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			path := k
			if prefix != "" {
				path = prefix + "." + k
			}
			if sub, ok := v.(map[string]any); ok && len(sub) > 0 && !listed(path) {
				walk(path, sub)
				continue
			}
			if !listed(path) {
				t.Errorf("values.yaml's %s is not in the README's table", path)
			}
		}
	}
	walk("", values)
}
