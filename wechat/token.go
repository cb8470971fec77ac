package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/wechat-exporter/wechat-exporter/internal/safefile"
)

// Token is an access token and when it stops being valid.
type Token struct {
	Value  string
	Expiry time.Time
}

// TokenSource obtains access tokens. The client wraps it in a cache that
// keeps a token until shortly before it expires and lets one goroutine at a
// time refresh it, so a source is only asked when a new token is needed.
// The four sources are NewStableToken, NewClassicToken, NewFileToken and
// NewComponentToken.
type TokenSource interface {
	// Kind names the source: "stable", "classic", "file" or "component".
	Kind() string
	// fetch obtains a token. force is set when the current token was
	// rejected twice, for sources that can force a new one.
	fetch(ctx context.Context, t *transport, force bool) (Token, error)
}

// tokenResponse is the answer of /cgi-bin/token and /cgi-bin/stable_token.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (r tokenResponse) token(endpoint string, now time.Time) (Token, error) {
	if r.AccessToken == "" {
		return Token{}, &TransportError{Endpoint: endpoint, Kind: KindDecode, Detail: "answer has no access_token"}
	}
	life := time.Duration(r.ExpiresIn) * time.Second
	if life <= 0 {
		life = 7200 * time.Second // documented lifetime; never cache forever
	}
	return Token{Value: r.AccessToken, Expiry: now.Add(life)}, nil
}

// stableToken uses POST /cgi-bin/stable_token. In normal mode repeated calls
// return the same token without invalidating the token any other system of
// the account holds; that is why it is the default.
type stableToken struct {
	appID, secret string
	now           func() time.Time
	mu            sync.Mutex
	lastForce     time.Time
}

// NewStableToken returns the default token source: the stable token
// endpoint, which never invalidates other systems' tokens. It asks with
// force_refresh only after the same token was rejected twice, and at most
// once every 30 s, as WeChat allows.
func NewStableToken(appID, secret string) TokenSource {
	return &stableToken{appID: appID, secret: secret, now: time.Now}
}

func (s *stableToken) Kind() string { return "stable" }

// forceInterval is WeChat's minimum gap between two force_refresh calls.
const forceInterval = 30 * time.Second

func (s *stableToken) fetch(ctx context.Context, t *transport, force bool) (Token, error) {
	t.redact.addSecret(s.secret)
	s.mu.Lock()
	if force && s.now().Sub(s.lastForce) < forceInterval {
		force = false
	}
	if force {
		s.lastForce = s.now()
	}
	s.mu.Unlock()
	body := map[string]any{"grant_type": "client_credential", "appid": s.appID, "secret": s.secret, "force_refresh": force}
	var r tokenResponse
	if err := t.call(ctx, request{endpoint: "stable_token", method: http.MethodPost, path: "/cgi-bin/stable_token", body: body}, &r); err != nil {
		return Token{}, err
	}
	return r.token("stable_token", s.now())
}

// classicToken uses GET /cgi-bin/token.
type classicToken struct {
	appID, secret string
	now           func() time.Time
}

// NewClassicToken returns a source using GET /cgi-bin/token.
//
// WARNING: every call to /cgi-bin/token invalidates the token that any other
// system using the same account holds (after about five minutes). Use it
// only when this exporter is the account's one token holder; otherwise use
// NewStableToken or NewFileToken.
func NewClassicToken(appID, secret string) TokenSource {
	return &classicToken{appID: appID, secret: secret, now: time.Now}
}

func (s *classicToken) Kind() string { return "classic" }

func (s *classicToken) fetch(ctx context.Context, t *transport, _ bool) (Token, error) {
	t.redact.addSecret(s.secret)
	q := url.Values{"grant_type": {"client_credential"}, "appid": {s.appID}, "secret": {s.secret}}
	var r tokenResponse
	if err := t.call(ctx, request{endpoint: "token", method: http.MethodGet, path: "/cgi-bin/token", query: q}, &r); err != nil {
		return Token{}, err
	}
	return r.token("token", s.now())
}

// fileToken reads a token that another system maintains.
type fileToken struct {
	path string
	mu   sync.Mutex
	stat fileStamp
}

type fileStamp struct {
	mod  time.Time
	size int64
}

// fileRecheck is how long a token read from a file is trusted before the
// file is looked at again (besides re-reading at once on a rejection).
const fileRecheck = time.Minute

// NewFileToken returns a source that reads the access token from a file
// kept current by another system (a central token server, as WeChat
// recommends). The file is read again when it changes and when WeChat
// rejects the token. It never calls WeChat for a token.
func NewFileToken(path string) TokenSource { return &fileToken{path: path} }

func (s *fileToken) Kind() string { return "file" }

func (s *fileToken) fetch(_ context.Context, t *transport, _ bool) (Token, error) {
	b, err := safefile.Read(s.path, safefile.MaxSecret)
	if err != nil {
		return Token{}, fmt.Errorf("token file: %w", err)
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return Token{}, fmt.Errorf("token file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return Token{}, fmt.Errorf("token file %s is empty", s.path)
	}
	s.mu.Lock()
	s.stat = fileStamp{fi.ModTime(), fi.Size()}
	s.mu.Unlock()
	t.redact.addToken(tok)
	return Token{Value: tok, Expiry: time.Now().Add(fileRecheck)}, nil
}

// changed reports whether the file differs from when it was last read.
func (s *fileToken) changed() bool {
	fi, err := os.Stat(s.path)
	if err != nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return fi.ModTime() != s.stat.mod || fi.Size() != s.stat.size
}

// ComponentConfig configures a third-party platform (component) token
// source: the platform's own credentials, where its verify ticket is kept,
// and the authorizer account's refresh token.
type ComponentConfig struct {
	ComponentAppID  string
	ComponentSecret string
	// VerifyTicketFile holds the latest component_verify_ticket, which
	// WeChat pushes to the platform every 10 minutes; the platform's event
	// receiver keeps the file current.
	VerifyTicketFile string
	AuthorizerAppID  string
	// RefreshToken is the authorizer_refresh_token issued at authorization.
	RefreshToken string
	// SaveRefreshToken persists a rotated refresh token; WeChat may rotate
	// it on any refresh, and a lost one means re-authorization. The new
	// token is used whatever it returns, so it should report its own
	// failures (log, metric).
	SaveRefreshToken func(string)
}

type componentToken struct {
	cfg          ComponentConfig
	now          func() time.Time
	mu           sync.Mutex
	refreshToken string
	component    Token
}

// NewComponentToken returns a source of a third-party platform's
// authorizer_access_token for one authorized account.
func NewComponentToken(cfg ComponentConfig) TokenSource {
	return &componentToken{cfg: cfg, now: time.Now, refreshToken: cfg.RefreshToken}
}

func (s *componentToken) Kind() string { return "component" }

func (s *componentToken) fetch(ctx context.Context, t *transport, _ bool) (Token, error) {
	t.redact.addSecret(s.cfg.ComponentSecret)
	s.mu.Lock()
	defer s.mu.Unlock()
	t.redact.addSecret(s.refreshToken)
	var tok Token
	err := s.withComponentToken(ctx, t, func(ctoken string) (err error) {
		tok, err = s.authorizerToken(ctx, t, ctoken)
		return err
	})
	return tok, err
}

// withComponentToken calls do with the component token, and once more
// with a new token if WeChat rejected it. Called with s.mu held.
func (s *componentToken) withComponentToken(ctx context.Context, t *transport, do func(ctoken string) error) error {
	for attempt := 0; ; attempt++ {
		ctoken, err := s.componentAccessToken(ctx, t)
		if err != nil {
			return err
		}
		err = do(ctoken)
		var api *APIError
		if attempt == 0 && errors.As(err, &api) && rejectsToken(api.Code) {
			s.component = Token{} // the component token was rejected: get a new one, once
			continue
		}
		return err
	}
}

// componentAccessToken returns the cached component_access_token or gets a
// new one with the latest verify ticket. Called with s.mu held.
func (s *componentToken) componentAccessToken(ctx context.Context, t *transport) (string, error) {
	if s.component.Value != "" && s.now().Before(s.component.Expiry.Add(-refreshMargin)) {
		return s.component.Value, nil
	}
	b, err := safefile.Read(s.cfg.VerifyTicketFile, safefile.MaxSecret)
	if err != nil {
		return "", fmt.Errorf("component verify ticket: %w", err)
	}
	ticket := strings.TrimSpace(string(b))
	if ticket == "" {
		return "", fmt.Errorf("component verify ticket file %s is empty", s.cfg.VerifyTicketFile)
	}
	t.redact.addSecret(ticket)
	body := map[string]string{"component_appid": s.cfg.ComponentAppID, "component_appsecret": s.cfg.ComponentSecret, "component_verify_ticket": ticket}
	var r struct {
		Token     string `json:"component_access_token"`
		ExpiresIn int64  `json:"expires_in"`
	}
	if err := t.call(ctx, request{endpoint: "api_component_token", method: http.MethodPost, path: "/cgi-bin/component/api_component_token", body: body}, &r); err != nil {
		return "", err
	}
	tok, err := tokenResponse{r.Token, r.ExpiresIn}.token("api_component_token", s.now())
	if err != nil {
		return "", err
	}
	t.redact.addToken(tok.Value)
	s.component = tok
	return tok.Value, nil
}

func (s *componentToken) authorizerToken(ctx context.Context, t *transport, ctoken string) (Token, error) {
	body := map[string]string{"component_appid": s.cfg.ComponentAppID, "authorizer_appid": s.cfg.AuthorizerAppID, "authorizer_refresh_token": s.refreshToken}
	var r struct {
		Token        string `json:"authorizer_access_token"`
		ExpiresIn    int64  `json:"expires_in"`
		RefreshToken string `json:"authorizer_refresh_token"`
	}
	q := url.Values{"component_access_token": {ctoken}}
	if err := t.call(ctx, request{endpoint: "api_authorizer_token", method: http.MethodPost, path: "/cgi-bin/component/api_authorizer_token", query: q, body: body}, &r); err != nil {
		return Token{}, err
	}
	tok, err := tokenResponse{r.Token, r.ExpiresIn}.token("api_authorizer_token", s.now())
	if err != nil {
		return Token{}, err
	}
	if r.RefreshToken != "" && r.RefreshToken != s.refreshToken {
		t.redact.addSecret(r.RefreshToken)
		s.refreshToken = r.RefreshToken
		if s.cfg.SaveRefreshToken != nil {
			s.cfg.SaveRefreshToken(r.RefreshToken)
		}
	}
	return tok, nil
}

// refreshMargin is how long before expiry a cached token is replaced, so
// that no request goes out with a token about to expire (the stable token
// endpoint also hands out the next token in the last five minutes).
const refreshMargin = 5 * time.Minute

// tokenCache keeps the current token of a source. Refreshes are
// single-flight: concurrent callers wait for the one refresh in progress.
type tokenCache struct {
	src TokenSource
	t   *transport
	now func() time.Time

	mu           sync.Mutex
	cur          Token
	refreshAt    time.Time
	lastRejected string
	rejections   int // times lastRejected was rejected
	flight       *tokenFlight
	// refused is the token endpoint's last failure, a refusal of the
	// credentials (CredentialsRejected) or a transient one (busy, 5xx,
	// network), handed out until refusedUntil instead of asking again:
	// every endpoint of an account asks for a token within seconds of the
	// others, and would otherwise each spend a token call (and its
	// retries) on the same answer.
	refused      error
	refusedUntil time.Time
	// failures counts the consecutive transient failures, for the wait.
	failures int
	backoff  Backoff
}

// refusalHold is how long a refusal of the credentials is the answer
// without asking again: the endpoints of one pass, not the retries of
// later ones.
const refusalHold = time.Minute

// Backoff is the wait after consecutive transient failures: First, doubling
// up to Max.
type Backoff struct {
	First, Max time.Duration
}

// DefaultBackoff is the fetcher's after a transient failure of a data call
// with the default retry interval, which a token failure shares.
var DefaultBackoff = Backoff{First: time.Minute, Max: 10 * time.Minute}

// After returns the wait after the n-th consecutive failure (from 1).
func (b Backoff) After(n int) time.Duration {
	wait := b.First
	for i := 1; i < n && wait < b.Max; i++ {
		wait *= 2
	}
	return min(wait, max(b.Max, b.First))
}

// WithTokenBackoff sets how long a transient failure of the token endpoint
// is the answer to the account's token requests before it is asked again
// (DefaultBackoff): the fetcher's backoff, so that each of its retry rounds
// costs one token attempt.
func WithTokenBackoff(b Backoff) Option { return func(o *options) { o.tokenBackoff = b } }

type tokenFlight struct {
	done chan struct{}
	tok  Token
	err  error
}

// Token returns a valid token, fetching one if needed.
func (c *tokenCache) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	if c.usable() {
		v := c.cur.Value
		c.mu.Unlock()
		return v, nil
	}
	if c.refused != nil && c.now().Before(c.refusedUntil) && !c.sourceChanged() {
		err := c.refused
		c.mu.Unlock()
		return "", err
	}
	if f := c.flight; f != nil {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.tok.Value, f.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	f := &tokenFlight{done: make(chan struct{})}
	c.flight = f
	force := c.rejections >= 2
	c.mu.Unlock()

	tok, err := c.src.fetch(ctx, c.t, force)

	c.mu.Lock()
	c.flight = nil
	c.refused = nil
	switch {
	case CredentialsRejected(err):
		c.refused, c.refusedUntil = err, c.now().Add(refusalHold)
	case err != nil && ctx.Err() == nil && ErrorClass(err) != Permanent:
		c.failures++
		c.refused, c.refusedUntil = err, c.now().Add(c.backoff.After(c.failures))
	case err == nil:
		c.failures = 0
	}
	if err == nil {
		c.t.redact.addToken(tok.Value)
		c.cur = tok
		now := c.now()
		margin := min(refreshMargin, tok.Expiry.Sub(now)/2)
		c.refreshAt = tok.Expiry.Add(-margin)
		if force {
			c.rejections = 0
		}
	}
	f.tok, f.err = tok, err
	close(f.done)
	c.mu.Unlock()

	if err == nil {
		c.t.obs.TokenRefresh(c.src.Kind())
	}
	return tok.Value, err
}

// usable reports whether the cached token can be handed out. Called with
// c.mu held.
func (c *tokenCache) usable() bool {
	if c.cur.Value == "" || !c.now().Before(c.refreshAt) {
		return false
	}
	return !c.sourceChanged()
}

// sourceChanged reports whether the source's file changed since the last
// token was read from it. Called with c.mu held.
func (c *tokenCache) sourceChanged() bool {
	f, ok := c.src.(*fileToken)
	return ok && f.changed()
}

// Invalidate records that WeChat rejected tok, so the next Token call
// fetches a new one. A token rejected twice makes the next fetch a forced
// one for sources that support it.
func (c *tokenCache) Invalidate(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tok == c.lastRejected {
		c.rejections++
	} else {
		c.lastRejected, c.rejections = tok, 1
	}
	if c.cur.Value == tok {
		c.cur = Token{}
	}
}
