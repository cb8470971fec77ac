package fetcher

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-kit/log/level"

	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// One fetch: asking WeChat for a range, grouping the answer by day,
// storing it (or keeping it in memory while the store fails) and serving it.

// fetchRange fetches and stores one request's range, and reports whether
// the task may go on with its next range, and whether WeChat said the
// figures are provisional.
func (f *Fetcher) fetchRange(ctx context.Context, t *task, r wechat.Range, now time.Time) (ok, delayed bool) {
	ans, err := f.ask(ctx, t, r)
	if err != nil {
		if ctx.Err() == nil {
			f.failed(t, r, err, now)
		}
		return false, false
	}
	f.noteReport(t, ans.Report)
	byDate := f.byDate(t, ans)
	avail := f.available(t.ep, now)
	var days []store.Day
	suspicious := false
	for _, d := range t.ep.Labels(r.Begin, r.End) {
		if len(byDate[d]) == 0 && d == avail && f.rowsDue(t, now) {
			suspicious = true // keep the other days; ask for this one again
			continue
		}
		days = append(days, store.Day{Date: d, FetchedOn: wechat.Today(now), FetchedAt: now, Delayed: ans.Delayed, Rows: wechat.JoinRows(byDate[d])})
	}
	if len(days) > 0 && !f.write(t, days, now) {
		return false, false
	}
	if suspicious {
		if t.ep.Empty == wechat.EmptyIfQuiet {
			f.askQuietDayAgain(t, now)
		} else {
			f.failed(t, r, errNotReady, now)
		}
		return false, false
	}
	return true, ans.Delayed
}

// ask makes the request of one range: for the quota endpoint, one per API
// path the account calls.
func (f *Fetcher) ask(ctx context.Context, t *task, r wechat.Range) (wechat.Answer, error) {
	if t.ep.PerPath {
		return t.acc.Client.FetchQuotas(ctx, t.ep, r.End, f.quotaPaths(t.acc))
	}
	return t.acc.Client.Fetch(ctx, t.ep, r)
}

// noteReport counts what an answer lacked (wechat.Report) and says so in
// the log, once per endpoint and field (or reason a row was left out) for
// the process: the counters say how often.
func (f *Fetcher) noteReport(t *task, rep wechat.Report) {
	for _, g := range rep.SortedGaps() {
		n := rep.Gaps[g]
		f.fieldsMissing.WithLabelValues(t.acc.Name, t.ep.Name, g.Field, g.Why.String()).Add(float64(n))
		if _, logged := f.reported.LoadOrStore(t.ep.Name+"\x00"+g.Field+"\x00"+g.Why.String(), true); !logged {
			level.Debug(f.logger).Log("msg", "a figure WeChat did not give: its series is left out, the rest of the row is served (logged once per endpoint and field; see wechat_datacube_fields_missing_total)",
				"account", t.acc.Name, "endpoint", t.ep.Name, "field", g.Field, "reason", g.Why, "rows", n)
		}
	}
	for s, n := range rep.Skipped {
		f.rowsSkipped.WithLabelValues(t.acc.Name, t.ep.Name, s.String()).Add(float64(n))
		if _, logged := f.reported.LoadOrStore(t.ep.Name+"\x00skip\x00"+s.String(), true); !logged {
			level.Info(f.logger).Log("msg", "rows of an answer were left out (logged once per endpoint and reason; see wechat_datacube_rows_skipped_total)",
				"account", t.acc.Name, "endpoint", t.ep.Name, "reason", s, "rows", n, "first", rep.Example[s])
		}
	}
}

// MaxRowsPerDay bounds the rows kept of one endpoint's day. The largest
// legitimate days are the per-article lists of big accounts (every article
// read that day); far beyond them an answer would only fill the store and
// every scrape.
const MaxRowsPerDay = 5000

// byDate groups an answer's rows, as WeChat sent them, by their day, each
// day cut to MaxRowsPerDay rows; a cut is counted, and logged once per
// task.
func (f *Fetcher) byDate(t *task, ans wechat.Answer) map[wechat.Date][]json.RawMessage {
	out := map[wechat.Date][]json.RawMessage{}
	dropped := 0
	for i, row := range ans.Rows {
		d := row.RowDate()
		if len(out[d]) >= MaxRowsPerDay {
			dropped++
			continue
		}
		out[d] = append(out[d], ans.Raw[i])
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

// write stores the days of one fetch, to be published at the end of the
// task (publishWritten). If the store
// fails (full disk, read-only path), the days are served from memory and
// kept to be written before anything else is fetched: no API call is spent
// twice on the same data.
func (f *Fetcher) write(t *task, days []store.Day, now time.Time) bool {
	if err := f.store.Put(t.acc.Name, t.ep.Name, days); err != nil {
		f.storeFailures.Inc()
		level.Error(f.logger).Log("msg", "store write failed; serving from memory and writing again later", "account", t.acc.Name, "endpoint", t.ep.Name, "err", err)
		t.noteOutcome(err)
		f.serveUnstored(t, days)
		t.mu.Lock()
		t.pending = append(t.pending, days...)
		t.mu.Unlock()
		f.state.SetStatus(t.acc.Name, t.ep.Name, false, now)
		f.retryLater(t, now, f.cfg.RetryInterval)
		return false
	}
	t.forgetDamaged(days)
	t.mu.Lock()
	t.unpublished = true
	t.mu.Unlock()
	return true
}

// publishWritten serves what a task stored, once at its end: serving
// decodes the endpoint's whole served window, which a task of 30 one-day
// calls (getarticletotaldetail's settling month) would otherwise decode 30
// times.
func (f *Fetcher) publishWritten(t *task) {
	t.mu.Lock()
	written := t.unpublished
	t.unpublished = false
	t.mu.Unlock()
	if !written {
		return
	}
	if err := f.publish(t); err != nil {
		level.Error(f.logger).Log("msg", "publishing stored data", "account", t.acc.Name, "endpoint", t.ep.Name, "err", err)
		return
	}
	f.noteWritten(t.acc.Name)
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
	rows, err := wechat.DecodeDay(t.ep, newest.Date, newest.Rows)
	if err == nil {
		f.state.SetData(t.acc.Name, t.ep.Name, newest.Date, rows, newest.Date)
	}
}

// rowsDue reports whether an empty answer for the newest day means "not
// ready" rather than "no data", until EmptyGrace after the ready time: for
// endpoints with a row every day (asked again every retry interval), or
// that usually have rows and had some the day before (asked again twice:
// askQuietDayAgain); never for per-article lists, where an empty day is a
// normal answer (see wechat.EmptyDay).
func (f *Fetcher) rowsDue(t *task, now time.Time) bool {
	if !now.Before(f.readyAt(wechat.Today(now)).Add(f.cfg.EmptyGrace)) {
		return false
	}
	switch t.ep.Empty {
	case wechat.EmptyNotReady:
		return true
	case wechat.EmptyNormal:
		return false
	}
	ep := f.served(t)
	return ep != nil && len(ep.Rows) > 0
}

// askQuietDayAgain schedules the newest day of an endpoint whose rows
// appear only when something happened (wechat.EmptyIfQuiet: follows,
// reads, messages, callbacks) again,
// after an empty answer that followed a day with rows: WeChat may not be
// done with it, or the day was quiet, as most of a small account's days
// are. It is asked again at most twice, midway through the grace after
// the ready time and at its end, and then taken for quiet (rowsDue). The
// fetch succeeded: WeChat answered, and the status says so, so that a
// quiet day is no failure to alert on.
func (f *Fetcher) askQuietDayAgain(t *task, now time.Time) {
	ready := f.readyAt(wechat.Today(now))
	next := ready.Add(f.cfg.EmptyGrace / 2)
	if !now.Before(next) {
		next = ready.Add(f.cfg.EmptyGrace)
	}
	f.state.SetStatus(t.acc.Name, t.ep.Name, true, now)
	level.Debug(f.logger).Log("msg", "an empty newest day after a day with rows: asked again, then taken for a quiet day",
		"account", t.acc.Name, "endpoint", t.ep.Name, "retry_at", next.Format(time.RFC3339))
	f.retryLater(t, now, next.Sub(now))
}

// served returns what the snapshot serves for the task, or nil.
func (f *Fetcher) served(t *task) *served.Endpoint {
	if acc := f.state.Load().Account(t.acc.Name); acc != nil {
		return acc.Endpoints[t.ep.Name]
	}
	return nil
}
