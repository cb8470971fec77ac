package fetcher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Backfill: every missing day of a past range, with the fewest calls.

// BackfillProgress is told how many requests are done of how many.
type BackfillProgress func(done, total int)

// Unavailable is an endpoint WeChat will not serve for an account, and
// why: no run of backfill can change it.
type Unavailable struct {
	Account, Endpoint string
	Reason            string // one of wechat's Reason constants
	Remedy            string // what would make WeChat serve it
}

// Backfill fills the store with every missing day (or period) in
// [from, to] of the accounts (nil: all), and the days before from that an
// endpoint serves with it (ServedDays), with the fewest calls the spans
// allow; stored days cost nothing. It goes on after a failure. It returns
// the endpoints WeChat will not serve for an account (their days cannot be
// had), and every other failure, joined: those may succeed if asked
// again. to must be a day WeChat can serve.
func (f *Fetcher) Backfill(ctx context.Context, from, to wechat.Date, accounts map[string]bool, progress BackfillProgress) ([]Unavailable, error) {
	jobs, total, errs := f.backfillPlan(from, to, accounts)
	run := &backfillRun{f: f, total: total, progress: progress, errs: errs}
	run.report(0)
	var wg sync.WaitGroup
	for _, j := range jobs {
		select {
		case f.sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return run.unavailable, errors.Join(append(run.errs, ctx.Err())...)
		}
		wg.Add(1)
		go func(j backfillJob) {
			defer wg.Done()
			defer func() { <-f.sem }()
			run.job(ctx, j)
		}(j)
	}
	wg.Wait()
	slices.SortFunc(run.unavailable, func(a, b Unavailable) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Endpoint, b.Endpoint))
	})
	return run.unavailable, errors.Join(run.errs...)
}

// backfillJob is an account's endpoint and the ranges it misses.
type backfillJob struct {
	t      *task
	ranges []wechat.Range
}

// backfillPlan returns, for each account's endpoint with days missing in
// [from, to], the ranges that fetch them with the fewest calls; the number
// of ranges; and the endpoints whose stored days could not be read.
func (f *Fetcher) backfillPlan(from, to wechat.Date, accounts map[string]bool) (jobs []backfillJob, total int, errs []error) {
	for _, t := range f.tasks().all {
		if accounts != nil && !accounts[t.acc.Name] {
			continue
		}
		if t.ep.Period == wechat.Snapshot || t.ep.Period == wechat.Live {
			continue // a past day's state cannot be asked for
		}
		// A day is served with the days before it that its endpoint
		// serves together (the publish days of the last 30 for
		// getarticletotaldetail): the first day of the range needs them.
		from := from.AddDays(1 - t.ep.Served())
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
		if ranges := t.acc.Client.Plan(t.ep, missing); len(ranges) > 0 {
			total += len(ranges)
			jobs = append(jobs, backfillJob{t, ranges})
		}
	}
	return jobs, total, errs
}

// backfillRun is what the jobs of one Backfill share: the progress and
// what failed.
type backfillRun struct {
	f        *Fetcher
	total    int
	progress BackfillProgress

	mu          sync.Mutex
	done        int
	unavailable []Unavailable
	errs        []error
}

// job fetches the ranges of one job in order; after a failure the
// endpoint's later ranges are skipped (and counted as done).
func (r *backfillRun) job(ctx context.Context, j backfillJob) {
	for i, rg := range j.ranges {
		err := r.f.backfillRange(ctx, j.t, rg)
		if err == nil {
			r.step(1)
			continue
		}
		r.mu.Lock()
		if outcome, reason := wechat.Classify(err); outcome == wechat.OutcomeUnavailable {
			r.unavailable = append(r.unavailable, Unavailable{Account: j.t.acc.Name, Endpoint: j.t.ep.Name,
				Reason: reason, Remedy: Remedy(j.t.ep, reason)})
		} else {
			r.errs = append(r.errs, fmt.Errorf("account %s, %s %s: %w", j.t.acc.Name, j.t.ep.Name, rg, err))
		}
		r.mu.Unlock()
		r.step(len(j.ranges) - i)
		return
	}
}

// step counts n requests done (or skipped) and reports the progress.
func (r *backfillRun) step(n int) {
	r.mu.Lock()
	r.done += n
	done := r.done
	r.mu.Unlock()
	r.report(done)
}

func (r *backfillRun) report(done int) {
	if r.progress != nil {
		r.progress(done, r.total)
	}
}

// backfillRange fetches and stores one range of past days, empty days
// included: in the past an empty answer is final.
func (f *Fetcher) backfillRange(ctx context.Context, t *task, r wechat.Range) error {
	ans, err := t.acc.Client.Fetch(ctx, t.ep, r)
	if err != nil {
		return err
	}
	f.noteReport(t, ans.Report)
	byDate := f.byDate(t, ans)
	today := wechat.Today(f.cfg.Now())
	var days []store.Day
	for _, d := range t.ep.Labels(r.Begin, r.End) {
		days = append(days, store.Day{Date: d, FetchedOn: today, Delayed: ans.Delayed, Rows: wechat.JoinRows(byDate[d])})
	}
	if err := f.store.Put(t.acc.Name, t.ep.Name, days); err != nil {
		f.storeFailures.Inc()
		return err
	}
	return nil
}
