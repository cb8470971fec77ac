package e2e

import (
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/wechat-exporter/wechat-exporter/dashboards"
	"github.com/wechat-exporter/wechat-exporter/internal/app"
	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// series is one series of a range query: its labels and points.
type series struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"` // [time, "value"]
}

// queryRange runs a range query.
func (p promAPI) queryRange(q string, start, end time.Time, step time.Duration) ([]series, error) {
	var data struct {
		ResultType string   `json:"resultType"`
		Result     []series `json:"result"`
	}
	params := url.Values{"query": {q}, "start": {fmt.Sprint(start.Unix())}, "end": {fmt.Sprint(end.Unix())},
		"step": {fmt.Sprint(int64(step.Seconds()))}}
	if err := p.get("/api/v1/query_range", params, &data); err != nil {
		return nil, err
	}
	return data.Result, nil
}

// labelKey identifies a series by its labels.
func labelKey(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

// TestHistoryJoinsLive backfills days through the exporter binary, imports
// them with promtool into a real Prometheus, and lets that Prometheus
// scrape the live exporter, whose clock (and its demo fake's) is set so
// that it serves the last backfilled day live, as an exporter does when
// backfill is run up to yesterday after it was installed. Then for every
// dashboard expression of data the history holds, at steps 1m, 5m, 1h, 6h,
// 12h and 1d over the whole range, every day shows with its own value
// throughout the time it was (or would have been) served, with no gap and
// no second series at the join; an instant query at D+1 12:00 Beijing
// returns WeChat's figure of day D for the backfilled days and the live
// one; and a sum over seven days counts each day once.
func TestHistoryJoinsLive(t *testing.T) {
	promtool := lookPath(t, "promtool")
	prom := lookPath(t, "prometheus")
	t.Parallel()

	// The exporter's clock reads liveDay+1 11:58:30 Beijing now; real =
	// exporter time - offset for everything Prometheus stores.
	const days = 5
	const ready = 8*time.Hour + 30*time.Minute
	liveDay := wechat.Today(time.Now()).AddDays(-3)
	firstDay := liveDay.AddDays(1 - days)
	offset := (liveDay.AddDays(1).Start().Add(11*time.Hour + 58*time.Minute + 30*time.Second).Sub(time.Now())).Round(time.Second)
	real := func(exporterTime time.Time) time.Time { return exporterTime.Add(-offset) }
	at := func(d wechat.Date, tod time.Duration) time.Time { return real(d.Start().Add(tod)) } // a Beijing time of day d, as Prometheus stores it
	dir := t.TempDir()
	common := []string{"--demo", "--collector.ready-time=08:30", "--debug.clock-offset=" + offset.String(), "--log.level=warn"}

	_, addr, logs := exportertest.Start(t, append(common, "--storage.path="+filepath.Join(dir, "live"))...)

	// The history, labelled as the scrape below labels the live series.
	om := filepath.Join(dir, "history.om")
	code, out := exportertest.Run(t, append([]string{"backfill", "--storage.path=" + filepath.Join(dir, "backfill"), "--output=" + om,
		"--from=" + firstDay.String(), "--to=" + liveDay.String(), "--label=job=wechat", "--label=instance=" + addr}, common...)...)
	if code != 0 {
		t.Fatalf("backfill exited %d:\n%s", code, out)
	}
	b, err := os.ReadFile(om)
	if err != nil {
		t.Fatal(err)
	}
	imported := map[string]bool{} // the metrics the history holds
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) `).FindAllStringSubmatch(string(b), -1) {
		imported[m[1]] = true
	}
	tsdb := filepath.Join(dir, "tsdb")
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=486h", om, tsdb).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%s", err, out)
	}
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: wechat\n    static_configs:\n      - targets: [%q]\n", addr)
	api := startPrometheusOn(t, prom, cfg, tsdb, "--storage.tsdb.retention.time=100y")

	// Scrape the live exporter past liveDay+1 12:00 (its clock).
	noon := at(liveDay.AddDays(1), 12*time.Hour)
	if time.Until(noon) < 10*time.Second {
		t.Fatalf("backfill, promtool and Prometheus took until %s (exporter time): too late to see the live exporter at 12:00", time.Now().Add(offset).Format(time.TimeOnly))
	}
	time.Sleep(time.Until(noon.Add(15 * time.Second)))
	if v, err := api.queryAt(`count_over_time(wechat_user_followers{job="wechat",account="news"}[1m])`, noon); err != nil || len(v) != 1 || v[0].Value[1] == "1" {
		t.Fatalf("no live samples around %s (exporter time): %v %v\n%s", noon.Add(offset), v, err, logs)
	}

	// WeChat's figures, from a fake with the same demo accounts.
	fake := wechattest.NewServer()
	defer fake.Close()
	fake.SetClock(func() time.Time { return time.Now().Add(offset) })
	for _, a := range app.DemoAccounts(3, liveDay) {
		fake.AddAccount(a)
	}
	followers := func(d wechat.Date) string {
		return fmt.Sprint(fake.Rows(app.DemoAppID(0), wechat.GetUserCumulate.Name, d)[0].(wechat.UserCumulate).CumulateUser)
	}
	net := func(d wechat.Date) (n int64) {
		for _, r := range fake.Rows(app.DemoAppID(0), wechat.GetUserSummary.Name, d) {
			n += r.(wechat.UserSummary).NewUser.Or(0) - r.(wechat.UserSummary).CancelUser.Or(0)
		}
		return n
	}

	// D+1 12:00 Beijing shows day D, backfilled or live.
	for d := firstDay; d <= liveDay; d++ {
		v, err := api.queryAt(`last_over_time(wechat_user_followers{job="wechat",account="news"}[1d])`, at(d.AddDays(1), 12*time.Hour))
		if err != nil || len(v) != 1 || v[0].Value[1] != followers(d) {
			t.Errorf("%s 12:00 Beijing: followers %v (%v), WeChat's figure of %s is %s", d.AddDays(1), v, err, d, followers(d))
		}
	}

	// The day whose figure shows at a time: from its first ready time to
	// the next one.
	dayAt := func(ts time.Time) (wechat.Date, bool) {
		for d := firstDay; d <= liveDay; d++ {
			if !ts.Before(at(d.AddDays(1), ready)) && ts.Before(at(d.AddDays(2), ready)) {
				return d, true
			}
		}
		return 0, false
	}

	// Seven days' net follows: each day shown at the sum's daily steps,
	// once.
	var want int64
	sumAt := noon
	for k := 0; k < 7; k++ {
		step := sumAt.Truncate(24 * time.Hour).Add(-time.Duration(k) * 24 * time.Hour)
		if d, ok := dayAt(step); ok {
			want += net(d)
		}
	}
	q := dashboards.ForPrometheus(panelExpr(t, "wechat-overview", "Net follows, 7 days"), "wechat", "news")
	if v, err := api.queryAt(q, sumAt); err != nil || len(v) != 1 || v[0].Value[1] != fmt.Sprint(want) {
		t.Errorf("net follows over 7 days at %s: %v (%v), want %d, each day once", sumAt.Add(offset), v, err, want)
	}

	// Every dashboard expression over the history's data, at every step.
	start, end := at(firstDay.AddDays(1), ready), noon.Add(10*time.Second)
	checked := 0
	for _, dq := range dashboards.Queries() {
		expr := dashboards.ForPrometheus(dq.Expr, "wechat", ".+")
		parsed, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
		if err != nil {
			t.Fatal(err)
		}
		historical, subquery := true, false
		parser.Inspect(parsed, func(n parser.Node, _ []parser.Node) error {
			switch n := n.(type) {
			case *parser.VectorSelector:
				historical = historical && imported[n.Name]
			case *parser.SubqueryExpr:
				subquery = true
			}
			return nil
		})
		if !historical {
			continue // the exporter's own state, or a snapshot: live only
		}
		checked++
		// The value's periods: a day from the ready time; a sum's from
		// its steps at 00:00 UTC.
		period := func(ts time.Time) (from time.Time, ok bool) {
			if subquery {
				return ts.Truncate(24 * time.Hour), true
			}
			d, ok := dayAt(ts)
			return at(d.AddDays(1), ready), ok
		}
		reference := map[int64]map[string]string{} // period start -> series -> value
		valueIn := func(from time.Time) map[string]string {
			if v, ok := reference[from.Unix()]; ok {
				return v
			}
			ref := from.Add(3*time.Hour + 30*time.Minute) // 12:00 Beijing for a day
			if ref.After(end) {
				ref = end
			}
			vec, err := api.queryAt(expr, ref)
			if err != nil {
				t.Fatalf("%s / %s: %v", dq.Dashboard, dq.Panel, err)
			}
			m := map[string]string{}
			for _, s := range vec {
				m[labelKey(s.Metric)] = s.Value[1].(string)
			}
			reference[from.Unix()] = m
			return m
		}
		for _, step := range []time.Duration{time.Minute, 5 * time.Minute, time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour} {
			aligned := start.Truncate(step) // as Grafana aligns a range to its step
			result, err := api.queryRange(expr, aligned, end, step)
			if err != nil {
				t.Fatalf("%s / %s at %s: %v", dq.Dashboard, dq.Panel, step, err)
			}
			got := map[string]map[int64]string{}
			for _, s := range result {
				pts := map[int64]string{}
				for _, p := range s.Values {
					pts[int64(p[0].(float64))] = p[1].(string)
				}
				got[labelKey(s.Metric)] = pts
			}
			problems := 0
			report := func(format string, args ...any) {
				if problems++; problems <= 3 {
					t.Errorf("%s / %s, step %s: "+format+"\n%s", append([]any{dq.Dashboard, dq.Panel, step}, append(args, dq.Expr)...)...)
				}
			}
			for ts := aligned; !ts.After(end); ts = ts.Add(step) {
				from, ok := period(ts)
				if !ok || ts.Before(start) {
					continue
				}
				want := valueIn(from)
				for key, v := range want {
					g, ok := got[key][ts.Unix()]
					switch {
					case !ok:
						report("%s (exporter time): no value for {%s}, want %s (a gap)", ts.Add(offset).Format(time.DateTime), key, v)
					case !sameValue(g, v):
						report("%s (exporter time): {%s} = %s, want %s", ts.Add(offset).Format(time.DateTime), key, g, v)
					}
				}
				for key, pts := range got {
					if _, ok := pts[ts.Unix()]; ok && want[key] == "" {
						report("%s (exporter time): {%s} has a value no reference has (a second series?)", ts.Add(offset).Format(time.DateTime), key)
					}
				}
			}
		}
	}
	if checked < 40 {
		t.Errorf("only %d dashboard expressions checked", checked)
	}
}

// sameValue compares two sample values as Prometheus prints them.
func sameValue(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && (x == y || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y)))
}

// panelExpr returns the first expression of a dashboard's panel.
func panelExpr(t *testing.T, dashboard, panel string) string {
	t.Helper()
	for _, q := range dashboards.Queries() {
		if q.Dashboard == dashboard && q.Panel == panel {
			return q.Expr
		}
	}
	t.Fatalf("no panel %s / %s", dashboard, panel)
	return ""
}
