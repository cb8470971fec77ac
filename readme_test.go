package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
