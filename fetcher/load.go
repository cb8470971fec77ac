package fetcher

import (
	"context"
	"errors"

	"github.com/go-kit/log/level"

	"github.com/wechat-exporter/wechat-exporter/internal/parallel"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Loading and publishing: what the store holds of each account, decoded
// and served in the collector's snapshot, at start and after each write.

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
		data := map[string]served.EndpointData{}
		var errs []error
		for _, t := range f.tasks().byAcc[name] {
			d, ok, err := f.servedRows(t)
			if err != nil {
				errs = append(errs, err)
			} else if ok {
				data[t.ep.Name] = d
			}
		}
		acc := f.state.Load().Account(name)
		fromCache := acc != nil && acc.CacheOnly()
		f.state.SetAccountData(name, data, fromCache && len(errs) == 0)
		if err := f.loadUnavailable(name); err != nil {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

// loadUnavailable restores the account's endpoints that WeChat would not
// serve, as the store kept them: shown unavailable, not asked before their
// time.
func (f *Fetcher) loadUnavailable(account string) error {
	kept, err := f.store.Unavailable(account)
	if err != nil || len(kept) == 0 {
		return err
	}
	now := f.cfg.Now()
	for _, t := range f.tasks().byAcc[account] {
		u, ok := kept[t.ep.Name]
		if !ok || !u.Until.After(now) {
			continue
		}
		f.state.SetUnavailable(account, t.ep.Name, u.Reason)
		t.mu.Lock()
		t.next = u.Until
		t.mu.Unlock()
	}
	return nil
}

// publish loads the served days of a task from the store into the
// snapshot: the newest, or the settling ones too.
func (f *Fetcher) publish(t *task) error {
	d, ok, err := f.servedRows(t)
	if err == nil && ok {
		f.state.SetData(t.acc.Name, t.ep.Name, d.Date, d.Rows, d.Days...)
	}
	return err
}

// servedRows reads and decodes what is served of a task: its newest day's
// rows, and those of the days before that it serves too, with the days
// they come from. ok is false when nothing readable is stored. A damaged
// day is left out (see noteDamaged).
func (f *Fetcher) servedRows(t *task) (out served.EndpointData, ok bool, err error) {
	n := t.ep.Served()
	// A few more records than served, so that damaged newest days leave
	// the newest good one served.
	days, err := f.store.Latest(t.acc.Name, t.ep.Name, n+damagedReach)
	if err != nil {
		return out, false, err
	}
	for _, d := range days {
		if ok && d.Date <= out.Date.AddDays(-n) {
			continue
		}
		if d.Err != nil {
			f.noteDamaged(t, d.Date, d.Err)
			continue
		}
		r, err := wechat.DecodeDay(t.ep, d.Date, d.Rows)
		if err != nil {
			f.noteDamaged(t, d.Date, err)
			continue
		}
		if !ok {
			out.Date, ok = d.Date, true
		}
		out.Days = append(out.Days, d.Date)
		for _, row := range r {
			// Running totals: only those of the served day are served, and
			// a month of details per article would be memory for nothing.
			if a, ok := row.(interface{ AsOf(wechat.Date) wechat.Row }); ok {
				row = a.AsOf(out.Date)
			}
			out.Rows = append(out.Rows, row)
		}
	}
	return out, ok, nil
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
