package wechat_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestRedirectsNotFollowed puts a server that redirects every request in
// front of the client: no request may reach the other host (a 307 would
// re-send the AppSecret there, a redirected GET the token in the URL and
// the Referer), each redirect is an error of its own class naming only the
// other host, counted once, and no request carries a Referer.
func TestRedirectsNotFollowed(t *testing.T) {
	var mu sync.Mutex
	var elsewhere []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		elsewhere = append(elsewhere, r.Method+" "+r.URL.String()+" referer="+r.Header.Get("Referer"))
		mu.Unlock()
		_, _ = w.Write([]byte(`{"access_token":"stolen-looking-token","expires_in":7200,"list":[]}`))
	}))
	defer other.Close()
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusFound, http.StatusPermanentRedirect, http.StatusMovedPermanently} {
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ref := r.Header.Get("Referer"); ref != "" {
				t.Errorf("request with Referer %q", ref)
			}
			http.Redirect(w, r, other.URL+"/landing?from="+r.URL.RawQuery, status)
		}))
		tokFile := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(tokFile, []byte("file-access-token-0123456789\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for name, src := range map[string]wechat.TokenSource{
			"stable":  wechat.NewStableToken(appID, secret),
			"classic": wechat.NewClassicToken(appID, secret),
			"file":    wechat.NewFileToken(tokFile),
		} {
			obs := &recorder{}
			c, err := wechat.New(src, wechat.WithBaseURL(front.URL), wechat.WithObserver(obs), wechat.WithRetry(fastRetry))
			if err != nil {
				t.Fatal(err)
			}
			d := day("2026-11-20")
			_, err = c.Fetch(ctx(t), wechat.GetUserSummary, wechat.Range{Begin: d, End: d})
			if got := wechat.ErrCode(err); got != "redirect" {
				t.Errorf("%d, %s: errcode %q (%v), want redirect", status, name, got, err)
				continue
			}
			msg := err.Error()
			host := strings.TrimPrefix(other.URL, "http://")
			if !strings.Contains(msg, host) || strings.Contains(msg, secret) || strings.Contains(msg, "file-access-token") || strings.Contains(msg, "landing") {
				t.Errorf("%d, %s: error %q: want the other host %s, and no secret, token or path", status, name, msg, host)
			}
			if wechat.ErrorClass(err) != wechat.Permanent {
				t.Errorf("%d, %s: class %v, want permanent: a redirect is not WeChat", status, name, wechat.ErrorClass(err))
			}
			endpoint := map[string]string{"stable": "stable_token", "classic": "token", "file": "getusersummary"}[name]
			if n := obs.count(func(r *recorder) map[string]int { return r.failures }, endpoint+"/redirect"); n != 1 {
				t.Errorf("%d, %s: %d failures counted as %s/redirect, want 1", status, name, n, endpoint)
			}
		}
		front.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if len(elsewhere) > 0 {
		t.Errorf("requests reached the other host:\n%s", strings.Join(elsewhere, "\n"))
	}
}
