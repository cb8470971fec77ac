package wechat_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// failingTransport fails every request with an error that quotes the URL,
// as many real transports and proxies do.
type failingTransport struct{}

func (failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("dial failed for %s", r.URL)
}

func assertNoSecret(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s leaks %q: %s", where, s, text)
		}
	}
}

func TestTransportErrorRedacted(t *testing.T) {
	for _, src := range []wechat.TokenSource{wechat.NewClassicToken(appID, secret), wechat.NewStableToken(appID, secret)} {
		c, err := wechat.New(src, wechat.WithHTTPClient(&http.Client{Transport: failingTransport{}}), wechat.WithRetry(fastRetry))
		if err != nil {
			t.Fatal(err)
		}
		_, err = fetchRows[wechat.UserSummary](ctx(t), c, wechat.GetUserSummary, yesterdayRange())
		if err == nil {
			t.Fatal("no error")
		}
		assertNoSecret(t, src.Kind()+" error", err.Error(), secret)
		assertNoSecret(t, src.Kind()+" error", fmt.Sprintf("%+v %#v", err, err), secret)
		if wechat.ErrCode(err) != "network" {
			t.Errorf("%s: ErrCode = %q", src.Kind(), wechat.ErrCode(err))
		}
		for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
			assertNoSecret(t, "wrapped error", e.Error(), secret)
		}
	}
}

// TestDatacubeErrorRedacted fails datacube calls after a token was issued,
// so the URL in the error carries a real access token.
func TestDatacubeErrorRedacted(t *testing.T) {
	e := newEnv(t, nil)
	tok, err := e.client.Token(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	faults := []wechattest.Fault{
		{Reset: true},
		{Status: 502},
		{Body: "<html>echo: /datacube/getusersummary?access_token=" + tok + "</html>"},
		{Body: `{"errcode":40001,"errmsg":"token ` + tok + ` rejected"}`},
		{Latency: time.Second},
	}
	for _, f := range faults {
		release := e.fake.Inject(f)
		c, cancel := contextWithTimeout(200 * time.Millisecond)
		_, err := fetchRows[wechat.UserSummary](c, e.client, wechat.GetUserSummary, yesterdayRange())
		cancel()
		release()
		if err == nil {
			t.Fatalf("%+v: no error", f)
		}
		assertNoSecret(t, "error", err.Error(), tok, secret)
		assertNoSecret(t, "error", fmt.Sprintf("%#v", err), tok, secret)
	}
	if got := e.client.Redact("token=" + tok + " secret " + secret); strings.Contains(got, tok) || strings.Contains(got, secret) {
		t.Errorf("Redact left a credential: %s", got)
	}
}

func TestRedactString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://api.weixin.qq.com/datacube/x?access_token=ABC.def-1&x=1", "https://api.weixin.qq.com/datacube/x?access_token=REDACTED&x=1"},
		{"/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=abc", "/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=REDACTED"},
		{`{"appid":"wx1","secret":"abc","force_refresh":false}`, `{"appid":"wx1","secret":"REDACTED","force_refresh":false}`},
		{`"component_access_token": "zz"`, `"component_access_token": "REDACTED"`},
		{"?component_access_token=zz&authorizer_refresh_token=yy", "?component_access_token=REDACTED&authorizer_refresh_token=REDACTED"},
		{"no credentials here", "no credentials here"},
	}
	for _, tt := range tests {
		if got := wechat.RedactString(tt.in); got != tt.want {
			t.Errorf("RedactString(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestUserAgentAndMethod(t *testing.T) {
	var ua, method, ctype string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cgi-bin/stable_token" {
			_, _ = w.Write([]byte(`{"access_token":"abcdefgh","expires_in":7200}`))
			return
		}
		ua, method, ctype = r.UserAgent(), r.Method, r.Header.Get("Content-Type")
		_, _ = w.Write([]byte(`{"list":[]}`))
	}))
	defer srv.Close()
	c, _ := wechat.New(wechat.NewStableToken(appID, secret), wechat.WithBaseURL(srv.URL))
	rows, err := fetchRows[wechat.UserSummary](ctx(t), c, wechat.GetUserSummary, yesterdayRange())
	if err != nil || len(rows) != 0 {
		t.Fatalf("rows %v, err %v", rows, err)
	}
	if !strings.HasPrefix(ua, "wechat-exporter/") || method != http.MethodPost || ctype != "application/json" {
		t.Errorf("UA %q, method %q, content type %q", ua, method, ctype)
	}
}
