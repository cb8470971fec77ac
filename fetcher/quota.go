package fetcher

import (
	"time"

	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// The quota of the API paths an account calls (wechat.APIQuota): one
// quota/get request per path, so asking it is not free. With a
// QuotaInterval of a day (the default) it is asked once a Beijing day,
// after the day's fetch of the account's other endpoints (their calls are
// what spends the quota: asked before, it would show the night), or
// EmptyGrace after the ready time at the latest (an endpoint that keeps
// failing does not hold it back); and at once after WeChat answers 45009
// for one of the account's paths, when the figures matter most. An
// exporter that serves no quota for the account yet (a first start) asks
// at once, whatever the hour: before the ready time it would otherwise
// show none for hours; that answer, taken before the day's fetch, does not
// count as the day's. A shorter QuotaInterval asks that often instead.

// quotaDaily reports whether the quota is asked once a day.
func (f *Fetcher) quotaDaily() bool { return f.cfg.QuotaInterval >= 24*time.Hour }

// quotaDue reports whether the account's quota is to be asked now;
// stored is today's stored answer, if ok. Otherwise it sets when to look
// again.
func (f *Fetcher) quotaDue(t *task, stored store.Day, ok bool, now time.Time) bool {
	today := wechat.Today(now)
	t.mu.Lock()
	forced := t.quotaForced
	t.mu.Unlock()
	if forced {
		return true
	}
	if served := f.served(t); served == nil || served.Date == 0 {
		// None served yet (a first start): at once, but after the first
		// attempt of the account's other endpoints, so that the paths of
		// those WeChat will not serve it are not asked (quotaPaths), and
		// the calls do not depend on the order tasks get their slots in.
		if f.firstAttemptsDone(t.acc.Name) {
			return true
		}
		t.setLiveNext(now.Add(time.Hour)) // sooner: woken by the last first attempt (firstAttempted)
		return false
	}
	// The day's answer is one asked after the ready time: after the day's
	// fetch, or when that was given up waiting for.
	held := ok && !stored.FetchedAt.Before(f.readyAt(today))
	tomorrow := f.readyAt(today.AddDays(1))
	if held {
		t.setLiveNext(tomorrow)
		return false
	}
	latest := f.readyAt(today).Add(f.cfg.EmptyGrace)
	waitFor, settled := f.daysFetch(t.acc.Name, tomorrow)
	if settled || !now.Before(latest) {
		return true
	}
	if latest.Before(waitFor) {
		waitFor = latest
	}
	t.setLiveNext(waitFor)
	return false
}

// daysFetch reports whether the account's endpoints (live ones and the
// quota aside) have nothing left to do before next, the next day's ready
// time; if not, it returns the soonest time one of them is due.
func (f *Fetcher) daysFetch(account string, next time.Time) (soonest time.Time, settled bool) {
	settled = true
	for _, o := range f.tasks().byAcc[account] {
		if o.ep.PerPath || o.ep.Period == wechat.Live {
			continue
		}
		o.mu.Lock()
		due := o.next
		o.mu.Unlock()
		if due.Before(next) {
			if settled || due.Before(soonest) {
				soonest = due
			}
			settled = false
		}
	}
	return soonest, settled
}

// askQuotaNow has the account's quota asked at the next pass, after WeChat
// answered 45009 for one of its paths.
func (f *Fetcher) askQuotaNow(account string, now time.Time) {
	for _, o := range f.tasks().byAcc[account] {
		if o.ep.PerPath {
			f.quotaDueNow(o, now, true)
		}
	}
}

// quotaDueNow makes the quota task o due now, forced (asked whatever is
// served) or not, and wakes Run for it.
func (f *Fetcher) quotaDueNow(o *task, now time.Time, forced bool) {
	o.mu.Lock()
	o.next = now
	o.quotaForced = o.quotaForced || forced
	o.mu.Unlock()
	f.wakeUp()
}

func (t *task) setLiveNext(at time.Time) {
	t.mu.Lock()
	t.liveNext = at
	t.mu.Unlock()
}

// quotaPaths are the API paths whose quota is asked: those the account's
// endpoints call, but for endpoints WeChat will not serve it (offline,
// unauthorized, not a publisher), which spend nothing.
func (f *Fetcher) quotaPaths(acc *Account) []string {
	served := f.state.Load().Account(acc.Name)
	var paths []string
	for _, p := range acc.apiPaths() {
		for _, ep := range acc.Endpoints {
			if ep.Path() != p || ep.PerPath {
				continue
			}
			if served != nil && served.Endpoints[ep.Name] != nil && served.Endpoints[ep.Name].Status.Unavailable != "" {
				continue
			}
			paths = append(paths, p)
			break
		}
	}
	return paths
}

// firstAttemptsDone reports whether every endpoint of the account but the
// quota has been attempted since the start.
func (f *Fetcher) firstAttemptsDone(account string) bool {
	for _, o := range f.tasks().byAcc[account] {
		if o.ep.PerPath {
			continue
		}
		o.mu.Lock()
		ran := o.ran
		o.mu.Unlock()
		if !ran {
			return false
		}
	}
	return true
}

// firstAttempted records a task's first attempt since the start; the last
// of an account's makes its quota due at once if none is served yet.
func (f *Fetcher) firstAttempted(t *task, now time.Time) {
	t.mu.Lock()
	first := !t.ran
	t.ran = true
	t.mu.Unlock()
	if !first || t.ep.PerPath || !f.firstAttemptsDone(t.acc.Name) {
		return
	}
	for _, o := range f.tasks().byAcc[t.acc.Name] {
		if served := f.served(o); o.ep.PerPath && (served == nil || served.Date == 0) {
			f.quotaDueNow(o, now, false)
		}
	}
}
