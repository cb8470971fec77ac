package app

import (
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// describing records the name of every metric registered with it.
type describing struct {
	*prometheus.Registry
	names map[string]bool
}

func (d describing) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 64)
	go func() { c.Describe(ch); close(ch) }()
	for desc := range ch {
		d.names[descName(desc)] = true
	}
	return d.Registry.Register(c)
}

func (d describing) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := d.Register(c); err != nil {
			panic(err)
		}
	}
}

func descName(d *prometheus.Desc) string {
	s := d.String()
	i := strings.Index(s, `fqName: "`) + len(`fqName: "`)
	return s[i : i+strings.IndexByte(s[i:], '"')]
}

// exporterMetricNames returns the name of every metric the exporter
// registers (its live metrics, with or without series) and every data
// metric the collector can build.
func exporterMetricNames(t *testing.T) map[string]bool {
	t.Helper()
	reg := describing{prometheus.NewRegistry(), map[string]bool{}}
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := &config.Config{Accounts: []config.Account{{Name: "a", AppID: "wx1", TokenSource: config.SourceStable, AppSecret: "secret-0123", Endpoints: wechat.Endpoints()}}}
	// Every optional metric on: the rate limiter's too.
	f, err := parseFlags([]string{"--wechat.api-url=http://127.0.0.1:1", "--wechat.requests-per-second=10"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSettings(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newExporter(t.Context(), cfg, st, reg, s, nopLogger(), f); err != nil {
		t.Fatal(err)
	}
	ch := make(chan *prometheus.Desc, 512)
	collector.New(served.NewState(nil)).Describe(ch)
	close(ch)
	for d := range ch {
		reg.names[descName(d)] = true
	}
	return reg.names
}

// readmeDocuments checks that the README's metrics tables name every
// wechat_ metric the exporter has (scrape is a /metrics of the demo), and
// that every wechat_ metric the README names is one the exporter has.
func readmeDocuments(t *testing.T, scrape string) {
	t.Helper()
	text := exportertest.Docs(t)
	names := map[string]bool{}
	for n := range exporterMetricNames(t) {
		if strings.HasPrefix(n, "wechat_") {
			names[n] = true
		}
	}
	for _, line := range strings.Split(scrape, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "#" && f[1] == "TYPE" && strings.HasPrefix(f[2], "wechat_") {
			names[f[2]] = true
		}
	}
	if len(names) < 60 {
		t.Fatalf("only %d metric names found", len(names))
	}
	for n := range names {
		if !strings.Contains(text, "`"+n+"`") {
			t.Errorf("README does not document %s", n)
		}
	}
	for _, m := range regexp.MustCompile(`\bwechat_[a-z0-9_]*[a-z0-9]\b`).FindAllString(text, -1) {
		if !names[m] {
			t.Errorf("the README names %s, which the exporter does not serve", m)
		}
	}
	lines := strings.Split(exportertest.ReadFile(t, "README.md"), "\n")
	var cmds []string
	for _, l := range lines {
		if strings.HasPrefix(l, "go ") {
			cmds = append(cmds, strings.Fields(l)[0]+" "+strings.Fields(l)[1]+" "+strings.Fields(l)[2])
		}
	}
	if len(cmds) < 2 || cmds[0] != "go run ." || cmds[1] != "go test ./..." {
		t.Errorf("README's first two commands are %v, want go run . --demo and go test ./...", cmds)
	}
}
