package collector

import (
	"hash/maphash"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// metrics gathers one family's samples and sums those with the same
// labels, so that duplicate rows from WeChat (or two unknown values that
// print alike) can never produce duplicate series, which would fail the
// whole scrape.
type metrics struct {
	index   map[seriesKey]int
	samples []Sample
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

// Sample is one series: its description, its label values in the
// description's order (account first), and its value.
type Sample struct {
	Desc   *prometheus.Desc
	Labels []string
	Value  float64
}

// An account has about 2,000 series: sized so that collecting one rarely
// grows the slice or the map.
const expectedSeries = 2048

func newMetrics() *metrics {
	return &metrics{index: make(map[seriesKey]int, expectedSeries), samples: make([]Sample, 0, expectedSeries)}
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
	if !slices.Equal(m.samples[i].Labels, labels) {
		return m.findSlow(k.desc, labels)
	}
	return i
}

// findSlow is the search after a hash collision: linear, and never taken
// in practice.
func (m *metrics) findSlow(d *prometheus.Desc, labels []string) int {
	for i, s := range m.samples {
		if s.Desc == d && slices.Equal(s.Labels, labels) {
			return i
		}
	}
	return -1
}

func (m *metrics) insert(k seriesKey, s Sample) {
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
		m.samples[i].Value += v
		return
	}
	m.insert(k, Sample{Desc: d, Labels: labels, Value: v})
}

// truncate drops the samples from position n on and returns how many.
func (m *metrics) truncate(n int) int {
	if len(m.samples) <= n {
		return 0
	}
	dropped := m.samples[n:]
	for i := range dropped {
		k := m.key(dropped[i].Desc, dropped[i].Labels)
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
	m.insert(k, Sample{Desc: d, Labels: labels, Value: 1})
}

func (m *metrics) flush(ch chan<- prometheus.Metric) {
	for _, s := range m.samples {
		ch <- prometheus.MustNewConstMetric(s.Desc, prometheus.GaugeValue, s.Value, s.Labels...)
	}
}
