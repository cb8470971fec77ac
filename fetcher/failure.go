package fetcher

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Failures: what an unsuccessful fetch means and when the endpoint is
// asked again.

// errNotReady stands for an empty answer where rows are due.
var errNotReady = errors.New("empty answer where rows are due: data not ready")

// failed decides, from what the error means (wechat.Classify), when the
// task asks again, and says so.
func (f *Fetcher) failed(t *task, r wechat.Range, err error, now time.Time) {
	f.state.SetStatus(t.acc.Name, t.ep.Name, false, now)
	t.noteOutcome(err) // its round says it, in a line per cause
	outcome, reason := wechat.Classify(err)
	if errors.Is(err, errNotReady) {
		outcome = wechat.OutcomeNotReady
	}
	if wechat.CredentialsRejected(err) {
		f.credentialsRefused(t, err, now)
		f.retryLater(t, now, f.readyAt(wechat.Today(now).AddDays(1)).Sub(now))
		return
	}
	logger := log.With(f.logger, "account", t.acc.Name, "endpoint", t.ep.Name, "range", r, "outcome", outcome, "err", err)
	switch outcome {
	case wechat.OutcomeNotReady:
		level.Debug(logger).Log("msg", "data not ready yet", "retry_in", f.cfg.RetryInterval)
		f.retryLater(t, now, f.cfg.RetryInterval)
	case wechat.OutcomeTransient:
		wait := f.backoff(t)
		level.Debug(logger).Log("msg", "fetch failed; will retry", "retry_in", wait)
		f.retryLater(t, now, wait)
	case wechat.OutcomeQuota:
		midnight := wechat.Today(now).AddDays(1).Start()
		level.Debug(logger).Log("msg", "daily API quota spent; no call until the next Beijing day", "retry_at", midnight.Format(time.RFC3339))
		f.retryLater(t, now, midnight.Sub(now))
		if !t.ep.PerPath {
			f.askQuotaNow(t.acc.Name, now) // what is left of the others now
		}
	case wechat.OutcomeUnavailable:
		f.unavailable(t, logger, reason, err, now)
	default:
		f.logPermanent(t, logger, err, now, "fetch failing; needs attention (will try again tomorrow)")
		f.retryLater(t, now, f.readyAt(wechat.Today(now).AddDays(1)).Sub(now))
	}
}

// toldFailure is what was last said of a failure: its Beijing day and
// code.
type toldFailure struct {
	day  wechat.Date
	code string
}

// credentialsRefused says, once per account, day and code, that WeChat's
// token endpoint refuses the account's credentials, and what to fix: one
// problem of the account, which every endpoint of it meets.
func (f *Fetcher) credentialsRefused(t *task, err error, now time.Time) {
	told := toldFailure{wechat.Today(now), wechat.ErrCode(err)}
	f.mu.Lock()
	first := f.refusals[t.acc.Client] != told
	f.refusals[t.acc.Client] = told
	f.mu.Unlock()
	if first {
		level.Error(f.logger).Log("msg", CredentialsRemedy(err)+"; none of the account's endpoints is fetched until tomorrow, or until a reload with new credentials",
			"account", t.acc.Name, "err", err)
	}
}

// forgetRefusals drops what was said of clients no longer in use.
func (f *Fetcher) forgetRefusals(ts *taskSet) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.refusals {
		if !slices.ContainsFunc(ts.all, func(t *task) bool { return t.acc.Client == c }) {
			delete(f.refusals, c)
		}
	}
}

// CredentialsRemedy says what WeChat's refusal of an account's
// credentials (wechat.CredentialsRejected) means, and what would end it.
func CredentialsRemedy(err error) string {
	var api *wechat.APIError
	errors.As(err, &api)
	switch api.Code {
	case wechat.CodeInvalidToken, wechat.CodeInvalidSecret:
		return fmt.Sprintf("WeChat refuses the account's AppSecret (errcode %d): set the account's current AppSecret in app_secret or app_secret_file "+
			"(one reset in the WeChat console replaces the old) and reload", api.Code)
	case wechat.CodeInvalidAppID:
		return fmt.Sprintf("WeChat knows no account of this AppID (errcode %d): check the account's app_id", api.Code)
	case wechat.CodeIPNotWhitelist, wechat.CodeClientIPNotRegistered:
		return fmt.Sprintf("WeChat refuses calls from this host's IP address (errcode %d; the error names it): add it to the IP whitelist in the WeChat console", api.Code)
	case wechat.CodeSecretFrozen:
		return fmt.Sprintf("the account's AppSecret is frozen (errcode %d): unfreeze or reset it in the WeChat console", api.Code)
	case wechat.CodeRefreshTokenBad:
		return fmt.Sprintf("WeChat refuses the authorizer refresh token (errcode %d): the account must authorise the platform again", api.Code)
	case wechat.CodeTicketExpired, wechat.CodeTicketInvalid:
		return fmt.Sprintf("WeChat refuses the platform's verify ticket (errcode %d): check that the callback keeps verify_ticket_file current", api.Code)
	}
	return fmt.Sprintf("WeChat's %s refuses the account's credentials (errcode %d)", api.Endpoint, api.Code)
}

// firstBackoff is the first wait after a transient failure (the client
// has already retried at once); it doubles up to the retry interval. A
// per-minute limit (45011) and the ad API's "too frequent" want a minute.
const firstBackoff = time.Minute

// TransientBackoff is the wait after consecutive transient failures with
// the retry interval ri: a minute, doubling up to ri. A client's token
// failures are held as long (wechat.WithTokenBackoff), so that each retry
// round of an account's tasks costs one token attempt.
func TransientBackoff(ri time.Duration) wechat.Backoff {
	return wechat.Backoff{First: firstBackoff, Max: ri}
}

// backoff returns the wait after the task's consecutive transient failure.
func (f *Fetcher) backoff(t *task) time.Duration {
	t.mu.Lock()
	t.transient++
	n := t.transient
	t.mu.Unlock()
	return TransientBackoff(f.cfg.RetryInterval).After(n)
}

// unavailableRetry is how long an endpoint WeChat will not serve for an
// account is left alone.
const unavailableRetry = 7 * 24 * time.Hour

// unavailable marks the endpoint unavailable for the account, and why (a
// metric shows it), says once at warn what would make WeChat serve it, and
// asks again in a week: also after a restart, as the store keeps it.
func (f *Fetcher) unavailable(t *task, logger log.Logger, reason string, err error, now time.Time) {
	until := now.Add(unavailableRetry)
	f.state.SetUnavailable(t.acc.Name, t.ep.Name, reason)
	u := store.Unavailability{Reason: reason, Code: wechat.ErrCode(err), Until: until}
	if serr := f.store.PutUnavailable(t.acc.Name, t.ep.Name, u); serr != nil {
		level.Warn(logger).Log("msg", "could not keep the endpoint's unavailability in the store; a restart asks again", "store_err", serr)
	}
	if f.firstFailure(t, err, now) {
		level.Debug(logger).Log("msg", Remedy(t.ep, reason)+"; asked again in a week", "reason", reason, "retry_at", until.Format(time.RFC3339))
	}
	f.retryLater(t, now, unavailableRetry)
}

// permissionSets names the third-party platform permission sets.
var permissionSets = map[int]string{1: "message management, 消息管理", 2: "user management, 用户管理",
	3: "account management", 7: "mass messages and notifications, 群发与通知"}

// Remedy says why WeChat will not serve ep for an account (reason is
// one of wechat's Reason constants), and what would change that.
func Remedy(ep wechat.Endpoint, reason string) string {
	switch reason {
	case wechat.ReasonOffline:
		return "WeChat took the endpoint offline for this account (the 2025 content endpoints give the article figures)"
	case wechat.ReasonNotPublisher:
		return "the account is not a publisher (流量主), so WeChat has no ad data for it: remove publisher: true from its configuration"
	case wechat.ReasonUnauthorized:
		if name, ok := permissionSets[ep.PermissionSet]; ok {
			return fmt.Sprintf("WeChat refuses the endpoint for this account (48001): the data interfaces need a verified (认证) account, "+
				"and an account authorised to a third-party platform must grant it permission set %d (%s)", ep.PermissionSet, name)
		}
		return "WeChat refuses the endpoint for this account (48001): the data interfaces need a verified (认证) account"
	}
	return "WeChat will not serve the endpoint for this account"
}

// available records that the task's endpoint is served again after being
// unavailable.
func (f *Fetcher) availableAgain(t *task) {
	acc := f.state.Load().Account(t.acc.Name)
	if acc == nil || acc.Endpoints[t.ep.Name] == nil || acc.Endpoints[t.ep.Name].Status.Unavailable == "" {
		return
	}
	f.state.SetUnavailable(t.acc.Name, t.ep.Name, "")
	if err := f.store.DeleteUnavailable(t.acc.Name, t.ep.Name); err != nil {
		level.Warn(f.logger).Log("msg", "could not forget the endpoint's unavailability in the store", "account", t.acc.Name, "endpoint", t.ep.Name, "err", err)
	}
}

// logPermanent logs a failure that needs a person, once per day and code,
// at debug level: its round says it at error, with every account it hit.
func (f *Fetcher) logPermanent(t *task, logger log.Logger, err error, now time.Time, msg string) {
	if f.firstFailure(t, err, now) {
		level.Debug(logger).Log("msg", msg)
	}
}

// firstFailure reports whether err is the task's first failure with its
// code today, and remembers it.
func (f *Fetcher) firstFailure(t *task, err error, now time.Time) bool {
	today, code := wechat.Today(now), wechat.ErrCode(err)
	t.mu.Lock()
	defer t.mu.Unlock()
	first := t.failDay != today || t.failCode != code
	t.failDay, t.failCode = today, code
	return first
}
