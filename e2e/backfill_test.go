package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// TestBackfillEndToEnd backfills from the fake with the fewest calls, makes
// no call for days already stored, turns the output into TSDB blocks with
// the real promtool, and checks in a real Prometheus that each day's query
// returns that day's value.
func TestBackfillEndToEnd(t *testing.T) {
	promtool := lookPath(t, "promtool")
	prom := lookPath(t, "prometheus")
	fake := wechattest.NewServer()
	defer fake.Close()
	dir := t.TempDir()
	cfg := manyAccounts(t, fake, dir, 2) // a0000, a0001
	// a0000 is a publisher: its ad slots and rebate goods are imported too.
	fake.AddAccount(wechattest.Account{AppID: manyAppID(0), Secret: exportertest.AppSecret(manyAppID(0)), Publisher: true})
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "app_secret: "+exportertest.AppSecret(manyAppID(0))+"\n", "app_secret: "+exportertest.AppSecret(manyAppID(0))+"\n    publisher: true\n", 1))
	if err := os.WriteFile(cfg, b, 0o600); err != nil {
		t.Fatal(err)
	}
	yesterday := wechat.Today(time.Now()).AddDays(-1)
	from, to := yesterday.AddDays(-20), yesterday
	out := filepath.Join(dir, "history.om")
	args := []string{"backfill", "--config.file=" + cfg, "--storage.path=" + filepath.Join(dir, "data"), "--wechat.api-url=" + fake.URL,
		"--from=" + from.String(), "--to=" + to.String(), "--account=a0000", "--output=" + out}

	code, output := exportertest.Run(t, args...)
	if code != 0 {
		t.Fatalf("backfill exited %d:\n%s", code, output)
	}
	if !strings.Contains(output, "backfill: ") || !strings.Contains(output, "(100%)") {
		t.Errorf("no progress lines:\n%s", output)
	}
	want := 0
	for _, ep := range wechat.Endpoints() {
		// and the days before from that the first day is served with
		n := len(wechat.SplitRange(ep, max(from.AddDays(1-ep.Served()), ep.FirstDate()), min(to, ep.LatestComplete(to.AddDays(1)))))
		if ep.Period == wechat.Snapshot || ep.Period == wechat.Live {
			n = 0 // a past day's settlement, or follower count, cannot be asked for
		}
		if got := fake.Calls(manyAppID(0), ep.Name); got != n {
			t.Errorf("%s: %d calls, the spans allow %d", ep.Name, got, n)
		}
		want += n
	}
	if got := fake.Calls(manyAppID(0), "getusersummary"); got != 4 { // 21 days and the baseline week before, span 7
		t.Errorf("getusersummary: %d calls, want 4", got)
	}
	if n := fake.DatacubeCalls(manyAppID(1)); n != 0 {
		t.Errorf("--account ignored: %d calls for a0001", n)
	}
	t.Logf("%d requests for 21 days of one account", want)

	// Again: everything is stored, nothing is fetched.
	fake.ResetCalls()
	if code, output := exportertest.Run(t, args...); code != 0 {
		t.Fatalf("second backfill exited %d:\n%s", code, output)
	}
	if n := fake.DatacubeCalls(""); n != 0 {
		t.Errorf("second backfill made %d datacube calls", n)
	}

	om, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(om), "# EOF\n") {
		t.Error("output does not end in # EOF")
	}
	blocks := filepath.Join(dir, "blocks")
	if b, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", out, blocks).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%s", err, b)
	}
	api := startPrometheusOn(t, prom, "global: {}\n", blocks, "--storage.tsdb.retention.time=100y")
	// Day D is read at D+1 12:00 Beijing, as the dashboards read it.
	noon := func(d wechat.Date) time.Time { return d.AddDays(1).Start().Add(12 * time.Hour) }
	for d := from; d <= to; d++ {
		v, err := api.queryAt(`last_over_time(wechat_user_followers{account="a0000"}[1d])`, noon(d))
		if err != nil || len(v) != 1 {
			t.Fatalf("%s: %v %v", d, v, err)
		}
		want := fake.Rows(manyAppID(0), "getusercumulate", d)[0].(wechat.UserCumulate).CumulateUser
		if got := v[0].Value[1]; got != fmt.Sprint(want) {
			t.Errorf("%s: Prometheus has %v, WeChat said %d", d, got, want)
		}
	}
	for d := from; d <= to; d++ {
		v, err := api.queryAt(`round(sum(last_over_time(wechat_ad_income_yuan{account="a0000"}[1d])) * 100)`, noon(d))
		var fen int64
		for _, r := range fake.Rows(manyAppID(0), wechat.PublisherAdPosGeneral.Name, d) {
			fen += r.(wechat.AdPosition).Income.Or(0)
		}
		if err != nil || len(v) != 1 || v[0].Value[1] != fmt.Sprint(fen) {
			t.Errorf("%s: ad income %v (%v), WeChat said %d fen", d, v, err, fen)
		}
	}
	if v, _ := api.queryAt(`count(last_over_time(wechat_upstream_messages[1d]))`, noon(to)); len(v) != 1 {
		t.Error("messages of the last day missing")
	}
}

func TestBackfillRefusesUnknownAccount(t *testing.T) {
	dir := t.TempDir()
	fake := wechattest.NewServer()
	defer fake.Close()
	cfg := manyAccounts(t, fake, dir, 1)
	y := wechat.Today(time.Now()).AddDays(-1).String()
	code, out := exportertest.Run(t, "backfill", "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "d"), "--from="+y, "--to="+y,
		"--account=nobody", "--output="+filepath.Join(dir, "o"))
	if code != 2 || !strings.Contains(out, "--account nobody: no such account in the configuration (have: a0000)") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestBackfillExitCodes runs backfill as a user does and checks that its
// exit status tells the truth: 0 when every day WeChat can serve was
// written (what it cannot serve is summed up on stderr), 1 when something
// that may succeed later failed, 2 for a mistake in the flags or the
// configuration.
func TestBackfillExitCodes(t *testing.T) {
	yesterday := wechat.Today(time.Now()).AddDays(-1)
	days := []string{"--from=" + yesterday.AddDays(-2).String(), "--to=" + yesterday.String()}
	for _, tc := range []struct {
		name   string
		setup  func(fake *wechattest.Server, cfg string) // may break the fake or the configuration
		args   []string
		code   int
		output []string // lines or parts of lines the output must have
	}{
		{name: "everything served", code: 0},
		{name: "unavailable endpoints", code: 0,
			setup: func(fake *wechattest.Server, cfg string) {
				fake.Inject(wechattest.Fault{AppID: manyAppID(0), Endpoint: "getarticlesummary", Errcode: wechat.CodeUnauthorized})
				fake.Inject(wechattest.Fault{AppID: manyAppID(0), Endpoint: "getarticletotal", Errcode: wechat.CodeAPIOffline})
				appendToAccount(t, cfg, "    publisher: true\n") // it is not one: ret 2009
			},
			output: []string{
				"backfill: WeChat will not serve 4 endpoints; their days are not in the history, and running again cannot change that:",
				"account a0000, getarticlesummary: unauthorized: WeChat refuses the endpoint for this account (48001): the data interfaces need a verified (认证) account, and an account authorised to a third-party platform must grant it permission set 7",
				"account a0000, getarticletotal: offline: WeChat took the endpoint offline for this account",
				"account a0000, publisher_adpos_general: not_publisher: the account is not a publisher",
				"account a0000, publisher_cps_general: not_publisher:",
			}},
		{name: "WeChat failing", code: 1,
			setup: func(fake *wechattest.Server, cfg string) {
				fake.Inject(wechattest.Fault{AppID: manyAppID(0), Endpoint: "getusersummary", Status: http.StatusBadGateway})
			},
			output: []string{"some days could not be fetched", "run again to fetch only the missing days", "getusersummary", "HTTP status 502"}},
		{name: "wrong secret", code: 1,
			setup: func(fake *wechattest.Server, cfg string) {
				b, _ := os.ReadFile(cfg)
				os.WriteFile(cfg, []byte(strings.Replace(string(b), exportertest.AppSecret(manyAppID(0)), exportertest.AppSecret("wrong"), 1)), 0o600)
			},
			output: []string{"some days could not be fetched"}},
		{name: "bad date", code: 2, args: []string{"--from=2026-13-01"}, output: []string{"--from: invalid date"}},
		{name: "day not served yet", code: 2, args: []string{"--to=" + yesterday.AddDays(1).String()}, output: []string{"the newest day WeChat can serve is yesterday"}},
		{name: "unknown flag", code: 2, args: []string{"--no-such-flag"}, output: []string{"unknown long flag"}},
		{name: "label the series have", code: 2, args: []string{"--label=account=x"}, output: []string{"--label account: the exporter's series have this label already"}},
		{name: "bad label", code: 2, args: []string{"--label=1job=x"}, output: []string{"--label 1job=x: want NAME=VALUE"}},
		{name: "bad configuration", code: 2,
			setup:  func(fake *wechattest.Server, cfg string) { appendToAccount(t, cfg, "    no_such_key: 1\n") },
			output: []string{"no_such_key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := wechattest.NewServer()
			defer fake.Close()
			dir := t.TempDir()
			cfg := manyAccounts(t, fake, dir, 1)
			if tc.setup != nil {
				tc.setup(fake, cfg)
			}
			args := []string{"backfill", "--config.file=" + cfg, "--storage.path=" + filepath.Join(dir, "data"),
				"--wechat.api-url=" + fake.URL, "--wechat.attempts=1", "--output=" + filepath.Join(dir, "history.om")}
			for _, d := range days { // unless the case has its own
				if !slices.ContainsFunc(tc.args, func(a string) bool { return strings.HasPrefix(a, d[:strings.IndexByte(d, '=')+1]) }) {
					args = append(args, d)
				}
			}
			code, out := exportertest.Run(t, append(args, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d:\n%s", code, tc.code, out)
			}
			for _, want := range tc.output {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if tc.code == 0 && strings.Contains(out, "run again") {
				t.Errorf("exit 0, yet it says to run again:\n%s", out)
			}
		})
	}
}

// appendToAccount adds YAML lines to the last account of a configuration.
func appendToAccount(t *testing.T, cfg, lines string) {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append(b, lines...), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBackfillDemo: the README's backfill example against the demo
// exits 0, with what the demo's accounts cannot serve summed up.
func TestBackfillDemo(t *testing.T) {
	dir := t.TempDir()
	yesterday := wechat.Today(time.Now()).AddDays(-1).String()
	code, out := exportertest.Run(t, "backfill", "--demo", "--storage.path="+filepath.Join(dir, "data"), "--from="+yesterday, "--to="+yesterday,
		"--output="+filepath.Join(dir, "history.om"))
	if code != 0 {
		t.Fatalf("backfill --demo exited %d:\n%s", code, out)
	}
	if !strings.Contains(out, ": offline: ") {
		t.Errorf("the demo's offline legacy endpoints are not summed up:\n%s", out)
	}
}

// TestBackfillWhileServing: the store of a running exporter is locked;
// backfill says so, and what to do instead.
func TestBackfillWhileServing(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	_, addr, _ := exportertest.Start(t, "--demo", "--storage.path="+data, "--log.level=warn")
	demoReady(t, addr)
	y := wechat.Today(time.Now()).AddDays(-1).String()
	code, out := exportertest.Run(t, "backfill", "--demo", "--storage.path="+data, "--from="+y, "--to="+y, "--output="+filepath.Join(t.TempDir(), "h.om"))
	if code != 1 || !strings.Contains(out, "is locked") || !strings.Contains(out, "give backfill a --storage.path of its own") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestBackfillOnDocumentationShapes backfills from a fake that answers
// getarticletotal in the shape of the original documentation (details
// without int_page_from_* and feed_share_from_*): backfill exits 0, the
// history has every figure the answers give and no series of those they
// lack, and a second backfill makes no call (the days were stored).
func TestBackfillOnDocumentationShapes(t *testing.T) {
	fake := wechattest.NewServer()
	defer fake.Close()
	dir := t.TempDir()
	legacy := exportertest.AppID(0x1e9ac)
	fake.AddAccount(wechattest.Account{AppID: legacy, Secret: exportertest.AppSecret(legacy), Omit: legacyOmit()})
	cfg := filepath.Join(dir, "wechat-exporter.yml")
	if err := os.WriteFile(cfg, []byte("accounts:\n  - name: legacy\n    app_id: "+legacy+"\n    app_secret: "+exportertest.AppSecret(legacy)+"\n    endpoints: [getarticletotal]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	yesterday := wechat.Today(time.Now()).AddDays(-1)
	out := filepath.Join(dir, "history.om")
	args := []string{"backfill", "--config.file=" + cfg, "--storage.path=" + filepath.Join(dir, "data"), "--wechat.api-url=" + fake.URL,
		"--from=" + yesterday.AddDays(-9).String(), "--to=" + yesterday.String(), "--output=" + out}
	if code, output := exportertest.Run(t, args...); code != 0 {
		t.Fatalf("backfill exited %d:\n%s", code, output)
	}
	om, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"wechat_article_post_cumulative_reads{", "wechat_article_post_target_users{", "wechat_article_post_cumulative_favorites{"} {
		if !strings.Contains(string(om), want) {
			t.Errorf("the history has no %s", want)
		}
	}
	for _, lacking := range []string{"wechat_article_post_cumulative_reads_by_source{", "wechat_article_post_cumulative_moments_shares{"} {
		if strings.Contains(string(om), lacking) {
			t.Errorf("the history has %s, which the answers do not give", lacking)
		}
	}
	fake.ResetCalls()
	if code, output := exportertest.Run(t, args...); code != 0 || fake.DatacubeCalls("") != 0 {
		t.Errorf("second backfill exited %d with %d calls:\n%s", code, fake.DatacubeCalls(""), output)
	}
}

// legacyOmit is what the original documentation's getarticletotal lacks.
func legacyOmit() []string {
	var out []string
	for _, f := range wechattest.LegacyArticleTotal {
		out = append(out, wechat.GetArticleTotal.Name+":"+f)
	}
	return out
}
