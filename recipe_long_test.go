//go:build long

package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRecipeAddsAnEndpoint follows CONTRIBUTING's "Adding an endpoint" in
// a copy of the repository for a made-up datacube endpoint,
// getexamplesummary, touching only the files the recipe names; runs the
// commands it gives; and then the whole suite there, which must pass. A
// step the recipe leaves out fails the suite; a file the recipe does not
// name fails this test. It takes minutes (the suite, once more): a long
// test, which .ci/run runs.
func TestRecipeAddsAnEndpoint(t *testing.T) {
	recipe := recipeSection(t)
	named := recipePaths(recipe)
	copyDir := t.TempDir()
	copyTree(t, ".", copyDir)

	for _, e := range recipeEdits {
		if !namedByRecipe(e.file, named) {
			t.Errorf("the recipe does not name %s, which adding the endpoint changes", e.file)
		}
		e.apply(t, copyDir)
	}
	// Step 6: every sentence that counts the datacube endpoints.
	counted := bumpEndpointCount(t, copyDir)
	if counted < 5 {
		t.Errorf("only %d sentences counted the datacube endpoints", counted)
	}
	if t.Failed() {
		t.FailNow()
	}

	// Step 8: the commands that rebuild what is measured; the files they
	// rewrite must be named too.
	commands := regexp.MustCompile("(?m)^\\s*(go test [^\\n]*-update)$").FindAllStringSubmatch(recipe, -1)
	if len(commands) < 2 {
		t.Fatalf("the recipe gives %d commands to rebuild what is measured", len(commands))
	}
	before := snapshotTree(t, copyDir)
	for _, c := range commands {
		run(t, copyDir, strings.Fields(c[1])...)
	}
	for file := range changedFiles(before, snapshotTree(t, copyDir)) {
		if !namedByRecipe(file, named) {
			t.Errorf("the recipe's commands rewrite %s, which it does not name", file)
		}
	}

	// Then the suite, as the recipe ends.
	run(t, copyDir, "go", "test", "-count=1", "./...")
}

// recipeEdits are the steps of the recipe for the made-up endpoint, each
// on the file the recipe names: where, and what.
var recipeEdits = []recipeEdit{
	{ // 1. the entry, and its list
		file: "wechat/endpoints.go", after: `\n$`,
		text: `
// GetExampleSummary is made up by TestRecipeAddsAnEndpoint.
var GetExampleSummary = Endpoint{Name: "getexamplesummary", MaxSpan: 7, Period: Daily, PermissionSet: 1,
	rows: codec[ExampleSummary]()}
`},
	{file: "wechat/endpoints.go", after: `contentEndpoints\s*=\s*\[\]Endpoint\{`, text: "GetExampleSummary, "},
	{ // 2. the row type
		file: "wechat/rows.go", after: `\n$`,
		text: `
// ExampleSummary is a getexamplesummary row.
type ExampleSummary struct {
	Ref
	ExampleKind  Code  ` + "`json:\"example_kind\" wx:\"key\"`" + `
	ExampleCount Count ` + "`json:\"example_count\"`" + `
}
`},
	{ // 3. the family, in a new file, named in the design
		file: "collector/example.go", create: true,
		text: `package collector

import (
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

var exampleDesc = newDesc("wechat_example_events", "Example events, by kind (getexamplesummary example_count).", "kind")

func init() {
	register(wechat.GetExampleSummary.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			row := r.(wechat.ExampleSummary)
			m.add(exampleDesc, row.ExampleCount, a.account, enumLabel(nil, row.ExampleKind))
		}
	}, exampleDesc)
}
`},
	{file: "docs/design.md", after: `(?m)^collector/ .*\n`, text: "  example.go           the made-up family of TestRecipeAddsAnEndpoint\n"},
	{ // 4. the fake
		file: "wechat/wechattest/generate.go", after: `func generate\((?s:.*?)\n\tswitch ep \{\n`,
		text: "\tcase wechat.GetExampleSummary:\n\t\treturn []wechat.Row{wechat.ExampleSummary{Ref: ref, ExampleKind: wechat.CodeOf(1), ExampleCount: cnt(around(r, scale/100))}}\n"},
	{ // 5. the documentation of its metric
		file: "docs/metrics.md", after: "(?m)^\\| `wechat_upstream_monthly_message_distribution_users` .*\\n",
		text: "| `wechat_example_events` | gauge | kind | getexamplesummary: example_count | events |\n"},
	{ // 7. its sample answer, and the family's test
		file: "internal/testanswers/samples/getexamplesummary.json", create: true,
		text: `{"list":[{"ref_date":"2014-12-07","example_kind":1,"example_count":36}]}` + "\n"},
	{file: "collector/example_test.go", create: true,
		text: `package collector_test

import "testing"

func TestExampleFamily(t *testing.T) {
	checkFamily(t, "samples", []familyCase{
		{"getexamplesummary", map[string]float64{` + "`" + `wechat_example_events{account="fx",kind="1"}` + "`" + `: 36}},
	})
}
`},
}

// recipeEdit inserts text after the first match of after in file, or
// creates file with text.
type recipeEdit struct {
	file   string
	after  string
	create bool
	text   string
}

func (e recipeEdit) apply(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(e.file))
	if e.create {
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("%s exists already", e.file)
		}
		if err := os.WriteFile(path, []byte(e.text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	loc := regexp.MustCompile(e.after).FindIndex(b)
	if loc == nil {
		t.Fatalf("%s: no place for the step (%s): the recipe's file changed shape", e.file, e.after)
	}
	out := append(append(append([]byte(nil), b[:loc[1]]...), e.text...), b[loc[1]:]...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// recipeSection is CONTRIBUTING's "Adding an endpoint".
func recipeSection(t *testing.T) string {
	t.Helper()
	_, rest, ok := strings.Cut(readFile(t, "CONTRIBUTING.md"), "\n## Adding an endpoint\n")
	if !ok {
		t.Fatal(`CONTRIBUTING.md has no "## Adding an endpoint"`)
	}
	section, _, _ := strings.Cut(rest, "\n## ")
	return section
}

// recipePaths are the paths the recipe names, as regular expressions
// ("collector/<family>.go": any family).
func recipePaths(recipe string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, p := range regexp.MustCompile(`(?:[\w<>-]+/)+[\w<>.-]+\.\w+`).FindAllString(recipe, -1) {
		expr := regexp.QuoteMeta(p)
		expr = regexp.MustCompile(`<\w+>`).ReplaceAllString(expr, `[^/]+`)
		out = append(out, regexp.MustCompile("^"+expr+"$"))
	}
	return out
}

func namedByRecipe(file string, named []*regexp.Regexp) bool {
	for _, re := range named {
		if re.MatchString(file) {
			return true
		}
	}
	return false
}

// bumpEndpointCount adds one to every "N datacube endpoints" of the
// prose (eachProseFile), as step 6 says, and returns how many it changed.
func bumpEndpointCount(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	eachProseFile(t, dir, func(path, text string) {
		out := endpointCount.ReplaceAllStringFunc(text, func(s string) string {
			k, _ := strconv.Atoi(endpointCount.FindStringSubmatch(s)[1])
			n++
			return fmt.Sprintf("%d datacube endpoints", k+1)
		})
		if out == text {
			return
		}
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	return n
}

// copyTree copies the repository's files (not .git, nor build outputs).
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			if rel == ".git" || rel == "dist" || rel == "data" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		if !d.Type().IsRegular() || rel == "wechat-exporter" || strings.HasSuffix(rel, ".test") {
			return nil
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		info, err := src.Stat()
		if err != nil {
			return err
		}
		dst, err := os.OpenFile(filepath.Join(to, rel), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, src); err != nil {
			dst.Close()
			return err
		}
		return dst.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// snapshotTree maps every file under dir to its content.
func snapshotTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func changedFiles(before, after map[string]string) map[string]bool {
	changed := map[string]bool{}
	for f, b := range after {
		if a, ok := before[f]; !ok || a != b {
			changed[f] = true
		}
	}
	return changed
}

var buildError = regexp.MustCompile(`^\S+\.go:\d+:\d+: `)

// run runs a command in dir, failing the test with what failed: each
// failed test's lines, each failed package, each build error.
func run(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		return
	}
	var failed []string
	inFailure := false
	for _, l := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(l, "--- FAIL"), strings.HasPrefix(l, "panic"):
			inFailure = true
		case strings.HasPrefix(l, "FAIL\t"), strings.HasPrefix(l, "# "), buildError.MatchString(l):
			inFailure = false
			failed = append(failed, l)
			continue
		case !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t"):
			inFailure = false
		}
		if inFailure && len(failed) < 200 {
			failed = append(failed, l)
		}
	}
	t.Fatalf("%s in the copy: %v\n%s", strings.Join(args, " "), err, strings.Join(failed, "\n"))
}
