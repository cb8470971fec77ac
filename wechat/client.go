package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// DefaultBaseURL is WeChat's API host.
const DefaultBaseURL = "https://api.weixin.qq.com"

// Version is reported in the User-Agent; the exporter sets it at start.
var Version = "dev"

// Client calls the datacube endpoints of one account. It is safe for
// concurrent use.
type Client struct {
	t      *transport
	tokens *tokenCache

	mu    sync.Mutex
	spans map[string]int // spans learned from 61501 answers, below the documented ones
}

type options struct {
	baseURL string
	hc      *http.Client
	ua      string
	obs     Observer
	retry   RetryPolicy
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
	limiter *Limiter
	// tokenBackoff is how long a transient token failure is held.
	tokenBackoff Backoff
}

// Option configures a Client.
type Option func(*options)

// WithBaseURL points the client at another host (a proxy, or the fake).
func WithBaseURL(u string) Option { return func(o *options) { o.baseURL = u } }

// WithHTTPClient replaces the default HTTP client (30 s timeout).
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.hc = hc } }

// WithObserver sets the observer told about every request.
func WithObserver(obs Observer) Option { return func(o *options) { o.obs = obs } }

// WithRetry replaces DefaultRetry.
func WithRetry(p RetryPolicy) Option { return func(o *options) { o.retry = p } }

// WithClock replaces time.Now for token expiry, for tests with a fake clock.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// DefaultTimeout bounds one HTTP request, connection to last byte.
const DefaultTimeout = 30 * time.Second

// New returns a client that authenticates with src.
func New(src TokenSource, opts ...Option) (*Client, error) {
	o := options{
		baseURL:      DefaultBaseURL,
		ua:           "wechat-exporter/" + Version,
		obs:          nopObserver{},
		retry:        DefaultRetry,
		now:          time.Now,
		sleep:        sleepContext,
		tokenBackoff: DefaultBackoff,
	}
	for _, opt := range opts {
		opt(&o)
	}
	base, err := url.Parse(o.baseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("wechat: invalid API base URL %q: want http(s)://host[:port]", RedactString(o.baseURL))
	}
	if o.hc == nil {
		o.hc = &http.Client{Timeout: DefaultTimeout}
	}
	o.hc = noRedirects(o.hc)
	setSourceClock(src, o.now)
	t := &transport{base: base, hc: o.hc, ua: o.ua, obs: o.obs, retry: o.retry, redact: &redactor{}, sleep: o.sleep, maxBody: maxBody, limiter: o.limiter}
	return &Client{t: t, tokens: &tokenCache{src: src, t: t, now: o.now, backoff: o.tokenBackoff}, spans: map[string]int{}}, nil
}

func setSourceClock(src TokenSource, now func() time.Time) {
	switch s := src.(type) {
	case *stableToken:
		s.now = now
	case *classicToken:
		s.now = now
	case *componentToken:
		s.now = now
	}
}

// Redact removes every credential this client knows of from s. Use it on
// any text that may hold one before it is logged.
func (c *Client) Redact(s string) string { return c.t.redact.redact(s) }

// Token returns the current access token, fetching one if needed.
func (c *Client) Token(ctx context.Context) (string, error) { return c.tokens.Token(ctx) }

// post sends one datacube request.
func (c *Client) post(ctx context.Context, ep Endpoint, r Range, out any) error {
	if err := checkRange(ep, r); err != nil {
		return err
	}
	body := map[string]string{"begin_date": r.Begin.String(), "end_date": r.End.String()}
	return c.send(ctx, request{endpoint: ep.Name, method: http.MethodPost, path: ep.Path(), query: url.Values{}, body: body}, out)
}

// send sends rq with the current access token, refreshing the token once
// and retrying once if WeChat rejects it. It never loops: a second
// rejection is returned.
func (c *Client) send(ctx context.Context, rq request, out any) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			return err
		}
		q := url.Values{}
		for k, v := range rq.query {
			q[k] = v
		}
		q.Set("access_token", tok)
		err = c.t.call(ctx, request{endpoint: rq.endpoint, method: rq.method, path: rq.path, query: q, body: rq.body}, out)
		if ErrorClass(err) == TokenInvalid {
			c.tokens.Invalidate(tok)
			if attempt == 0 {
				continue
			}
		}
		return err
	}
}

func checkRange(ep Endpoint, r Range) error {
	switch {
	case r.Begin > r.End:
		return &RangeError{ep.Name, r, "begin_date after end_date"}
	case r.Days() > ep.MaxSpan:
		return &RangeError{ep.Name, r, fmt.Sprintf("%d days, the endpoint allows at most %d", r.Days(), ep.MaxSpan)}
	case r.Begin < ep.FirstDate():
		return &RangeError{ep.Name, r, "WeChat keeps no data before " + ep.FirstDate().String()}
	}
	return nil
}

// Answer is what WeChat answered for a range: its rows, each also as the
// JSON WeChat sent (what the store keeps, unknown fields included, so that
// a later version can read a new field from stored history), whether the
// figures are provisional (is_delay, on the content endpoints), and what
// of the answer could not be used (figures not known, rows left out: see
// decode.go).
type Answer struct {
	Rows    []Row
	Raw     []json.RawMessage // Raw[i] is Rows[i] as WeChat sent it
	Delayed bool
	Report  Report
}

func (a *Answer) add(o Answer) {
	a.Rows = append(a.Rows, o.Rows...)
	a.Raw = append(a.Raw, o.Raw...)
	a.Delayed = a.Delayed || o.Delayed
	a.Report.Add(o.Report)
}

// listAnswer is a datacube answer, decoded by the transport in one pass
// with its envelope (see oneDecode).
type listAnswer struct {
	ep      Endpoint
	r       Range
	body    answerBody
	whole   []byte
	typeErr error
	ans     Answer
}

// target starts the answer afresh: the transport decodes each attempt's
// body into it, and a field of a failed attempt (its errcode) must not
// outlive it.
func (a *listAnswer) target() any {
	a.body, a.typeErr, a.ans = a.ep.rows.body(), nil, Answer{}
	return a.body
}

func (a *listAnswer) envelopeIn() *envelope { return a.body.env() }
func (a *listAnswer) typeError(err error)   { a.typeErr = err }
func (a *listAnswer) keep(body []byte)      { a.whole = body }

// check screens the rows (see decode.go): called by the transport, so
// that an answer whose rows cannot be read at all counts as a failed
// request and is retried like a broken body.
func (a *listAnswer) check() error {
	if err := tolerate(a.typeErr, a.body.decoded(), "list", &a.ans.Report); err != nil {
		return fmt.Errorf("list: %w", err)
	}
	rows, raw, err := a.body.rows(a.whole, rowDay{asked: a.r, check: true, period: a.ep.Period}, &a.ans.Report)
	if err != nil {
		return err
	}
	a.ans.Rows, a.ans.Raw, a.ans.Delayed = rows, raw, a.body.delayed()
	return nil
}

// Fetch gets every row of ep for the request range r (which must fit the
// endpoint's span; see Plan). If WeChat refuses a multi-day range with
// 61501, the range is fetched again one day at a time and the client uses
// single days for that endpoint from then on: the documentation disagrees
// on some spans, and this keeps either reading working.
func (c *Client) Fetch(ctx context.Context, ep Endpoint, r Range) (Answer, error) {
	ans, err := c.fetchOnce(ctx, ep, r)
	if !HasCode(err, CodeDateRange) || r.Days() == 1 {
		return ans, err
	}
	var all Answer
	for d := r.Begin; d <= r.End; d++ {
		part, err := c.fetchOnce(ctx, ep, Range{d, d})
		if err != nil {
			return Answer{}, err
		}
		if d == r.Begin {
			// One day works where several did not: the span is narrower
			// than documented. (A range reaching today fails both ways
			// and teaches nothing.)
			c.mu.Lock()
			c.spans[ep.Name] = 1
			c.mu.Unlock()
		}
		all.add(part)
	}
	return all, nil
}

func (c *Client) fetchOnce(ctx context.Context, ep Endpoint, r Range) (Answer, error) {
	switch {
	case ep.PerPath:
		return Answer{}, fmt.Errorf("wechat %s: asked for each API path, with FetchQuotas", ep.Name)
	case ep.Publisher:
		return c.fetchPublisher(ctx, ep, r)
	case ep.Period == Live:
		return c.fetchLive(ctx, ep, r)
	}
	ans := listAnswer{ep: ep, r: r}
	if err := c.post(ctx, ep, r, &ans); err != nil {
		return Answer{}, err
	}
	return ans.ans, nil
}

// Plan splits the wanted dates of ep into the fewest requests, using the
// endpoint's span (or a narrower one this client learned from WeChat).
func (c *Client) Plan(ep Endpoint, dates []Date) []Range {
	c.mu.Lock()
	if s, ok := c.spans[ep.Name]; ok {
		ep.MaxSpan = s
	}
	c.mu.Unlock()
	return SplitDates(ep, dates)
}
