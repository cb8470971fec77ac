// Package safefile reads the small files the exporter is pointed at
// (configuration, secrets, tokens, tickets) without trusting what they
// are: a FIFO would block the read forever, a device such as /dev/zero
// would be read until memory runs out. Only a regular file (after
// following symlinks) of at most a given size is read.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Limits of the files the exporter reads.
const (
	// MaxSecret bounds a secret, token, ticket or refresh token file:
	// WeChat's tokens are documented to fit in 512 characters.
	MaxSecret = 8 << 10
	// MaxConfig bounds a configuration file: 100,000 accounts of a few
	// lines each fit; a platform with more uses discovery.
	MaxConfig = 32 << 20
)

// Read returns the content of the regular file at path if it holds at
// most limit bytes. Anything else is an error naming the path and what
// it is.
func Read(path string, limit int64) ([]byte, error) {
	return readChecked(path, limit,
		func() (fs.FileInfo, error) { return os.Stat(path) },
		func(flag int) (*os.File, error) { return os.OpenFile(path, flag, 0) })
}

// readChecked reads the file at path through stat and open (of the path,
// or of a name inside an os.Root): checked before it is opened, and again
// once open, so that what is read is what was checked.
func readChecked(path string, limit int64, stat func() (fs.FileInfo, error), open func(flag int) (*os.File, error)) ([]byte, error) {
	fi, err := stat()
	if err != nil {
		return nil, err
	}
	if err := check(path, fi, limit); err != nil {
		return nil, err
	}
	// O_NONBLOCK: should a FIFO replace the file between the check and
	// the open, the open does not wait for a writer. It changes nothing
	// for a regular file.
	f, err := open(os.O_RDONLY | syscall.O_NONBLOCK)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := check(path, fi, limit); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("larger than %s", size(limit))}
	}
	return b, nil
}

// ErrNotRegular is the cause of an error for a path that is not a
// regular file.
var ErrNotRegular = errors.New("not a regular file")

func check(path string, fi fs.FileInfo, limit int64) error {
	if !fi.Mode().IsRegular() {
		return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: %s", ErrNotRegular, kind(fi.Mode()))}
	}
	if fi.Size() > limit {
		return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%s, larger than %s", size(fi.Size()), size(limit))}
	}
	return nil
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a plain file (" + m.Type().String() + ")"
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
