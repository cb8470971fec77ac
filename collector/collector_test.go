package collector_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

func TestLintClean(t *testing.T) {
	state := collector.NewState(map[string]string{"fx": "wxfixture"})
	for _, ep := range []string{"getarticletotal", "getinterfacesummary", "getuserreadhour"} {
		rows := fixtureRows(t, ep)
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
	state := collector.NewState(map[string]string{"kept": "wx1"})
	state.SetData("gone", "getusercumulate", wechat.MustParseDate("2026-11-21"), []wechat.Row{wechat.UserCumulate{CumulateUser: 5}})
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
