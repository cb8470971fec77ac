package fetcher

import (
	"errors"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Failures: what an unsuccessful fetch means and when the endpoint is
// asked again.

// errNotReady stands for an empty answer where rows are due.
var errNotReady = errors.New("empty answer where rows are due: data not ready")

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
