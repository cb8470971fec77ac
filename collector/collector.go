// Package collector serves WeChat's stored daily figures as Prometheus
// metrics. The Collector builds const metrics from an in-memory snapshot at
// each scrape: it never calls WeChat and never waits for a fetch.
//
// Each endpoint family lives in its own file (user.go, message.go,
// article.go, callback.go, content.go, ad.go) and registers the metrics it builds from its
// endpoints' rows.
package collector

import (
	"fmt"
	"hash/maphash"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

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

// descInfo is what a data metric's description says, kept for the
// OpenMetrics history writer (a prometheus.Desc does not expose it).
type descInfo struct {
	name, help string
	labels     []string
}

var descInfos = map[*prometheus.Desc]descInfo{}

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
		for _, l := range info.labels {
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
	descInfos[d] = descInfo{name, help, labels}
	return d
}

// newExporterDesc builds the description of a metric about the exporter's
// own state (no "cached" note).
func newExporterDesc(name, help string, labels ...string) *prometheus.Desc {
	d := prometheus.NewDesc(name, help, labels, nil)
	descInfos[d] = descInfo{name, help, labels}
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
	// rendered keeps each account's rendered pieces from the last
	// renderText: accounts are immutable, so an account a new snapshot
	// still holds is not rendered again, and RenderCold reuses them.
	rendered atomic.Pointer[map[*served.Account]accountRender]
	cut      sync.Map // "account/endpoint" whose series were cut, logged once
}

// New returns a collector serving state's snapshots.
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
		if !f.Keeps(info.name) {
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

// Series returns how many series the account's data are served as (its
// info and fetch status included): for a log line saying what a fetch
// round made of it.
func (c *Collector) Series(acc *served.Account) int { return len(c.accountSamples(acc).samples) }

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

// metrics gathers one family's samples and sums those with the same
// labels, so that duplicate rows from WeChat (or two unknown values that
// print alike) can never produce duplicate series, which would fail the
// whole scrape.
type metrics struct {
	index   map[seriesKey]int
	samples []sample
	removed map[*prometheus.Desc]bool // families not to gather (MetricFilter)
}

// seriesKey identifies a series by its description and a hash of its label
// values, which costs no allocation; add compares the labels on a hit, so
// a hash collision can never merge two series.
type seriesKey struct {
	desc *prometheus.Desc
	hash uint64
}

var labelSeed = maphash.MakeSeed()

type sample struct {
	desc   *prometheus.Desc
	labels []string
	value  float64
}

// An account has about 2,000 series: sized so that collecting one rarely
// grows the slice or the map.
const expectedSeries = 2048

func newMetrics() *metrics {
	return &metrics{index: make(map[seriesKey]int, expectedSeries), samples: make([]sample, 0, expectedSeries)}
}

func (m *metrics) key(d *prometheus.Desc, labels []string) seriesKey {
	var h maphash.Hash
	h.SetSeed(labelSeed)
	for _, l := range labels {
		h.WriteString(l)
		h.WriteByte(0xff)
	}
	return seriesKey{d, h.Sum64()}
}

// find returns the index of the series, or -1.
func (m *metrics) find(k seriesKey, labels []string) int {
	i, ok := m.index[k]
	if !ok {
		return -1
	}
	if !slices.Equal(m.samples[i].labels, labels) {
		return m.findSlow(k.desc, labels)
	}
	return i
}

// findSlow is the search after a hash collision: linear, and never taken
// in practice.
func (m *metrics) findSlow(d *prometheus.Desc, labels []string) int {
	for i, s := range m.samples {
		if s.desc == d && slices.Equal(s.labels, labels) {
			return i
		}
	}
	return -1
}

func (m *metrics) insert(k seriesKey, s sample) {
	if _, taken := m.index[k]; !taken {
		m.index[k] = len(m.samples)
	}
	m.samples = append(m.samples, s)
}

// add adds the count c to the series of d with the label values (account
// first), if WeChat gave it: a figure not known gives no series, never a
// 0 (see wechat's decode.go).
func (m *metrics) add(d *prometheus.Desc, c wechat.Count, labels ...string) {
	m.put(d, countOf(c), labels...)
}

// put adds a figure to the series of d, if it is known.
func (m *metrics) put(d *prometheus.Desc, f known, labels ...string) {
	if f.ok {
		m.addFloat(d, f.v, labels...)
	}
}

// known is a figure's value in the exporter's unit, and whether WeChat
// gave it.
type known struct {
	v  float64
	ok bool
}

func countOf(c wechat.Count) known {
	v, ok := c.Value()
	return known{float64(v), ok}
}

func decimalOf(x wechat.Decimal) known {
	v, ok := x.Value()
	return known{v, ok}
}

// per divides the figure (into a larger unit: fen to yuan, ms to s):
// dividing rounds correctly where multiplying by 0.01 would not (521.75,
// not 521.7500000000001).
func (f known) per(n float64) known { return known{f.v / n, f.ok} }

// times multiplies the figure (into a smaller unit: minutes to seconds).
func (f known) times(n float64) known { return known{f.v * n, f.ok} }

func (m *metrics) addFloat(d *prometheus.Desc, v float64, labels ...string) {
	if m.removed[d] {
		return
	}
	k := m.key(d, labels)
	if i := m.find(k, labels); i >= 0 {
		m.samples[i].value += v
		return
	}
	m.insert(k, sample{desc: d, labels: labels, value: v})
}

// truncate drops the samples from position n on and returns how many.
func (m *metrics) truncate(n int) int {
	if len(m.samples) <= n {
		return 0
	}
	dropped := m.samples[n:]
	for i := range dropped {
		k := m.key(dropped[i].desc, dropped[i].labels)
		if j, ok := m.index[k]; ok && j >= n {
			delete(m.index, k)
		}
	}
	m.samples = m.samples[:n]
	return len(dropped)
}

// info sets an info series to 1.
func (m *metrics) info(d *prometheus.Desc, labels ...string) {
	if m.removed[d] {
		return
	}
	k := m.key(d, labels)
	if m.find(k, labels) >= 0 {
		return
	}
	m.insert(k, sample{desc: d, labels: labels, value: 1})
}

func (m *metrics) flush(ch chan<- prometheus.Metric) {
	for _, s := range m.samples {
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, s.value, s.labels...)
	}
}

// Families returns the endpoints that have metrics, sorted.
func Families() []string { return sortedKeys(families) }
