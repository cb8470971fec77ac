package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// TestDiscoveryReloadedFieldByField edits every field of a running
// exporter's discovery section in turn and reloads, by SIGHUP and by
// POST /-/reload alternately: each reload is applied whole (the process
// lives, wechat_exporter_config_last_reload_successful says 1), the
// discovered accounts the section wants are still served and fetched,
// and wechat_discovery_accounts says how many there are. A last edit
// removes the section: its accounts and its series go.
func TestDiscoveryReloadedFieldByField(t *testing.T) {
	fake := wechattest.NewServer()
	defer fake.Close()
	dir := t.TempDir()
	const secret = "0000000000c0ffee0000000000c0ffee"
	fake.SetComponent(wechattest.Component{AppID: "wx00000000c0ffee01", Secret: secret, Ticket: "ticket@@@reload"})
	ids := []string{exportertest.AppID(0xd1), exportertest.AppID(0xd2), exportertest.AppID(0xd3)}
	for i, id := range ids {
		fake.AddAccount(wechattest.Account{AppID: id, Secret: "unused"})
		fake.Authorize(wechattest.Authorizer{AppID: id, NickName: fmt.Sprintf("Shop %d", i+1)}, "refreshtoken@@@"+id)
	}
	for name, body := range map[string]string{"platform.secret": secret, "other.secret": secret, "ticket": "ticket@@@reload", "ticket2": "ticket@@@reload"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"tokens", "tokens2"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "wechat-exporter.yml")
	fields := map[string]string{
		"component":         "\n    app_id: wx00000000c0ffee01\n    app_secret_file: platform.secret\n    verify_ticket_file: ticket",
		"refresh_token_dir": " tokens", "refresh_interval": " 10m", "name_by": " app_id", "endpoints": " [getusercumulate]",
	}
	write := func() {
		t.Helper()
		var b strings.Builder
		b.WriteString("discovery:\n")
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s:%s\n", k, fields[k])
		}
		if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write()
	cmd, addr, logs := exportertest.Start(t, "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "data"), "--wechat.api-url="+fake.URL,
		"--collector.ready-time=00:00", "--collector.quota-interval=0", "--web.enable-lifecycle")
	servedFollowers := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`(?m)^wechat_user_followers\{account="([^"]+)"`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	exportertest.WaitFor(t, addr, func(b string) bool { return len(servedFollowers(b)) == 3 })

	steps := []struct {
		field, value string
		want         []string // the accounts served, in order
		fetched      string   // a series the edit makes the exporter fetch
	}{
		{"refresh_interval", " 11m", []string{ids[0], ids[1], ids[2]}, ""},
		{"include", " [" + ids[0] + ", " + ids[1] + "]", []string{ids[0], ids[1]}, ""},
		{"exclude", " [" + ids[1] + "]", []string{ids[0]}, ""},
		{"include", "", []string{ids[0], ids[2]}, ""},
		{"endpoints", " [getusercumulate, getusersummary]", []string{ids[0], ids[2]}, `wechat_datacube_last_fetch_success{account="` + ids[2] + `",endpoint="getusersummary"} 1`},
		{"extra_endpoints", " [getupstreammsg]", []string{ids[0], ids[2]}, `wechat_datacube_last_fetch_success{account="` + ids[0] + `",endpoint="getupstreammsg"} 1`},
		{"refresh_token_dir", " tokens2", []string{ids[0], ids[2]}, ""},
		{"component", "\n    app_id: wx00000000c0ffee01\n    app_secret_file: other.secret\n    verify_ticket_file: ticket2", []string{ids[0], ids[2]}, ""},
		{"name_by", " nick_name", []string{"Shop_1", "Shop_3"}, ""},
		{"exclude", "", []string{"Shop_1", "Shop_2", "Shop_3"}, `wechat_datacube_last_fetch_success{account="Shop_2",endpoint="getupstreammsg"} 1`},
	}
	for i, step := range steps {
		if step.value == "" {
			delete(fields, step.field)
		} else {
			fields[step.field] = step.value
		}
		// Each step waits for its own reload: the state a step wants may
		// already be served (refresh_interval changes no account), and
		// the next step's write would race the reload reading the file.
		reloads := strings.Count(logs.String(), "configuration reloaded")
		write()
		how := "SIGHUP"
		if i%2 == 0 {
			if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
		} else {
			how = "/-/reload"
			if code, msg := post(t, "http://"+addr+"/-/reload"); code != 200 {
				t.Fatalf("step %d, %s:%s by %s: %d %s", i, step.field, step.value, how, code, msg)
			}
		}
		want := fmt.Sprint(step.want)
		body := exportertest.WaitFor(t, addr, func(b string) bool {
			return strings.Count(logs.String(), "configuration reloaded") > reloads &&
				fmt.Sprint(servedFollowers(b)) == want && strings.Contains(b, step.fetched) &&
				strings.Contains(b, fmt.Sprintf("wechat_discovery_accounts %d\n", len(step.want)))
		})
		if !strings.Contains(body, "wechat_exporter_config_last_reload_successful 1") {
			t.Errorf("step %d (%s by %s): the reload is not shown successful", i, step.field, how)
		}
	}
	// An edit while the platform's list cannot be read keeps the accounts
	// found before.
	release := fake.Inject(wechattest.Fault{Endpoint: "api_get_authorizer_list", Errcode: 48001})
	fields["refresh_interval"] = " 12m"
	write()
	if code, msg := post(t, "http://"+addr+"/-/reload"); code != 200 {
		t.Fatalf("an edit while the list fails: %d %s", code, msg)
	}
	if _, body := exportertest.Get(t, "http://"+addr+"/metrics"); fmt.Sprint(servedFollowers(body)) != "[Shop_1 Shop_2 Shop_3]" {
		t.Errorf("an edit while the platform's list cannot be read: %v served, want the accounts found before", servedFollowers(body))
	}
	if logs.Find("list of authorised accounts could not be read") == "" {
		t.Error("the failing list is not logged")
	}
	release()
	if strings.Contains(logs.String(), "panic") || strings.Contains(logs.String(), "not reloaded") {
		t.Errorf("a reload panicked or was refused:\n%s", logs)
	}

	// Without the section, its accounts and its series go.
	if err := os.WriteFile(cfg, []byte("accounts:\n  - name: solo\n    app_id: "+ids[0]+"\n    app_secret: "+exportertest.AppSecret(ids[0])+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fake.AddAccount(wechattest.Account{AppID: ids[0], Secret: exportertest.AppSecret(ids[0])})
	if code, msg := post(t, "http://"+addr+"/-/reload"); code != 200 {
		t.Fatalf("removing discovery: %d %s", code, msg)
	}
	body := exportertest.WaitFor(t, addr, func(b string) bool { return fmt.Sprint(servedFollowers(b)) == "[solo]" })
	if strings.Contains(body, "wechat_discovery_") {
		t.Error("discovery's series are still served without a discovery section")
	}
}
