package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The tests of docs/design.md: it names every package and file, and its
// package graph is the code's, arrow for arrow.

const designDoc = "docs/design.md"

// codeBlock returns the first fenced code block after the heading.
func codeBlock(t *testing.T, doc, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no heading %q", designDoc, heading)
	}
	_, rest, ok = strings.Cut(rest, "```\n")
	if !ok {
		t.Fatalf("%s: no code block under %q", designDoc, heading)
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("%s: the code block under %q does not end", designDoc, heading)
	}
	return block
}

// namedFiles reads the listing: a line that starts at its first column
// with a directory ("wechat/", "internal/app/") opens that directory's
// entry, which the indented lines below continue; a line that starts with
// a file ("main.go") is the root's. It returns, for each directory ("."
// for the root), the .go and .sh files its entry names.
func namedFiles(listing string) map[string][]string {
	file := regexp.MustCompile(`[\w.-]+\.(go|sh)\b`)
	named := map[string][]string{}
	dir := ""
	for _, line := range strings.Split(listing, "\n") {
		if line == "" {
			continue
		}
		if first := strings.Fields(line)[0]; line[0] != ' ' {
			switch {
			case strings.HasSuffix(first, "/"):
				dir = strings.TrimSuffix(first, "/")
			case strings.HasSuffix(first, ".go"):
				dir = "."
			}
			if _, ok := named[dir]; !ok {
				named[dir] = []string{}
			}
		}
		for _, f := range file.FindAllString(line, -1) {
			if !slices.Contains(named[dir], f) {
				named[dir] = append(named[dir], f)
			}
		}
	}
	return named
}

// goPackages returns each directory of the module that holds Go files
// (testdata and nested modules aside), with its non-test .go files.
func goPackages(t *testing.T) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); p != "." && err == nil {
				return filepath.SkipDir // a module of its own (charts/charttest)
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(p))
		if _, ok := pkgs[dir]; !ok {
			pkgs[dir] = []string{}
		}
		if !strings.HasSuffix(p, "_test.go") {
			pkgs[dir] = append(pkgs[dir], d.Name())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// TestDesignNamesEveryFile: every package of the module has its entry in
// the design's listing, naming each of its files, and no more: a file
// added, moved or removed fails this test until the design says so. The
// same holds for the scripts.
func TestDesignNamesEveryFile(t *testing.T) {
	doc := readFile(t, designDoc)
	named := namedFiles(codeBlock(t, doc, "## Packages and files"))
	have := goPackages(t)
	scripts, err := filepath.Glob("scripts/*.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scripts {
		have["scripts"] = append(have["scripts"], filepath.Base(s))
	}
	for dir, files := range have {
		entry, ok := named[dir]
		if !ok {
			t.Errorf("%s has no entry for %s/", designDoc, dir)
			continue
		}
		for _, f := range files {
			if !slices.Contains(entry, f) {
				t.Errorf("%s: the entry of %s/ does not name %s", designDoc, dir, f)
			}
		}
	}
	for dir, files := range named {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("%s names %s/, which is not there", designDoc, dir)
			continue
		}
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("%s names %s in %s/, which is not there", designDoc, f, dir)
			}
		}
	}
	if len(have) < 15 {
		t.Fatalf("only %d packages found: the walk is broken", len(have))
	}
}

// TestDesignPackageGraph: the design's package graph is every import
// between the module's packages (tests aside), one arrow per line.
func TestDesignPackageGraph(t *testing.T) {
	module := modulePath(t)
	name := func(dir string) string {
		if dir == "." {
			return "main"
		}
		return dir
	}
	var want []string
	fset := token.NewFileSet()
	for dir, files := range goPackages(t) {
		for _, f := range files {
			parsed, err := parser.ParseFile(fset, path.Join(dir, f), nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range parsed.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if dep, ok := strings.CutPrefix(p, module+"/"); ok {
					if arrow := name(dir) + " -> " + dep; !slices.Contains(want, arrow) {
						want = append(want, arrow)
					}
				}
			}
		}
	}
	slices.Sort(want)
	var got []string
	for _, line := range strings.Split(codeBlock(t, readFile(t, designDoc), "## Package graph"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			got = append(got, line)
		}
	}
	for _, a := range want {
		if !slices.Contains(got, a) {
			t.Errorf("%s's package graph lacks %s", designDoc, a)
		}
	}
	for _, a := range got {
		if !slices.Contains(want, a) {
			t.Errorf("%s's package graph has %s, which the code does not import", designDoc, a)
		}
	}
	if len(want) < 20 {
		t.Fatalf("only %d imports found: the parse is broken", len(want))
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// modulePath is the module's path, from go.mod.
func modulePath(t *testing.T) string {
	t.Helper()
	line, _, _ := strings.Cut(readFile(t, "go.mod"), "\n")
	module, ok := strings.CutPrefix(line, "module ")
	if !ok || module == "" {
		t.Fatal("go.mod names no module")
	}
	return module
}

// TestImportGroups: every Go file of the module groups its imports as
// goimports -local does, the standard library, then other modules, then
// this module's packages, a blank line between groups and each group of
// one kind, so that what a file depends on reads at a glance. goimports
// keeps a group it finds; a package added by hand to the wrong one stays.
func TestImportGroups(t *testing.T) {
	module := modulePath(t)
	kind := func(p string) int {
		switch first, _, _ := strings.Cut(p, "/"); {
		case p == module || strings.HasPrefix(p, module+"/"):
			return 2
		case strings.Contains(first, "."):
			return 1
		}
		return 0
	}
	names := [...]string{"the standard library", "other modules", "this module"}
	for dir := range goPackages(t) {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			prevKind, prevLine := -1, 0
			for _, spec := range f.Imports {
				p, _ := strconv.Unquote(spec.Path.Value)
				k, line := kind(p), fset.Position(spec.Pos()).Line
				newGroup := prevKind >= 0 && line > prevLine+1
				switch {
				case prevKind < 0, !newGroup && k == prevKind, newGroup && k > prevKind:
				case !newGroup:
					t.Errorf("%s:%d: %s in a group of %s: want it in a group of %s", name, line, p, names[prevKind], names[k])
				case k == prevKind:
					t.Errorf("%s:%d: %s starts a second group of %s", name, line, p, names[k])
				default:
					t.Errorf("%s:%d: %s imported after %s", name, line, p, names[prevKind])
				}
				prevKind, prevLine = k, line
			}
		}
	}
}
