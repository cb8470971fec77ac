// Package wechattest is an in-process fake of the WeChat datacube API that
// behaves like the real one: both token endpoints with their invalidation
// rules, the third-party (component) token flow, all 21 datacube endpoints
// and the three ad analysis actions of publisher accounts, with
// deterministic generated data, WeChat's validation and error answers,
// fault injection and call counters. Tests use it, and so does the
// exporter's --demo.
package wechattest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Account is an official account the fake knows.
type Account struct {
	AppID  string
	Secret string
	// Unauthorized lists endpoints that answer 48001 for this account
	// (an unverified account, or a missing permission set).
	Unauthorized []string
	// FailureSpike is a day on which the account's callback server fails
	// far more often than on other days (0: never).
	FailureSpike wechat.Date
	// UnfollowSpike is a day on which ten times the usual unfollows leave
	// the account, as after an article that upset its readers (0: never).
	UnfollowSpike wechat.Date
	// Scale is the account's follower base; 0 derives one from the AppID.
	Scale int64
	// Publisher makes the account a publisher (流量主): the ad analysis
	// actions answer base_resp ret 2009 for other accounts.
	Publisher bool
	// SteadyAds keeps a publisher's eCPM per slot from one day to the next
	// (moving a little) where it is otherwise drawn anew each day (8-28
	// yuan): a day's ad income is then more than half of any other day's,
	// so that no ordinary day trips WeChatAdIncomeDropped (the demo).
	SteadyAds bool
	// PublishEvery makes the account publish on one day in so many (days
	// since 1970 divisible by it); 0 or 1: every day.
	PublishEvery int
	// DailyQuota is the calls a day each API path allows the account
	// (quota/get daily_limit); 0: DefaultDailyQuota.
	DailyQuota int64
	// SilentEvery publishes about one post in so many with notifications
	// off (getarticletotaldetail publish_type 1); 0: every post notifies
	// the followers.
	SilentEvery int
	// QuietWeek makes the account small and quiet, as real small accounts
	// are: getusersummary and getupstreammsg have rows on 3 days of 7
	// (days since 1970 modulo 7 below 3); on the fourth getusersummary
	// gives one all-zero row of user_source 0, as real servers sometimes
	// answer a quiet day; on the others neither has a row.
	QuietWeek bool
	// Omit lists figures the account's datacube answers leave out, as
	// endpoint:path (getarticletotal:details.target_user), as older
	// documentation shows them (see LegacyArticleTotal).
	Omit []string
}

// Component is a third-party platform the fake knows.
type Component struct {
	AppID  string
	Secret string
	// Ticket is the current component_verify_ticket.
	Ticket string
	// RefreshTokens maps authorizer AppIDs to their current refresh token.
	// Every authorizer must also be added with AddAccount.
	RefreshTokens map[string]string
	// Authorizers are the accounts api_get_authorizer_list lists, in order,
	// and api_get_authorizer_info describes (see Authorize and Revoke).
	Authorizers []Authorizer
	// ListWithoutRefreshToken makes api_get_authorizer_list (and
	// api_get_authorizer_info) answer without refresh tokens, as platform
	// developers report: the tokens then come only from the authorisation.
	ListWithoutRefreshToken bool
}

// Authorizer describes an account that authorised the platform.
type Authorizer struct {
	AppID       string
	NickName    string
	ServiceType int64 // service_type_info.id
	VerifyType  int64 // verify_type_info.id
	Status      int64 // account_status; 0: 1, normal
	// PermissionSets are the funcscope categories granted (func_info);
	// nil: all of them.
	PermissionSets []int
	AuthTime       int64
	// WithoutRefreshToken lists this account, and describes it, without
	// its refresh token (ListWithoutRefreshToken for one account).
	WithoutRefreshToken bool
	// Listed is how many times the list gives the account (0: once), as
	// offset paging does while the list changes under it.
	Listed int
}

// Token lifetimes and grace periods, as WeChat documents them.
const (
	TokenLifetime = 7200 * time.Second
	// ClassicGrace is how long a classic token stays valid after a newer
	// one was issued.
	ClassicGrace = 5 * time.Minute
	// StableRenewal is how long before expiry the stable endpoint starts
	// handing out the next token.
	StableRenewal = 5 * time.Minute
)

type tokenKind int

const (
	kindClassic tokenKind = iota
	kindStable
	kindComponent
	kindAuthorizer
)

type tokenState struct {
	appID   string
	kind    tokenKind
	expires time.Time
	revoked bool // invalidated before expiry (another system, force refresh)
}

// Server is the fake. Create it with NewServer and Close it when done.
type Server struct {
	// URL is the base URL to give the client (wechat.WithBaseURL).
	URL string
	srv *httptest.Server

	mu         sync.Mutex
	now        func() time.Time
	accounts   map[string]*Account
	component  *Component
	tokens     map[string]*tokenState
	stable     map[string]string // appID -> current stable token
	faults     []*faultRule
	calls      map[callKey]int
	usedToday  map[usageKey]int64 // an API path's calls today (usageDay, Beijing), for the quota
	usageDay   wechat.Date
	issued     []string
	ridCounter int
}

type callKey struct{ appID, endpoint string }

type usageKey struct{ appID, path string }

// NewServer starts a fake on a loopback port.
func NewServer() *Server {
	s := &Server{
		now:       time.Now,
		accounts:  map[string]*Account{},
		tokens:    map[string]*tokenState{},
		stable:    map[string]string{},
		calls:     map[callKey]int{},
		usedToday: map[usageKey]int64{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	return s
}

// Close shuts the fake down.
func (s *Server) Close() { s.srv.Close() }

// SetClock replaces the fake's clock (default time.Now), which decides
// "today" in Beijing and token expiry.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// AddAccount registers an account.
func (s *Server) AddAccount(a Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.Scale == 0 {
		a.Scale = 20_000 + int64(hash(a.AppID, "scale", 0)%500_000)
	}
	s.accounts[a.AppID] = &a
	s.issued = append(s.issued, a.Secret)
}

// SetComponent registers the third-party platform.
func (s *Server) SetComponent(c Component) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := map[string]string{}
	for k, v := range c.RefreshTokens {
		rt[k] = v
		s.issued = append(s.issued, v)
	}
	c.RefreshTokens = rt
	s.component = &c
	s.issued = append(s.issued, c.Secret, c.Ticket)
}

// RefreshToken returns the authorizer's current refresh token.
func (s *Server) RefreshToken(appID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.component.RefreshTokens[appID]
}

// RevokeTokens invalidates every access token of the account at once, as
// happens when another system fetches a classic token past the grace
// period, or an administrator resets the AppSecret.
func (s *Server) RevokeTokens(appID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if t.appID == appID {
			t.revoked = true
		}
	}
	delete(s.stable, appID)
}

// Issued returns every secret, ticket and token the fake knows or has
// issued, for tests that check none of them leaks.
func (s *Server) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.issued...)
	for tok := range s.tokens {
		out = append(out, tok)
	}
	return out
}

// Calls returns how many requests reached the fake for the account and
// endpoint; "" matches any. Token endpoints are named as in the exporter's
// metrics: token, stable_token, api_component_token, api_authorizer_token.
func (s *Server) Calls(appID, endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, c := range s.calls {
		if (appID == "" || k.appID == appID) && (endpoint == "" || k.endpoint == endpoint) {
			n += c
		}
	}
	return n
}

// DatacubeCalls returns how many data requests the account made ("" for
// every account): token and quota requests excluded.
func (s *Server) DatacubeCalls(appID string) int {
	n := 0
	for _, name := range wechat.EndpointNames() {
		if name != wechat.APIQuota.Name {
			n += s.Calls(appID, name)
		}
	}
	return n
}

// ResetCalls zeroes the call counters.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[callKey]int{}
}

func (s *Server) newToken(appID string, kind tokenKind, now time.Time) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := fmt.Sprintf("%d_%s", kind, hex.EncodeToString(b))
	s.tokens[tok] = &tokenState{appID: appID, kind: kind, expires: now.Add(TokenLifetime)}
	return tok
}

// errmsgs are WeChat's texts for the codes the fake answers with.
var errmsgs = map[int64]string{
	-1:    "system error",
	40001: "invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r",
	40002: "invalid grant_type",
	40013: "invalid appid",
	40014: "invalid access_token",
	40125: "invalid appsecret",
	40164: "invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist",
	41001: "access_token missing",
	42001: "access_token expired",
	43001: "require GET method",
	43002: "require POST method",
	44002: "empty post data",
	45009: "reach max api daily quota limit",
	45011: "api minute-quota reach limit, must slower, retry next minute",
	47001: "data format error",
	47009: "api offline",
	48001: "api unauthorized",
	61005: "component ticket is expired",
	61006: "component ticket is invalid",
	61023: "refresh_token is invalid",
	61500: "date format error",
	61501: "date range error",
	61503: "data not ready, please try later",
}

// writeErr answers like WeChat: HTTP 200, an errcode body, and a request id
// in errmsg. The Content-Type is text/plain, as often seen on real errors.
func (s *Server) writeErr(w http.ResponseWriter, code int64) {
	s.mu.Lock()
	s.ridCounter++
	rid := fmt.Sprintf("%08x-%08x-%08x", s.ridCounter, hash("rid", "", s.ridCounter)&0xffffffff, 0x0494092b)
	s.mu.Unlock()
	msg := errmsgs[code]
	if msg == "" {
		msg = "error"
	}
	w.Header().Set("Content-Type", "text/plain")
	_ = json.NewEncoder(w).Encode(map[string]any{"errcode": code, "errmsg": msg + " rid: " + rid})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	endpoint, appID := s.identify(r)
	s.mu.Lock()
	s.calls[callKey{appID, endpoint}]++
	spent := s.countUse(appID, r.URL.Path, 1)
	s.mu.Unlock()
	if s.applyFault(w, r, appID, endpoint) {
		return
	}
	if spent {
		s.writeErr(w, wechat.CodeDailyQuota)
		return
	}
	s.serveReal(w, r, endpoint)
}

// serveReal gives the answer WeChat would give.
func (s *Server) serveReal(w http.ResponseWriter, r *http.Request, endpoint string) {
	switch {
	case r.URL.Path == "/cgi-bin/token":
		s.classicToken(w, r)
	case r.URL.Path == "/cgi-bin/stable_token":
		s.stableToken(w, r)
	case r.URL.Path == "/cgi-bin/component/api_component_token":
		s.componentToken(w, r)
	case r.URL.Path == "/cgi-bin/component/api_authorizer_token":
		s.authorizerToken(w, r)
	case r.URL.Path == "/cgi-bin/component/api_get_authorizer_list":
		s.authorizerList(w, r)
	case r.URL.Path == "/cgi-bin/component/api_get_authorizer_info":
		s.authorizerInfo(w, r)
	case strings.HasPrefix(r.URL.Path, "/datacube/"):
		s.datacube(w, r, endpoint)
	case r.URL.Path == "/publisher/stat":
		s.publisher(w, r, endpoint)
	default:
		if ep, ok := liveEndpoint(r.URL.Path); ok {
			s.live(w, r, ep)
			return
		}
		http.NotFound(w, r)
	}
}

// identify names the endpoint and, as far as the request tells, the
// account, for counters and fault matching. It never consumes the body.
func (s *Server) identify(r *http.Request) (endpoint, appID string) {
	endpoint = r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	if r.URL.Path == "/publisher/stat" {
		endpoint = r.URL.Query().Get("action") // the publisher actions share one path
	}
	if ep, ok := liveEndpoint(r.URL.Path); ok {
		endpoint = ep.Name // a path of its own, named in the table
	}
	if endpoint == "token" || endpoint == "stable_token" {
		appID = r.URL.Query().Get("appid")
		if appID == "" && r.Body != nil {
			body, rest := peekJSON(r)
			r.Body = rest
			appID, _ = body["appid"].(string)
		}
		return endpoint, appID
	}
	if endpoint == "api_authorizer_token" {
		body, rest := peekJSON(r)
		r.Body = rest
		appID, _ = body["authorizer_appid"].(string)
		return endpoint, appID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[r.URL.Query().Get("access_token")]; ok {
		appID = t.appID
	}
	return endpoint, appID
}

// classicToken is GET /cgi-bin/token. A new token invalidates the
// account's previous classic tokens after ClassicGrace; stable tokens are
// not touched.
func (s *Server) classicToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("grant_type") != "client_credential" {
		s.writeErr(w, 40002)
		return
	}
	s.mu.Lock()
	a, ok := s.accounts[q.Get("appid")]
	switch {
	case !ok:
		s.mu.Unlock()
		s.writeErr(w, 40013)
		return
	case q.Get("secret") != a.Secret:
		s.mu.Unlock()
		s.writeErr(w, 40001) // on the token endpoint 40001 means a wrong AppSecret
		return
	}
	now := s.now()
	for _, t := range s.tokens {
		if t.appID == a.AppID && t.kind == kindClassic && t.expires.After(now.Add(ClassicGrace)) {
			t.expires = now.Add(ClassicGrace)
		}
	}
	tok := s.newToken(a.AppID, kindClassic, now)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": int64(TokenLifetime / time.Second)})
}

// stableToken is POST /cgi-bin/stable_token: the same token while it is
// valid (a new one in its last StableRenewal), a new one that invalidates
// the previous at once with force_refresh, and no effect on classic tokens.
func (s *Server) stableToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.writeErr(w, 43002)
		return
	}
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if code := decodeBody(r, &req); code != 0 {
		s.writeErr(w, code)
		return
	}
	if req.GrantType != "client_credential" {
		s.writeErr(w, 40002)
		return
	}
	s.mu.Lock()
	a, ok := s.accounts[req.AppID]
	switch {
	case !ok:
		s.mu.Unlock()
		s.writeErr(w, 40013)
		return
	case req.Secret != a.Secret:
		s.mu.Unlock()
		s.writeErr(w, 40125)
		return
	}
	now := s.now()
	cur, ok := s.tokens[s.stable[a.AppID]]
	if req.ForceRefresh && ok {
		cur.revoked = true
	}
	if req.ForceRefresh || !ok || cur.revoked || !now.Before(cur.expires.Add(-StableRenewal)) {
		s.stable[a.AppID] = s.newToken(a.AppID, kindStable, now)
	}
	tok := s.stable[a.AppID]
	left := s.tokens[tok].expires.Sub(now)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": int64(left / time.Second)})
}

func (s *Server) componentToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppID  string `json:"component_appid"`
		Secret string `json:"component_appsecret"`
		Ticket string `json:"component_verify_ticket"`
	}
	if code := decodeBody(r, &req); code != 0 {
		s.writeErr(w, code)
		return
	}
	s.mu.Lock()
	c := s.component
	switch {
	case c == nil || req.AppID != c.AppID:
		s.mu.Unlock()
		s.writeErr(w, 40013)
		return
	case req.Secret != c.Secret:
		s.mu.Unlock()
		s.writeErr(w, 40125)
		return
	case req.Ticket != c.Ticket:
		s.mu.Unlock()
		s.writeErr(w, 61006)
		return
	}
	tok := s.newToken(c.AppID, kindComponent, s.now())
	s.mu.Unlock()
	writeJSON(w, map[string]any{"component_access_token": tok, "expires_in": int64(TokenLifetime / time.Second)})
}

// authorizerToken issues an authorizer token and rotates the refresh
// token: the old one stops working, so a client must persist the new one.
func (s *Server) authorizerToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ComponentAppID string `json:"component_appid"`
		AppID          string `json:"authorizer_appid"`
		RefreshToken   string `json:"authorizer_refresh_token"`
	}
	if code := decodeBody(r, &req); code != 0 {
		s.writeErr(w, code)
		return
	}
	s.mu.Lock()
	now := s.now()
	ct, ok := s.tokens[r.URL.Query().Get("component_access_token")]
	if code := validToken(ct, ok, now); code != 0 || ct.kind != kindComponent {
		s.mu.Unlock()
		s.writeErr(w, max(code, 40001))
		return
	}
	c := s.component
	if req.ComponentAppID != c.AppID || c.RefreshTokens[req.AppID] == "" || c.RefreshTokens[req.AppID] != req.RefreshToken {
		s.mu.Unlock()
		s.writeErr(w, 61023)
		return
	}
	tok := s.newToken(req.AppID, kindAuthorizer, now)
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	next := "refreshtoken@@@" + hex.EncodeToString(b)
	c.RefreshTokens[req.AppID] = next
	s.issued = append(s.issued, next)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"authorizer_access_token": tok, "expires_in": int64(TokenLifetime / time.Second), "authorizer_refresh_token": next})
}

// validToken returns the errcode WeChat gives for a token, or 0 if valid.
func validToken(t *tokenState, ok bool, now time.Time) int64 {
	switch {
	case !ok:
		return 40014
	case t.revoked:
		return 40001
	case !now.Before(t.expires):
		return 42001
	}
	return 0
}

func decodeBody(r *http.Request, v any) int64 {
	var raw json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		if err.Error() == "EOF" {
			return 44002
		}
		return 47001
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return 47001
	}
	return 0
}
