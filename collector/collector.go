// Package collector holds the metric families: what each endpoint's rows
// are served as. The Collector turns an account of the served snapshot
// into samples (and, as a prometheus.Collector, into const metrics); it
// never calls WeChat and never waits for a fetch. How the samples are
// written to a scrape (the fast text renderer, the render cache, the
// handlers, backfill's history) is package exposition's.
//
// Each endpoint family lives in its own file (user.go, message.go,
// article.go, callback.go, content.go, ad.go, quota.go) and registers the
// metrics it builds from its endpoints' rows.
package collector

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// cached is appended to every data metric's HELP: the value is WeChat's
// figure for a past day, not a live reading.
const cached = " WeChat's daily figure, cached; see wechat_datacube_data_date_timestamp_seconds for the day."

// family turns the rows of one endpoint into metrics.
type family struct {
	endpoint string
	descs    []*prometheus.Desc
	collect  func(m *metrics, a *scope, ep *served.Endpoint)
}

// scope is what a family needs to know of the account being collected.
type scope struct {
	account string
	posts   map[string]bool // msgids whose per-post series are served
}

var families = map[string]*family{}

// register adds the family of an endpoint; called from the files' init.
func register(endpoint string, collect func(m *metrics, a *scope, ep *served.Endpoint), descs ...*prometheus.Desc) {
	if _, ok := wechat.EndpointByName(endpoint); !ok {
		panic("collector: unknown endpoint " + endpoint)
	}
	families[endpoint] = &family{endpoint: endpoint, descs: descs, collect: collect}
}

// DescInfo is what a metric's description says, which a
// prometheus.Desc does not expose: the exposition writes the text itself.
type DescInfo struct {
	Name, Help string
	Labels     []string
}

var descInfos = map[*prometheus.Desc]DescInfo{}

// DescInfos returns what each metric description of the collector says
// (read only).
func DescInfos() map[*prometheus.Desc]DescInfo { return descInfos }

// newDesc builds a data metric's description; every metric has the
// account label first. The name is written whole where it is defined, so
// that a search for a name from the README finds its definition.
func newDesc(name, help string, labels ...string) *prometheus.Desc {
	return newAccountDesc(name, help+cached, labels)
}

// DataLabelNames returns the label names of the data metrics, sorted.
func DataLabelNames() []string {
	var names []string
	for _, info := range descInfos {
		for _, l := range info.Labels {
			if !slices.Contains(names, l) {
				names = append(names, l)
			}
		}
	}
	slices.Sort(names)
	return names
}

// liveCached is appended to the HELP of a figure of the account now (a
// live endpoint's), asked every so often rather than daily.
const liveCached = " WeChat's figure when last asked, cached."

// newLiveDesc builds the description of a live endpoint's metric.
func newLiveDesc(name, help string, labels ...string) *prometheus.Desc {
	return newAccountDesc(name, help+liveCached, labels)
}

func newAccountDesc(name, help string, labels []string) *prometheus.Desc {
	labels = append([]string{"account"}, labels...)
	d := prometheus.NewDesc(name, help, labels, nil)
	descInfos[d] = DescInfo{name, help, labels}
	return d
}

// newExporterDesc builds the description of a metric about the exporter's
// own state (no "cached" note).
func newExporterDesc(name, help string, labels ...string) *prometheus.Desc {
	d := prometheus.NewDesc(name, help, labels, nil)
	descInfos[d] = DescInfo{name, help, labels}
	return d
}

var (
	dataDateDesc = newExporterDesc("wechat_datacube_data_date_timestamp_seconds",
		"00:00 Beijing time (UTC+8) of the day (or first day of the week or month) whose data is served.",
		"account", "endpoint")
	fetchSuccessDesc = newExporterDesc("wechat_datacube_last_fetch_success",
		"1 if the last fetch of the endpoint succeeded (or found the stored data complete), 0 if it failed or has not succeeded since the start.",
		"account", "endpoint")
	fetchSuccessTimeDesc = newExporterDesc("wechat_datacube_last_fetch_success_timestamp_seconds",
		"When the endpoint's data was last fetched or found complete, as a Unix time.",
		"account", "endpoint")
	accountInfoDesc = newExporterDesc("wechat_account_info", "A configured or discovered account; value 1. nick_name, service_type and verify_type are what a third-party platform's discovery says (empty for a configured account).",
		"account", "app_id", "nick_name", "service_type", "verify_type")
	accountStatusDesc = newExporterDesc("wechat_account_status", "A discovered account's status (api_get_authorizer_info account_status): 1 normal, 14 deregistered, 16 banned, 18 warned, 19 frozen.", "account")
	notFetchedDesc    = newExporterDesc("wechat_account_not_fetched", "1 for a discovered account that is not fetched, and why: deregistered or banned (account_status), or no_refresh_token (neither the list nor refresh_token_dir has one).", "account", "reason")
	seriesDroppedDesc = newExporterDesc("wechat_datacube_series_dropped",
		"Series of the endpoint's served data beyond the bound of series per account and endpoint, left out.",
		"account", "endpoint")
	unavailableDesc = newExporterDesc("wechat_datacube_endpoint_unavailable",
		"1 while WeChat will not serve the endpoint for the account, and why: offline (errcode 47009), unauthorized (48001: account not verified, or permission set not granted), not_publisher (ad ret 2009); asked again weekly.",
		"account", "endpoint", "reason")
)

type options struct {
	maxPosts int
	logger   log.Logger
	filter   *MetricFilter
	removed  map[*prometheus.Desc]bool // what filter removes
}

// Option configures a Collector.
type Option func(*options)

// WithMaxPosts caps the per-post series per account (highest reads first).
func WithMaxPosts(n int) Option { return func(o *options) { o.maxPosts = n } }

// WithLogger sets where the collector says, once per account and
// endpoint, that it cut series beyond MaxSeriesPerEndpoint.
func WithLogger(l log.Logger) Option { return func(o *options) { o.logger = l } }

// WithMetricFilter removes the metric families the filter does not keep.
func WithMetricFilter(f *MetricFilter) Option { return func(o *options) { o.filter = f } }

// DefaultMaxPosts is the default cap of per-post series per account.
const DefaultMaxPosts = 50

// Collector is the prometheus.Collector of WeChat data.
type Collector struct {
	state *served.State
	opts  options
	cut   sync.Map // "account/endpoint" whose series were cut, logged once
}

// New returns a collector serving state's snapshots (nil: only for
// Samples and FamilySamples).
func New(state *served.State, opts ...Option) *Collector {
	c := &Collector{state: state, opts: options{maxPosts: DefaultMaxPosts, logger: log.NewNopLogger()}}
	for _, o := range opts {
		o(&c.opts)
	}
	c.opts.removed = removedDescs(c.opts.filter)
	return c
}

// removedDescs are the descriptions of the families f removes.
func removedDescs(f *MetricFilter) map[*prometheus.Desc]bool {
	removed := map[*prometheus.Desc]bool{}
	for d, info := range descInfos {
		if !f.Keeps(info.Name) {
			removed[d] = true
		}
	}
	return removed
}

// Describe sends every metric description once.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	seen := map[*prometheus.Desc]bool{}
	send := func(d *prometheus.Desc) {
		if !seen[d] && !c.opts.removed[d] {
			seen[d] = true
			ch <- d
		}
	}
	for _, d := range []*prometheus.Desc{dataDateDesc, fetchSuccessDesc, fetchSuccessTimeDesc, accountInfoDesc, accountStatusDesc, notFetchedDesc, unavailableDesc, seriesDroppedDesc} {
		send(d)
	}
	for _, name := range Families() {
		for _, d := range families[name].descs {
			send(d)
		}
	}
}

// Collect builds the metrics of the current snapshot.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.collect(ch, c.state.Load(), func(string) bool { return true })
}

// collect builds the metrics of the accounts of snap that keep selects.
func (c *Collector) collect(ch chan<- prometheus.Metric, snap *served.Snapshot, keep func(account string) bool) {
	for _, acc := range snap.Accounts() {
		if keep(acc.Name) {
			c.accountSamples(acc).flush(ch)
		}
	}
}

// ForAccounts is the collector of the named accounts of snap only, for
// /probe.
func (c *Collector) ForAccounts(snap *served.Snapshot, names map[string]bool) prometheus.Collector {
	return accountsCollector{c, snap, names}
}

type accountsCollector struct {
	c     *Collector
	snap  *served.Snapshot
	names map[string]bool
}

func (a accountsCollector) Describe(ch chan<- *prometheus.Desc) { a.c.Describe(ch) }

func (a accountsCollector) Collect(ch chan<- prometheus.Metric) {
	a.c.collect(ch, a.snap, func(name string) bool { return a.names[name] })
}

// Series returns how many series the account's data are served as (its
// info and fetch status included): for a log line saying what a fetch
// round made of it.
func (c *Collector) Series(acc *served.Account) int { return len(c.accountSamples(acc).samples) }

// Samples returns every sample of an account, in no particular order.
func (c *Collector) Samples(acc *served.Account) []Sample { return c.accountSamples(acc).samples }

// FamilySamples returns, for each endpoint named, the samples its family
// makes of the account's rows, as /metrics serves them (the per-post
// series chosen among all the account's endpoints), without the account's
// info and the fetch status: what backfill replays, day by day. An
// endpoint without a family or rows gives none.
func (c *Collector) FamilySamples(acc *served.Account, endpoints []string) [][]Sample {
	a := &scope{account: acc.Name, posts: selectPosts(acc, c.opts.maxPosts)}
	out := make([][]Sample, len(endpoints))
	for i, name := range endpoints {
		f, ep := families[name], acc.Endpoints[name]
		if f == nil || ep == nil {
			continue
		}
		m := newMetrics()
		m.removed = c.opts.removed
		f.collectBounded(m, a, ep)
		out[i] = m.samples
	}
	return out
}

// HasFamily reports whether the endpoint's rows are served as metrics.
func HasFamily(endpoint string) bool { return families[endpoint] != nil }

// FetchStatusDescs are the metrics that say how fetching went since the
// start, which a cold start does not serve from the render cache.
func FetchStatusDescs() []*prometheus.Desc {
	return []*prometheus.Desc{fetchSuccessDesc, fetchSuccessTimeDesc, unavailableDesc}
}

// OptionsKey identifies the options that change what an account is
// served as (the per-post cap, the metric filter): part of a render
// cache entry's key.
func (c *Collector) OptionsKey() string {
	key := strconv.Itoa(c.opts.maxPosts)
	if c.opts.filter != nil {
		key += "/" + c.opts.filter.spec
	}
	return key
}

// accountSamples computes every sample of an account: its info, each
// endpoint's status, and the families' data. One aggregator per account:
// families that share a metric (wechat_article_post_info) cannot emit a
// series twice. Collect turns the samples into const metrics; the text
// renderer (render.go) writes them directly.
func (c *Collector) accountSamples(acc *served.Account) *metrics {
	m := newMetrics()
	m.removed = c.opts.removed
	// The nickname is the owner's free text, given by WeChat: safe and bounded.
	m.info(accountInfoDesc, acc.Name, acc.AppID, sanitize(acc.Info.NickName, maxNickNameRunes), acc.Info.ServiceType, acc.Info.VerifyType)
	if acc.Info.Discovered {
		m.addFloat(accountStatusDesc, float64(acc.Info.Status), acc.Name)
	}
	if acc.Info.NotFetched != "" {
		m.addFloat(notFetchedDesc, 1, acc.Name, acc.Info.NotFetched)
	}
	a := &scope{account: acc.Name, posts: selectPosts(acc, c.opts.maxPosts)}
	for _, name := range sortedKeys(acc.Endpoints) {
		ep := acc.Endpoints[name]
		addStatus(m, acc.Name, name, ep)
		if f := families[name]; f != nil && len(ep.Rows) > 0 {
			if dropped := f.collectBounded(m, a, ep); dropped > 0 {
				m.addFloat(seriesDroppedDesc, float64(dropped), acc.Name, name)
				if _, logged := c.cut.LoadOrStore(acc.Name+"/"+name, true); !logged {
					level.Warn(c.opts.logger).Log("msg", fmt.Sprintf("series beyond %d of one endpoint were left out (logged once)", MaxSeriesPerEndpoint),
						"account", acc.Name, "endpoint", name, "dropped", dropped)
				}
			}
		}
	}
	return m
}

// collectBounded collects the family's series of the endpoint's served
// data, at most MaxSeriesPerEndpoint of them, and returns how many more
// there were.
func (f *family) collectBounded(m *metrics, a *scope, ep *served.Endpoint) int {
	start := len(m.samples)
	f.collect(m, a, ep)
	return m.truncate(start + MaxSeriesPerEndpoint)
}

// MaxSeriesPerEndpoint bounds the series one account's endpoint adds to a
// scrape. The largest legitimate endpoints (hourly reads by channel, the
// per-post series of the settling articles under the per-post cap) stay
// well below it; far beyond it an answer would only blow up every scrape.
const MaxSeriesPerEndpoint = 2000

func addStatus(m *metrics, account, endpoint string, ep *served.Endpoint) {
	if ep.Date != 0 {
		m.addFloat(dataDateDesc, float64(ep.Date.Start().Unix()), account, endpoint)
	}
	if ep.Status.Unavailable != "" {
		m.addFloat(unavailableDesc, 1, account, endpoint, ep.Status.Unavailable)
	}
	if !ep.Status.Known {
		return
	}
	m.addFloat(fetchSuccessDesc, boolValue(ep.Status.OK), account, endpoint)
	if !ep.Status.LastSuccess.IsZero() {
		m.addFloat(fetchSuccessTimeDesc, float64(ep.Status.LastSuccess.Unix()), account, endpoint)
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Families returns the endpoints that have metrics, sorted.
func Families() []string { return sortedKeys(families) }
