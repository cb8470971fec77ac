package fetcher_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// budgetAccounts are the demo's three kinds of account: a daily publisher
// that is also an ad publisher (every endpoint, the follower count now),
// one whose legacy article endpoints WeChat took offline (47009), and one
// with the datacube endpoints only; and a small, quiet account, whose
// follows and messages have rows on 3 days of 7. Each has the quota.
func budgetAccounts() (names []string, eps map[string][]wechat.Endpoint, fake []wechattest.Account) {
	names = []string{"news", "shop", "support", "quiet"}
	all := slices.DeleteFunc(wechat.Endpoints(), func(ep wechat.Endpoint) bool { return ep.PerPath })
	eps = map[string][]wechat.Endpoint{
		"news":    append(all, wechat.APIQuota),
		"shop":    append(wechat.DatacubeEndpoints(), wechat.APIQuota),
		"support": append(wechat.DatacubeEndpoints(), wechat.APIQuota),
		"quiet":   append(wechat.DatacubeEndpoints(), wechat.APIQuota),
	}
	for _, n := range names {
		fake = append(fake, wechattest.Account{AppID: "wx-" + n, Secret: "harness-secret-" + n, Publisher: n == "news", SilentEvery: 4,
			QuietWeek: n == "quiet"})
	}
	return names, eps, fake
}

// quietEndpoints are the quiet account's endpoints whose days may be
// empty.
var quietEndpoints = []string{wechat.GetUserSummary.Name, wechat.GetUpstreamMsg.Name}

// TestAPIBudget runs the fetcher with its default schedule over simulated
// days and counts the calls of each account's steady-state day by
// endpoint: what an account costs a day once its store is complete. The
// quota's questions are at most one per API path and account-day, and at
// most a fifth of the data calls. A quiet day's empty answer after an
// active one is asked again at most twice: the quiet account's figures are
// the mean of its days. The table is docs/scale.md's.
func TestAPIBudget(t *testing.T) {
	names, epsOf, fakes := budgetAccounts()
	// Thursday 2026-11-26 fills the store; Friday to Sunday are plain
	// days, Monday 11-30 starts a week, Tuesday 12-01 a month.
	start := beijing("2026-11-26 00:00")
	h := newHarnessWith(t, start, fetcher.Config{}, names, func(h *harness) {
		h.epsOf = epsOf
		for _, a := range fakes {
			h.fake.AddAccount(a)
		}
		for _, ep := range []wechat.Endpoint{wechat.GetArticleSummary, wechat.GetArticleTotal, wechat.GetUserRead,
			wechat.GetUserReadHour, wechat.GetUserShare, wechat.GetUserShareHour} {
			h.fake.Inject(wechattest.Fault{AppID: "wx-shop", Endpoint: ep.Name, Errcode: wechat.CodeAPIOffline})
		}
	})
	// perDay[day][account][endpoint] calls
	perDay := map[int]map[string]map[string]int{}
	snapshot := func() map[string]map[string]int {
		out := map[string]map[string]int{}
		for _, n := range names {
			out[n] = map[string]int{}
			for _, ep := range wechat.EndpointNames() {
				out[n][ep] = h.fake.Calls("wx-"+n, ep)
			}
			out[n]["token"] = h.fake.Calls("wx-"+n, "stable_token") + h.fake.Calls("wx-"+n, "token")
		}
		return out
	}
	const days = 6
	last := snapshot()
	at := start
	for day := 0; day < days; day++ {
		// From one due time to the next, as Run wakes.
		end := start.Add(time.Duration(day+1) * 24 * time.Hour)
		for at.Before(end) {
			h.runAt(at)
			next := fetcher.NextWake(h.fetcher)
			if !next.After(at) {
				next = at.Add(time.Second)
			}
			if next.After(end) {
				next = end
			}
			at = next
		}
		now := snapshot()
		perDay[day] = map[string]map[string]int{}
		for _, n := range names {
			perDay[day][n] = map[string]int{}
			for ep, c := range now[n] {
				perDay[day][n][ep] = c - last[n][ep]
			}
		}
		last = now
	}
	// The steady state: the days after the first, which fills the store;
	// a week's and a month's endpoints are asked on the day after.
	steady := map[string]map[string]float64{}
	for _, n := range names {
		steady[n] = map[string]float64{}
		for ep, c := range perDay[1][n] {
			steady[n][ep] = float64(c)
		}
	}
	for ep := range steady["quiet"] { // the mean of the steady days
		sum := 0
		for d := 1; d < days; d++ {
			sum += perDay[d]["quiet"][ep]
		}
		if e, _ := wechat.EndpointByName(ep); e.Period == wechat.Daily || e.Period == wechat.Live || ep == "token" || e.PerPath {
			steady["quiet"][ep] = float64(sum) / (days - 1)
		}
	}
	for d := 1; d < days; d++ {
		for _, ep := range quietEndpoints {
			if c := perDay[d]["quiet"][ep]; c > 3 {
				t.Errorf("quiet %s: %d calls on day %d, want at most 3: an empty day asked again more than twice", ep, c, d)
			}
		}
	}
	for d := 2; d < days; d++ {
		for _, n := range names {
			for ep, c := range perDay[d][n] {
				e, _ := wechat.EndpointByName(ep)
				if n == "quiet" && (slices.Contains(quietEndpoints, ep) || ep == wechat.APIQuota.Name || ep == "token") {
					continue // varies by day: its empty days' calls are bounded above
				}
				want := perDay[1][n][ep]
				switch {
				case e.Period == wechat.Weekly && c > 0:
					want = map[bool]int{true: 1}[d == 4]
				case e.Period == wechat.Monthly && c > 0:
					want = map[bool]int{true: 1}[d == 5]
				}
				if c != want {
					t.Errorf("%s %s: %d calls on day %d, want %d: not a steady state", n, ep, c, d, want)
				}
			}
		}
	}
	table := budgetTable(names, epsOf, steady)
	t.Log("\n" + table)
	for _, n := range names {
		data := 0.0
		for ep, c := range steady[n] {
			if ep != wechat.APIQuota.Name && ep != "token" {
				data += c
			}
		}
		quota := steady[n][wechat.APIQuota.Name]
		if quota > float64(distinctPaths(epsOf[n])) {
			t.Errorf("%s: %g quota calls a day for %d paths: more than one question a path and day", n, quota, distinctPaths(epsOf[n]))
		}
		if 5*quota > data {
			t.Errorf("%s: %g quota calls a day against %g data calls: more than a fifth", n, quota, data)
		}
	}
	const doc = "../docs/scale.md"
	text, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if text, err = replaceTable(text, table); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(doc, text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(string(text), table) {
		t.Errorf("docs/scale.md's table of calls per account-day is not the measured one (go test ./fetcher -run TestAPIBudget -update rewrites it):\n%s", table)
	}
}

var update = flag.Bool("update", false, "rewrite docs/scale.md's table of calls per account-day")

// replaceTable replaces, in a Markdown text, the table that starts with
// table's header line by table.
func replaceTable(text []byte, table string) ([]byte, error) {
	header, _, _ := strings.Cut(table, "\n")
	start := bytes.Index(text, []byte(header+"\n"))
	if start < 0 {
		return nil, fmt.Errorf("no table %q to replace", header)
	}
	end := start
	for end < len(text) && text[end] == '|' {
		next := bytes.IndexByte(text[end:], '\n')
		if next < 0 {
			end = len(text)
			break
		}
		end += next + 1
	}
	return slices.Concat(text[:start], []byte(strings.TrimSuffix(table, "\n")+"\n"), text[end:]), nil
}

// distinctPaths counts the API paths of eps, the quota's own aside.
func distinctPaths(eps []wechat.Endpoint) int {
	var paths []string
	for _, ep := range eps {
		if !ep.PerPath && !slices.Contains(paths, ep.Path()) {
			paths = append(paths, ep.Path())
		}
	}
	return len(paths)
}

// budgetTable is the markdown table of a steady day's calls: a row per
// endpoint, a column per account.
func budgetTable(names []string, epsOf map[string][]wechat.Endpoint, calls map[string]map[string]float64) string {
	var b strings.Builder
	b.WriteString("| endpoint | " + strings.Join(names, " | ") + " |\n|---|" + strings.Repeat("---|", len(names)) + "\n")
	rows := append(wechat.EndpointNames(), "token")
	sort.SliceStable(rows, func(i, j int) bool { return rows[i] != "token" && rows[j] == "token" })
	total, data := map[string]float64{}, map[string]float64{}
	for _, ep := range rows {
		used := false
		cells := make([]string, len(names))
		e, _ := wechat.EndpointByName(ep)
		for i, n := range names {
			c := calls[n][ep]
			cells[i] = strconv.FormatFloat(c, 'f', -1, 64)
			switch {
			case e.Period == wechat.Weekly && slices.Contains(epsOf[n], e):
				cells[i] = "1 a week"
			case e.Period == wechat.Monthly && slices.Contains(epsOf[n], e):
				cells[i] = "1 a month"
			}
			if c > 0 || slices.ContainsFunc(epsOf[n], func(e wechat.Endpoint) bool { return e.Name == ep }) {
				used = true
			}
			total[n] += c
			if ep != wechat.APIQuota.Name && ep != "token" {
				data[n] += c
			}
		}
		if used {
			b.WriteString("| " + ep + " | " + strings.Join(cells, " | ") + " |\n")
		}
	}
	cells := make([]string, len(names))
	for i, n := range names {
		cells[i] = fmt.Sprintf("%s (data %s)", strconv.FormatFloat(total[n], 'f', 1, 64), strconv.FormatFloat(data[n], 'f', 1, 64))
	}
	b.WriteString("| **all** | " + strings.Join(cells, " | ") + " |\n")
	return b.String()
}
