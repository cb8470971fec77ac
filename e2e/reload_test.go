package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// TestReload changes the configuration of a running exporter: by SIGHUP an
// account is added (fetched) and one removed (no longer served), the one
// that stays is not fetched again; a bad file by POST /-/reload is refused
// with its line, the running configuration kept and the failure shown in
// wechat_exporter_config_last_reload_successful; a good one is taken again.
func TestReload(t *testing.T) {
	fake := wechattest.NewServer()
	defer fake.Close()
	dir := t.TempDir()
	all := manyAccounts(t, fake, dir, 3) // a0000, a0001, a0002
	b, err := os.ReadFile(all)
	if err != nil {
		t.Fatal(err)
	}
	entries := strings.SplitAfter(string(b), "\n  - ")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(all, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// entries[0] is "accounts:\n  - ", then one account each (the last
	// ones ending in "\n  - ").
	account := func(i int) string { return strings.TrimSuffix(entries[i+1], "  - ") }
	write("accounts:\n  - " + account(0) + "  - " + account(1))
	cmd, addr, logs := exportertest.Start(t, "--config.file="+all, "--storage.path="+filepath.Join(dir, "data"), "--wechat.api-url="+fake.URL,
		"--collector.ready-time=00:00", "--collector.quota-interval=0", "--web.enable-lifecycle")
	served := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`(?m)^wechat_user_followers\{account="([^"]+)"`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	exportertest.WaitFor(t, addr, func(b string) bool { return fmt.Sprint(served(b)) == "[a0000 a0001]" })
	settled(t, addr)
	before := map[string]int{}
	for _, id := range []string{manyAppID(0), manyAppID(1)} {
		before[id] = fake.Calls(id, "")
	}

	write("accounts:\n  - " + account(1) + "  - " + account(2))
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	exportertest.WaitFor(t, addr, func(b string) bool { return fmt.Sprint(served(b)) == "[a0001 a0002]" })
	body := settled(t, addr)
	if !strings.Contains(body, "wechat_exporter_config_last_reload_successful 1") {
		t.Error("the reload is not shown successful")
	}
	for id, n := range before {
		if got := fake.Calls(id, ""); got != n {
			t.Errorf("%s made %d requests after the reload, want none (removed, or unchanged and complete)", id, got-n)
		}
	}
	if fake.DatacubeCalls(manyAppID(2)) == 0 {
		t.Error("the added account was not fetched")
	}

	reload := func() (int, string) { return post(t, "http://"+addr+"/-/reload") }
	write("accounts:\n  - " + account(1) + "    no_such_key: 1\n")
	code, msg := reload()
	if code != http.StatusInternalServerError || !strings.Contains(msg, all+":5: ") {
		t.Errorf("a bad file: %d %q, want 500 naming the file and line", code, msg)
	}
	_, body = exportertest.Get(t, "http://"+addr+"/metrics")
	if !strings.Contains(body, "wechat_exporter_config_last_reload_successful 0") || fmt.Sprint(served(body)) != "[a0001 a0002]" {
		t.Errorf("after a bad file: the failure is not shown, or the running accounts changed (%v)", served(body))
	}
	if !strings.Contains(logs.String(), "configuration not reloaded") {
		t.Errorf("the refused file is not logged:\n%s", logs)
	}
	write("accounts:\n  - " + account(1))
	if code, msg := reload(); code != http.StatusOK {
		t.Errorf("a good file: %d %s", code, msg)
	}
	body = exportertest.WaitFor(t, addr, func(b string) bool { return fmt.Sprint(served(b)) == "[a0001]" })
	if !strings.Contains(body, "wechat_exporter_config_last_reload_successful 1") {
		t.Error("the good reload is not shown successful")
	}
	if resp, err := http.Get("http://" + addr + "/-/reload"); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload: %v %v, want 405", resp.StatusCode, err)
	}
}

// TestReloadNeedsLifecycle: /-/reload is refused without
// --web.enable-lifecycle.
func TestReloadNeedsLifecycle(t *testing.T) {
	_, addr, _ := exportertest.Start(t, "--demo", "--log.level=warn")
	resp, err := http.Post("http://"+addr+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /-/reload without --web.enable-lifecycle: %d, want 403", resp.StatusCode)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}

// settled waits until the exporter has made no WeChat request for a
// second (its fetch pass is done), and returns the scrape.
func settled(t *testing.T, addr string) string {
	t.Helper()
	_, body := exportertest.Get(t, "http://"+addr+"/metrics")
	for {
		time.Sleep(time.Second)
		_, next := exportertest.Get(t, "http://"+addr+"/metrics")
		if requests(next) == requests(body) {
			return next
		}
		body = next
	}
}
