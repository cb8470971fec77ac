package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(small, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{small, link} {
		if b, err := Read(p, 16); err != nil || string(b) != "secret" {
			t.Errorf("%s: %q, %v", p, b, err)
		}
	}
	tests := map[string]string{fifo: "a FIFO", dir: "a directory", "/dev/null": "a character device", small: "larger than 4 bytes"}
	for p, want := range tests {
		limit := int64(16)
		if p == small {
			limit = 4
		}
		_, err := Read(p, limit)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want an error naming it and %q", p, err, want)
		}
		if p != small && !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: %v is not ErrNotRegular", p, err)
		}
	}
}
