// Package app is the running exporter: its command line, the accounts
// (configured and discovered), the fetcher and store wiring, serving,
// reloading, the demo, and the backfill command. Command wechat-exporter
// (main.go) parses the flags and calls Run.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/go-kit/log/level"
	"github.com/prometheus/common/version"
)

func init() {
	if version.Version == "" {
		version.Version = "dev" // set by -ldflags in release builds (see Dockerfile)
	}
}

// ExitUsage is the exit status of a mistake in the flags or the
// configuration (backfill's; serve exits 1).
const ExitUsage = 2

// Main parses args (the command line without the program's name) and runs
// what they say; it returns the exit status.
func Main(args []string) int {
	f, err := ParseFlags(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wechat-exporter:", err)
		return ExitUsage
	}
	return Run(f)
}

// Run runs the command f names (serve or backfill) until it ends or a
// signal stops it, and returns the exit status.
func Run(f *Flags) int {
	// Signals first: a stop at any moment of start-up ends it cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// SIGHUP reloads the configuration once serving; before, it waits (it
	// must never end the process, as it would by default).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	logger, bare := newLogger(f.logFormat, f.logLevel)
	// From here a signal is the exporter's to handle (before, during the
	// Go runtime's own start, SIGTERM ends the process by default).
	level.Debug(logger).Log("msg", "handling signals", "stop", "SIGINT, SIGTERM", "reload", "SIGHUP")
	err := setGC(f.gogc, logger)
	switch {
	case err != nil: // a usage error, reported below
	case f.command == "backfill":
		err = backfill(ctx, f, logger)
	default:
		err = serve(ctx, f, logger, bare, hup)
	}
	if err == nil {
		return 0
	}
	code := 1
	if errors.As(err, new(usageError)) {
		code = ExitUsage
	}
	// A configuration's problems come one per line of the error (file:line:
	// field: message); each is printed, or logged, on its own.
	lines := strings.Split(err.Error(), "\n")
	if f.configCheck {
		for _, l := range lines {
			fmt.Fprintln(os.Stderr, l)
		}
		return 1
	}
	for _, l := range lines {
		level.Error(logger).Log("msg", "exiting", "err", l)
	}
	return code
}

// usageError is a mistake in the flags or the configuration: backfill
// exits with status 2 for it, as for a flag it does not know.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }
