package fetcher_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/internal/testanswers"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// TestStoredReadsAsFetched: every answer of the tests' (samples, versions,
// content, real) is fetched, stored and served, then read back from the
// store by a restart: the data series served before and after are the
// same, and none of the stored days is taken for damage. One rule reads
// an answer on both paths.
func TestStoredReadsAsFetched(t *testing.T) {
	now := beijing("2026-11-23 10:00") // a Monday: last week and last month are complete
	today := wechat.Today(now)
	checked := 0
	for _, a := range testanswers.All() {
		ep, ok := wechat.EndpointByName(a.Endpoint)
		if !ok {
			t.Fatalf("%s/%s: no endpoint", a.Dir, a.Name)
		}
		t.Run(a.Dir+"/"+a.Name, func(t *testing.T) {
			h := newHarness(t, now, fetcher.Config{Lookback: 1}, ep)
			h.fake.Inject(wechattest.Fault{Endpoint: ep.Name, Body: string(shiftDates(a.Body, ep, today))})
			h.runAt(now)
			before := dataSeries(t, h)
			if len(before) == 0 {
				t.Fatalf("the answer served no series:\n%s", h.logs)
			}
			h.store.Close()
			h.open() // a restart: everything served is read back from the store
			after := dataSeries(t, h)
			for k, v := range before {
				if w, ok := after[k]; !ok || w != v {
					t.Errorf("%s = %v fetched, %v (present %v) read back", k, v, w, ok)
				}
			}
			for k := range after {
				if _, ok := before[k]; !ok {
					t.Errorf("%s read back, not served when fetched", k)
				}
			}
			if n := h.metric("wechat_store_read_failures_total", nil); n != 0 {
				t.Errorf("%v stored days taken for damage", n)
			}
			checked++
		})
	}
	if checked < 35 {
		t.Errorf("%d answers checked: the test reaches too little", checked)
	}
}

var dateText = regexp.MustCompile(`"(\d{4})-(\d{2})-(\d{2})"`)

// shiftDates moves an answer's days by whole weeks (or months, for a
// monthly endpoint) so that its first row's day is the one the fetcher
// asks at today, keeping each day's weekday or day of the month.
func shiftDates(body []byte, ep wechat.Endpoint, today wechat.Date) []byte {
	var first wechat.Date
	for _, m := range dateText.FindAllSubmatch(body, -1) {
		if d, err := wechat.ParseDate(fmt.Sprintf("%s-%s-%s", m[1], m[2], m[3])); err == nil {
			first = d
			break
		}
	}
	if first == 0 {
		return body
	}
	want := ep.LatestComplete(today)
	shift := func(d wechat.Date) wechat.Date {
		if ep.Period == wechat.Monthly {
			months := (want.Year()-first.Year())*12 + int(want.Month()-first.Month())
			return wechat.NewDate(d.Year(), d.Month()+time.Month(months), d.Day())
		}
		return d.AddDays((int(want-first.WeekStart()) / 7) * 7)
	}
	if ep.Period == wechat.Daily || ep.Period == wechat.Live || ep.Period == wechat.Snapshot {
		shift = func(d wechat.Date) wechat.Date { return d.AddDays(int(want - first)) }
	}
	return dateText.ReplaceAllFunc(body, func(b []byte) []byte {
		d, err := wechat.ParseDate(strings.Trim(string(b), `"`))
		if err != nil {
			return b
		}
		return []byte(`"` + shift(d).String() + `"`)
	})
}

// dataSeries returns the series of the data families the collector
// serves, the exporter's own left out.
func dataSeries(t *testing.T, h *harness) map[string]float64 {
	t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	own := regexp.MustCompile(`^wechat_(datacube_last_fetch|datacube_endpoint_unavailable|api_|store_|fetch_|datacube_fields_missing|datacube_rows_skipped|access_token|credentials_rejected)`)
	out := map[string]float64{}
	for _, mf := range mfs {
		if own.MatchString(mf.GetName()) {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[mf.GetName()+labelText(m.GetLabel())] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return out
}

func labelText(ls []*dto.LabelPair) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, l.GetName()+"="+l.GetValue())
	}
	return "{" + strings.Join(parts, ",") + "}"
}
