package app

import (
	"context"
	"io"
	stdlog "log"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// exporter-toolkit logs through log/slog; the exporter through go-kit/log,
// the logging API its design names. slogHandler writes slog records through
// the exporter's go-kit logger with the same keys as its own lines (ts,
// level, caller, msg), so that the log has one format.
type slogHandler struct {
	logger log.Logger // without ts and caller: the handler adds them
	attrs  []any
	group  string
}

// slogLogger returns a *slog.Logger writing through logger (the exporter's
// logger without its ts and caller, which the handler adds from the
// record, and with its level filter).
func slogLogger(logger log.Logger) *slog.Logger {
	return slog.New(&slogHandler{logger: logger})
}

// Enabled lets every record through: the go-kit logger's level filter
// decides, as for the exporter's own lines.
func (h *slogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *slogHandler) Handle(_ context.Context, r slog.Record) error {
	kv := make([]any, 0, 6+len(h.attrs)+2*r.NumAttrs())
	ts := r.Time
	if ts.IsZero() {
		ts = time.Now()
	}
	kv = append(kv, "ts", ts.UTC().Format(time.RFC3339Nano), "caller", caller(r.PC), "msg", r.Message)
	kv = append(kv, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		kv = h.appendAttr(kv, a)
		return true
	})
	return leveled(h.logger, r.Level).Log(kv...)
}

func (h *slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append([]any(nil), h.attrs...)
	for _, a := range attrs {
		c.attrs = h.appendAttr(c.attrs, a)
	}
	return &c
}

func (h *slogHandler) WithGroup(name string) slog.Handler {
	c := *h
	if c.group != "" {
		name = c.group + "." + name
	}
	c.group = name
	return &c
}

func (h *slogHandler) appendAttr(kv []any, a slog.Attr) []any {
	key := a.Key
	if h.group != "" {
		key = h.group + "." + key
	}
	return append(kv, key, a.Value.Resolve().Any())
}

// leveled returns logger at the go-kit level matching l.
func leveled(logger log.Logger, l slog.Level) log.Logger {
	switch {
	case l >= slog.LevelError:
		return level.Error(logger)
	case l >= slog.LevelWarn:
		return level.Warn(logger)
	case l >= slog.LevelInfo:
		return level.Info(logger)
	}
	return level.Debug(logger)
}

// caller formats a record's source as go-kit's DefaultCaller does:
// file.go:line.
func caller(pc uintptr) string {
	if pc == 0 {
		return "unknown"
	}
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	return filepath.Base(f.File) + ":" + strconv.Itoa(f.Line)
}

// newLogger returns the exporter's logger, and the same without its
// timestamp and caller for the slog bridge, which adds its own.
func newLogger(format, lvl string) (logger, bare log.Logger) {
	return newLoggerTo(os.Stderr, format, lvl)
}

func newLoggerTo(w io.Writer, format, lvl string) (logger, bare log.Logger) {
	if format == "json" {
		bare = log.NewJSONLogger(log.NewSyncWriter(w))
	} else {
		bare = log.NewLogfmtLogger(log.NewSyncWriter(w))
	}
	bare = level.NewFilter(bare, level.Allow(level.ParseDefault(lvl, level.InfoValue())))
	return log.With(bare, "ts", log.DefaultTimestampUTC, "caller", log.DefaultCaller), bare
}

// httpErrorLog is net/http's error log (a failed TLS handshake, a panic in
// a handler) written as the exporter's lines, in its format: without it
// they come out as plain lines amid JSON ones.
func httpErrorLog(logger log.Logger) *stdlog.Logger {
	return stdlog.New(httpErrorWriter{logger}, "", 0)
}

type httpErrorWriter struct{ logger log.Logger }

func (w httpErrorWriter) Write(p []byte) (int, error) {
	level.Error(w.logger).Log("msg", "serving", "err", strings.TrimSpace(string(p)))
	return len(p), nil
}
