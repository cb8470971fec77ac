package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// TestAppIDChangeServesNothingOfTheOld: the store knows which AppID each
// account's days belong to. Two accounts' AppIDs swapped under the same
// names, then one corrected to a third AppID, by reload: each name serves
// the figures of the AppID it has now (the swapped ones from what the
// store holds of them, the new one fetched at once), never the old one's,
// and a restart serves the same.
func TestAppIDChangeServesNothingOfTheOld(t *testing.T) {
	fake := wechattest.NewServer()
	defer fake.Close()
	dir := t.TempDir()
	ids := []string{manyAppID(0), manyAppID(1), manyAppID(2)}
	for _, id := range ids {
		fake.AddAccount(wechattest.Account{AppID: id, Secret: exportertest.AppSecret(id)})
	}
	cfg := filepath.Join(dir, "wechat-exporter.yml")
	configure := func(a, b string) {
		t.Helper()
		body := fmt.Sprintf("accounts:\n  - name: a\n    app_id: %s\n    app_secret: %s\n    endpoints: [getusercumulate]\n"+
			"  - name: b\n    app_id: %s\n    app_secret: %s\n    endpoints: [getusercumulate]\n", a, exportertest.AppSecret(a), b, exportertest.AppSecret(b))
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	followers := func(body, name string) string {
		m := regexp.MustCompile(`(?m)^wechat_user_followers\{account="` + name + `"\} (\S+)$`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return m[1]
	}
	appID := func(body, name string) string {
		m := regexp.MustCompile(`wechat_account_info\{account="` + name + `",app_id="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return m[1]
	}
	args := []string{"--config.file=" + cfg, "--storage.path=" + filepath.Join(dir, "data"), "--wechat.api-url=" + fake.URL,
		"--collector.ready-time=00:00", "--collector.quota-interval=0", "--web.enable-lifecycle"}

	// The followers of each AppID, as served from the start.
	configure(ids[0], ids[1])
	cmd, addr, _ := exportertest.Start(t, args...)
	body := exportertest.WaitFor(t, addr, func(b string) bool { return followers(b, "a") != "" && followers(b, "b") != "" })
	of := map[string]string{ids[0]: followers(body, "a"), ids[1]: followers(body, "b")}
	if of[ids[0]] == of[ids[1]] {
		t.Fatalf("the fake gives both accounts %s followers: the test cannot tell them apart", of[ids[0]])
	}

	configure(ids[1], ids[0])
	if code, msg := post(t, "http://"+addr+"/-/reload"); code != 200 {
		t.Fatalf("reload: %d %s", code, msg)
	}
	body = settled(t, addr)
	if followers(body, "a") != of[ids[1]] || followers(body, "b") != of[ids[0]] || appID(body, "a") != ids[1] || appID(body, "b") != ids[0] {
		t.Errorf("after swapping the AppIDs: a serves %s followers (AppID %s), b %s (AppID %s); want a %s (%s), b %s (%s)",
			followers(body, "a"), appID(body, "a"), followers(body, "b"), appID(body, "b"), of[ids[1]], ids[1], of[ids[0]], ids[0])
	}

	before := fake.DatacubeCalls(ids[2])
	configure(ids[2], ids[0])
	if code, msg := post(t, "http://"+addr+"/-/reload"); code != 200 {
		t.Fatalf("reload: %d %s", code, msg)
	}
	body = exportertest.WaitFor(t, addr, func(b string) bool { return appID(b, "a") == ids[2] && followers(b, "a") != "" })
	if fake.DatacubeCalls(ids[2]) == before {
		t.Error("the corrected AppID was not fetched")
	}
	if got := followers(body, "a"); got == of[ids[1]] || got == of[ids[0]] {
		t.Errorf("a, now %s, serves %s followers: another AppID's", ids[2], got)
	}
	of[ids[2]] = followers(body, "a")

	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	_, addr, _ = exportertest.Start(t, args...)
	_, body = exportertest.Get(t, "http://"+addr+"/metrics")
	if followers(body, "a") != of[ids[2]] || followers(body, "b") != of[ids[0]] {
		t.Errorf("after a restart: a serves %s, b %s; want %s, %s", followers(body, "a"), followers(body, "b"), of[ids[2]], of[ids[0]])
	}
}
