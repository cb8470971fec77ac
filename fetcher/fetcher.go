// Package fetcher fetches each day's WeChat data once, after WeChat has
// finalised it, writes it to the store and publishes it to the collector's
// snapshot. It runs in the background, decoupled from scrapes.
//
// Per account and endpoint it keeps the lookback window complete: at start
// every missing day is fetched with the fewest calls the spans allow, then
// once a day, after the ready time, yesterday (and the last complete week and
// month). What WeChat says decides what happens next:
//
//   - data not ready (61503, or an empty answer where rows are due): try
//     again every retry interval;
//   - daily quota spent (45009): no call until the next Beijing midnight;
//   - transient failures (after the client's own retries): try again every
//     retry interval;
//   - permanent failures (48001, a wrong secret, ...): mark the endpoint
//     failing, log once a day, try again the next day.
//
// It never loops hot: every task has a time before which it does nothing.
package fetcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/internal/parallel"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Client is what the fetcher needs of a wechat.Client.
type Client interface {
	Plan(ep wechat.Endpoint, dates []wechat.Date) []wechat.Range
	FetchDelayed(ctx context.Context, ep wechat.Endpoint, r wechat.Range) ([]wechat.Row, bool, error)
}

// Store is what the fetcher needs of the embedded store (*store.Store).
type Store interface {
	Put(account, endpoint string, days []store.Day) error
	Range(account, endpoint string, from, to wechat.Date) ([]store.Day, error)
	Latest(account, endpoint string, n int) ([]store.Day, error)
	CachedRender(account string, served []store.Served) (uint64, []byte, error)
	PutRenders(entries map[string][]byte) error
}

// Account is one account to fetch.
type Account struct {
	Name      string
	Client    Client
	Endpoints []wechat.Endpoint
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
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Logger receives the fetcher's log lines.
	Logger log.Logger
	// RenderCache, if set, renders each account's exposition into the
	// store's render cache, which the next cold start serves before the
	// stored rows are decoded (see LoadCold).
	RenderCache *collector.Collector
}

// Defaults for Config.
const (
	DefaultReadyTime      = 8*time.Hour + 30*time.Minute
	DefaultRetryInterval  = 10 * time.Minute
	DefaultLookback       = 7
	DefaultMaxConcurrency = 4
	DefaultEmptyGrace     = 4 * time.Hour
)

// settleDays says for how many days after its date an endpoint's data
// keeps changing: getarticletotal's details grow for seven days after the
// article is sent. Such days are fetched again once a day until final.
var settleDays = map[string]int{wechat.GetArticleTotal.Name: 7, wechat.GetArticleTotalDetail.Name: 7}

// servedDays says how many stored days of an endpoint are published, when
// more than the newest: getarticletotal serves the articles of its settling
// week; getinterfacesummary also serves the week before the newest day, from
// which the collector derives the callback failure baseline.
var servedDays = map[string]int{wechat.GetArticleTotal.Name: 7, wechat.GetArticleTotalDetail.Name: 7, wechat.GetInterfaceSummary.Name: 8}

// alwaysHasRows lists endpoints whose answer for a past day is never
// legitimately empty.
var alwaysHasRows = map[string]bool{wechat.GetUserCumulate.Name: true}

// Fetcher runs the fetching of every account's endpoints.
type Fetcher struct {
	cfg    Config
	store  Store
	state  *collector.State
	tasks  []*task
	byAcc  map[string][]*task // the tasks of each account, in configuration order
	sem    chan struct{}
	logger log.Logger

	storeFailures prometheus.Counter
	readFailures  *prometheus.CounterVec
	rowsDropped   *prometheus.CounterVec
	cycles        prometheus.Counter

	mu        sync.Mutex
	written   map[string]bool // accounts written since their render was last cached
	lastSaved time.Time
}

type task struct {
	acc *Account
	ep  wechat.Endpoint

	mu       sync.Mutex
	next     time.Time   // nothing to do before this
	failDay  wechat.Date // the day a permanent failure was last logged
	failCode string
	pending  []store.Day // fetched, not yet stored: written before anything is fetched again
	// damaged are stored days that cannot be read back: counted and logged
	// once, fetched again like missing days, forgotten once overwritten.
	damaged map[wechat.Date]bool
	rowsCut bool // an answer was cut to MaxRowsPerDay (logged once)
}

// New returns a fetcher. Its metrics are registered with reg.
func New(cfg Config, st Store, state *collector.State, accounts []Account, reg prometheus.Registerer) *Fetcher {
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
	f := &Fetcher{cfg: cfg, store: st, state: state, sem: make(chan struct{}, cfg.MaxConcurrency), logger: cfg.Logger,
		byAcc: map[string][]*task{}, written: map[string]bool{},
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
		cycles: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wechat_fetch_cycles_total",
			Help: "Passes of the fetcher over the due account endpoints.",
		}),
	}
	reg.MustRegister(f.storeFailures, f.readFailures, f.rowsDropped, f.cycles)
	f.lastSaved = cfg.Now() // the first renders are saved an hour in, from what scrapes rendered
	for i := range accounts {
		for _, ep := range accounts[i].Endpoints {
			t := &task{acc: &accounts[i], ep: ep}
			f.tasks = append(f.tasks, t)
			f.byAcc[t.acc.Name] = append(f.byAcc[t.acc.Name], t)
		}
	}
	return f
}

// LoadStored publishes what the store holds, so a restart serves at once.
// Decoding the stored rows is the cost of a cold start: it runs on every
// core, each account published whole. It stops early when ctx ends.
func (f *Fetcher) LoadStored(ctx context.Context) error {
	return f.loadAccounts(ctx, f.accountNames(func(string) bool { return true }))
}

// LoadCold starts serving a restart as fast as the store allows: the
// accounts whose render cache entry matches their stored records
// (fromCache of them) are served from it at once; the others are decoded
// before it returns, so the first scrape is complete. rest decodes the
// cached accounts' rows, which the fetcher and the registry paths need:
// call it before Run. Both stop early when their context ends.
func (f *Fetcher) LoadCold(ctx context.Context) (fromCache int, rest func(context.Context) error, err error) {
	cached := f.loadCached(ctx)
	uncached := f.accountNames(func(name string) bool { return !cached[name] })
	err = f.loadAccounts(ctx, uncached)
	return len(cached), func(ctx context.Context) error {
		err := f.loadAccounts(ctx, f.accountNames(func(name string) bool { return cached[name] }))
		for _, name := range uncached { // the next restart serves them from the cache too
			f.noteWritten(name)
		}
		return err
	}, err
}

// accountNames returns the configured accounts that keep selects.
func (f *Fetcher) accountNames(keep func(string) bool) []string {
	var out []string
	for i, t := range f.tasks {
		if (i == 0 || f.tasks[i-1].acc != t.acc) && keep(t.acc.Name) {
			out = append(out, t.acc.Name)
		}
	}
	return out
}

// eachAccount runs fn for every name on every core and joins the errors.
// Once ctx ends it runs fn no more and returns ctx's error.
func eachAccount(ctx context.Context, names []string, fn func(string) error) error {
	errs := make([]error, len(names))
	parallel.For(len(names), func(i int) {
		if ctx.Err() == nil {
			errs[i] = fn(names[i])
		}
	})
	return errors.Join(append(errs, ctx.Err())...)
}

// loadAccounts decodes the served days of the accounts and publishes each
// account whole. An account served from its render cache keeps it: its
// rows are what the entry was rendered from.
func (f *Fetcher) loadAccounts(ctx context.Context, names []string) error {
	return eachAccount(ctx, names, func(name string) error {
		data := map[string]collector.EndpointData{}
		var errs []error
		for _, t := range f.byAcc[name] {
			date, rows, ok, err := f.servedRows(t)
			if err != nil {
				errs = append(errs, err)
			} else if ok {
				data[t.ep.Name] = collector.EndpointData{Date: date, Rows: rows}
			}
		}
		acc := f.state.Load().Account(name)
		fromCache := acc != nil && acc.CacheOnly()
		f.state.SetAccountData(name, data, fromCache && len(errs) == 0)
		return errors.Join(errs...)
	})
}

// publish loads the served days of a task from the store into the
// snapshot: the newest, or the settling ones too.
func (f *Fetcher) publish(t *task) error {
	date, rows, ok, err := f.servedRows(t)
	if err == nil && ok {
		f.state.SetData(t.acc.Name, t.ep.Name, date, rows)
	}
	return err
}

// servedRows reads and decodes what is served of a task: its newest day's
// rows, and those of the days before that it serves too. ok is false when
// nothing readable is stored. A damaged day is left out (see noteDamaged).
func (f *Fetcher) servedRows(t *task) (newest wechat.Date, rows []wechat.Row, ok bool, err error) {
	n := ServedDays(t.ep.Name)
	// A few more records than served, so that damaged newest days leave
	// the newest good one served.
	days, err := f.store.Latest(t.acc.Name, t.ep.Name, n+damagedReach)
	if err != nil {
		return 0, nil, false, err
	}
	for _, d := range days {
		if ok && d.Date <= newest.AddDays(-n) {
			continue
		}
		if d.Err != nil {
			f.noteDamaged(t, d.Date, d.Err)
			continue
		}
		r, err := wechat.DecodeRows(t.ep.Name, d.Rows)
		if err != nil {
			f.noteDamaged(t, d.Date, err)
			continue
		}
		if !ok {
			newest, ok = d.Date, true
		}
		rows = append(rows, r...)
	}
	return newest, rows, ok, nil
}

// damagedReach is how many damaged newest days servedRows looks past.
const damagedReach = 7

// noteDamaged records a stored day that cannot be read back: it is counted
// and logged once, and fetched again like a missing day.
func (f *Fetcher) noteDamaged(t *task, d wechat.Date, err error) {
	t.mu.Lock()
	seen := t.damaged[d]
	if t.damaged == nil {
		t.damaged = map[wechat.Date]bool{}
	}
	t.damaged[d] = true
	t.mu.Unlock()
	if seen {
		return
	}
	f.readFailures.WithLabelValues(t.acc.Name, t.ep.Name).Inc()
	level.Error(f.logger).Log("msg", "damaged stored day: not served; fetched again if WeChat still serves it",
		"account", t.acc.Name, "endpoint", t.ep.Name, "day", d, "err", err)
}

// forgetDamaged forgets damaged days that were just overwritten.
func (t *task) forgetDamaged(days []store.Day) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, d := range days {
		delete(t.damaged, d.Date)
	}
}

// Run fetches until ctx ends. A write in progress is always finished.
func (f *Fetcher) Run(ctx context.Context) {
	for {
		f.RunOnce(ctx)
		wait := time.Until(f.nextWake())
		wait = min(max(wait, time.Second), time.Minute) // re-check each minute: clocks jump
		select {
		case <-ctx.Done():
			f.SaveRenderCache() // what a restart will find
			return
		case <-time.After(wait):
		}
	}
}

func (f *Fetcher) nextWake() time.Time {
	var next time.Time
	for _, t := range f.tasks {
		t.mu.Lock()
		if next.IsZero() || t.next.Before(next) {
			next = t.next
		}
		t.mu.Unlock()
	}
	return next
}

// RunOnce does all the work that is due now, with bounded concurrency,
// and returns when it is done.
func (f *Fetcher) RunOnce(ctx context.Context) {
	now := f.cfg.Now()
	f.cycles.Inc()
	var wg sync.WaitGroup
	for _, t := range f.tasks {
		t.mu.Lock()
		due := !now.Before(t.next)
		t.mu.Unlock()
		if !due {
			continue
		}
		select {
		case f.sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Add(1)
		go func(t *task) {
			defer wg.Done()
			defer func() { <-f.sem }()
			f.runTask(ctx, t, now)
		}(t)
	}
	wg.Wait()
	f.saveWritten(now, false) // no fetch is writing now
}

// readyAt is when day's "yesterday" data is due: day 00:00 Beijing plus
// the ready time.
func (f *Fetcher) readyAt(day wechat.Date) time.Time { return day.Start().Add(f.cfg.ReadyTime) }

// available returns the newest label of ep that WeChat can serve at now.
func (f *Fetcher) available(ep wechat.Endpoint, now time.Time) wechat.Date {
	today := wechat.Today(now)
	if now.Before(f.readyAt(today)) {
		return ep.LatestComplete(today.AddDays(-1))
	}
	return ep.LatestComplete(today)
}

// wanted returns the labels that must be in the store: the lookback
// window of daily endpoints, the latest period of weekly and monthly ones.
func (f *Fetcher) wanted(ep wechat.Endpoint, avail wechat.Date) (from, to wechat.Date) {
	if ep.Period != wechat.Daily {
		return avail, avail
	}
	return max(avail.AddDays(1-f.cfg.Lookback), ep.FirstDate()), avail
}

// toFetch lists the labels to fetch: those missing from the store, and the
// settling ones not yet fetched today.
func (f *Fetcher) toFetch(t *task, now time.Time) ([]wechat.Date, error) {
	from, to := f.wanted(t.ep, f.available(t.ep, now))
	if settle := settleDays[t.ep.Name]; settle > 0 {
		from = min(from, to.AddDays(1-settle))
	}
	days, err := f.store.Range(t.acc.Name, t.ep.Name, from, to)
	if err != nil {
		return nil, err
	}
	held := map[wechat.Date]store.Day{}
	for _, d := range days {
		if d.Err != nil {
			f.noteDamaged(t, d.Date, d.Err)
			continue // as good as missing
		}
		held[d.Date] = d
	}
	t.mu.Lock()
	for d := range t.damaged {
		delete(held, d) // its rows do not decode
	}
	t.mu.Unlock()
	today, settle := wechat.Today(now), settleDays[t.ep.Name]
	var out []wechat.Date
	for _, d := range t.ep.Labels(max(from, t.ep.FirstDate()), to) {
		h, ok := held[d]
		settling := settle > 0 && ok && h.FetchedOn <= d.AddDays(settle) && h.FetchedOn < today
		if !ok || settling || h.Delayed {
			out = append(out, d)
		}
	}
	return out, nil
}

func (f *Fetcher) runTask(ctx context.Context, t *task, now time.Time) {
	if !f.flushPending(t, now) {
		return
	}
	dates, err := f.toFetch(t, now)
	if err != nil {
		level.Error(f.logger).Log("msg", "reading store", "account", t.acc.Name, "endpoint", t.ep.Name, "err", err)
		f.state.SetStatus(t.acc.Name, t.ep.Name, false, now)
		f.retryLater(t, now, f.cfg.RetryInterval)
		return
	}
	provisional := false
	for _, r := range t.acc.Client.Plan(t.ep, dates) {
		if ctx.Err() != nil {
			return
		}
		ok, delayed := f.fetchRange(ctx, t, r, now)
		if !ok {
			return
		}
		provisional = provisional || delayed
	}
	f.state.SetStatus(t.acc.Name, t.ep.Name, true, now)
	f.state.SetUnavailable(t.acc.Name, t.ep.Name, false)
	t.mu.Lock()
	t.failDay, t.failCode = 0, ""
	t.mu.Unlock()
	if provisional { // served now, fetched again until WeChat says final
		f.retryLater(t, now, f.cfg.RetryInterval)
		return
	}
	f.retryLater(t, now, f.untilNextReady(now))
}

// untilNextReady is the wait until the next day's data is due.
func (f *Fetcher) untilNextReady(now time.Time) time.Duration {
	today := wechat.Today(now)
	next := f.readyAt(today)
	if !now.Before(next) {
		next = f.readyAt(today.AddDays(1))
	}
	return next.Sub(now)
}

func (f *Fetcher) retryLater(t *task, now time.Time, d time.Duration) {
	t.mu.Lock()
	t.next = now.Add(d)
	t.mu.Unlock()
}

// errNotReady stands for an empty answer where rows are due.
var errNotReady = errors.New("empty answer where rows are due: data not ready")

// fetchRange fetches and stores one request's range, and reports whether
// the task may go on with its next range, and whether WeChat said the
// figures are provisional.
func (f *Fetcher) fetchRange(ctx context.Context, t *task, r wechat.Range, now time.Time) (ok, delayed bool) {
	rows, delayed, err := t.acc.Client.FetchDelayed(ctx, t.ep, r)
	if err != nil {
		if ctx.Err() == nil {
			f.failed(t, r, err, now)
		}
		return false, false
	}
	byDate := f.byDate(t, rows)
	avail := f.available(t.ep, now)
	var days []store.Day
	suspicious := false
	for _, d := range t.ep.Labels(r.Begin, r.End) {
		if len(byDate[d]) == 0 && d == avail && f.rowsDue(t, now) {
			suspicious = true // keep the other days; ask for this one again
			continue
		}
		b, err := json.Marshal(nonNil(byDate[d]))
		if err != nil {
			f.failed(t, r, err, now)
			return false, false
		}
		days = append(days, store.Day{Date: d, FetchedOn: wechat.Today(now), Delayed: delayed, Rows: b})
	}
	if len(days) > 0 && !f.write(t, days, now) {
		return false, false
	}
	if suspicious {
		f.failed(t, r, errNotReady, now)
		return false, false
	}
	return true, delayed
}

// MaxRowsPerDay bounds the rows kept of one endpoint's day. The largest
// legitimate days are the per-article lists of big accounts (every article
// read that day); far beyond them an answer would only fill the store and
// every scrape.
const MaxRowsPerDay = 5000

// byDate groups an answer's rows by their day, each day cut to
// MaxRowsPerDay rows; a cut is counted, and logged once per task.
func (f *Fetcher) byDate(t *task, rows []wechat.Row) map[wechat.Date][]wechat.Row {
	out := map[wechat.Date][]wechat.Row{}
	dropped := 0
	for _, row := range rows {
		d := row.RowDate()
		if len(out[d]) >= MaxRowsPerDay {
			dropped++
			continue
		}
		out[d] = append(out[d], row)
	}
	if dropped == 0 {
		return out
	}
	f.rowsDropped.WithLabelValues(t.acc.Name, t.ep.Name).Add(float64(dropped))
	t.mu.Lock()
	first := !t.rowsCut
	t.rowsCut = true
	t.mu.Unlock()
	if first {
		level.Warn(f.logger).Log("msg", fmt.Sprintf("an answer had rows beyond %d for a day: the rest were dropped (logged once)", MaxRowsPerDay),
			"account", t.acc.Name, "endpoint", t.ep.Name, "dropped", dropped)
	}
	return out
}

// write stores the days of one fetch and publishes them. If the store
// fails (full disk, read-only path), the days are served from memory and
// kept to be written before anything else is fetched: no API call is spent
// twice on the same data.
func (f *Fetcher) write(t *task, days []store.Day, now time.Time) bool {
	if err := f.store.Put(t.acc.Name, t.ep.Name, days); err != nil {
		f.storeFailures.Inc()
		level.Error(f.logger).Log("msg", "store write failed; serving from memory and writing again later", "account", t.acc.Name, "endpoint", t.ep.Name, "err", err)
		f.serveUnstored(t, days)
		t.mu.Lock()
		t.pending = append(t.pending, days...)
		t.mu.Unlock()
		f.state.SetStatus(t.acc.Name, t.ep.Name, false, now)
		f.retryLater(t, now, f.cfg.RetryInterval)
		return false
	}
	t.forgetDamaged(days)
	if err := f.publish(t); err != nil {
		level.Error(f.logger).Log("msg", "publishing stored data", "account", t.acc.Name, "endpoint", t.ep.Name, "err", err)
	} else {
		f.noteWritten(t.acc.Name)
	}
	return true
}

// flushPending writes days kept from a failed store write, and reports
// whether the task may go on.
func (f *Fetcher) flushPending(t *task, now time.Time) bool {
	t.mu.Lock()
	days := t.pending
	t.pending = nil
	t.mu.Unlock()
	if len(days) == 0 {
		return true
	}
	return f.write(t, days, now)
}

// serveUnstored publishes fetched days that could not be stored, when
// they are newer than what is served.
func (f *Fetcher) serveUnstored(t *task, days []store.Day) {
	newest := days[len(days)-1]
	if ep := f.served(t); ep != nil && ep.Date >= newest.Date {
		return
	}
	rows, err := wechat.DecodeRows(t.ep.Name, newest.Rows)
	if err == nil {
		f.state.SetData(t.acc.Name, t.ep.Name, newest.Date, rows)
	}
}

func nonNil(rows []wechat.Row) []wechat.Row {
	if rows == nil {
		return []wechat.Row{}
	}
	return rows
}

// rowsDue reports whether an empty answer for the newest day means "not
// ready" rather than "no data": for endpoints that always have rows, or
// that had rows the day before, until EmptyGrace after the ready time.
func (f *Fetcher) rowsDue(t *task, now time.Time) bool {
	if !now.Before(f.readyAt(wechat.Today(now)).Add(f.cfg.EmptyGrace)) {
		return false
	}
	if alwaysHasRows[t.ep.Name] {
		return true
	}
	ep := f.served(t)
	return ep != nil && len(ep.Rows) > 0
}

// served returns what the snapshot serves for the task, or nil.
func (f *Fetcher) served(t *task) *collector.Endpoint {
	if acc := f.state.Load().Account(t.acc.Name); acc != nil {
		return acc.Endpoints[t.ep.Name]
	}
	return nil
}

// failed decides, from the error's class, when the task tries again.
func (f *Fetcher) failed(t *task, r wechat.Range, err error, now time.Time) {
	f.state.SetStatus(t.acc.Name, t.ep.Name, false, now)
	logger := log.With(f.logger, "account", t.acc.Name, "endpoint", t.ep.Name, "range", r, "err", err)
	switch {
	case wechat.HasCode(err, wechat.CodeAPIOffline):
		// WeChat took the endpoint offline (reported for getarticletotal):
		// say so once, show it, and look again in a week.
		f.unavailable(t, logger, err, now, "endpoint offline for this account; will try again in a week")
	case t.ep.Publisher && wechat.HasCode(err, wechat.CodeNotPublisher):
		f.unavailable(t, logger, err, now, "account is not a publisher (流量主), so WeChat has no ad data for it; "+
			"remove publisher: true from its configuration (will try again in a week)")
	case errors.Is(err, errNotReady) || wechat.IsNotReady(err):
		level.Info(logger).Log("msg", "data not ready yet", "retry_in", f.cfg.RetryInterval)
		f.retryLater(t, now, f.cfg.RetryInterval)
	case wechat.ErrorClass(err) == wechat.Quota:
		midnight := wechat.Today(now).AddDays(1).Start()
		level.Warn(logger).Log("msg", "daily API quota spent; no call until the next Beijing day", "retry_at", midnight.Format(time.RFC3339))
		f.retryLater(t, now, midnight.Sub(now))
	case wechat.ErrorClass(err) == wechat.Permanent:
		f.logPermanent(t, logger, err, now, "fetch failing; needs attention (will try again tomorrow)")
		f.retryLater(t, now, f.readyAt(wechat.Today(now).AddDays(1)).Sub(now))
	default:
		level.Warn(logger).Log("msg", "fetch failed; will retry", "retry_in", f.cfg.RetryInterval)
		f.retryLater(t, now, f.cfg.RetryInterval)
	}
}

// unavailableRetry is how long an endpoint WeChat will not serve for an
// account is left alone.
const unavailableRetry = 7 * 24 * time.Hour

// unavailable marks the endpoint unavailable for the account (a metric
// shows it), logs why once, and looks again in a week.
func (f *Fetcher) unavailable(t *task, logger log.Logger, err error, now time.Time, msg string) {
	f.state.SetUnavailable(t.acc.Name, t.ep.Name, true)
	f.logPermanent(t, logger, err, now, msg)
	f.retryLater(t, now, unavailableRetry)
}

// logPermanent logs a permanent failure once per day and code.
func (f *Fetcher) logPermanent(t *task, logger log.Logger, err error, now time.Time, msg string) {
	today, code := wechat.Today(now), wechat.ErrCode(err)
	t.mu.Lock()
	first := t.failDay != today || t.failCode != code
	t.failDay, t.failCode = today, code
	t.mu.Unlock()
	if first {
		level.Error(logger).Log("msg", msg)
	}
}

// ServedDays returns how many stored days of an endpoint make up what is
// served for its newest day (see servedDays).
func ServedDays(endpoint string) int { return max(servedDays[endpoint], 1) }

// BackfillProgress is told how many requests are done of how many.
type BackfillProgress func(done, total int)

// Backfill fills the store with every missing day (or period) in
// [from, to] of the accounts (nil: all), with the fewest calls the spans
// allow; stored days cost nothing. It goes on after a failure and returns
// every failure, joined. to must be a day WeChat can serve.
func (f *Fetcher) Backfill(ctx context.Context, from, to wechat.Date, accounts map[string]bool, progress BackfillProgress) error {
	type job struct {
		t      *task
		ranges []wechat.Range
	}
	var jobs []job
	total := 0
	var errs []error
	for _, t := range f.tasks {
		if accounts != nil && !accounts[t.acc.Name] {
			continue
		}
		if t.ep.Period == wechat.Snapshot {
			continue // a past day's state cannot be asked for
		}
		held, err := f.store.Range(t.acc.Name, t.ep.Name, from, to)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		have := map[wechat.Date]bool{}
		for _, d := range held {
			have[d.Date] = d.Err == nil // a damaged day is fetched again
		}
		var missing []wechat.Date
		for _, d := range t.ep.Labels(max(from, t.ep.FirstDate()), min(to, t.ep.LatestComplete(to.AddDays(1)))) {
			if !have[d] {
				missing = append(missing, d)
			}
		}
		ranges := t.acc.Client.Plan(t.ep, missing)
		total += len(ranges)
		jobs = append(jobs, job{t, ranges})
	}
	var mu sync.Mutex
	done := 0
	step := func() {
		mu.Lock()
		done++
		d := done
		mu.Unlock()
		if progress != nil {
			progress(d, total)
		}
	}
	if progress != nil {
		progress(0, total)
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		if len(j.ranges) == 0 {
			continue
		}
		select {
		case f.sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return errors.Join(append(errs, ctx.Err())...)
		}
		wg.Add(1)
		go func(j job) {
			defer wg.Done()
			defer func() { <-f.sem }()
			for i, r := range j.ranges {
				err := f.backfillRange(ctx, j.t, r)
				step()
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("account %s, %s %s: %w", j.t.acc.Name, j.t.ep.Name, r, err))
					mu.Unlock()
					for range j.ranges[i+1:] {
						step() // the endpoint's later ranges are skipped
					}
					return
				}
			}
		}(j)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// backfillRange fetches and stores one range of past days, empty days
// included: in the past an empty answer is final.
func (f *Fetcher) backfillRange(ctx context.Context, t *task, r wechat.Range) error {
	rows, delayed, err := t.acc.Client.FetchDelayed(ctx, t.ep, r)
	if err != nil {
		return err
	}
	byDate := f.byDate(t, rows)
	today := wechat.Today(f.cfg.Now())
	var days []store.Day
	for _, d := range t.ep.Labels(r.Begin, r.End) {
		b, err := json.Marshal(nonNil(byDate[d]))
		if err != nil {
			return err
		}
		days = append(days, store.Day{Date: d, FetchedOn: today, Delayed: delayed, Rows: b})
	}
	if err := f.store.Put(t.acc.Name, t.ep.Name, days); err != nil {
		f.storeFailures.Inc()
		return err
	}
	return nil
}
