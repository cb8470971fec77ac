package e2e

import (
	"net/http"
	"os"
	"path/filepath"
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
	authorize(wechattest.Authorizer{AppID: "wxdiscnews000001", NickName: "News Daily", ServiceType: 2}, true)
	authorize(wechattest.Authorizer{AppID: "wxdiscbanned0001", NickName: "Banned Co", Status: wechat.AccountBanned}, true)
	authorize(wechattest.Authorizer{AppID: "wxdiscshop000001", NickName: "Small Shop", PermissionSets: []int{1, 2}}, true)
	authorize(wechattest.Authorizer{AppID: "wxdiscnotoken001", NickName: "No Token"}, false)
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
		`wechat_account_info{account="News_Daily",app_id="wxdiscnews000001",nick_name="News Daily",service_type="service",verify_type="wechat"} 1`,
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
	for _, id := range []string{"wxdiscbanned0001", "wxdiscnotoken001"} {
		if n := fake.Calls(id, ""); n != 0 {
			t.Errorf("%s, not fetched, made %d requests", id, n)
		}
	}
	for _, ep := range []string{"getarticlesummary", "getinterfacesummary"} {
		if n := fake.Calls("wxdiscshop000001", ep); n != 0 {
			t.Errorf("Small Shop's %s, whose permission set is not granted, was asked %d times", ep, n)
		}
	}
	_, targets := exportertest.Get(t, "http://"+addr+"/targets")
	if !strings.Contains(targets, `"News_Daily"`) || !strings.Contains(targets, `"Small_Shop"`) {
		t.Errorf("/targets does not list the discovered accounts: %s", targets)
	}
	if b, _ := os.ReadFile(filepath.Join(tokens, "wxdiscnews000001")); strings.TrimSpace(string(b)) != fake.RefreshToken("wxdiscnews000001") {
		t.Errorf("the token file holds %q, WeChat's current refresh token is another: the rotated token would be lost", b)
	}

	// The platform loses News Daily and gains Second Shop.
	before := fake.Calls("wxdiscshop000001", "")
	fake.Revoke("wxdiscnews000001")
	authorize(wechattest.Authorizer{AppID: "wxdiscsecond0001", NickName: "Second Shop"}, false)
	if err := os.WriteFile(filepath.Join(tokens, "wxdiscsecond0001"), []byte(fake.RefreshToken("wxdiscsecond0001")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, msg := post(t, "http://"+addr+"/-/reload"); code != 200 {
		t.Fatalf("reload: %d %s", code, msg)
	}
	exportertest.WaitFor(t, addr, func(b string) bool {
		return strings.Contains(b, `wechat_user_followers{account="Second_Shop"}`) && !strings.Contains(b, `account="News_Daily"`)
	})
	settled(t, addr)
	if n := fake.Calls("wxdiscshop000001", "") - before; n != 0 {
		t.Errorf("Small Shop, unchanged, made %d requests after the reload", n)
	}
	if fake.DatacubeCalls("wxdiscsecond0001") == 0 {
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
