package wechat_test

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

// TestEndpointCountInProse: wherever the documentation or a comment says
// how many datacube endpoints there are ("the N datacube endpoints"),
// the number is the table's. A new default endpoint fails this test until
// every such sentence says so. The CHANGELOG is history: its releases
// keep the counts they had.
func TestEndpointCountInProse(t *testing.T) {
	want := len(wechat.DatacubeEndpoints())
	count := regexp.MustCompile(`(\d+) datacube endpoints`)
	found := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if name == ".git" || name == "testdata" || name == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(name) {
		case ".md", ".go", ".yml", ".yaml", ".libsonnet", ".sh", ".txt":
		default:
			return nil
		}
		if name == "CHANGELOG.md" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range count.FindAllStringSubmatch(line, -1) {
				found++
				if n, _ := strconv.Atoi(m[1]); n != want {
					t.Errorf("%s:%d says %s; the table has %d", filepath.ToSlash(path), i+1, m[0], want)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 5 {
		t.Fatalf("only %d sentences give the count: the search is broken", found)
	}
}
