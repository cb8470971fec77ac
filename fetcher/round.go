package fetcher

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Rounds: what a pass's tasks came to, said in a few lines once the last
// of them has run. A failure of one task is detail (debug level); an
// outage that hits every account is one line saying so, not a line per
// account, endpoint and retry (25,000 a round at 1,000 accounts), and a
// round that completes says what is served.

// round is the tasks one pass put in line.
type round struct {
	mu      sync.Mutex
	started time.Time
	tasks   int                    // put in line
	left    int                    // not ended yet
	failed  map[string]int         // failed tasks, by account (each of the round's accounts)
	causes  map[string]*roundCause // by cause, in the order first seen
	order   []string
}

// roundCause is one cause of failures in a round: whom it hit.
type roundCause struct {
	outcome   wechat.Outcome
	code      string
	accounts  []string // in the order hit
	endpoints map[string]bool
	tasks     int
	example   string // the first error, for the line
	remedy    string // for an unavailable endpoint, what would change it
}

func newRound(ts []*task, now time.Time) *round {
	r := &round{started: now, tasks: len(ts), left: len(ts), failed: map[string]int{}, causes: map[string]*roundCause{}}
	for _, t := range ts {
		r.failed[t.acc.Name] = 0 // in the round, nothing failed yet
	}
	return r
}

// done records how a task of the round ended (err nil: it succeeded, or
// did not run), and reports whether it was the round's last.
func (r *round) done(t *task, err error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.failed[t.acc.Name]++
		outcome, reason := wechat.Classify(err)
		if errors.Is(err, errNotReady) {
			outcome = wechat.OutcomeNotReady
		}
		key := fmt.Sprintf("%s %s %s", outcome, wechat.ErrCode(err), reason)
		c := r.causes[key]
		if c == nil {
			c = &roundCause{outcome: outcome, code: wechat.ErrCode(err), endpoints: map[string]bool{}, example: err.Error()}
			if outcome == wechat.OutcomeUnavailable {
				c.remedy = Remedy(t.ep, reason)
			}
			r.causes[key] = c
			r.order = append(r.order, key)
		}
		if !slices.Contains(c.accounts, t.acc.Name) {
			c.accounts = append(c.accounts, t.acc.Name)
		}
		c.endpoints[t.ep.Name] = true
		c.tasks++
	}
	r.left--
	return r.left == 0
}

// report says what the round came to: a line per cause of failure, then
// the round's totals.
func (r *round) report(logger log.Logger, series int, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tasks := r.tasks
	for _, key := range r.order {
		c := r.causes[key]
		msg := "fetches failed"
		if c.code == wechat.KindNetwork && c.tasks == tasks {
			msg = "WeChat unreachable: every request of the round failed with a network error"
		}
		lvl := level.Warn
		switch c.outcome {
		case wechat.OutcomeNotReady:
			lvl, msg = level.Info, "data not ready yet; asked again"
		case wechat.OutcomeQuota:
			msg = "daily API quota spent; no call until the next Beijing day"
		case wechat.OutcomeUnavailable:
			msg = c.remedy + "; asked again in a week"
		case wechat.OutcomeBroken:
			lvl, msg = level.Error, "fetches failing; need attention (tried again tomorrow)"
		}
		lvl(logger).Log("msg", msg, "outcome", c.outcome, "errcode", c.code, "accounts", len(c.accounts),
			"endpoints", len(c.endpoints), "fetches", c.tasks, "hit", listed(c.accounts, 5), "first_err", c.example)
	}
	complete, failed := 0, 0
	for _, n := range r.failed {
		if n == 0 {
			complete++
		}
		failed += n
	}
	kv := []any{"msg", "fetch round complete", "accounts", len(r.failed), "accounts_complete", complete,
		"endpoints_fetched", tasks - failed, "endpoints_failed", failed, "took", now.Sub(r.started).Round(time.Millisecond)}
	if series >= 0 {
		kv = append(kv, "series_served", series)
	}
	level.Info(logger).Log(kv...)
}

// names returns the round's accounts, sorted.
func (r *round) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.failed))
	for n := range r.failed {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// listed names up to n of names, and how many more.
func listed(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ",")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ","), len(names)-n)
}

// endRound reports a round whose last task has run.
func (f *Fetcher) endRound(r *round) {
	series := -1
	if c := f.cfg.RenderCache; c != nil {
		series = 0
		snap := f.state.Load()
		for _, name := range r.names() {
			if acc := snap.Account(name); acc != nil {
				series += c.Series(acc)
			}
		}
	}
	r.report(f.logger, series, f.cfg.Now())
}

// finishTask ends a task's part in its round, with how it went.
func (f *Fetcher) finishTask(t *task) {
	t.mu.Lock()
	r, err := t.round, t.outcome
	t.round, t.outcome = nil, nil
	t.mu.Unlock()
	if r != nil && r.done(t, err) {
		f.endRound(r)
	}
}

// noteOutcome records why a task failed, for its round.
func (t *task) noteOutcome(err error) {
	t.mu.Lock()
	t.outcome = err
	t.mu.Unlock()
}
