package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loadWithin loads path, failing the test if that takes longer than a few
// seconds (a FIFO would block forever, /dev/zero read until memory runs
// out).
func loadWithin(t *testing.T, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Load(path)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("loading %s did not finish: a file read blocks", path)
		return nil
	}
}

// TestSpecialFiles: a secret, token, ticket or refresh token file that is
// a FIFO, a device or a directory, or that is too large, is a
// configuration error naming the file, line and field; so is a
// configuration file that is one or is too large. Nothing blocks and
// nothing is read without bound.
func TestSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(300 << 20); err != nil { // sparse: 300 MB of zeros, no disk
		t.Fatal(err)
	}
	f.Close()
	link := filepath.Join(dir, "link-to-fifo")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(good, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	account := func(field, path string) string {
		switch field {
		case "app_secret_file":
			return "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret_file: " + path + "\n"
		case "token_file":
			return "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    token_source: file\n    token_file: " + path + "\n"
		}
		comp := map[string]string{"component.app_secret_file": good, "component.verify_ticket_file": good, "component.refresh_token_file": good}
		comp[field] = path
		return "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    token_source: component\n    component:\n      app_id: wx4444444444444444\n" +
			"      app_secret_file: " + comp["component.app_secret_file"] + "\n" +
			"      verify_ticket_file: " + comp["component.verify_ticket_file"] + "\n" +
			"      refresh_token_file: " + comp["component.refresh_token_file"] + "\n"
	}
	lines := map[string]int{"app_secret_file": 4, "token_file": 5, "component.app_secret_file": 7,
		"component.verify_ticket_file": 8, "component.refresh_token_file": 9}
	for field, line := range lines {
		for what, path := range map[string]string{"fifo": fifo, "symlink to a fifo": link, "/dev/zero": "/dev/zero",
			"directory": dir, "300 MB": big} {
			t.Run(field+"/"+what, func(t *testing.T) {
				cfg := filepath.Join(t.TempDir(), "wechat-exporter.yml")
				if err := os.WriteFile(cfg, []byte(account(field, path)), 0o600); err != nil {
					t.Fatal(err)
				}
				err := loadWithin(t, cfg)
				want := cfg + ":" + strconv.Itoa(line) + ": accounts[0]." + field + ": "
				if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), path) {
					t.Errorf("error %v\nwant one starting %q and naming %s", err, want, path)
				}
			})
		}
	}
	for what, path := range map[string]string{"fifo": fifo, "/dev/zero": "/dev/zero", "300 MB": big} {
		t.Run("configuration file/"+what, func(t *testing.T) {
			err := loadWithin(t, path)
			if err == nil || !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("error %v, want one naming %s", err, path)
			}
		})
	}
}
