package safefile

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Files named by what comes from outside (an AppID in a platform's list)
// are read and written only inside their directory: the name must be a
// plain local name, and os.Root keeps a symlink or ".." from leading out.

// ErrNotLocal is the cause of an error for a name that is not a plain
// file name inside its directory.
var ErrNotLocal = fmt.Errorf("not a file name inside the directory")

// local checks that name is one plain element: no separator, no "..".
func local(dir, name string) error {
	if !filepath.IsLocal(name) || filepath.Base(name) != name || name == "." {
		return &fs.PathError{Op: "open", Path: filepath.Join(dir, name), Err: ErrNotLocal}
	}
	return nil
}

// ReadIn is Read of the file name inside directory dir.
func ReadIn(dir, name string, limit int64) ([]byte, error) {
	if err := local(dir, name); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return readChecked(filepath.Join(dir, name), limit,
		func() (fs.FileInfo, error) { return root.Stat(name) },
		func(flag int) (*os.File, error) { return root.OpenFile(name, flag, 0) })
}

// WriteIn replaces the file name inside directory dir with content
// (mode 0600), never leaving it half written: a temporary file is written,
// synced and renamed over it, then the directory is synced, since the
// rename is only durable once the directory is (without it a power cut
// can bring the old file back: for a refresh token, an account that must
// authorise again). A symlink at name is replaced, not followed.
func WriteIn(dir, name, content string) error {
	if err := local(dir, name); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := "." + name + ".tmp-" + hex.EncodeToString(rnd[:])
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer root.Remove(tmp) // after a failure; gone after the rename
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := root.Rename(tmp, name); err != nil {
		return err
	}
	return syncDir(root)
}

// syncDir flushes the entries of root's directory to disk.
var syncDir = func(root *os.Root) error {
	d, err := root.Open(".")
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
