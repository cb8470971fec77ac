package collector

import (
	"slices"

	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Baselines: an account's usual day, from the days its store holds. Right
// after installation Prometheus has no history, but the exporter has the
// week before the served day (the endpoint's ServedDays), so an alert can
// compare the served day with the account's own usual from the first day.
// A median, so that one earlier spike does not drag the usual up.

// baselineDays is the week before the served day, which the endpoints
// with a baseline serve.
const baselineDays = wechat.BaselineWeek

// minBaselineDays is the fewest days a baseline is served from: with
// fewer (a store younger than that) the baseline is absent, and so are
// the alerts that compare with it.
const minBaselineDays = 3

// weekBefore reports whether day is in the week before the served day.
func weekBefore(ep *served.Endpoint, day wechat.Date) bool {
	return day < ep.Date && day >= ep.Date.AddDays(-baselineDays)
}

// dailyTotals sums, for each stored day of the week before the served
// day, the figure value gives of each of its rows. A day whose rows all
// lack the figure is left out (WeChat did not give it: no baseline is made
// of nothing); a stored day without rows (a quiet day) is a 0, when the
// endpoint says which days are stored (served.Endpoint.Days).
func dailyTotals(ep *served.Endpoint, value func(wechat.Row) known) map[wechat.Date]float64 {
	byDay := map[wechat.Date]float64{}
	withRows := map[wechat.Date]bool{}
	for _, r := range ep.Rows {
		d := r.RowDate()
		if !weekBefore(ep, d) {
			continue
		}
		withRows[d] = true
		if v := value(r); v.ok {
			byDay[d] += v.v
		}
	}
	for _, d := range ep.Days {
		if _, known := byDay[d]; weekBefore(ep, d) && !known && !withRows[d] {
			byDay[d] = 0
		}
	}
	return byDay
}

// baseline is the median of the days' figures, known if there are
// enough days.
func baseline(byDay map[wechat.Date]float64) known {
	if len(byDay) < minBaselineDays {
		return known{}
	}
	vals := make([]float64, 0, len(byDay))
	for _, v := range byDay {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	n := len(vals)
	if n%2 == 1 {
		return known{vals[n/2], true}
	}
	return known{(vals[n/2-1] + vals[n/2]) / 2, true}
}
