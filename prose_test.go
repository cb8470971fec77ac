package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// endpointCount is how prose counts the datacube endpoints ("the N
// datacube endpoints").
var endpointCount = regexp.MustCompile(`(\d+) datacube endpoints`)

// TestEndpointCountInProse: wherever the documentation or a comment says
// how many datacube endpoints there are, the number is the table's. A new
// default endpoint fails this test until every such sentence says so.
func TestEndpointCountInProse(t *testing.T) {
	want := len(wechat.DatacubeEndpoints())
	found := 0
	eachProseFile(t, ".", func(path, text string) {
		for i, line := range strings.Split(text, "\n") {
			for _, m := range endpointCount.FindAllStringSubmatch(line, -1) {
				found++
				if n, _ := strconv.Atoi(m[1]); n != want {
					t.Errorf("%s:%d says %s; the table has %d", filepath.ToSlash(path), i+1, m[0], want)
				}
			}
		}
	})
	if found < 5 {
		t.Fatalf("only %d sentences give the count: the search is broken", found)
	}
}

// eachProseFile calls f with the path and text of every file below dir
// that holds prose or comments (Markdown, Go, YAML, jsonnet, shell), but
// .git's, testdata's and the CHANGELOG, which is history: its releases
// keep the counts they had.
func eachProseFile(t *testing.T, dir string, f func(path, text string)) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".md", ".go", ".yml", ".yaml", ".libsonnet", ".sh", ".txt":
		default:
			return nil
		}
		if d.Name() == "CHANGELOG.md" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f(path, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
