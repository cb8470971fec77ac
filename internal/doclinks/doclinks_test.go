package doclinks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDead(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"README.md":      "# Title\n\nSee [docs](docs/a.md), [a part](docs/a.md#the-part-two), [gone](docs/gone.md), [bad part](docs/a.md#nope), [web](https://example.com/x), [here](#title).\n```\n[not a link](nowhere.md)\n```\n",
		"docs/a.md":      "# A\n\n## The `part`: two\n\n[up](../README.md) [chart](../charts/c/README.md)\n",
		"charts/c/x.txt": "",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dead, checked, err := Dead(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(dead, "\n")
	want := "README.md: docs/gone.md\nREADME.md: docs/a.md#nope (no such heading)\ndocs/a.md: ../charts/c/README.md"
	if got != want || checked != 7 {
		t.Errorf("dead links (%d checked):\n%s\nwant (7 checked):\n%s", checked, got, want)
	}
}
