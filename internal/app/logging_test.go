package app

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/go-kit/log/level"
)

// TestOneLogFormat: a line of the exporter (go-kit) and a line of
// exporter-toolkit (through slog) look alike, in logfmt and in JSON: the
// same keys for the time, level, caller and message, and the level filter
// applies to both.
func TestOneLogFormat(t *testing.T) {
	for _, format := range []string{"logfmt", "json"} {
		var buf bytes.Buffer
		logger, bare := newLoggerTo(&buf, format, "info")
		level.Info(logger).Log("msg", "from go-kit", "k", "v")
		slogLogger(bare).Info("from slog", "k", "v")
		slogLogger(bare).Debug("filtered out")
		level.Debug(logger).Log("msg", "filtered out")
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 2 {
			t.Fatalf("%s: %d lines, want 2:\n%s", format, len(lines), buf.String())
		}
		var keys [2][]string
		for i, line := range lines {
			if format == "json" {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("%s: %v: %s", format, err, line)
				}
				for k := range m {
					keys[i] = append(keys[i], k)
				}
			} else {
				for _, m := range regexp.MustCompile(`(\w+)=`).FindAllStringSubmatch(line, -1) {
					keys[i] = append(keys[i], m[1])
				}
			}
			for _, want := range []string{"ts", "level", "caller", "msg", "k"} {
				if !strings.Contains(strings.Join(keys[i], " ")+" ", want+" ") {
					t.Errorf("%s: line %q lacks %s", format, line, want)
				}
			}
			if strings.Contains(line, "time=") || strings.Contains(line, `"time"`) {
				t.Errorf("%s: line %q has its own time key", format, line)
			}
			if !regexp.MustCompile(`caller"?[=:]"?[a-z_]+\.go:\d+`).MatchString(line) {
				t.Errorf("%s: line %q: caller is not file.go:line", format, line)
			}
		}
		if !strings.Contains(lines[1], "level=info") && !strings.Contains(lines[1], `"level":"info"`) {
			t.Errorf("%s: slog line level: %s", format, lines[1])
		}
	}
	_ = slog.LevelInfo
}
