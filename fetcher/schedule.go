package fetcher

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/go-kit/log/level"

	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Scheduling: when each account's endpoint is due, and what it must fetch
// then (the missing days of the lookback, the settling ones).

// Run fetches until ctx ends: it puts the due tasks in line at each pass
// (when the next task is due, at least every minute, or when accounts
// change) and starts them as slots free up (see dispatch.go). A write in
// progress is always finished.
func (f *Fetcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()           // the tasks end soon once ctx has: their requests with it
		f.SaveRenderCache() // what a restart will find
	}()
	pass := time.NewTimer(0)
	defer pass.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-pass.C:
			f.pass(f.cfg.Now())
			wait := time.Until(f.nextWake())
			pass.Reset(min(max(wait, time.Second), time.Minute)) // re-check each minute: clocks jump
		case <-f.wake: // accounts or endpoints were added
			f.pass(f.cfg.Now())
		case <-f.d.freed:
		}
		f.startWaiting(ctx, &wg)
	}
}

// wakeUp has Run make a pass now (SetAccounts, or a task made due now);
// a wake-up already pending is enough.
func (f *Fetcher) wakeUp() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// pass puts the due tasks in line, and saves the render cache when due.
func (f *Fetcher) pass(now time.Time) {
	f.cycles.Inc()
	f.putDueInLine(now)
	f.saveWritten(now, false)
}

func (f *Fetcher) nextWake() time.Time {
	var next time.Time
	for _, t := range f.tasks().all {
		t.mu.Lock()
		if next.IsZero() || t.next.Before(next) {
			next = t.next
		}
		t.mu.Unlock()
	}
	return next
}

// RunOnce does all the work that is due now, as Run would, and returns
// when it is done: the work a task made due now (an account's quota after
// the first attempts of its other endpoints) included.
func (f *Fetcher) RunOnce(ctx context.Context) {
	now := f.cfg.Now()
	f.cycles.Inc()
	f.putDueInLine(now)
	var wg sync.WaitGroup
	for {
		f.startWaiting(ctx, &wg)
		if ctx.Err() != nil {
			break
		}
		if f.d.idle() {
			if f.putDueInLine(now); f.d.idle() {
				break
			}
			continue
		}
		select {
		case <-f.d.freed:
		case <-ctx.Done():
		}
	}
	wg.Wait()
	f.saveWritten(now, false)
}

// readyAt is when day's "yesterday" data is due: day 00:00 Beijing plus
// the ready time.
func (f *Fetcher) readyAt(day wechat.Date) time.Time { return day.Start().Add(f.cfg.ReadyTime) }

// available returns the newest label of ep that WeChat can serve at now.
func (f *Fetcher) available(ep wechat.Endpoint, now time.Time) wechat.Date {
	today := wechat.Today(now)
	if now.Before(f.readyAt(today)) && ep.Period != wechat.Live {
		return ep.LatestComplete(today.AddDays(-1))
	}
	return ep.LatestComplete(today)
}

// wanted returns the labels that must be in the store: the lookback
// window of daily endpoints, and at least the days served with the newest
// (the week before it, for the callback failure baseline); the latest
// period of weekly and monthly ones.
func (f *Fetcher) wanted(ep wechat.Endpoint, avail wechat.Date) (from, to wechat.Date) {
	if ep.Period != wechat.Daily {
		return avail, avail
	}
	return max(avail.AddDays(1-max(f.cfg.Lookback, ep.Served())), ep.FirstDate()), avail
}

// toFetch lists the labels to fetch: those missing from the store, and the
// settling ones not yet fetched today.
func (f *Fetcher) toFetch(t *task, now time.Time) ([]wechat.Date, error) {
	from, to := f.wanted(t.ep, f.available(t.ep, now))
	if settle := t.ep.SettleDays; settle > 0 {
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
	today, settle := wechat.Today(now), t.ep.SettleDays
	var out []wechat.Date
	for _, d := range t.ep.Labels(max(from, t.ep.FirstDate()), to) {
		h, ok := held[d]
		if t.ep.PerPath && f.quotaDaily() {
			if f.quotaDue(t, h, ok, now) {
				out = append(out, d)
			}
			continue
		}
		settling := settle > 0 && ok && h.FetchedOn <= d.AddDays(settle) && h.FetchedOn < today &&
			!(t.ep.Empty == wechat.EmptyNormal && noRows(h.Rows) && h.FetchedOn >= d.AddDays(2))
		// A live endpoint's day is asked again whenever it is due: it
		// describes the account now.
		if !ok || settling || h.Delayed || (t.ep.Period == wechat.Live && f.liveDue(t, h, now)) {
			out = append(out, d)
		}
	}
	return out, nil
}

// liveInterval is how often a live endpoint is asked.
func (f *Fetcher) liveInterval(ep wechat.Endpoint) time.Duration {
	if ep.PerPath {
		return f.cfg.QuotaInterval
	}
	return f.cfg.LiveInterval
}

// liveDue reports whether a live endpoint's stored row is an interval old,
// and otherwise has the task wait until it is: a restart does not ask
// again sooner.
func (f *Fetcher) liveDue(t *task, stored store.Day, now time.Time) bool {
	due := stored.FetchedAt.Add(f.liveInterval(t.ep))
	if stored.FetchedAt.IsZero() || !now.Before(due) {
		return true
	}
	t.mu.Lock()
	t.liveNext = due
	t.mu.Unlock()
	return false
}

// noRows reports whether a stored day's rows are an empty list. A publish
// day of a per-article list that was still empty when asked two days later
// had nothing published: it is final, and asking it again for the rest of
// its settling period would be calls for nothing.
func noRows(rows []byte) bool { return string(bytes.TrimSpace(rows)) == "[]" }

func (f *Fetcher) runTask(ctx context.Context, t *task, now time.Time) {
	defer f.firstAttempted(t, now)
	defer f.publishWritten(t)
	if !f.flushPending(t, now) {
		return
	}
	dates, err := f.toFetch(t, now)
	if err != nil {
		level.Error(f.logger).Log("msg", "reading store", "account", t.acc.Name, "endpoint", t.ep.Name, "err", err)
		t.noteOutcome(err)
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
	f.availableAgain(t)
	t.mu.Lock()
	t.failDay, t.failCode, t.transient = 0, "", 0
	t.mu.Unlock()
	if provisional { // served now, fetched again until WeChat says final
		f.retryLater(t, now, f.cfg.RetryInterval)
		return
	}
	if t.ep.Period == wechat.Live {
		t.mu.Lock()
		next := t.liveNext
		t.liveNext = time.Time{}
		if len(dates) > 0 {
			t.quotaForced = false
		}
		t.mu.Unlock()
		switch {
		case len(dates) > 0 && t.ep.PerPath && f.quotaDaily():
			// The day's answer is asked after the day's fetch (quotaDue):
			// one asked before the ready time (a first start) is not it.
			next = now.Add(f.untilNextReady(now))
		case len(dates) > 0 || next.IsZero():
			next = now.Add(f.liveInterval(t.ep))
		}
		f.retryLater(t, now, next.Sub(now))
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
