// Package doclinks checks the relative links of a tree of Markdown files:
// every link to a file of the tree leads to one that is there, and every
// link to a heading (file.md#heading, #heading) to a heading the file has.
// The repository's documentation is checked by a test, a release archive's
// by .ci/run (scripts/doclinks), so that what ships has no dead link.
package doclinks

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
)

var (
	link    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	heading = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*$`)
	fence   = regexp.MustCompile("(?ms)^```.*?^```")
)

// Dead returns the dead links of the Markdown files under root, each as
// "file: link", and how many relative links were checked.
func Dead(root string) (dead []string, checked int, err error) {
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" && p != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".md") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		text := fence.ReplaceAllString(string(b), "") // code is not links
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			checked++
			file, anchor, _ := strings.Cut(target, "#")
			dest := p
			if file != "" {
				dest = filepath.Join(filepath.Dir(p), filepath.FromSlash(file))
			}
			rel, _ := filepath.Rel(root, p)
			if _, err := os.Stat(dest); err != nil {
				dead = append(dead, rel+": "+target)
				continue
			}
			if anchor != "" && strings.HasSuffix(dest, ".md") && !hasHeading(dest, anchor) {
				dead = append(dead, rel+": "+target+" (no such heading)")
			}
		}
		return nil
	})
	return dead, checked, err
}

// hasHeading reports whether the Markdown file has a heading whose anchor,
// as GitHub makes it, is anchor.
func hasHeading(file, anchor string) bool {
	b, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	for _, m := range heading.FindAllStringSubmatch(fence.ReplaceAllString(string(b), ""), -1) {
		if Anchor(m[1]) == anchor {
			return true
		}
	}
	return false
}

// Anchor is GitHub's anchor of a heading: lower case, spaces as hyphens,
// punctuation but hyphens and underscores dropped.
func Anchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.ReplaceAll(h, "`", "")) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
