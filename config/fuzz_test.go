package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary text to the configuration parser: it must not
// panic, and every error must name the file.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../examples/*.yml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret: 0123456789abcdef0123456789abcdef\n", "accounts: {}", "accounts:\n  - [1, 2]\n",
		"accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret: ${", "accounts:\n  - &a {name: x}\n  - *a\n", "\t", "accounts:\n  - name: \"\\u0000\"\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := Parse("fuzz.yml", b)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yml") {
					t.Fatalf("error line does not name the file: %q", line)
				}
			}
			return
		}
		names := map[string]bool{}
		for _, a := range cfg.Accounts {
			if a.Name == "" || names[a.Name] || len(a.Endpoints) == 0 {
				t.Fatalf("invalid account accepted: %+v", a)
			}
			names[a.Name] = true
		}
	})
}
