package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/app"
	"github.com/wechat-exporter/wechat-exporter/internal/doclinks"
	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
)

// readmeBlock returns the fenced code block that follows the comment
// "<!-- marker -->" in the README, without its fences.
func readmeBlock(t *testing.T, marker string) string {
	t.Helper()
	text := exportertest.Docs(t)
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
		cmd.Dir, cmd.Env = dir, exportertest.Env(t)
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
// commands (promtool, Prometheus, docker, podman, go, helm, kubectl).
var foreignFlags = map[string]bool{
	"storage.tsdb.retention.time": true, "storage.tsdb.path": true, "build-arg": true, "build": true, "rm": true,
	"tags": true, "always": true, "abbrev-ref": true, "pull": true, "network": true,
	"max-block-duration": true, // promtool's
	// helm's, kubectl's, podman's and docker buildx's
	"set": true, "platform": true, "manifest": true, "all": true, "push": true, "from-file": true, "namespace": true,
}

// TestReadmeFlags: every flag the README names is one the exporter has
// (or belongs to another program it shows a command of), and every flag the
// exporter has is in the README.
func TestReadmeFlags(t *testing.T) {
	have := map[string]bool{}
	for _, n := range app.FlagNames() {
		have[n] = true
	}
	text := exportertest.Docs(t)
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

// TestVersionFile: VERSION is the version of the newest release CHANGELOG
// announces (what scripts/build.sh and release.sh build a clone as, since
// a clone has no tags), and the documentation's links all open (a release
// archive's are checked by .ci/run the same way).
func TestVersionFile(t *testing.T) {
	v := strings.TrimSpace(exportertest.ReadFile(t, "VERSION"))
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v) {
		t.Fatalf("VERSION %q is not MAJOR.MINOR.PATCH", v)
	}
	m := regexp.MustCompile(`(?m)^## (\d+\.\d+\.\d+) / \d{4}-\d{2}-\d{2}$`).FindStringSubmatch(exportertest.ReadFile(t, "CHANGELOG.md"))
	if m == nil || m[1] != v {
		t.Errorf("CHANGELOG's newest release is %v, VERSION says %s", m, v)
	}
}

// TestDocLinks: every relative link of the README, the documentation and
// the chart's README opens, to a file and, for file.md#heading, a heading.
func TestDocLinks(t *testing.T) {
	dead, checked, err := doclinks.Dead(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dead {
		t.Errorf("dead link: %s", d)
	}
	if checked < 40 {
		t.Errorf("%d links checked: the test reaches too little", checked)
	}
}

// TestAlertTableComplete: docs/deployment.md's table of alerts has a row
// for every alert of the shipped rules, and no other.
func TestAlertTableComplete(t *testing.T) {
	rules := exportertest.ReadFile(t, "examples/wechat-alerts.yml")
	var want []string
	for _, m := range regexp.MustCompile(`(?m)^\s*- alert: (\w+)$`).FindAllStringSubmatch(rules, -1) {
		want = append(want, m[1])
	}
	var have []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(WeChat\\w+)` \\|").FindAllStringSubmatch(exportertest.ReadFile(t, "docs/deployment.md"), -1) {
		have = append(have, m[1])
	}
	slices.Sort(want)
	slices.Sort(have)
	if len(want) < 15 || !slices.Equal(want, have) {
		t.Errorf("docs/deployment.md's alert table lists %v, the rules have %v", have, want)
	}
}
