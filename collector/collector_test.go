package collector_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/internal/testanswers/testrows"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

func TestLintClean(t *testing.T) {
	state := served.NewState(map[string]string{"fx": "wxfixture"})
	for _, ep := range []string{"getarticletotal", "getinterfacesummary", "getuserreadhour"} {
		rows := testrows.Sample(t, ep)
		state.SetData("fx", ep, rows[0].RowDate(), rows)
	}
	problems, err := testutil.CollectAndLint(collector.New(state))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestRemovedAccountNotServed(t *testing.T) {
	state := served.NewState(map[string]string{"kept": "wx1"})
	state.SetData("gone", "getusercumulate", wechat.MustParseDate("2026-11-21"), []wechat.Row{wechat.UserCumulate{CumulateUser: wechat.CountOf(5)}})
	for k := range gather(t, collector.New(state)) {
		if strings.Contains(k, "gone") {
			t.Errorf("unconfigured account served: %s", k)
		}
	}
}

// exposition renders what reg gathers in the text format.
func exposition(t *testing.T, reg prometheus.Gatherer) []byte {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// samplesZeroByChance are families whose only official sample happens to
// be zero: WeChat does give these figures (the checks on the fake's days
// show them non-zero elsewhere).
var samplesZeroByChance = map[string]string{
	"wechat_user_follows":    "getusersummary's sample is a day without follows",
	"wechat_user_unfollows":  "getusersummary's sample is a day without unfollows",
	"wechat_ad_penalty_yuan": "publisher_settlement's sample has no penalty",
}

// liveRows are the live endpoints' rows as the store keeps them, from the
// documented answers (user/get's sample total; quota/get's fields).
var liveRows = map[string]string{
	wechat.GetUserCount.Name: `[{"total":2}]`,
	wechat.APIQuota.Name:     `[{"cgi_path":"/datacube/getusersummary","quota":{"daily_limit":5000,"used":120,"remain":4880}}]`,
}

// TestNoAlwaysZeroFamily serves every official sample (and the content
// endpoints' answers written from their documented fields): a family that
// is zero in all of them is a figure WeChat does not give (getuserreadhour
// has no original-page reads or favourites), which must not be a series
// that reads as "none". The exceptions are samples that are zero by chance.
func TestNoAlwaysZeroFamily(t *testing.T) {
	state := served.NewState(map[string]string{"fx": "wx"})
	serve := func(ep string, rows []wechat.Row) { state.SetData("fx", ep, newestDay(rows), rows) }
	for _, ep := range wechat.Endpoints() {
		switch {
		case ep.Publisher:
			serve(ep.Name, fetchAdFixture(t, ep, "samples/"+ep.Name, wechat.MustParseDate("2020-04-13")))
		case ep.Period == wechat.Live:
			rows, err := wechat.DecodeDay(ep, wechat.MustParseDate("2026-11-22"), []byte(liveRows[ep.Name]))
			if err != nil {
				t.Fatal(err)
			}
			serve(ep.Name, rows)
		case ep.Since != 0:
			serve(ep.Name, testrows.Rows(t, "content", ep.Name))
		default:
			serve(ep.Name, testrows.Sample(t, ep.Name))
		}
	}
	peak := map[string]float64{}
	for k, v := range gather(t, collector.New(state)) {
		name := k[:strings.IndexByte(k, '{')]
		peak[name] = max(peak[name], math.Abs(v))
	}
	if len(peak) < 80 {
		t.Fatalf("only %d families served", len(peak))
	}
	for name, p := range peak {
		_, chance := samplesZeroByChance[name]
		switch {
		case p == 0 && !chance:
			t.Errorf("%s is zero in every sample: a figure WeChat does not give?", name)
		case p != 0 && chance:
			t.Errorf("%s is listed as zero by chance, but a sample has it", name)
		}
	}
}
