// Package fetcher fetches each day's WeChat data once, after WeChat has
// finalised it, writes it to the store and publishes it in the served
// snapshot (package served). It runs in the background, decoupled from
// scrapes.
//
// Per account and endpoint it keeps the lookback window complete: at start
// every missing day is fetched with the fewest calls the spans allow, then
// once a day, after the ready time, yesterday (and the last complete week and
// month). What WeChat says decides what happens next (wechat.Classify):
//
//   - not ready (61503, or an empty answer where rows are due): try again
//     every retry interval;
//   - transient (network, 5xx, -1, rate limits, broken bodies; after the
//     client's own retries): try again after a minute, doubling up to the
//     retry interval;
//   - quota spent (45009): no call until the next Beijing midnight;
//   - unavailable for the account (47009 offline, 48001 unauthorized, ad
//     2009 not a publisher): shown with the reason, logged once with the
//     remedy, kept in the store, asked again weekly;
//   - broken (a wrong secret, a redirect, ...): mark the endpoint failing,
//     log once a day, try again the next day.
//
// It never loops hot: every task has a time before which it does nothing.
package fetcher

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Client is what the fetcher needs of a wechat.Client.
type Client interface {
	Plan(ep wechat.Endpoint, dates []wechat.Date) []wechat.Range
	Fetch(ctx context.Context, ep wechat.Endpoint, r wechat.Range) (wechat.Answer, error)
	FetchQuotas(ctx context.Context, ep wechat.Endpoint, day wechat.Date, paths []string) (wechat.Answer, error)
}

// Store is what the fetcher needs of the embedded store (*store.Store).
type Store interface {
	Put(account, endpoint string, days []store.Day) error
	Range(account, endpoint string, from, to wechat.Date) ([]store.Day, error)
	Latest(account, endpoint string, n int) ([]store.Day, error)
	CachedRender(account string, served []store.Served) (uint64, []byte, error)
	PutRenders(entries map[string][]byte) error
	BindAppIDs(accounts map[string]string) (rebound, unbound []string, err error)
	PutUnavailable(account, endpoint string, u store.Unavailability) error
	DeleteUnavailable(account, endpoint string) error
	Unavailable(account string) (map[string]store.Unavailability, error)
}

// Account is one account to fetch.
type Account struct {
	Name string
	// AppID is the account's; the days stored under Name are its (see
	// store.BindAppIDs). "" leaves the stored days as they are.
	AppID     string
	Client    Client
	Endpoints []wechat.Endpoint
}

// apiPaths are the API paths the account's endpoints call, for the quota
// endpoint (PerPath), sorted.
func (a *Account) apiPaths() []string {
	var paths []string
	for _, ep := range a.Endpoints {
		if !ep.PerPath && !slices.Contains(paths, ep.Path()) {
			paths = append(paths, ep.Path())
		}
	}
	slices.Sort(paths)
	return paths
}

// Config tunes the fetcher.
type Config struct {
	// ReadyTime is the Beijing time of day after which yesterday's data
	// is fetched (WeChat finalises it around 08:00).
	ReadyTime time.Duration
	// RetryInterval is the wait after "not ready" and transient failures.
	RetryInterval time.Duration
	// Lookback is how many past days must be in the store.
	Lookback int
	// MaxConcurrency bounds fetches in flight across all accounts.
	MaxConcurrency int
	// EmptyGrace is how long after the ready time an empty answer where
	// rows are due counts as "not ready" rather than as no data.
	EmptyGrace time.Duration
	// LiveInterval is how often a live endpoint (one that describes the
	// account now, such as user/get) is asked.
	LiveInterval time.Duration
	// QuotaInterval is how often the quota of each API path an account
	// calls is asked (wechat.APIQuota); a day or more: once a Beijing day,
	// after the day's fetch, and at once after a 45009 (see quota.go).
	QuotaInterval time.Duration
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Logger receives the fetcher's log lines.
	Logger log.Logger
	// RenderCache, if set, renders each account's exposition into the
	// store's render cache, which the next cold start serves before the
	// stored rows are decoded (see LoadCold).
	RenderCache Renderer
}

// Renderer is what the fetcher needs of the exposition for the render
// cache and its log lines (the collector's, wired by internal/app): the
// fetcher writes the served snapshot, and renders nothing itself.
type Renderer interface {
	// CacheKey is the key of an account's entry: its AppID, the digest of
	// its stored records, the renderer's options; false: no cache.
	CacheKey(appID string, digest uint64) (uint64, bool)
	// RenderCold renders the account as a cold start serves it, encoded
	// for the store under key.
	RenderCold(acc *served.Account, key uint64) []byte
	// DecodeRendered decodes an entry RenderCold made, if its key is key
	// (nil without error for another key's).
	DecodeRendered(entry []byte, key uint64) (*served.Rendered, error)
	// Series counts the series the account is served as.
	Series(acc *served.Account) int
}

// Defaults for Config.
const (
	DefaultReadyTime      = 8*time.Hour + 30*time.Minute
	DefaultRetryInterval  = 10 * time.Minute
	DefaultLookback       = 7
	DefaultMaxConcurrency = 4
	DefaultEmptyGrace     = 4 * time.Hour
	DefaultLiveInterval   = time.Hour
	DefaultQuotaInterval  = 24 * time.Hour
)

// Fetcher runs the fetching of every account's endpoints.
type Fetcher struct {
	cfg    Config
	store  Store
	state  *served.State
	set    atomic.Pointer[taskSet] // replaced whole by SetAccounts
	wake   chan struct{}           // due work for Run: SetAccounts, a quota made due now (wakeUp)
	d      *dispatcher             // the slots of Run and RunOnce
	sem    chan struct{}           // backfill's slots
	logger log.Logger

	storeFailures prometheus.Counter
	readFailures  *prometheus.CounterVec
	rowsDropped   *prometheus.CounterVec
	fieldsMissing *prometheus.CounterVec
	rowsSkipped   *prometheus.CounterVec
	cycles        prometheus.Counter
	// reported holds what was logged of answers' gaps, once each
	// (see noteReport).
	reported sync.Map

	reconfigure sync.Mutex // one SetAccounts at a time

	mu        sync.Mutex
	written   map[string]bool // accounts written since their render was last cached
	lastSaved time.Time
	// refusals is what was said of each account's refused credentials,
	// by client: new credentials are a new client, told afresh.
	refusals map[Client]toldFailure
}

// taskSet is the fetcher's work: a task per account and endpoint.
type taskSet struct {
	all   []*task
	byAcc map[string][]*task // the tasks of each account, in configuration order
}

func newTaskSet(accounts []Account, reuse func(acc *Account, ep wechat.Endpoint) *task) *taskSet {
	ts := &taskSet{byAcc: map[string][]*task{}}
	for i := range accounts {
		acc := &accounts[i]
		for _, ep := range acc.Endpoints {
			t := reuse(acc, ep)
			if t == nil {
				t = &task{acc: acc, ep: ep}
			}
			ts.all = append(ts.all, t)
			ts.byAcc[acc.Name] = append(ts.byAcc[acc.Name], t)
		}
	}
	return ts
}

type task struct {
	acc *Account
	ep  wechat.Endpoint

	mu       sync.Mutex
	next     time.Time   // nothing to do before this
	failDay  wechat.Date // the day a permanent failure was last logged
	failCode string
	pending  []store.Day // fetched, not yet stored: written before anything is fetched again
	// liveNext is when a live endpoint's stored row is due again.
	liveNext time.Time
	// quotaForced: WeChat answered 45009 for one of the account's paths,
	// so its quota is asked at once (see quota.go).
	quotaForced bool
	// unpublished: the task stored days it has not served yet.
	unpublished bool
	// damaged are stored days that cannot be read back: counted and logged
	// once, fetched again like missing days, forgotten once overwritten.
	damaged map[wechat.Date]bool
	rowsCut bool // an answer was cut to MaxRowsPerDay (logged once)
	// transient counts the consecutive transient failures, for backoff.
	transient int
	// round is the round the task was put in line with (nil when not in
	// line), and outcome why its run failed (nil: it did not).
	round   *round
	outcome error
	// ran: the task was attempted since the start (see firstAttempted).
	ran bool
}

// New returns a fetcher. Its metrics are registered with reg.
func New(cfg Config, st Store, state *served.State, accounts []Account, reg prometheus.Registerer) *Fetcher {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = log.NewNopLogger()
	}
	if cfg.MaxConcurrency < 1 {
		cfg.MaxConcurrency = 1
	}
	if cfg.Lookback < 1 {
		cfg.Lookback = 1
	}
	if cfg.LiveInterval <= 0 {
		cfg.LiveInterval = DefaultLiveInterval
	}
	if cfg.QuotaInterval <= 0 {
		cfg.QuotaInterval = DefaultQuotaInterval
	}
	f := &Fetcher{cfg: cfg, store: st, state: state, d: newDispatcher(cfg.MaxConcurrency), sem: make(chan struct{}, cfg.MaxConcurrency), logger: cfg.Logger,
		wake: make(chan struct{}, 1), written: map[string]bool{}, refusals: map[Client]toldFailure{},
		storeFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wechat_store_write_failures_total",
			Help: "Failed writes to the embedded store; the days fetched stay served from memory and are written once the store accepts writes, without fetching them again.",
		}),
		readFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wechat_store_read_failures_total",
			Help: "Stored days found damaged (their record or rows cannot be decoded): each is counted once, not served, and fetched again if WeChat still serves it.",
		}, []string{"account", "endpoint"}),
		rowsDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wechat_fetch_rows_dropped_total",
			Help: "Rows of an answer beyond the bound of rows kept for one endpoint's day (fetcher.MaxRowsPerDay), dropped.",
		}, []string{"account", "endpoint"}),
		fieldsMissing: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wechat_datacube_fields_missing_total",
			Help: "Figures WeChat's answers did not give, by field (JSON names below the row) and reason: missing, null, negative or invalid (not a number it can be). Each costs its own series only; the rest of the row and the day are stored and served.",
		}, []string{"account", "endpoint", "field", "reason"}),
		rowsSkipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wechat_datacube_rows_skipped_total",
			Help: "Rows of WeChat's answers left out, by reason: missing_key (no date, msgid, hour or enumeration to tell it by), out_of_range (a day not asked for), duplicate (the same keys as a later row, which wins), too_large (larger than 64 KiB with its text cut).",
		}, []string{"account", "endpoint", "reason"}),
		cycles: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wechat_fetch_cycles_total",
			Help: "Passes of the fetcher over the due account endpoints.",
		}),
	}
	reg.MustRegister(f.storeFailures, f.readFailures, f.rowsDropped, f.fieldsMissing, f.rowsSkipped, f.cycles)
	f.lastSaved = cfg.Now() // the first renders are saved an hour in, from what scrapes rendered
	accounts, _ = f.bindAppIDs(accounts)
	f.set.Store(newTaskSet(accounts, func(*Account, wechat.Endpoint) *task { return nil }))
	return f
}

// bindAppIDs makes the days stored under each account's name its AppID's
// (store.BindAppIDs), and returns the accounts whose days can be served
// and written, and the names whose stored days changed. An account whose
// days are another AppID's, and could not be kept aside, is left out:
// neither served nor fetched until a start or reload binds it.
func (f *Fetcher) bindAppIDs(accounts []Account) (usable []Account, rebound map[string]bool) {
	if len(accounts) == 0 {
		return accounts, nil
	}
	ids := map[string]string{}
	for _, a := range accounts {
		ids[a.Name] = a.AppID
	}
	moved, unbound, err := f.store.BindAppIDs(ids)
	if err != nil {
		level.Error(f.logger).Log("msg", "the store could not record which AppID accounts' days belong to", "err", err)
	}
	rebound = map[string]bool{}
	for _, name := range moved {
		rebound[name] = true
		level.Info(f.logger).Log("msg", "the account's AppID changed: the old AppID's days are kept aside in the store, and the new one's served (if the store has them) or fetched",
			"account", name, "app_id", ids[name])
	}
	for _, name := range unbound {
		level.Error(f.logger).Log("msg", "the account's stored days are another AppID's and could not be kept aside: it is neither served nor fetched",
			"account", name, "app_id", ids[name])
	}
	return slices.DeleteFunc(slices.Clone(accounts), func(a Account) bool { return slices.Contains(unbound, a.Name) }), rebound
}

// tasks returns the current work.
func (f *Fetcher) tasks() *taskSet { return f.set.Load() }

// accountNames returns the configured accounts that keep selects.
func (f *Fetcher) accountNames(keep func(string) bool) []string {
	var out []string
	all := f.tasks().all
	for i, t := range all {
		if (i == 0 || all[i-1].acc != t.acc) && keep(t.acc.Name) {
			out = append(out, t.acc.Name)
		}
	}
	return out
}
