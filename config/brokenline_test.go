package config

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// bisectBrokenLine is the broken line by definition: the end of the
// shortest run of b's first lines that fails with msg, found by parsing
// prefixes (the search brokenLine does in one pass).
func bisectBrokenLine(b []byte, from int, msg string) int {
	lines := strings.Count(string(b), "\n") + 1
	fails := func(n int) bool {
		var doc yaml.Node
		err := yaml.Unmarshal(b[:lineEnd(b, n)], &doc)
		return err != nil && sameProblem(err, msg)
	}
	lo, hi := max(from, 1), lines
	if !fails(hi) {
		return 0
	}
	for lo < hi {
		if mid := (lo + hi) / 2; fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// brokenAccounts is a configuration of n accounts in which account k's
// line `line` (0 name, 1 app_id, 2 app_secret) is indented by indent
// spaces, or has text instead.
func brokenAccounts(n, k, line int, text string) string {
	var b strings.Builder
	b.WriteString("accounts:\n")
	for i := 0; i < n; i++ {
		lines := []string{fmt.Sprintf("  - name: a%d", i), fmt.Sprintf("    app_id: wx%016x", i), "    app_secret: 0123456789abcdef0123456789abcdef # a comment"}
		if i == k {
			lines[line] = text
		}
		b.WriteString(strings.Join(lines, "\n") + "\n")
	}
	return b.String()
}

// TestBrokenLine: the one-pass search finds the line bisection finds, for
// lines indented too little, too much, comments and blank lines between,
// and flow lists left open.
func TestBrokenLine(t *testing.T) {
	var cases []string
	for _, text := range []string{"   app_id: x", "  app_id: x", " app_id: x", "     app_id: x", "   - name: x", "    endpoints: [a, b",
		"    endpoints: [a,\n   b]", "   # comment\n   app_id: x", "\n\n   app_id: x", "\tapp_id: x", "    app_id: {a: 1", "  -name: x"} {
		for _, line := range []int{1, 2} {
			for _, k := range []int{0, 3, 9} {
				cases = append(cases, brokenAccounts(10, k, line, text))
			}
		}
	}
	cases = append(cases, "discovery:\n  component:\n    app_id: x\n   app_secret: y\n", "accounts:\n  - name: a\n    endpoints:\n      - a\n     - b\n")
	checked := 0
	for _, c := range cases {
		var doc yaml.Node
		err := yaml.Unmarshal([]byte(c), &doc)
		if err == nil {
			continue
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			continue
		}
		m := yamlLine.FindStringSubmatch(oneLine(strings.TrimPrefix(err.Error(), "yaml: ")))
		if m == nil || !strings.HasPrefix(m[2], "did not find expected") {
			continue
		}
		var from int
		fmt.Sscan(m[1], &from)
		checked++
		if got, want := brokenLine([]byte(c), from, m[2]), bisectBrokenLine([]byte(c), from, m[2]); got != want && !(want <= from && got == 0) {
			t.Errorf("%s (yaml.v3: line %d: %s): line %d, want %d", c, from, m[2], got, want)
		}
	}
	if checked < 40 {
		t.Errorf("only %d of %d cases were indentation errors: the test checks too little", checked, len(cases))
	}
}

// TestBrokenLineCostsAboutAParse: a large configuration with one
// indentation mistake near its end is reported for about what parsing it
// costs: Parse allocates at most twice what it does for the same file
// without the mistake (0.8 times, at 2 MB). Bisection over prefixes cost
// 4.7 times here, and a 30 MB file took 143 s and 672 MB.
func TestBrokenLineCostsAboutAParse(t *testing.T) {
	const n = 20_000 // 2 MB
	good := brokenAccounts(n, -1, 1, "")
	bad := brokenAccounts(n, n-2, 1, "   app_id: wx0123456789abcdef")
	alloc := func(text string) (uint64, error) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Parse("wechat-exporter.yml", []byte(text))
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, err
	}
	if _, err := alloc(good); err != nil {
		t.Fatal(err)
	}
	goodAlloc, _ := alloc(good)
	badAlloc, err := alloc(bad)
	wantLine := fmt.Sprintf("wechat-exporter.yml:%d: invalid YAML", 1+3*(n-2)+2)
	if err == nil || !strings.HasPrefix(err.Error(), wantLine) {
		t.Fatalf("error %v, want one starting %q", err, wantLine)
	}
	if badAlloc > 2*goodAlloc {
		t.Errorf("reporting the mistake allocated %d MB, %.1f times parsing the file (%d MB); want at most 2",
			badAlloc>>20, float64(badAlloc)/float64(goodAlloc), goodAlloc>>20)
	}
}

// BenchmarkParseMistake30MB and BenchmarkParse30MB, run side by side:
// a 30 MB configuration (300,000 accounts) with one indentation mistake
// near its end, and the same without it.
func BenchmarkParseMistake30MB(b *testing.B) {
	benchmarkParse(b, "   app_id: wx0123456789abcdef")
}

func BenchmarkParse30MB(b *testing.B) {
	benchmarkParse(b, "")
}

func benchmarkParse(b *testing.B, line string) {
	const n = 300_000
	k := n - 2
	if line == "" {
		k = -1 // none
	}
	text := []byte(brokenAccounts(n, k, 1, line))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		_, _ = Parse("wechat-exporter.yml", text)
	}
}
