package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Observer is told about every HTTP request the client makes, so that the
// exporter can count what it spends. Implementations must be safe for
// concurrent use and fast.
type Observer interface {
	// Request is called once per HTTP request (each retry counts), with the
	// endpoint name ("getusersummary", "stable_token", ...), the time it
	// took and its outcome (nil on success; see ErrCode).
	Request(endpoint string, took time.Duration, err error)
	// TokenRefresh is called each time a new access token is obtained.
	TokenRefresh(source string)
}

type nopObserver struct{}

func (nopObserver) Request(string, time.Duration, error) {}
func (nopObserver) TokenRefresh(string)                  {}

// RetryPolicy bounds the retries of retryable errors: exponential backoff
// from Initial, doubling up to Max, with full jitter, for at most Attempts
// requests in all. "Data not ready" (61503) is never retried here: it takes
// minutes to hours, which is the scheduler's business; nor is a request
// that timed out (see timedOut).
type RetryPolicy struct {
	Attempts int
	Initial  time.Duration
	Max      time.Duration
}

// DefaultRetry is used unless WithRetry says otherwise (WxJava retries -1
// five times from 1 s; fewer, shorter waits suit a daily fetch).
var DefaultRetry = RetryPolicy{Attempts: 4, Initial: 500 * time.Millisecond, Max: 8 * time.Second}

func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.Initial << attempt
	if d > p.Max || d <= 0 {
		d = p.Max
	}
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// maxBody bounds how much of an answer is read: the largest legitimate
// datacube answer (a 30-day range) is a few hundred kilobytes.
const maxBody = 16 << 20

// request is one call to WeChat.
type request struct {
	endpoint string // label for errors and metrics
	method   string
	path     string
	query    url.Values
	body     any // JSON-encoded when not nil
}

// transport sends requests to WeChat. It is the one place every request
// goes through, so it is where credentials are redacted from errors.
type transport struct {
	base    *url.URL
	hc      *http.Client
	ua      string
	obs     Observer
	retry   RetryPolicy
	redact  *redactor
	sleep   func(context.Context, time.Duration) error
	maxBody int64
	limiter *Limiter // nil: no spacing
}

// call sends rq, retrying retryable failures, and decodes the answer into
// out (which may be nil).
func (t *transport) call(ctx context.Context, rq request, out any) error {
	attempts := max(t.retry.Attempts, 1)
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			if serr := t.sleep(ctx, t.retry.backoff(i-1)); serr != nil {
				return err // the context ended: report the last real failure
			}
		}
		if lerr := t.limiter.wait(ctx, t.sleep); lerr != nil {
			if err == nil {
				err = lerr
			}
			return err // the context ended while waiting for a turn
		}
		err = t.once(ctx, rq, out)
		if err == nil || ErrorClass(err) != Retryable || IsNotReady(err) || timedOut(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// timedOut reports whether a request ran out its whole timeout. It is not
// tried again at once: a hung endpoint would cost the attempts times the
// timeout of waiting, and the fetcher's backoff asks again later.
func timedOut(err error) bool {
	var te *TransportError
	return errors.As(err, &te) && te.Timeout()
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

func (t *transport) once(ctx context.Context, rq request, out any) (err error) {
	start := time.Now()
	defer func() { t.obs.Request(rq.endpoint, time.Since(start), err) }()

	req, err := t.newRequest(ctx, rq)
	if err != nil {
		return err
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		return t.networkError(rq.endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, t.maxBody+1))
	if err != nil {
		return t.networkError(rq.endpoint, err)
	}
	if int64(len(body)) > t.maxBody {
		return &TransportError{Endpoint: rq.endpoint, Kind: KindDecode,
			Detail: fmt.Sprintf("answer larger than %d bytes", t.maxBody)}
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return &TransportError{Endpoint: rq.endpoint, Kind: KindRedirect, StatusCode: resp.StatusCode,
			Detail: fmt.Sprintf("%s %s was redirected to %s; not followed, nothing stored",
				rq.method, t.redact.redact(req.URL.String()), locationHost(resp))}
	}
	if resp.StatusCode != http.StatusOK {
		return &TransportError{Endpoint: rq.endpoint, Kind: KindHTTP, StatusCode: resp.StatusCode,
			Detail: t.redact.redact(describeBody(body))}
	}
	return t.decode(rq.endpoint, body, out)
}

// noRedirects returns a copy of hc that never follows a redirect: a
// redirected call would send the AppSecret (in a re-sent POST body), the
// access token (in the URL) and the Referer to a host that is not
// WeChat's, and store its answer as WeChat's. The 3xx itself is returned,
// and the transport makes it an error of its own kind.
func noRedirects(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// locationHost names where a redirect pointed, by host only: the rest of
// the Location may echo the request's credentials.
func locationHost(resp *http.Response) string {
	loc, err := resp.Location()
	switch {
	case err != nil:
		return "no valid Location"
	case loc.Host == "":
		return "a path on the same host"
	}
	return "host " + loc.Host
}

func (t *transport) newRequest(ctx context.Context, rq request) (*http.Request, error) {
	u := *t.base
	u.Path = strings.TrimSuffix(u.Path, "/") + rq.path
	u.RawQuery = rq.query.Encode()
	var body io.Reader
	if rq.body != nil {
		b, err := json.Marshal(rq.body)
		if err != nil {
			return nil, fmt.Errorf("wechat %s: encoding request: %w", rq.endpoint, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("wechat %s: %s", rq.endpoint, t.redact.redact(err.Error()))
	}
	req.Header.Set("User-Agent", t.ua)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// networkError turns a transport failure into a TransportError whose text
// is redacted. *url.Error carries the full URL, access_token included, so
// the URL is rewritten before the text is taken, and the original error is
// dropped so that nobody can unwrap it and print the token.
func (t *transport) networkError(endpoint string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = RedactString(ue.URL)
	}
	var ne net.Error
	timeout := errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
	return &TransportError{Endpoint: endpoint, Kind: KindNetwork, Detail: t.redact.redact(err.Error()), timeout: timeout}
}

// envelope holds what every answer may carry besides its data. Ad
// endpoints report errors in base_resp instead of errcode, as documented,
// or in a top-level ret, as real servers answer (with no base_resp).
type envelope struct {
	ErrCode  *int64 `json:"errcode"`
	ErrMsg   string `json:"errmsg"`
	Ret      *int64 `json:"ret"`
	RetMsg   string `json:"err_msg"`
	BaseResp *struct {
		Ret    int64  `json:"ret"`
		ErrMsg string `json:"err_msg"`
	} `json:"base_resp"`
}

// decode parses a WeChat answer whatever the Content-Type said: an errcode
// body becomes an *APIError, anything that is not a JSON object a clear
// decode error. It never panics on hostile input.
func (t *transport) decode(endpoint string, body []byte, out any) error {
	b := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(b) == 0 {
		return &TransportError{Endpoint: endpoint, Kind: KindDecode, Detail: "empty body"}
	}
	if b[0] != '{' {
		return &TransportError{Endpoint: endpoint, Kind: KindDecode,
			Detail: "not a JSON object (a proxy's error page?): " + t.redact.redact(describeBody(b))}
	}
	one, single := out.(oneDecode)
	env := &envelope{}
	var typeErr error
	if single {
		// The envelope and the rows in one pass: decoding a datacube
		// answer twice was most of what reading it cost.
		target := one.target()
		env = one.envelopeIn()
		if typeErr = json.Unmarshal(b, target); typeErr != nil && !inList(typeErr) {
			return &TransportError{Endpoint: endpoint, Kind: KindDecode,
				Detail: fmt.Sprintf("%d bytes: %v", len(b), describeJSONError(typeErr))}
		}
	} else if err := json.Unmarshal(b, env); err != nil {
		return &TransportError{Endpoint: endpoint, Kind: KindDecode,
			Detail: fmt.Sprintf("%d bytes: %v", len(b), describeJSONError(err))}
	}
	if env.ErrCode != nil && *env.ErrCode != 0 {
		return &APIError{Endpoint: endpoint, Code: *env.ErrCode, Message: t.redact.redact(env.ErrMsg)}
	}
	if env.BaseResp != nil && env.BaseResp.Ret != 0 {
		return &APIError{Endpoint: endpoint, Code: env.BaseResp.Ret, Message: t.redact.redact(env.BaseResp.ErrMsg), Ret: true}
	}
	if env.Ret != nil && *env.Ret != 0 {
		return &APIError{Endpoint: endpoint, Code: *env.Ret, Message: t.redact.redact(env.RetMsg), Ret: true}
	}
	if out == nil {
		return nil
	}
	if single {
		if typeErr != nil {
			one.typeError(typeErr)
		}
	} else if err := json.Unmarshal(b, out); err != nil {
		return &TransportError{Endpoint: endpoint, Kind: KindDecode, Detail: describeJSONError(err).Error()}
	}
	if k, ok := out.(interface{ keep([]byte) }); ok {
		k.keep(b)
	}
	if c, ok := out.(interface{ check() error }); ok {
		if err := c.check(); err != nil {
			return &TransportError{Endpoint: endpoint, Kind: KindDecode, Detail: t.redact.redact(err.Error())}
		}
	}
	return nil
}

// oneDecode is an answer the transport decodes in one pass with its
// envelope: target holds the envelope that envelopeIn returns.
type oneDecode interface {
	target() any
	envelopeIn() *envelope
	// typeError is given a type mismatch inside the rows, which the
	// answer's check judges (see tolerate).
	typeError(error)
}

// inList reports whether a decoding error is a type mismatch inside an
// answer's list: one the rows may survive. A mismatch anywhere else (an
// errcode that is not a number, an is_delay that is not a boolean) could
// make an error or provisional figures look like data, and fails.
func inList(err error) bool {
	var te *json.UnmarshalTypeError
	return errors.As(err, &te) && (te.Field == "list" || strings.HasPrefix(te.Field, "list."))
}

// describeJSONError names where a JSON document went wrong without
// quoting its content (which may hold a token).
func describeJSONError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end of JSON input"):
		return errors.New("truncated JSON (unexpected end of input)")
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Errorf("field %s: got JSON %s, want %s (at byte %d)", field, te.Value, te.Type, te.Offset)
	}
	return err
}

// describeBody gives a short, printable excerpt of a body for an error.
func describeBody(b []byte) string {
	const n = 64
	s := string(b)
	if len(s) > n {
		s = s[:n]
	}
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.Join(strings.Fields(s), " ")
	if len(b) > n {
		s += "…"
	}
	return fmt.Sprintf("%q (%d bytes)", s, len(b))
}
