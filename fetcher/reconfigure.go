package fetcher

import (
	"context"
	"errors"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// SetAccounts makes accounts the fetcher's work (a reload of the
// configuration, or discovery), while it runs. Nothing unchanged is
// touched: an account with the same client keeps its tasks, their
// schedules and failures; an endpoint an account keeps keeps its task.
// New accounts and endpoints are served from the store at once and
// fetched (only what the store lacks) on the next pass; removed ones are
// no longer served or fetched, and their stored days stay on disk.
// An account whose AppID changed serves nothing of the old one's: its
// stored days are kept aside (store.BindAppIDs), and it is loaded and
// fetched as a new account.
func (f *Fetcher) SetAccounts(ctx context.Context, accounts []Account) error {
	f.reconfigure.Lock()
	defer f.reconfigure.Unlock()
	appIDs := map[string]string{} // every account's, for the state, those not bound too
	for _, a := range accounts {
		appIDs[a.Name] = a.AppID
	}
	accounts, rebound := f.bindAppIDs(accounts)
	old := f.tasks()
	var added []*task
	next := newTaskSet(accounts, func(acc *Account, ep wechat.Endpoint) *task {
		prev := old.byAcc[acc.Name]
		if len(prev) == 0 || prev[0].acc.Client != acc.Client || rebound[acc.Name] {
			return nil // a new account, new credentials or other days: start afresh
		}
		for _, t := range prev {
			// The quota task reads the account's endpoints (its paths): a
			// new one if they changed.
			if t.ep == ep && (!ep.PerPath || slices.Equal(t.acc.Endpoints, acc.Endpoints)) {
				return t
			}
		}
		return nil
	})
	known := map[*task]bool{}
	for _, t := range old.all {
		known[t] = true
	}
	configured := map[string][]string{}
	var newAccounts []string
	for _, t := range next.all {
		configured[t.acc.Name] = append(configured[t.acc.Name], t.ep.Name)
		if known[t] {
			continue
		}
		if len(old.byAcc[t.acc.Name]) == 0 || rebound[t.acc.Name] {
			if !slices.Contains(newAccounts, t.acc.Name) {
				newAccounts = append(newAccounts, t.acc.Name)
			}
			continue
		}
		added = append(added, t)
	}
	f.set.Store(next)
	for _, t := range f.d.clear() { // the next pass puts the new set's due tasks in line
		f.finishTask(t)
	}
	f.state.SetAccounts(appIDs, configured)
	for name := range old.byAcc {
		if len(next.byAcc[name]) == 0 {
			f.forgetCounters(name)
		}
	}
	f.forgetRefusals(next)

	// Serve what the store holds of the new accounts and endpoints.
	errs := []error{f.loadAccounts(ctx, newAccounts)}
	for _, t := range added {
		errs = append(errs, f.publish(t))
	}
	for _, name := range accountsOf(added) {
		errs = append(errs, f.loadUnavailable(name))
	}
	f.wakeUp()
	return errors.Join(errs...)
}

func accountsOf(ts []*task) []string {
	var out []string
	for _, t := range ts {
		if !slices.Contains(out, t.acc.Name) {
			out = append(out, t.acc.Name)
		}
	}
	return out
}

// forgetCounters drops the counters of an account that left, as its API
// counters are: an account removed is no longer a series.
func (f *Fetcher) forgetCounters(account string) {
	labels := prometheus.Labels{"account": account}
	for _, c := range []*prometheus.CounterVec{f.readFailures, f.rowsDropped, f.fieldsMissing, f.rowsSkipped} {
		c.DeletePartialMatch(labels)
	}
}
