package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/exposition"
	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// serve runs the exporter until ctx ends. The start-up (configuration,
// store, loading what it holds) runs aside, so that a signal ends the
// process within a second whatever step it is in: even a very large
// configuration or store is given up on. The listen address is bound once
// the flags and the configuration are checked (a mistake in them is named,
// not hidden behind a taken port) and before anything else: a taken
// address fails before the store is opened or WeChat asked.
func serve(ctx context.Context, f *flags, logger, bare log.Logger, hup <-chan os.Signal) error {
	type started struct {
		ex        *exporter
		close     func()
		listeners []net.Listener
		err       error
	}
	done := make(chan started, 1)
	go func() {
		var listeners []net.Listener
		bind := func() (err error) {
			listeners, err = listen(f.web, f.maxConnections)
			return err
		}
		ex, closeAll, err := start(ctx, f, logger, bind)
		done <- started{ex, closeAll, listeners, err}
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
			closeAll(s.listeners)
		case <-time.After(startGiveUp):
		}
		level.Info(logger).Log("msg", "stopped while starting")
		return nil
	}
	defer closeAll(s.listeners)
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
	return s.ex.run(ctx, f, s.listeners, logger, bare, hup)
}

// startGiveUp is how long a stop during start-up waits for it.
const startGiveUp = 500 * time.Millisecond

// start loads the configuration, binds the listen address (bind), opens
// the store and builds the exporter serving what it holds; close releases
// them. With --config.check it only checks the configuration, and returns
// no exporter.
func start(ctx context.Context, f *flags, logger log.Logger, bind func() error) (ex *exporter, close func(), err error) {
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
	if err := bind(); err != nil {
		cleanup()
		return nil, nil, err
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
			wechat.WithHTTPClient(&http.Client{Timeout: f.apiTimeout}), wechat.WithClock(f.now),
			wechat.WithTokenBackoff(fetcher.TransientBackoff(f.retryInterval))},
		limiter: limiter,
	}, nil
}

// exporter is the wired-up pipeline: clients -> fetcher -> store ->
// served snapshot -> collector (the families) -> exposition -> HTTP.
type exporter struct {
	fetcher  *fetcher.Fetcher
	accounts *accounts           // the running configuration, for reloads
	reg      prometheus.Gatherer // the live metrics: API counters, runtime, build info
	state    *served.State
	data     *exposition.Exposition // the data metrics of state
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
	running.discoveryMetrics = newDiscoveryMetrics(reg)
	newStoreMetrics(reg, st)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cfg.Discovery != nil { // the first discovery, bounded: without it the configured accounts start
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		disc, found, err := running.newDiscovery(dctx, cfg.Discovery, running.fileAccounts)
		cancel()
		if err != nil {
			return nil, err
		}
		running.discoveryConfig, running.disc, running.discovered = cfg.Discovery, disc, found
		running.discoveryMetrics.configured(true)
	}
	all := merged(running.fileAccounts, running.discovered)
	accounts, names, clients, err := running.fetchAccounts(all)
	if err != nil {
		return nil, err
	}
	running.remember(all, clients)
	state := served.NewState(names)
	running.state = state
	running.applyDiscovered()
	data := exposition.New(state, collector.New(state, collector.WithMaxPosts(s.maxPosts), collector.WithLogger(logger), collector.WithMetricFilter(s.filter)))
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
		ReadTimeout: 30 * time.Second, WriteTimeout: f.writeTimeout, IdleTimeout: 2 * time.Minute,
		ErrorLog: httpErrorLog(logger)}
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
