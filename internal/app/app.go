// Package app is the running exporter: its command line, the accounts
// (configured and discovered), the fetcher and store wiring, serving,
// reloading, the demo, and the backfill command. Command wechat-exporter
// (main.go) parses the flags and calls Run.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// flags are the command line of the exporter.
type flags struct {
	configFile      string
	configCheck     bool
	web             *web.FlagConfig
	telemetryPath   string
	maxRequests     int
	maxConnections  int
	writeTimeout    time.Duration
	enableLifecycle bool
	logLevel        string
	logFormat       string
	storagePath     string
	storageSet      bool
	apiURL          string
	maxConcurrency  int
	apiTimeout      time.Duration
	apiAttempts     int
	requestsPerSec  float64
	readyTime       string
	readySet        bool
	retryInterval   time.Duration
	liveInterval    time.Duration
	quotaInterval   time.Duration
	lookback        string
	maxPosts        int
	allowlist       string
	denylist        string
	demo            bool
	demoAccounts    int
	clockOffset     time.Duration // hidden: the tests' shifted clock (demo only)
	shard           int
	totalShards     int
	gogc            int

	command  string // "serve" or "backfill"
	from, to string
	accounts []string
	output   string
	labels   []string // NAME=VALUE
}

// now is the exporter's clock: the real one, shifted by the hidden
// --debug.clock-offset of the tests.
func (f *flags) now() time.Time { return time.Now().Add(f.clockOffset) }

// Flags are the parsed command line (ParseFlags), for Run.
type Flags = flags

// ParseFlags parses the command line (without the program's name).
func ParseFlags(args []string) (*Flags, error) { return parseFlags(args) }

func parseFlags(args []string) (*flags, error) {
	f := &flags{}
	cmd, err := newApp(f).Parse(args)
	if err != nil {
		return nil, err
	}
	f.command = cmd
	return f, nil
}

// newApp defines the command line, with f to hold what it parses.
func newApp(f *flags) *kingpin.Application {
	app := kingpin.New("wechat-exporter", "Prometheus exporter for WeChat Official Account statistics (datacube).")
	app.Version(version.Print("wechat-exporter"))
	app.HelpFlag.Short('h')
	app.Flag("config.file", "Configuration file: the accounts to collect.").Default("wechat-exporter.yml").StringVar(&f.configFile)
	app.Flag("config.check", "Validate the configuration file and exit.").BoolVar(&f.configCheck)
	f.web = kingpinflag.AddFlags(app, ":10070")
	app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&f.telemetryPath)
	app.Flag("web.max-requests", "Most scrape answers (/metrics and /probe) prepared at once; more are refused with 503 (0: no limit). A scrape's slot is freed once its answer is written out, so clients that do not read hold none.").Default("40").IntVar(&f.maxRequests)
	app.Flag("web.max-connections", "Most connections open at once on each listen address (0: no limit); more wait to be accepted.").Default("512").IntVar(&f.maxConnections)
	app.Flag("web.enable-lifecycle", "Enable POST /-/reload, which reloads the configuration file as SIGHUP does.").BoolVar(&f.enableLifecycle)
	app.Flag("web.write-timeout", "Longest a response may take to write, so that a client that never reads is dropped.").Default("2m").DurationVar(&f.writeTimeout)
	app.Flag("log.level", "Only log messages with the given severity or above: debug, info, warn, error.").Default("info").EnumVar(&f.logLevel, "debug", "info", "warn", "error")
	app.Flag("log.format", "Log format: logfmt or json.").Default("logfmt").EnumVar(&f.logFormat, "logfmt", "json")
	app.Flag("storage.path", "Directory of the embedded store.").Default("data").IsSetByUser(&f.storageSet).StringVar(&f.storagePath)
	app.Flag("wechat.api-url", "Base URL of the WeChat API.").Default(wechat.DefaultBaseURL).StringVar(&f.apiURL)
	app.Flag("wechat.max-concurrency", "Most WeChat requests in flight, across all accounts.").Default("4").IntVar(&f.maxConcurrency)
	app.Flag("wechat.timeout", "Longest one WeChat request may take, connection to last byte.").Default("30s").DurationVar(&f.apiTimeout)
	app.Flag("wechat.requests-per-second", "Most WeChat requests a second, across all accounts (token requests and retries included), so that WeChat's per-minute limits (45011) are not hit; 0: no limit.").Default("0").Float64Var(&f.requestsPerSec)
	app.Flag("wechat.attempts", "Tries of a request that failed transiently (busy, 5xx, network, broken body) before the fetcher waits; 1 means no immediate retry.").Default("4").IntVar(&f.apiAttempts)
	app.Flag("collector.ready-time", "Beijing time of day (HH:MM) after which yesterday's data is fetched.").Default("08:30").IsSetByUser(&f.readySet).StringVar(&f.readyTime)
	app.Flag("collector.retry-interval", "Wait before asking again after 'data not ready' or a transient failure.").Default("10m").DurationVar(&f.retryInterval)
	app.Flag("collector.live-interval", "How often an endpoint that describes the account now (user_get) is asked.").Default("1h").DurationVar(&f.liveInterval)
	app.Flag("collector.quota-interval", "How often the daily quota of each API path an account calls is asked (one quota/get request per path): 24h or more, once a Beijing day after the day's fetch and at once after a 45009; shorter (at least 1h), that often; 0 turns the quota metrics off.").Default("24h").DurationVar(&f.quotaInterval)
	app.Flag("collector.lookback", "How many past days must be in the store (e.g. 7d, 30d).").Default("7d").StringVar(&f.lookback)
	app.Flag("metric-allowlist", "Comma-separated regular expressions over metric names: only the WeChat metric families that match one are served (and stored in the render cache, and written by backfill). Not with --metric-denylist.").StringVar(&f.allowlist)
	app.Flag("metric-denylist", "Comma-separated regular expressions over metric names: the WeChat metric families that match one are not served (nor stored in the render cache, nor written by backfill). Not with --metric-allowlist.").StringVar(&f.denylist)
	app.Flag("collector.article.max-posts", "Most per-post article series per account (highest reads first).").Default("50").IntVar(&f.maxPosts)
	app.Flag("shard", "This process's shard, from 0: it fetches and serves the accounts whose AppID hashes to it (with --total-shards).").Default("0").IntVar(&f.shard)
	app.Flag("total-shards", "Number of processes sharing the accounts of the same configuration, each with its --shard.").Default("1").IntVar(&f.totalShards)
	app.Flag("runtime.gogc", "Garbage collection target percentage (as GOGC) when the GOGC environment variable is not set; lower trades CPU for a lower memory peak.").Default(strconv.Itoa(DefaultGOGC)).IntVar(&f.gogc)
	app.Flag("demo", "Run against a built-in fake of the WeChat API with demo accounts: no configuration or credentials needed.").Envar("WECHAT_EXPORTER_DEMO").BoolVar(&f.demo)
	app.Flag("demo.accounts", "Number of demo accounts.").Default("3").IntVar(&f.demoAccounts)
	// The end-to-end tests replay chosen days against the demo's fake: the
	// exporter (and the fake) believe the time is the real one plus this.
	app.Flag("debug.clock-offset", "Shift the exporter's clock by this much (tests; --demo only).").Hidden().DurationVar(&f.clockOffset)

	app.Command("serve", "Fetch in the background and serve the metrics (the default).").Default()
	backfill := app.Command("backfill", "Fill the store with past days and write them as OpenMetrics for promtool tsdb create-blocks-from openmetrics.")
	backfill.Flag("from", "First day to import (YYYY-MM-DD, Beijing).").Required().StringVar(&f.from)
	backfill.Flag("to", "Last day to import (YYYY-MM-DD, Beijing; at most yesterday).").Required().StringVar(&f.to)
	backfill.Flag("account", "Import only this account (repeatable; default: all).").StringsVar(&f.accounts)
	backfill.Flag("output", "OpenMetrics file to write (- for standard output).").Required().StringVar(&f.output)
	backfill.Flag("label", "Add this label to every series, as NAME=VALUE (repeatable): the job and instance labels Prometheus gives the live series, so that the history joins them.").StringsVar(&f.labels)
	return app
}

// parseReadyTime parses "HH:MM" into the offset from midnight.
func parseReadyTime(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || len(m) != 2 {
		return 0, fmt.Errorf("--collector.ready-time %q: want HH:MM, e.g. 08:30", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// parseLookback parses a Prometheus duration into whole days (at least 1).
func parseLookback(s string) (int, error) {
	d, err := model.ParseDuration(s)
	if err != nil || time.Duration(d) < 24*time.Hour {
		return 0, fmt.Errorf("--collector.lookback %q: want a duration of at least one day, e.g. 7d", s)
	}
	return int(math.Ceil(time.Duration(d).Hours() / 24)), nil
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

// serve runs the exporter until ctx ends. The start-up (configuration,
// store, loading what it holds) runs aside, so that a signal ends the
// process within a second whatever step it is in: even a very large
// configuration or store is given up on.
func serve(ctx context.Context, f *flags, logger, bare log.Logger, hup <-chan os.Signal) error {
	var listeners []net.Listener
	if !f.configCheck {
		// First, so that a taken or impossible address fails at once.
		ls, err := listen(f.web, f.maxConnections)
		if err != nil {
			return err
		}
		listeners = ls
		defer closeAll(listeners)
	}
	type started struct {
		ex    *exporter
		close func()
		err   error
	}
	done := make(chan started, 1)
	go func() {
		ex, closeAll, err := start(ctx, f, logger)
		done <- started{ex, closeAll, err}
	}()
	var s started
	select {
	case s = <-done:
	case <-ctx.Done():
		// start checks ctx between its steps and returns soon; nothing it
		// did needs saving, and the process exit releases the store.
		select {
		case s = <-done:
			if s.close != nil {
				s.close()
			}
		case <-time.After(startGiveUp):
		}
		level.Info(logger).Log("msg", "stopped while starting")
		return nil
	}
	if s.err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return s.err
	}
	defer s.close()
	if s.ex == nil {
		return nil // --config.check
	}
	return s.ex.run(ctx, f, listeners, logger, bare, hup)
}

// startGiveUp is how long a stop during start-up waits for it.
const startGiveUp = 500 * time.Millisecond

// start loads the configuration, opens the store and builds the exporter
// serving what it holds; close releases them. With --config.check it only
// checks the configuration, and returns no exporter.
func start(ctx context.Context, f *flags, logger log.Logger) (ex *exporter, close func(), err error) {
	cfg, cleanup, err := loadConfig(f, logger)
	if err != nil {
		return nil, nil, err
	}
	settings, err := newSettings(f)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	for _, w := range cfg.Warnings {
		level.Warn(logger).Log("msg", w)
	}
	if f.configCheck {
		fmt.Printf("%s: OK, %d accounts\n", f.configFile, len(cfg.Accounts))
		return nil, cleanup, nil
	}
	configured := len(cfg.Accounts)
	cfg.Accounts = f.inShard(cfg.Accounts)
	level.Info(logger).Log("msg", "starting wechat-exporter", "version", version.Info(), "accounts", len(cfg.Accounts),
		"shard", f.shard, "total_shards", f.totalShards, "configured_accounts", configured)
	if err := ctx.Err(); err != nil {
		cleanup()
		return nil, nil, err
	}
	st, err := openStore(f.storagePath, logger)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	closeAll := func() {
		st.Close()
		cleanup()
	}
	ex, err = newExporter(ctx, cfg, st, prometheus.NewRegistry(), settings, logger, f)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return ex, closeAll, nil
}

// loadConfig loads the configuration file, or starts the demo's fake and
// returns its accounts. cleanup stops the demo.
func loadConfig(f *flags, logger log.Logger) (cfg *config.Config, cleanup func(), err error) {
	wechat.Version = version.Version
	if !f.demo {
		cfg, err = config.Load(f.configFile)
		return cfg, func() {}, err
	}
	cfg, f.apiURL, cleanup, err = startDemo(f)
	if err != nil {
		return nil, nil, err
	}
	level.Info(logger).Log("msg", "demo mode: using a built-in fake of the WeChat API", "accounts", len(cfg.Accounts), "storage", f.storagePath)
	return cfg, cleanup, nil
}

// settings are the parsed fetcher, client and collector options.
type settings struct {
	fetch    fetcher.Config
	maxPosts int
	filter   *collector.MetricFilter
	client   []wechat.Option // every account's client's
	limiter  *wechat.Limiter // nil: no limit; else shared by every client
}

// clientOptions are the options of every account's client: the limiter
// too, its waits counted in reg.
func (s settings) clientOptions(reg prometheus.Registerer) []wechat.Option {
	if s.limiter == nil {
		return s.client
	}
	waited := prometheus.NewCounter(prometheus.CounterOpts{Name: "wechat_api_rate_limit_wait_seconds_total",
		Help: "Time WeChat requests waited for their turn under --wechat.requests-per-second."})
	reg.MustRegister(waited)
	s.limiter.Waited = func(d time.Duration) { waited.Add(d.Seconds()) }
	return append(slices.Clip(s.client), wechat.WithLimiter(s.limiter))
}

func newSettings(f *flags) (settings, error) {
	ready, err := parseReadyTime(f.readyTime)
	if err != nil {
		return settings{}, err
	}
	lookback, err := parseLookback(f.lookback)
	if err != nil {
		return settings{}, err
	}
	if f.retryInterval < time.Second {
		return settings{}, fmt.Errorf("--collector.retry-interval %s: want at least 1s", f.retryInterval)
	}
	if f.totalShards < 1 || f.shard < 0 || f.shard >= f.totalShards {
		return settings{}, fmt.Errorf("--shard %d --total-shards %d: want 0 <= shard < total-shards", f.shard, f.totalShards)
	}
	if f.clockOffset != 0 && !f.demo {
		return settings{}, fmt.Errorf("--debug.clock-offset: only with --demo (WeChat's days follow the real clock)")
	}
	if f.maxConcurrency < 1 {
		return settings{}, fmt.Errorf("--wechat.max-concurrency %d: want at least 1", f.maxConcurrency)
	}
	if f.liveInterval < time.Minute {
		return settings{}, fmt.Errorf("--collector.live-interval %s: want at least 1m", f.liveInterval)
	}
	if f.quotaInterval != 0 && f.quotaInterval < time.Hour {
		return settings{}, fmt.Errorf("--collector.quota-interval %s: want at least 1h (quota/get is itself rate limited), or 0 for off", f.quotaInterval)
	}
	if f.apiTimeout < time.Second {
		return settings{}, fmt.Errorf("--wechat.timeout %s: want at least 1s", f.apiTimeout)
	}
	if f.apiAttempts < 1 {
		return settings{}, fmt.Errorf("--wechat.attempts %d: want at least 1", f.apiAttempts)
	}
	if f.requestsPerSec < 0 {
		return settings{}, fmt.Errorf("--wechat.requests-per-second %g: want 0 (no limit) or more", f.requestsPerSec)
	}
	retry := wechat.DefaultRetry
	retry.Attempts = f.apiAttempts
	if f.demo && !f.readySet {
		ready = 0 // the fake has yesterday's data at once
	}
	filter, err := collector.NewMetricFilter(f.allowlist, f.denylist)
	if err != nil {
		return settings{}, err
	}
	var limiter *wechat.Limiter
	if f.requestsPerSec > 0 { // one for the process: WeChat's limits are not per account
		limiter = wechat.NewLimiter(f.requestsPerSec)
	}
	return settings{
		fetch: fetcher.Config{ReadyTime: ready, RetryInterval: f.retryInterval, Lookback: lookback,
			MaxConcurrency: f.maxConcurrency, EmptyGrace: fetcher.DefaultEmptyGrace, LiveInterval: f.liveInterval,
			QuotaInterval: f.quotaInterval, Now: f.now},
		maxPosts: f.maxPosts,
		filter:   filter,
		client: []wechat.Option{wechat.WithBaseURL(f.apiURL), wechat.WithRetry(retry),
			wechat.WithHTTPClient(&http.Client{Timeout: f.apiTimeout}), wechat.WithClock(f.now)},
		limiter: limiter,
	}, nil
}

// exporter is the wired-up pipeline: clients -> fetcher -> store ->
// snapshot -> collector -> HTTP.
type exporter struct {
	fetcher  *fetcher.Fetcher
	accounts *accounts           // the running configuration, for reloads
	reg      prometheus.Gatherer // the live metrics: API counters, runtime, build info
	state    *collector.State
	data     *collector.Collector // the data metrics of state
	ready    atomic.Bool
	// loadRest decodes the rows of the accounts served from the render
	// cache; the fetcher needs them before it runs.
	loadRest func(context.Context)
	readOnly bool // the store cannot be written: serve, do not fetch
}

// registry is where the exporter's live metrics are registered and
// gathered from (a *prometheus.Registry).
type registry interface {
	prometheus.Registerer
	prometheus.Gatherer
}

func newExporter(ctx context.Context, cfg *config.Config, st *store.Store, reg registry, s settings, logger log.Logger, f *flags) (*exporter, error) {
	reg.MustRegister(buildInfo(), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	running := &accounts{f: f, settings: s, options: s.clientOptions(reg),
		api: collector.NewAPIMetrics(reg), saveFails: newSaveFailures(reg), logger: logger, reg: reg, fileAccounts: cfg.Accounts}
	running.succeeded, running.succeededAt = newReloadMetrics(reg)
	newStoreMetrics(reg, st)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cfg.Discovery != nil { // the first discovery, bounded: without it the configured accounts start
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := running.startDiscovery(dctx, cfg.Discovery)
		cancel()
		if err != nil {
			return nil, err
		}
	}
	all := running.merged()
	accounts, names, clients, err := running.fetchAccounts(all)
	if err != nil {
		return nil, err
	}
	running.remember(all, clients)
	state := collector.NewState(names)
	running.state = state
	running.applyDiscovered()
	data := collector.New(state, collector.WithMaxPosts(s.maxPosts), collector.WithLogger(logger), collector.WithMetricFilter(s.filter))
	if removed := s.filter.Removed(); len(removed) > 0 {
		level.Info(logger).Log("msg", "metric families left out by --metric-allowlist or --metric-denylist", "families", len(removed))
	}
	s.fetch.Logger = logger
	s.fetch.RenderCache = data
	fe := fetcher.New(s.fetch, st, state, accounts, reg)
	// Accounts whose stored records are unchanged since they were last
	// rendered are served from the store's render cache at once; the
	// others are decoded now, so that the first scrape is complete.
	start := time.Now()
	cached, rest, err := fe.LoadCold(ctx)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		level.Error(logger).Log("msg", "some stored data could not be read and is not served", "err", err)
	}
	level.Info(logger).Log("msg", "stored data served", "accounts", len(cfg.Accounts), "from_render_cache", cached, "took", time.Since(start))
	loadRest := func(ctx context.Context) {
		if err := rest(ctx); err != nil && ctx.Err() == nil {
			level.Error(logger).Log("msg", "some stored data could not be read and is not served", "err", err)
		}
	}
	return &exporter{fetcher: fe, accounts: running, reg: reg, state: state, data: data, loadRest: loadRest, readOnly: st.ReadOnly()}, nil
}

// buildInfo is wechat_exporter_build_info: what --version prints, build
// user and date included (client_golang's version collector leaves those
// two out).
func buildInfo() prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "wechat_exporter_build_info",
		Help: "The build of the running exporter: version, revision, branch, build user and date, Go version, platform and tags; value 1.",
		ConstLabels: prometheus.Labels{
			"version": version.Version, "revision": version.GetRevision(), "branch": version.Branch,
			"build_user": version.BuildUser, "build_date": version.BuildDate,
			"goversion": version.GoVersion, "goos": version.GoOS, "goarch": version.GoArch, "tags": version.GetTags(),
		},
	}, func() float64 { return 1 })
}

// newSaveFailures counts rotated refresh tokens that could not be saved.
func newSaveFailures(reg prometheus.Registerer) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "wechat_refresh_token_save_failures_total",
		Help: "Rotated third-party authorizer refresh tokens that could not be written to their file.",
	})
	reg.MustRegister(c)
	return c
}

func (e *exporter) run(ctx context.Context, f *flags, listeners []net.Listener, logger, bare log.Logger, hup <-chan os.Signal) error {
	var wg sync.WaitGroup
	defer wg.Wait() // a store write in progress finishes before the store closes
	// The server failing ends the fetcher too (deferred before wg.Wait).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(3)
	go func() {
		defer wg.Done()
		e.reloadOnSignal(ctx, hup)
	}()
	go func() {
		defer wg.Done()
		e.discoverEvery(ctx)
	}()
	go func() {
		defer wg.Done()
		e.loadRest(ctx)
		if e.readOnly {
			return // nothing fetched could be kept
		}
		e.fetcher.Run(ctx)
	}()

	// Timeouts, so that no client holds a connection and a goroutine
	// forever: one that never sends its request, never reads the answer,
	// or keeps an idle connection open.
	srv := &http.Server{Handler: e.handler(f, logger), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: f.writeTimeout, IdleTimeout: 2 * time.Minute}
	e.ready.Store(true)
	errc := make(chan error, 1)
	go func() { errc <- web.ServeMultiple(listeners, srv, f.web, slogLogger(bare)) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
		level.Info(logger).Log("msg", "shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}
