package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// TestDiscovery runs the exporter on a third-party platform's accounts,
// found by discovery alone: an account is named by its nickname and
// fetched with the refresh token its file holds (the platform's list gives
// none), and the file follows the rotated token; a banned account, and one
// without a refresh token anywhere, are shown but not fetched; endpoints
// whose permission set an account did not grant are unavailable without a
// call. Then the platform loses an account and gains one: a reload shows
// the change, fetches only the new account, and the others keep what
// they have.
func TestDiscovery(t *testing.T) {
	fake := wechattest.NewServer()
	defer fake.Close()
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	files := map[string]string{"platform.secret": "0000000000c0ffee0000000000c0ffee", "ticket": "ticket@@@discovery\n"}
	fake.SetComponent(wechattest.Component{AppID: "wx00000000c0ffee01", Secret: files["platform.secret"], Ticket: "ticket@@@discovery",
		ListWithoutRefreshToken: true})
	authorize := func(a wechattest.Authorizer, withFile bool) {
		fake.AddAccount(wechattest.Account{AppID: a.AppID, Secret: "unused"})
		token := "refreshtoken@@@" + a.AppID
		fake.Authorize(a, token)
		if withFile {
			files["tokens/"+a.AppID] = token + "\n"
		}
	}
	authorize(wechattest.Authorizer{AppID: "wxd15c000000000001", NickName: "News Daily", ServiceType: 2}, true)
	authorize(wechattest.Authorizer{AppID: "wxd15c000000000002", NickName: "Banned Co", Status: wechat.AccountBanned}, true)
	authorize(wechattest.Authorizer{AppID: "wxd15c000000000003", NickName: "Small Shop", PermissionSets: []int{1, 2}}, true)
	authorize(wechattest.Authorizer{AppID: "wxd15c000000000004", NickName: "No Token"}, false)
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "wechat-exporter.yml")
	if err := os.WriteFile(cfg, []byte(`discovery:
  component:
    app_id: wx00000000c0ffee01
    app_secret_file: platform.secret
    verify_ticket_file: ticket
  refresh_token_dir: tokens
  name_by: nick_name
  endpoints: [getusercumulate, getarticlesummary, getinterfacesummary]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, addr, logs := exportertest.Start(t, "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "data"), "--wechat.api-url="+fake.URL,
		"--collector.ready-time=00:00", "--collector.quota-interval=0", "--web.enable-lifecycle")
	exportertest.WaitFor(t, addr, func(b string) bool {
		return strings.Contains(b, `wechat_user_followers{account="News_Daily"}`) && strings.Contains(b, `wechat_user_followers{account="Small_Shop"}`)
	})
	body := settled(t, addr)
	for _, want := range []string{
		`wechat_account_info{account="News_Daily",app_id="wxd15c000000000001",nick_name="News Daily",service_type="service",verify_type="wechat"} 1`,
		`wechat_account_status{account="Banned_Co"} 16`,
		`wechat_account_not_fetched{account="Banned_Co",reason="banned"} 1`,
		`wechat_account_not_fetched{account="No_Token",reason="no_refresh_token"} 1`,
		`wechat_datacube_endpoint_unavailable{account="Small_Shop",endpoint="getarticlesummary",reason="unauthorized"} 1`,
		`wechat_datacube_endpoint_unavailable{account="Small_Shop",endpoint="getinterfacesummary",reason="unauthorized"} 1`,
		`wechat_discovery_accounts 4`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, id := range []string{"wxd15c000000000002", "wxd15c000000000004"} {
		if n := fake.Calls(id, ""); n != 0 {
			t.Errorf("%s, not fetched, made %d requests", id, n)
		}
	}
	for _, ep := range []string{"getarticlesummary", "getinterfacesummary"} {
		if n := fake.Calls("wxd15c000000000003", ep); n != 0 {
			t.Errorf("Small Shop's %s, whose permission set is not granted, was asked %d times", ep, n)
		}
	}
	_, targets := exportertest.Get(t, "http://"+addr+"/targets")
	if !strings.Contains(targets, `"News_Daily"`) || !strings.Contains(targets, `"Small_Shop"`) {
		t.Errorf("/targets does not list the discovered accounts: %s", targets)
	}
	if b, _ := os.ReadFile(filepath.Join(tokens, "wxd15c000000000001")); strings.TrimSpace(string(b)) != fake.RefreshToken("wxd15c000000000001") {
		t.Errorf("the token file holds %q, WeChat's current refresh token is another: the rotated token would be lost", b)
	}

	// The platform loses News Daily and gains Second Shop.
	before := fake.Calls("wxd15c000000000003", "")
	fake.Revoke("wxd15c000000000001")
	authorize(wechattest.Authorizer{AppID: "wxd15c000000000005", NickName: "Second Shop"}, false)
	if err := os.WriteFile(filepath.Join(tokens, "wxd15c000000000005"), []byte(fake.RefreshToken("wxd15c000000000005")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, msg := post(t, "http://"+addr+"/-/reload"); code != 200 {
		t.Fatalf("reload: %d %s", code, msg)
	}
	exportertest.WaitFor(t, addr, func(b string) bool {
		return strings.Contains(b, `wechat_user_followers{account="Second_Shop"}`) && !strings.Contains(b, `account="News_Daily"`)
	})
	settled(t, addr)
	if n := fake.Calls("wxd15c000000000003", "") - before; n != 0 {
		t.Errorf("Small Shop, unchanged, made %d requests after the reload", n)
	}
	if fake.DatacubeCalls("wxd15c000000000005") == 0 {
		t.Error("the new account was not fetched")
	}
	if strings.Contains(logs.String(), "refreshtoken@@@") || strings.Contains(logs.String(), files["platform.secret"]) {
		t.Error("a refresh token or the platform's secret is in the logs")
	}
}

// post sends an empty POST and returns the status and body.
func post(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, readAll(t, resp)
}

// TestDiscoveryHostileList: the platform's list is input from outside, as
// the nicknames its accounts' owners choose are. AppIDs that are paths
// ("../cron.d/wechat", "../../outside.txt") are skipped, logged once and
// counted: no file outside refresh_token_dir is written or read, and
// nothing is asked of WeChat for them. A nickname with markup names an
// account that is served, and the landing page carries no markup of it.
// An account listed twice is one account, with one client.
func TestDiscoveryHostileList(t *testing.T) {
	fake := wechattest.NewServer()
	defer fake.Close()
	dir := t.TempDir()
	platform := filepath.Join(dir, "platform")
	tokens := filepath.Join(platform, "tokens")
	for _, d := range []string{tokens, filepath.Join(platform, "cron.d")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	const stolen = "stolen@@@not-a-refresh-token"
	files := map[string]string{"platform.secret": "0000000000c0ffee0000000000c0ffee", "ticket": "ticket@@@hostile\n",
		"outside.txt": stolen + "\n"}
	fake.SetComponent(wechattest.Component{AppID: "wx00000000c0ffee01", Secret: files["platform.secret"], Ticket: "ticket@@@hostile"})
	authorize := func(a wechattest.Authorizer) {
		fake.AddAccount(wechattest.Account{AppID: a.AppID, Secret: "unused"})
		fake.Authorize(a, "refreshtoken@@@"+a.AppID)
	}
	const (
		writes = "../cron.d/wechat"  // the rotated token would be written there
		reads  = "../../outside.txt" // listed without a token: that file would be read and sent
		markup = `"><img src=x onerror=alert(1)>`
	)
	authorize(wechattest.Authorizer{AppID: writes, NickName: "Writes"})
	authorize(wechattest.Authorizer{AppID: reads, NickName: "Reads", WithoutRefreshToken: true})
	authorize(wechattest.Authorizer{AppID: "wxd15c000000000006", NickName: markup})
	authorize(wechattest.Authorizer{AppID: "wxd15c000000000007", NickName: "Double", Listed: 2})
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "wechat-exporter.yml")
	if err := os.WriteFile(cfg, []byte(`discovery:
  component:
    app_id: wx00000000c0ffee01
    app_secret_file: platform.secret
    verify_ticket_file: ticket
  refresh_token_dir: platform/tokens
  name_by: nick_name
  endpoints: [getusercumulate]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, addr, logs := exportertest.Start(t, "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "data"), "--wechat.api-url="+fake.URL,
		"--collector.ready-time=00:00", "--collector.quota-interval=0", "--web.enable-lifecycle")
	exportertest.WaitFor(t, addr, func(b string) bool {
		return strings.Contains(b, `wechat_user_followers{account="Double"}`) && strings.Contains(b, `app_id="wxd15c000000000006"`)
	})
	if code, msg := post(t, "http://"+addr+"/-/reload"); code != 200 { // a second discovery: the bad entries are logged once
		t.Fatalf("reload: %d %s", code, msg)
	}
	body := settled(t, addr)
	for _, want := range []string{
		`wechat_discovery_accounts 2`,
		`wechat_discovery_entries_skipped{reason="invalid_app_id"} 2`,
		`wechat_discovery_entries_skipped{reason="duplicate"} 1`,
		`wechat_credentials_rejected{account="Double"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, id := range []string{writes, reads} {
		if strings.Contains(body, id) {
			t.Errorf("/metrics names the listed AppID %q", id)
		}
		if n := fake.Calls(id, ""); n != 0 {
			t.Errorf("%q: %d requests to WeChat, want none", id, n)
		}
		if n := strings.Count(logs.String(), id); n != 1 {
			t.Errorf("%q is in %d log lines, want 1 (skipped, logged once):\n%s", id, n, logs)
		}
	}
	if _, err := os.Stat(filepath.Join(platform, "cron.d", "wechat")); err == nil {
		t.Error("a file was written outside refresh_token_dir")
	}
	if entries, _ := os.ReadDir(tokens); len(entries) != 2 {
		t.Errorf("refresh_token_dir holds %d entries, want the 2 valid accounts' tokens", len(entries))
	}
	if strings.Contains(logs.String(), stolen) {
		t.Error("the file outside refresh_token_dir was read")
	}
	name := regexp.MustCompile(`wechat_account_info\{account="([^"]*)",app_id="wxd15c000000000006"`).FindStringSubmatch(body)
	if name == nil {
		t.Fatal("the account with markup in its nickname is not served")
	}
	if strings.ContainsAny(name[1], `<>"'&`) {
		t.Errorf("account name %q, from a nickname, carries markup", name[1])
	}
	_, page := exportertest.Get(t, "http://"+addr+"/")
	if strings.Contains(page, "<img") || strings.Contains(page, "<script") {
		t.Errorf("the landing page carries markup from a nickname:\n%s", page)
	}
}
