package app

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRefreshTokenDirectorySynced: a rotated refresh token is renamed into
// place and then its directory is synced, so that a power cut after the
// save cannot bring the old file back (a lost refresh token means the
// account must authorise the platform again).
func TestRefreshTokenDirectorySynced(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "client-a.refresh_token")
	if err := os.WriteFile(path, []byte("old-refresh-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var synced []string
	saved := syncDir
	t.Cleanup(func() { syncDir = saved })
	syncDir = func(d string) error {
		b, _ := os.ReadFile(path)
		synced = append(synced, d+" "+string(b))
		return saved(d)
	}
	if err := writeFileAtomic(path, "new-refresh-token\n"); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 1 || synced[0] != dir+" new-refresh-token\n" {
		t.Errorf("directory syncs %q, want one of %s after the new token was in place", synced, dir)
	}
	if b, _ := os.ReadFile(path); string(b) != "new-refresh-token\n" {
		t.Errorf("file holds %q", b)
	}
}
