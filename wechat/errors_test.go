package wechat_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestErrorClasses(t *testing.T) {
	api := func(ep string, code int64) error { return &wechat.APIError{Endpoint: ep, Code: code, Message: "x"} }
	tests := []struct {
		err  error
		want wechat.Class
		code string
	}{
		{api("getusersummary", -1), wechat.Retryable, "-1"},
		{api("getusersummary", 45011), wechat.RateLimited, "45011"},
		{&wechat.APIError{Endpoint: "publisher_adpos_general", Code: 45009, Ret: true}, wechat.RateLimited, "45009"},
		{api("getusersummary", 61503), wechat.Retryable, "61503"},
		{api("getusersummary", 40001), wechat.TokenInvalid, "40001"},
		{api("getusersummary", 40014), wechat.TokenInvalid, "40014"},
		{api("getusersummary", 42001), wechat.TokenInvalid, "42001"},
		{api("token", 40001), wechat.Permanent, "40001"}, // wrong AppSecret
		{api("stable_token", 40164), wechat.Permanent, "40164"},
		{api("getusersummary", 45009), wechat.Quota, "45009"},
		{api("getusersummary", 48001), wechat.Permanent, "48001"},
		{api("getusersummary", 61501), wechat.Permanent, "61501"},
		{&wechat.TransportError{Kind: wechat.KindHTTP, StatusCode: 502}, wechat.Retryable, "http_502"},
		{&wechat.TransportError{Kind: wechat.KindHTTP, StatusCode: 429}, wechat.Retryable, "http_429"},
		{&wechat.TransportError{Kind: wechat.KindHTTP, StatusCode: 404}, wechat.Permanent, "http_404"},
		{&wechat.TransportError{Kind: wechat.KindNetwork}, wechat.Retryable, "network"},
		{&wechat.TransportError{Kind: wechat.KindDecode}, wechat.Retryable, "decode"},
		{errors.New("other"), wechat.Permanent, "other"},
	}
	for _, tt := range tests {
		if got := wechat.ErrorClass(tt.err); got != tt.want {
			t.Errorf("%v: class %v, want %v", tt.err, got, tt.want)
		}
		if got := wechat.ErrCode(tt.err); got != tt.code {
			t.Errorf("%v: ErrCode %q, want %q", tt.err, got, tt.code)
		}
	}
}

// TestFaultsRetriedThenServed injects each transient fault once: the client
// retries with backoff and returns the data, and the observer counts the
// failure under its code.
func TestFaultsRetriedThenServed(t *testing.T) {
	tests := []struct {
		name  string
		fault wechattest.Fault
		code  string
	}{
		{"system busy", wechattest.Fault{Errcode: -1}, "-1"},
		{"bad gateway", wechattest.Fault{Status: http.StatusBadGateway}, "http_502"},
		{"unavailable", wechattest.Fault{Status: http.StatusServiceUnavailable}, "http_503"},
		{"reset", wechattest.Fault{Reset: true}, "network"},
		{"truncated", wechattest.Fault{Truncate: true}, "decode"},
		{"html page", wechattest.Fault{Body: wechattest.HTMLErrorPage}, "decode"},
		{"malformed json", wechattest.Fault{Body: wechattest.MalformedJSON}, "decode"},
		{"empty body", wechattest.Fault{Body: " "}, "decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			tt.fault.Endpoint, tt.fault.Times = "getusersummary", 1
			e.fake.Inject(tt.fault)
			rows, err := fetchRows[wechat.UserSummary](ctx(t), e.client, wechat.GetUserSummary, yesterdayRange())
			if err != nil {
				t.Fatalf("not recovered: %v", err)
			}
			if len(rows) == 0 {
				t.Fatal("no rows after recovery")
			}
			if got := e.obs.count(func(r *recorder) map[string]int { return r.failures }, "getusersummary/"+tt.code); got != 1 {
				t.Errorf("failures counted under %s: %d, want 1 (all: %v)", tt.code, got, e.obs.failures)
			}
			if got := e.fake.Calls(appID, "getusersummary"); got != 2 {
				t.Errorf("calls = %d, want 2", got)
			}
		})
	}
}

func TestRetriesAreBounded(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.Inject(wechattest.Fault{Endpoint: "getusersummary", Status: 503})
	_, err := fetchRows[wechat.UserSummary](ctx(t), e.client, wechat.GetUserSummary, yesterdayRange())
	if wechat.ErrCode(err) != "http_503" {
		t.Fatalf("err = %v", err)
	}
	if got := e.fake.Calls(appID, "getusersummary"); got != fastRetry.Attempts {
		t.Errorf("calls = %d, want %d", got, fastRetry.Attempts)
	}
}

// TestTimeoutNotRetried: a request that runs out its timeout (a hung
// endpoint) is not tried again at once: the attempts would cost their
// number times the timeout. The fetcher's backoff asks again later.
func TestTimeoutNotRetried(t *testing.T) {
	e := newEnv(t, nil, wechat.WithHTTPClient(&http.Client{Timeout: 200 * time.Millisecond}))
	e.fake.Inject(wechattest.Fault{Endpoint: "getusersummary", Latency: time.Minute})
	_, err := fetchRows[wechat.UserSummary](ctx(t), e.client, wechat.GetUserSummary, yesterdayRange())
	var te *wechat.TransportError
	if !errors.As(err, &te) || !te.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if got := e.fake.Calls(appID, "getusersummary"); got != 1 {
		t.Errorf("a request that timed out was made %d times, want 1", got)
	}
}

// TestNotReadyAndPermanentNotRetried: data not ready, permanent errors,
// the daily quota and a per-minute rate limit are not asked again at once:
// the fetcher decides when.
func TestNotReadyAndPermanentNotRetried(t *testing.T) {
	for _, code := range []int64{61503, 48001, 45009, 61501, 45011} {
		e := newEnv(t, nil)
		e.fake.Inject(wechattest.Fault{Endpoint: "getusersummary", Errcode: code})
		_, err := fetchRows[wechat.UserSummary](ctx(t), e.client, wechat.GetUserSummary, yesterdayRange())
		if !wechat.HasCode(err, code) {
			t.Fatalf("%d: err = %v", code, err)
		}
		if got := e.fake.Calls(appID, "getusersummary"); got != 1 {
			t.Errorf("%d: calls = %d, want 1", code, got)
		}
		if !contains(err.Error(), "rid: ") {
			t.Errorf("%d: the request id was lost: %v", code, err)
		}
	}
}

func TestRetryHonoursContext(t *testing.T) {
	e := newEnv(t, nil, wechat.WithRetry(wechat.RetryPolicy{Attempts: 10, Initial: time.Hour, Max: time.Hour}))
	e.fake.Inject(wechattest.Fault{Endpoint: "getusersummary", Errcode: -1})
	c, cancel := contextWithTimeout(100 * time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := fetchRows[wechat.UserSummary](c, e.client, wechat.GetUserSummary, yesterdayRange())
	if !wechat.HasCode(err, -1) {
		t.Fatalf("err = %v, want the last real failure", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("backoff ignored the context: %v", took)
	}
}

func TestUnauthorizedEndpointOnly(t *testing.T) {
	fake := wechattest.NewServer()
	defer fake.Close()
	fake.AddAccount(wechattest.Account{AppID: appID, Secret: secret, Unauthorized: []string{"getinterfacesummary"}})
	c, _ := wechat.New(wechat.NewStableToken(appID, secret), wechat.WithBaseURL(fake.URL), wechat.WithRetry(fastRetry))
	y := wechat.Today(time.Now()).AddDays(-1)
	r := wechat.Range{Begin: y, End: y}
	if _, err := fetchRows[wechat.InterfaceSummary](ctx(t), c, wechat.GetInterfaceSummary, r); !wechat.HasCode(err, 48001) {
		t.Fatalf("err = %v, want 48001", err)
	}
	if _, err := fetchRows[wechat.UserSummary](ctx(t), c, wechat.GetUserSummary, r); err != nil {
		t.Fatalf("other endpoint affected: %v", err)
	}
}

// TestSpanFallback: if WeChat refuses a multi-day range (the documented
// spans disagree), the client fetches day by day and remembers.
func TestSpanFallback(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.Inject(wechattest.Fault{Endpoint: "getusershare", Errcode: 61501, Times: 1})
	from := yesterday().AddDays(-2)
	r := wechat.Range{Begin: from, End: yesterday()}
	rows, err := fetchAll(ctx(t), e.client, wechat.GetUserShare, r)
	if err != nil {
		t.Fatal(err)
	}
	days := map[wechat.Date]bool{}
	for _, row := range rows {
		days[row.RowDate()] = true
	}
	if len(days) != 3 {
		t.Errorf("rows cover %d days, want 3", len(days))
	}
	if got := e.fake.Calls(appID, "getusershare"); got != 4 {
		t.Errorf("calls = %d, want 4 (one refused, three single days)", got)
	}
	if plan := e.client.Plan(wechat.GetUserShare, []wechat.Date{from, from + 1}); len(plan) != 2 {
		t.Errorf("plan after fallback = %v, want single days", plan)
	}
}

func TestInvalidBaseURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://", "::"} {
		if _, err := wechat.New(wechat.NewStableToken(appID, secret), wechat.WithBaseURL(u)); err == nil {
			t.Errorf("base URL %q accepted", u)
		}
	}
}

// TestOutcomes: every failure is exactly one outcome of the exporter's
// vocabulary; unavailable ones say why.
func TestOutcomes(t *testing.T) {
	api := func(ep string, code int64) error { return &wechat.APIError{Endpoint: ep, Code: code, Message: "x"} }
	ret := func(ep string, code int64) error {
		return &wechat.APIError{Endpoint: ep, Code: code, Message: "x", Ret: true}
	}
	tests := []struct {
		err    error
		want   wechat.Outcome
		reason string
	}{
		{api("getusersummary", 61503), wechat.OutcomeNotReady, ""},
		{api("getusersummary", -1), wechat.OutcomeTransient, ""},
		{api("getusersummary", 45011), wechat.OutcomeTransient, ""},
		{&wechat.TransportError{Kind: wechat.KindHTTP, StatusCode: 502}, wechat.OutcomeTransient, ""},
		{&wechat.TransportError{Kind: wechat.KindNetwork}, wechat.OutcomeTransient, ""},
		{&wechat.TransportError{Kind: wechat.KindDecode}, wechat.OutcomeTransient, ""},
		{ret("publisher_adpos_general", 45009), wechat.OutcomeTransient, ""}, // ad: too frequent, not the quota
		{api("getusersummary", 45009), wechat.OutcomeQuota, ""},
		{api("getarticletotal", 47009), wechat.OutcomeUnavailable, wechat.ReasonOffline},
		{api("getusersummary", 48001), wechat.OutcomeUnavailable, wechat.ReasonUnauthorized},
		{ret("publisher_adpos_general", 2009), wechat.OutcomeUnavailable, wechat.ReasonNotPublisher},
		{api("stable_token", 48001), wechat.OutcomeBroken, ""}, // a token endpoint's refusal is the credentials
		{api("stable_token", 40125), wechat.OutcomeBroken, ""},
		{api("getusersummary", 61501), wechat.OutcomeBroken, ""},
		{ret("publisher_adpos_general", 1701), wechat.OutcomeBroken, ""},
		{&wechat.TransportError{Kind: wechat.KindRedirect, StatusCode: 302}, wechat.OutcomeBroken, ""},
		{&wechat.TransportError{Kind: wechat.KindHTTP, StatusCode: 404}, wechat.OutcomeBroken, ""},
		{errors.New("other"), wechat.OutcomeBroken, ""},
	}
	for _, tt := range tests {
		got, reason := wechat.Classify(tt.err)
		if got != tt.want || reason != tt.reason {
			t.Errorf("%v: %v %q, want %v %q", tt.err, got, reason, tt.want, tt.reason)
		}
	}
}
