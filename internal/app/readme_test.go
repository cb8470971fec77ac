package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// readme returns the README's text.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeBlock returns the fenced code block that follows the comment
// "<!-- marker -->" in the README, without its fences.
func readmeBlock(t *testing.T, marker string) string {
	t.Helper()
	text := readme(t)
	i := strings.Index(text, "<!-- "+marker+" -->")
	if i < 0 {
		t.Fatalf("README has no <!-- %s --> block", marker)
	}
	rest := text[i:]
	start := strings.Index(rest, "```")
	if start < 0 {
		t.Fatalf("README: no code block after <!-- %s -->", marker)
	}
	rest = rest[start+3:]
	rest = rest[strings.IndexByte(rest, '\n')+1:] // the fence's language
	end := strings.Index(rest, "```")
	if end < 0 {
		t.Fatalf("README: unterminated code block after <!-- %s -->", marker)
	}
	return rest[:end]
}

// TestReadmeConfigCheckExample runs --config.check on the README's example
// file, and on it once fixed as the README says, in a directory of its
// own: the output must be what the README shows, byte for byte.
func TestReadmeConfigCheckExample(t *testing.T) {
	file := readmeBlock(t, "config-check example: file")
	for _, tt := range []struct {
		marker, file string
	}{
		{"config-check example: output", file},
		{"config-check example: fixed output", strings.Replace(file, "publishr:", "publisher:", 1)},
	} {
		want := readmeBlock(t, tt.marker)
		cmdLine, wantOut, _ := strings.Cut(want, "\n")
		args := strings.Fields(strings.TrimPrefix(cmdLine, "$ wechat-exporter "))
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "wechat-exporter.yml"), tt.file)
		cmd := exec.Command(os.Args[0], args...)
		cmd.Dir, cmd.Env = dir, childEnv(t)
		out, err := cmd.CombinedOutput()
		if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
			t.Errorf("%s: exit %v, want 1", tt.marker, err)
		}
		if string(out) != wantOut {
			t.Errorf("%s: the exporter prints\n%s\nthe README shows\n%s", tt.marker, out, wantOut)
		}
	}
}

// foreignFlags are flags of other programs the README shows in their
// commands (promtool, Prometheus, docker, go).
var foreignFlags = map[string]bool{
	"storage.tsdb.retention.time": true, "storage.tsdb.path": true, "build-arg": true, "build": true, "rm": true,
	"tags": true, "always": true, "abbrev-ref": true, "pull": true, "network": true,
	"max-block-duration": true, // promtool's
}

// TestReadmeFlags: every flag the README names is one the exporter has
// (or belongs to another program it shows a command of), and every flag the
// exporter has is in the README.
func TestReadmeFlags(t *testing.T) {
	app := newApp(&flags{})
	have := map[string]bool{}
	add := func(fs []*kingpin.FlagModel) {
		for _, fl := range fs {
			if !fl.Hidden {
				have[fl.Name] = true
			}
		}
	}
	add(app.Model().Flags)
	for _, c := range app.Model().Commands {
		add(c.Flags)
	}
	text := readme(t)
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("(?:^|[\\s`(\\[])--([a-z][a-z0-9.-]*[a-z0-9])").FindAllStringSubmatch(text, -1) {
		named[m[1]] = true
	}
	for n := range named {
		bare := strings.TrimPrefix(n, "no-")
		if !have[n] && !have[bare] && !foreignFlags[n] {
			t.Errorf("the README names --%s, which the exporter does not have", n)
		}
	}
	for n := range have {
		if n != "help" && !named[n] {
			t.Errorf("the README does not document --%s", n)
		}
	}
}

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
	// The discovery's metrics, which exist with a discovery section.
	if _, err := newDiscoverer(&config.Discovery{Component: config.Component{AppID: "wxp", AppSecret: "s", VerifyTicketFile: "t"}},
		nil, nopLogger(), time.Now, reg); err != nil {
		t.Fatal(err)
	}
	ch := make(chan *prometheus.Desc, 512)
	collector.New(collector.NewState(nil)).Describe(ch)
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
	text := readme(t)
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
	lines := strings.Split(text, "\n")
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
