package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWithinDirectory: a name from outside (an AppID in a platform's
// list) reads and writes only inside its directory, whatever the name or
// a symlink in the directory says.
func TestWithinDirectory(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "tokens")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(base, "outside.txt")
	if err := os.WriteFile(outside, []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "wxlink")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../outside.txt", "../../etc/passwd", "a/../../outside.txt", "/etc/passwd", "", ".", "..", "sub/name"} {
		if b, err := ReadIn(dir, name, MaxSecret); err == nil || !errors.Is(err, ErrNotLocal) {
			t.Errorf("ReadIn(%q): %q, %v; want ErrNotLocal", name, b, err)
		}
		if err := WriteIn(dir, name, "x"); err == nil || !errors.Is(err, ErrNotLocal) {
			t.Errorf("WriteIn(%q): %v; want ErrNotLocal", name, err)
		}
	}
	if b, err := ReadIn(dir, "wxlink", MaxSecret); err == nil {
		t.Errorf("ReadIn of a symlink leading outside read %q", b)
	}
	if err := WriteIn(dir, "wxlink", "new\n"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "outside" {
		t.Errorf("writing through a symlink changed the file outside: %q", b)
	}
	if b, err := ReadIn(dir, "wxlink", MaxSecret); err != nil || string(b) != "new\n" {
		t.Errorf("after the write: %q, %v", b, err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadIn(dir, "fifo", MaxSecret); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), dir) {
		t.Errorf("a FIFO: %v, want ErrNotRegular naming the path", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("a temporary file was left behind: %s", e.Name())
		}
	}
}

// TestWriteInSyncsDirectory: a rotated refresh token is renamed into
// place and then its directory is synced, so that a power cut after the
// save cannot bring the old file back (a lost refresh token means the
// account must authorise the platform again).
func TestWriteInSyncsDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "client-a.refresh_token")
	if err := os.WriteFile(path, []byte("old-refresh-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var synced []string
	saved := syncDir
	t.Cleanup(func() { syncDir = saved })
	syncDir = func(root *os.Root) error {
		b, _ := os.ReadFile(path)
		synced = append(synced, root.Name()+" "+string(b))
		return saved(root)
	}
	if err := WriteIn(dir, filepath.Base(path), "new-refresh-token\n"); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 1 || synced[0] != dir+" new-refresh-token\n" {
		t.Errorf("directory syncs %q, want one of %s after the new token was in place", synced, dir)
	}
	if b, _ := os.ReadFile(path); string(b) != "new-refresh-token\n" {
		t.Errorf("file holds %q", b)
	}
}
