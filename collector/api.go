package collector

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// APIMetrics count what the exporter spends at WeChat: every request,
// every failure by errcode, request durations and token refreshes. Unlike
// the data metrics these are live counters of this process.
type APIMetrics struct {
	requests  *prometheus.CounterVec
	failures  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	refreshes *prometheus.CounterVec
	rejected  *prometheus.GaugeVec
}

// NewAPIMetrics creates the metrics and registers them with reg.
func NewAPIMetrics(reg prometheus.Registerer) *APIMetrics {
	m := &APIMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wechat_api_requests_total",
			Help: "HTTP requests made to the WeChat API, token requests and retries included.",
		}, []string{"account", "endpoint"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wechat_api_request_failures_total",
			Help: "Failed WeChat API requests, by WeChat errcode, or http_<status>, network, decode.",
		}, []string{"account", "endpoint", "errcode"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wechat_api_request_duration_seconds",
			Help:    "Duration of WeChat API requests.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"endpoint"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wechat_access_token_refreshes_total",
			Help: "Access tokens obtained (initial fetches and refreshes).",
		}, []string{"account"}),
		rejected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wechat_credentials_rejected",
			Help: "1 while WeChat refuses the account's credentials when asked for an access token (wrong AppSecret or AppID, IP not in the whitelist, frozen secret, invalid refresh token or verify ticket), 0 once it hands one out.",
		}, []string{"account"}),
	}
	reg.MustRegister(m.requests, m.failures, m.duration, m.refreshes, m.rejected)
	return m
}

// For returns the observer to give the account's wechat.Client. It
// initialises the account's token series, so that they exist (at 0)
// before the first refresh.
func (m *APIMetrics) For(account string) wechat.Observer {
	m.refreshes.WithLabelValues(account)
	m.rejected.WithLabelValues(account)
	return accountObserver{m, account}
}

// Forget deletes the series of an account no longer configured or
// discovered, so that accounts coming and going leave no series behind.
func (m *APIMetrics) Forget(account string) {
	labels := prometheus.Labels{"account": account}
	m.requests.DeletePartialMatch(labels)
	m.failures.DeletePartialMatch(labels)
	m.refreshes.DeletePartialMatch(labels)
	m.rejected.DeletePartialMatch(labels)
}

type accountObserver struct {
	m       *APIMetrics
	account string
}

func (o accountObserver) Request(endpoint string, took time.Duration, err error) {
	o.m.requests.WithLabelValues(o.account, endpoint).Inc()
	o.m.duration.WithLabelValues(endpoint).Observe(took.Seconds())
	if err != nil {
		o.m.failures.WithLabelValues(o.account, endpoint, wechat.ErrCode(err)).Inc()
	}
	if wechat.CredentialsRejected(err) {
		o.m.rejected.WithLabelValues(o.account).Set(1)
	}
}

func (o accountObserver) TokenRefresh(string) {
	o.m.refreshes.WithLabelValues(o.account).Inc()
	o.m.rejected.WithLabelValues(o.account).Set(0)
}
