// Package wechat is a client of the WeChat Official Account data statistics
// ("datacube") HTTP API: the 17 legacy endpoints of user, article, message
// and interface analysis, and the four 2025 published-content endpoints
// (data from 2025-11-01, with their is_delay flag); and the ad analysis of
// publisher accounts (流量主), the three actions of GET /publisher/stat,
// whose errors come in base_resp.ret (mapped to *APIError like errcodes;
// 2009 means the account is not a publisher), whose lists are paged (the
// client fetches every page) and whose amounts are in fen.
//
// # Endpoints
//
// Every fact of an endpoint (path, span, period, permission set, first
// day, how many days settle and are served, what an empty day means, its
// row type) is a field of its entry in the table of endpoints.go. Client.Fetch
// returns an Answer: typed rows, each also as the JSON WeChat sent (what
// the store keeps), read by the tolerant contract of decode.go: a row
// needs only its keys, every figure is optional, and what an answer
// lacked is reported, never fatal.
//
// # Token sources
//
// Every datacube call carries an access token. A Client gets it from one
// TokenSource and caches it until five minutes before it expires; when it
// must be refreshed, one goroutine fetches it and concurrent callers wait for
// that one refresh. When WeChat rejects a token (40001, 40014, 42001) the
// client refreshes it once and retries the call once; a second rejection is
// returned, never looped on.
//
//   - NewStableToken (the default): POST /cgi-bin/stable_token. Repeated
//     calls return the same token and never invalidate the tokens other
//     systems of the account hold. force_refresh is used only after the same
//     token was rejected twice, and at most every 30 s.
//   - NewClassicToken: GET /cgi-bin/token. WARNING: each call invalidates the
//     token every other system using the same account holds (after a grace
//     period of about five minutes). Use it only if nothing else uses the
//     account's AppSecret.
//   - NewFileToken: a token that another system (a central token server)
//     keeps in a file, read again when the file changes or WeChat rejects
//     the token.
//   - NewComponentToken: a third-party platform's authorizer_access_token,
//     from the component_access_token (obtained with the verify ticket kept
//     in a file) and the authorizer refresh token; a rotated refresh token is
//     handed to a callback to persist.
//
// # Errors
//
// Every failure is an *APIError (WeChat's errcode and errmsg, with the "rid"
// request id kept), a *TransportError (network, HTTP status, or a body that
// is not a WeChat answer: an HTML proxy page, empty or truncated JSON), or a
// *RangeError for a request the endpoint cannot take. ErrorClass sorts them:
//
//   - Retryable: -1, 61503, HTTP 5xx and 429, timeouts, resets, broken
//     bodies. The client retries them with bounded exponential backoff and
//     jitter, honouring the context, except 61503 (data not ready), which
//     takes hours and is left to the caller.
//   - RateLimited: 45011, and the ad API's ret 45009 (too frequent): not
//     retried at once; the caller asks again in a minute or more.
//   - TokenInvalid: 40001, 40014, 42001: refreshed once, retried once.
//   - Quota: errcode 45009, the daily quota: wait for the next Beijing day.
//   - Permanent: everything else (48001 unauthorized, 40164 IP not in the
//     whitelist, 61501 bad range, a redirect, ...).
//
// Classify maps a failure to the exporter's vocabulary of outcomes (not
// ready, transient, quota spent, unavailable for the account with a
// reason, broken). ErrCode gives the short label the exporter counts
// failures by: the errcode, "http_<status>", "network", "decode" or
// "redirect".
//
// # Secrets
//
// No error of this package contains an AppSecret, access token, refresh token
// or verify ticket: the transport, which every request goes through, rewrites
// the URL inside *url.Error, keeps only redacted text of a cause, and scrubs
// every credential the client has seen from every message. Client.Redact
// applies the same scrubbing to any other text.
//
// # Dates
//
// A Date is a Beijing (UTC+8) calendar day, computed with a fixed offset so
// that nothing depends on the host's time zone data. SplitRange and
// Client.Plan split a date range into the fewest requests each endpoint's
// span allows; weekly and monthly endpoints are asked one completed period
// at a time, by its label (the Monday, the 1st).
package wechat
