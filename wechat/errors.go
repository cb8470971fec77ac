package wechat

import (
	"errors"
	"fmt"
	"strconv"
)

// Class says what a caller should do about an error.
type Class int

const (
	// Permanent errors need a person: a wrong secret, a missing permission,
	// a bug. Retrying soon will not help.
	Permanent Class = iota
	// Retryable errors are transient: WeChat busy, 5xx, timeouts, resets,
	// bodies broken on the way, and "data not ready" (61503).
	Retryable
	// TokenInvalid means WeChat rejected the access token: refresh it once
	// and retry once.
	TokenInvalid
	// Quota means the daily quota (45009) is spent: wait for the next
	// Beijing day.
	Quota
	// RateLimited means too many calls in a short time (45011, or the ad
	// API's ret 45009): ask again in a minute or more, not at once.
	RateLimited
)

func (c Class) String() string {
	switch c {
	case Retryable:
		return "retryable"
	case TokenInvalid:
		return "token-invalid"
	case Quota:
		return "quota"
	case RateLimited:
		return "rate-limited"
	}
	return "permanent"
}

// Error codes the client and the exporter act on.
const (
	CodeSystemBusy            = -1
	CodeInvalidToken          = 40001
	CodeBadToken              = 40014
	CodeIPNotWhitelist        = 40164
	CodeInvalidAppID          = 40013
	CodeInvalidSecret         = 40125
	CodeSecretFrozen          = 40243
	CodeClientIPNotRegistered = 61004 // the component token's IP whitelist
	CodeTicketExpired         = 61005
	CodeTicketInvalid         = 61006
	CodeTokenMissing          = 41001
	CodeTokenExpired          = 42001
	CodeDailyQuota            = 45009
	CodeMinuteQuota           = 45011
	CodeUnauthorized          = 48001
	CodeAPIOffline            = 47009 // reported for getarticletotal, taken offline [?]
	CodeBadDate               = 61500
	CodeDateRange             = 61501
	CodeNotReady              = 61503
	CodeRefreshTokenBad       = 61023
)

// APIError is an error answer from WeChat: {"errcode":N,"errmsg":"..."}.
// Message keeps WeChat's text, including the "rid:" request id that
// WeChat support asks for.
type APIError struct {
	Endpoint string
	Code     int64
	Message  string
	// Ret says the code came in the ad API's base_resp.ret, whose codes
	// mean other things than errcodes of the same number (45009).
	Ret bool
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechat %s: errcode %d: %s", e.Endpoint, e.Code, e.Message)
}

// tokenEndpoints are the endpoints that hand out tokens. A "token
// invalid" code from one of them means wrong credentials (40001 is a wrong
// AppSecret on /cgi-bin/token): refreshing a token cannot fix that.
var tokenEndpoints = map[string]bool{"token": true, "stable_token": true, "api_component_token": true, "api_authorizer_token": true}

// CredentialsRejected reports whether err is a token endpoint refusing the
// account's credentials: a wrong AppSecret or AppID, an IP not in the
// whitelist, a frozen secret, an invalid refresh token or verify ticket.
// Such a refusal lasts until a person fixes it, unlike a busy or
// unreachable token endpoint.
func CredentialsRejected(err error) bool {
	var api *APIError
	return errors.As(err, &api) && tokenEndpoints[api.Endpoint] && api.Class() == Permanent
}

func rejectsToken(code int64) bool {
	return code == CodeInvalidToken || code == CodeBadToken || code == CodeTokenExpired
}

// Class classifies the error code.
func (e *APIError) Class() Class {
	switch {
	case rejectsToken(e.Code) && tokenEndpoints[e.Endpoint]:
		return Permanent
	case rejectsToken(e.Code):
		return TokenInvalid
	}
	switch {
	case e.Code == CodeSystemBusy, e.Code == CodeNotReady:
		return Retryable
	case e.Code == CodeMinuteQuota, e.Ret && e.Code == CodeAdTooFrequent:
		return RateLimited
	case e.Code == CodeDailyQuota:
		return Quota
	}
	return Permanent
}

// Outcome is what a failed call means for an endpoint of an account: the
// exporter's one vocabulary of failures, each with its own schedule.
type Outcome int

const (
	// OutcomeNotReady: WeChat has not computed the data yet (61503): ask
	// again in minutes.
	OutcomeNotReady Outcome = iota
	// OutcomeTransient: network trouble, 5xx, a broken body, a busy or
	// rate-limited WeChat: ask again with backoff.
	OutcomeTransient
	// OutcomeQuota: the daily quota is spent (45009): ask again after its
	// reset, the next Beijing day.
	OutcomeQuota
	// OutcomeUnavailable: WeChat will not serve the endpoint for this
	// account (see the Reason constants): ask again weekly.
	OutcomeUnavailable
	// OutcomeBroken: anything else; a person must look (wrong secret,
	// IP not whitelisted, a redirect, a bad request).
	OutcomeBroken
)

func (o Outcome) String() string {
	return [...]string{"not ready", "transient", "quota spent", "unavailable", "broken"}[o]
}

// Why an endpoint is unavailable for an account.
const (
	ReasonOffline      = "offline"       // 47009: WeChat took the endpoint offline
	ReasonUnauthorized = "unauthorized"  // 48001: account not verified, or permission set not granted
	ReasonNotPublisher = "not_publisher" // ad ret 2009: the account is not a publisher (流量主)
)

// Classify says what err means in the exporter's vocabulary, and for an
// unavailable endpoint why.
func Classify(err error) (Outcome, string) {
	var api *APIError
	if errors.As(err, &api) && !tokenEndpoints[api.Endpoint] {
		switch {
		case api.Code == CodeAPIOffline && !api.Ret:
			return OutcomeUnavailable, ReasonOffline
		case api.Code == CodeUnauthorized && !api.Ret:
			return OutcomeUnavailable, ReasonUnauthorized
		case api.Code == CodeNotPublisher && api.Ret:
			return OutcomeUnavailable, ReasonNotPublisher
		}
	}
	switch {
	case IsNotReady(err):
		return OutcomeNotReady, ""
	case ErrorClass(err) == Quota:
		return OutcomeQuota, ""
	case ErrorClass(err) == Retryable, ErrorClass(err) == RateLimited, ErrorClass(err) == TokenInvalid:
		return OutcomeTransient, ""
	}
	return OutcomeBroken, ""
}

// Transport failure kinds, as reported by ErrCode.
const (
	KindNetwork  = "network"
	KindHTTP     = "http"
	KindDecode   = "decode"
	KindRedirect = "redirect" // a 3xx: WeChat never redirects, so the answer is not WeChat's
)

// TransportError is a failure that is not a WeChat errcode: the network,
// an HTTP status other than 200, or a body that is not a WeChat answer.
// Its text never contains the request URL's credentials: the cause is
// redacted and kept only as text.
type TransportError struct {
	Endpoint   string
	Kind       string // KindNetwork, KindHTTP, KindDecode or KindRedirect
	StatusCode int    // for KindHTTP and KindRedirect
	Detail     string // redacted description of the cause
	timeout    bool
}

func (e *TransportError) Error() string {
	switch e.Kind {
	case KindHTTP:
		return fmt.Sprintf("wechat %s: HTTP status %d: %s", e.Endpoint, e.StatusCode, e.Detail)
	case KindDecode:
		return fmt.Sprintf("wechat %s: malformed answer: %s", e.Endpoint, e.Detail)
	case KindRedirect:
		return fmt.Sprintf("wechat %s: HTTP status %d, a redirect: %s", e.Endpoint, e.StatusCode, e.Detail)
	}
	return fmt.Sprintf("wechat %s: network error: %s", e.Endpoint, e.Detail)
}

// Timeout reports whether the failure was a timeout.
func (e *TransportError) Timeout() bool { return e.timeout }

// Class classifies the failure: network trouble, 5xx, 429 and broken
// bodies are retryable; other HTTP statuses, redirects included (a proxy
// or a DNS entry pointing elsewhere), are permanent.
func (e *TransportError) Class() Class {
	if e.Kind == KindRedirect || e.Kind == KindHTTP && e.StatusCode < 500 && e.StatusCode != 429 {
		return Permanent
	}
	return Retryable
}

// ErrorClass classifies any error the client returns. Errors that are
// neither APIError nor TransportError (a cancelled context, a bad
// argument) are permanent.
func ErrorClass(err error) Class {
	var c interface{ Class() Class }
	if errors.As(err, &c) {
		return c.Class()
	}
	return Permanent
}

// ErrCode returns the short code the exporter labels failures with:
// WeChat's errcode as a number, "http_<status>", "network", "decode" or
// "redirect".
// It returns "" for nil and "other" for errors of no known kind.
func ErrCode(err error) string {
	if err == nil {
		return ""
	}
	var api *APIError
	if errors.As(err, &api) {
		return strconv.FormatInt(api.Code, 10)
	}
	var te *TransportError
	if errors.As(err, &te) {
		if te.Kind == KindHTTP {
			return "http_" + strconv.Itoa(te.StatusCode)
		}
		return te.Kind
	}
	return "other"
}

// HasCode reports whether err is a WeChat error with the given code.
func HasCode(err error, code int64) bool {
	var api *APIError
	return errors.As(err, &api) && api.Code == code
}

// IsNotReady reports whether WeChat said the data is not computed yet
// (61503). Such data appears minutes to hours later.
func IsNotReady(err error) bool { return HasCode(err, CodeNotReady) }

// RangeError is a request range the endpoint cannot take.
type RangeError struct {
	Endpoint string
	Range    Range
	Reason   string
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("wechat %s: range %s: %s", e.Endpoint, e.Range, e.Reason)
}
