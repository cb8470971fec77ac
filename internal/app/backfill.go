package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/exposition"
	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// backfill fills the store with the days of [--from, --to] and writes them
// as OpenMetrics. What was fetched is written even if some requests
// failed. Its error, and so the exit status, tells the truth: nil (0) when
// every day WeChat can serve was written, the endpoints it will not serve
// for an account summed up on stderr; a usageError (2) for a mistake in
// the flags or the configuration; any other error (1) when something that
// may succeed later failed, and running again fetches only what is missing.
func backfill(ctx context.Context, f *flags, logger log.Logger) error {
	req, cleanup, err := parseBackfill(f, logger)
	if err != nil {
		return usageError{err}
	}
	defer cleanup()
	st, err := openStore(f.storagePath, logger)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w\nTo backfill while the exporter runs, give backfill a --storage.path of its own: it fetches the days it needs into it", err)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	fe, err := req.fetcher(st, logger)
	if err != nil {
		return usageError{err}
	}

	bar := newProgressBar(os.Stderr)
	unavailable, fetchErr := fe.Backfill(ctx, req.from, req.to, req.accounts, bar.update)
	bar.finish()

	opts := exposition.HistoryOptions{From: req.from, To: req.to, MaxPosts: req.settings.maxPosts, Labels: req.labels, Filter: req.settings.filter,
		ReadyTime: req.settings.fetch.ReadyTime, Now: f.now(), Shift: -f.clockOffset,
		Damaged: func(account, endpoint string, d wechat.Date, err error) {
			level.Error(logger).Log("msg", "damaged stored day left out of the history", "account", account, "endpoint", endpoint, "day", d, "err", err)
		}}
	samples, err := writeHistory(f.output, st, req.accounts, opts)
	if err != nil {
		return err
	}
	level.Info(logger).Log("msg", "history written", "file", f.output, "samples", samples, "from", req.from, "to", req.to,
		"next", "promtool tsdb create-blocks-from openmetrics --max-block-duration=486h "+f.output+" <prometheus data dir>")
	reportUnavailable(os.Stderr, unavailable)
	if fetchErr != nil {
		return fmt.Errorf("some days could not be fetched (what was fetched is in %s; run again to fetch only the missing days): %w", f.output, fetchErr)
	}
	return nil
}

// backfillRequest is what backfill's flags and configuration ask for.
type backfillRequest struct {
	from, to wechat.Date
	labels   [][2]string
	cfg      *config.Config
	accounts map[string]bool // nil: all of the shard's
	settings settings
}

// parseBackfill reads backfill's flags and configuration; every error is
// a mistake in them. cleanup undoes what loading the configuration set up.
func parseBackfill(f *flags, logger log.Logger) (req backfillRequest, cleanup func(), err error) {
	if req.from, req.to, err = backfillRange(f.from, f.to, f.now()); err != nil {
		return req, nil, err
	}
	if req.labels, err = parseLabels(f.labels); err != nil {
		return req, nil, err
	}
	if req.cfg, cleanup, err = loadConfig(f, logger); err != nil {
		return req, nil, err
	}
	req.cfg.Accounts = f.inShard(req.cfg.Accounts)
	if req.accounts, err = selectAccounts(req.cfg, f.accounts); err == nil {
		req.settings, err = newSettings(f)
	}
	if err != nil {
		cleanup()
		return req, nil, err
	}
	return req, cleanup, nil
}

// fetcher is the fetcher of the configured accounts over st, with API
// metrics no one scrapes (the command is not served).
func (req backfillRequest) fetcher(st *store.Store, logger log.Logger) (*fetcher.Fetcher, error) {
	reg := prometheus.NewRegistry()
	api := collector.NewAPIMetrics(reg)
	saveFailures := newSaveFailures(reg)
	var fetchAccounts []fetcher.Account
	names := map[string]string{}
	clientOptions := req.settings.clientOptions(reg)
	for _, a := range req.cfg.Accounts {
		client, err := newClient(a, clientOptions, api.For(a.Name), logger, saveFailures)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", a.Name, err)
		}
		names[a.Name] = a.AppID
		fetchAccounts = append(fetchAccounts, fetcher.Account{Name: a.Name, AppID: a.AppID, Client: client, Endpoints: a.Endpoints})
	}
	req.settings.fetch.Logger = logger
	return fetcher.New(req.settings.fetch, st, served.NewState(names), fetchAccounts, reg), nil
}

// reportUnavailable sums up on w the endpoints WeChat will not serve for an
// account: not failures of the run, since no run can change them.
func reportUnavailable(w io.Writer, unavailable []fetcher.Unavailable) {
	if len(unavailable) == 0 {
		return
	}
	noun := "endpoints"
	if len(unavailable) == 1 {
		noun = "endpoint"
	}
	fmt.Fprintf(w, "backfill: WeChat will not serve %d %s; their days are not in the history, and running again cannot change that:\n", len(unavailable), noun)
	for _, u := range unavailable {
		fmt.Fprintf(w, "  account %s, %s: %s: %s\n", u.Account, u.Endpoint, u.Reason, u.Remedy)
	}
}

// backfillRange parses and checks --from and --to.
func backfillRange(fromArg, toArg string, now time.Time) (from, to wechat.Date, err error) {
	if from, err = wechat.ParseDate(fromArg); err != nil {
		return 0, 0, fmt.Errorf("--from: %w", err)
	}
	if to, err = wechat.ParseDate(toArg); err != nil {
		return 0, 0, fmt.Errorf("--to: %w", err)
	}
	yesterday := wechat.Today(now).AddDays(-1)
	switch {
	case from < wechat.EarliestDate:
		return 0, 0, fmt.Errorf("--from %s: WeChat keeps no data before %s", from, wechat.EarliestDate)
	case to > yesterday:
		return 0, 0, fmt.Errorf("--to %s: the newest day WeChat can serve is yesterday, %s (Beijing)", to, yesterday)
	case from > to:
		return 0, 0, fmt.Errorf("--from %s is after --to %s", from, to)
	}
	return from, to, nil
}

// labelName is a label name Prometheus accepts, not a reserved one.
var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// parseLabels parses --label NAME=VALUE flags. A name the exporter's own
// series carry (account, source, ...) is refused: it would change what
// the series are.
func parseLabels(args []string) ([][2]string, error) {
	var out [][2]string
	seen := map[string]bool{}
	own := collector.DataLabelNames()
	for _, a := range args {
		name, value, ok := strings.Cut(a, "=")
		switch {
		case !ok || !labelName.MatchString(name) || strings.HasPrefix(name, "__"):
			return nil, fmt.Errorf("--label %s: want NAME=VALUE with a Prometheus label name, e.g. job=wechat", a)
		case !utf8.ValidString(value):
			return nil, fmt.Errorf("--label %s: the value is not valid UTF-8", name)
		case slices.Contains(own, name):
			return nil, fmt.Errorf("--label %s: the exporter's series have this label already (%s)", name, strings.Join(own, ", "))
		case seen[name]:
			return nil, fmt.Errorf("--label %s: given twice", name)
		}
		seen[name] = true
		out = append(out, [2]string{name, value})
	}
	return out, nil
}

// selectAccounts turns --account into a set (nil for all), refusing names
// the configuration lacks.
func selectAccounts(cfg *config.Config, names []string) (map[string]bool, error) {
	var all []string
	for _, a := range cfg.Accounts {
		all = append(all, a.Name)
	}
	if len(names) == 0 {
		out := map[string]bool{}
		for _, n := range all {
			out[n] = true
		}
		return out, nil
	}
	out := map[string]bool{}
	for _, n := range names {
		if !slices.Contains(all, n) {
			return nil, fmt.Errorf("--account %s: no such account in the configuration (have: %s)", n, strings.Join(all, ", "))
		}
		out[n] = true
	}
	return out, nil
}

func writeHistory(output string, st *store.Store, accounts map[string]bool, opts exposition.HistoryOptions) (int, error) {
	var names []string
	for n := range accounts {
		names = append(names, n)
	}
	slices.Sort(names)
	opts.Accounts, opts.Endpoints, opts.TempDir = names, wechat.Endpoints(), os.TempDir()
	if output == "-" {
		return exposition.WriteHistory(os.Stdout, st, opts)
	}
	file, err := os.Create(output)
	if err != nil {
		return 0, fmt.Errorf("--output: %w", err)
	}
	opts.TempDir = filepath.Dir(output) // the same disk as the output
	n, err := exposition.WriteHistory(file, st, opts)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("writing %s: %w", output, err)
	}
	return n, nil
}

// progressBar shows fetch progress: a bar redrawn in place on a terminal,
// a line every 10% otherwise (logs, CI).
type progressBar struct {
	w     io.Writer
	tty   bool
	mu    sync.Mutex
	shown int // last percentage printed, for plain output
	total int
	start time.Time
}

func newProgressBar(w *os.File) *progressBar {
	fi, err := w.Stat()
	return &progressBar{w: w, tty: err == nil && fi.Mode()&os.ModeCharDevice != 0, shown: -1, start: time.Now()}
}

func (p *progressBar) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total = total
	pct := 100
	if total > 0 {
		pct = done * 100 / total
	}
	if p.tty {
		const width = 40
		fill := width * pct / 100
		fmt.Fprintf(p.w, "\rbackfill [%s%s] %3d%% %d/%d requests", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pct, done, total)
		return
	}
	if pct/10 != p.shown/10 || (done == total && p.shown != 100) {
		p.shown = pct
		fmt.Fprintf(p.w, "backfill: %d/%d requests (%d%%)\n", done, total, pct)
	}
}

func (p *progressBar) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintf(p.w, "\n")
	}
	fmt.Fprintf(p.w, "backfill: %d requests in %s\n", p.total, time.Since(p.start).Round(time.Millisecond))
}
