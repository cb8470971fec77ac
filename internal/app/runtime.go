package app

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// DefaultGOGC is the exporter's garbage collection target (--runtime.gogc)
// when the GOGC environment variable does not set one. Most of its heap
// lives long (the served rows and the compressed render, rebuilt only when
// the data changes), so collecting at 50% growth instead of Go's 100%
// costs little CPU and keeps the peak near 1.5 times what is live instead
// of twice: at 1,000 demo accounts, a first start's peak resident memory
// went from 545 MiB to 378 MiB (scripts/peak-rss.sh). Prometheus made the
// same kind of change (GOGC 75 by default since 2.53).
const DefaultGOGC = 50

// setGC applies --runtime.gogc, unless GOGC is in the environment: the Go
// runtime has then applied it, and it wins, as it does for Prometheus.
func setGC(percent int, logger log.Logger) error {
	if percent <= 0 {
		return usageError{fmt.Errorf("--runtime.gogc must be a positive percentage, not %d (GOGC=off turns the collector off)", percent)}
	}
	if env, ok := os.LookupEnv("GOGC"); ok {
		level.Debug(logger).Log("msg", "garbage collection target set by the environment; --runtime.gogc not applied", "GOGC", env)
		return nil
	}
	debug.SetGCPercent(percent)
	return nil
}
