package collector_test

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestCredentialsRejected: the gauge is 1 only while a token endpoint
// refuses the account's credentials, not for a busy or unreachable token
// endpoint, nor for a data call whose token was rejected.
func TestCredentialsRejected(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := collector.NewAPIMetrics(reg)
	obs := m.For("acc")
	gauge := func() float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "wechat_credentials_rejected" {
				return mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatal("no wechat_credentials_rejected series")
		return 0
	}
	steps := []struct {
		name     string
		endpoint string
		err      error
		refresh  bool
		want     float64
	}{
		{"before any request", "", nil, false, 0},
		{"token endpoint busy", "stable_token", &wechat.APIError{Endpoint: "stable_token", Code: wechat.CodeSystemBusy}, false, 0},
		{"token endpoint unreachable", "stable_token", &wechat.TransportError{Endpoint: "stable_token", Kind: wechat.KindHTTP, StatusCode: 502}, false, 0},
		{"data call's token rejected", "getusersummary", &wechat.APIError{Endpoint: "getusersummary", Code: wechat.CodeInvalidToken}, false, 0},
		{"wrong AppSecret", "stable_token", &wechat.APIError{Endpoint: "stable_token", Code: 40125}, false, 1},
		{"still refused, then a network error", "stable_token", errors.New("reset"), false, 1},
		{"IP not whitelisted", "token", &wechat.APIError{Endpoint: "token", Code: wechat.CodeIPNotWhitelist}, false, 1},
		{"a token obtained", "stable_token", nil, true, 0},
		{"refresh token invalid", "api_authorizer_token", &wechat.APIError{Endpoint: "api_authorizer_token", Code: wechat.CodeRefreshTokenBad}, false, 1},
	}
	for _, s := range steps {
		if s.endpoint != "" {
			obs.Request(s.endpoint, time.Millisecond, s.err)
		}
		if s.refresh {
			obs.TokenRefresh("stable")
		}
		if got := gauge(); got != s.want {
			t.Errorf("%s: wechat_credentials_rejected = %v, want %v", s.name, got, s.want)
		}
	}
	if n := testutil.CollectAndCount(reg, "wechat_credentials_rejected"); n != 1 {
		t.Errorf("%d series, want 1", n)
	}
}
