package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/internal/app"
	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

func TestSIGTERMExitsZero(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd, addr, _ := exportertest.Start(t, "--demo", "--log.level=warn")
		exportertest.WaitFor(t, addr, func(b string) bool { return strings.Contains(b, "wechat_user_followers{") })
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() { errc <- cmd.Wait() }()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("%v: exit %v, want 0", sig, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%v: did not exit", sig)
		}
	}
}

// TestConfiguredAccountsAgainstFake runs the real configuration path:
// secrets from a file and the environment, a file token source and a
// third-party component account whose rotated refresh token is saved.
func TestConfiguredAccountsAgainstFake(t *testing.T) {
	fake := wechattest.NewServer()
	defer fake.Close()
	fake.AddAccount(wechattest.Account{AppID: "wx000000000000000a", Secret: "aaaaaaaaaaaaa0123456789abcdef000"})
	fake.AddAccount(wechattest.Account{AppID: "wx000000000000000b", Secret: "bbbbbbbbbbbbb0123456789abcdef000"})
	fake.AddAccount(wechattest.Account{AppID: "wx000000000000000c", Secret: "ccccccccccccc0123456789abcdef000"})
	fake.SetComponent(wechattest.Component{AppID: "wx0000000000000c0f", Secret: "c0c0c0c0c0c0c0c0c0c0c0c0c0c00123", Ticket: "ticket@@@current",
		RefreshTokens: map[string]string{"wx000000000000000c": "refreshtoken@@@original"}})
	dir := t.TempDir()
	files := map[string]string{"a.secret": "aaaaaaaaaaaaa0123456789abcdef000\n", "comp.secret": "c0c0c0c0c0c0c0c0c0c0c0c0c0c00123",
		"ticket": "ticket@@@current", "c.refresh": "refreshtoken@@@original\n"}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "wechat-exporter.yml")
	err := os.WriteFile(cfg, []byte(`accounts:
  - name: alpha
    app_id: wx000000000000000a
    app_secret_file: a.secret
  - name: beta
    app_id: wx000000000000000b
    app_secret: ${WECHAT_TEST_SECRET_B}
    endpoints: [getusercumulate]
  - name: gamma
    app_id: wx000000000000000c
    token_source: component
    endpoints: [getusercumulate, getinterfacesummary]
    component:
      app_id: wx0000000000000c0f
      app_secret_file: comp.secret
      verify_ticket_file: ticket
      refresh_token_file: c.refresh
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("WECHAT_TEST_SECRET_B", "bbbbbbbbbbbbb0123456789abcdef000")
	_, addr, logs := exportertest.Start(t, "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "data"),
		"--wechat.api-url="+fake.URL, "--collector.ready-time=00:00", "--log.level=debug")
	body := exportertest.WaitFor(t, addr, func(b string) bool {
		return strings.Count(b, "wechat_user_followers{") == 3 && strings.Contains(b, `wechat_interface_callbacks{account="gamma"}`)
	})
	if strings.Contains(body, `account="beta",endpoint="getusersummary"`) {
		t.Error("beta fetched an endpoint it does not list")
	}
	saved, _ := os.ReadFile(filepath.Join(dir, "c.refresh"))
	if got := strings.TrimSpace(string(saved)); got != fake.RefreshToken("wx000000000000000c") || got == "refreshtoken@@@original" {
		t.Errorf("refresh token file holds %q, fake's current is %q", got, fake.RefreshToken("wx000000000000000c"))
	}
	for _, secret := range fake.Issued() {
		if strings.Contains(body, secret) || strings.Contains(logs.String(), secret) {
			t.Errorf("a credential leaked into /metrics or the logs: %.12s…", secret)
		}
	}
}

// TestRestartServesRenderCache: a stopped exporter leaves each account's
// render in the store, and the next start serves it before decoding.
func TestRestartServesRenderCache(t *testing.T) {
	dir := t.TempDir()
	cmd, addr, _ := exportertest.Start(t, "--demo", "--storage.path="+dir, "--log.level=warn")
	exportertest.WaitFor(t, addr, func(b string) bool {
		return app.DemoFetched(b, len(app.DemoNames))
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
	_, addr, logs := exportertest.Start(t, "--demo", "--storage.path="+dir, "--log.level=info")
	_, body := exportertest.Get(t, "http://"+addr+"/metrics")
	for _, acc := range app.DemoNames {
		if !strings.Contains(body, `wechat_user_followers{account="`+acc+`"}`) {
			t.Errorf("first scrape after the restart lacks %s's data", acc)
		}
	}
	if !strings.Contains(logs.String(), fmt.Sprintf("from_render_cache=%d", len(app.DemoNames))) {
		t.Errorf("the restart did not serve the render cache:\n%s", logs)
	}
}

// TestChildrenDieWithTheTest: a test process that is killed (go test's
// timeout, ^C) takes the exporter it started with it: no exporter is left
// serving after the test run. (On Linux, with the parent-death signal;
// .ci/run fails if a test leaves a process behind.)
func TestChildrenDieWithTheTest(t *testing.T) {
	helper := exec.Command(os.Args[0])
	helper.Env = exportertest.StartChildEnv(t)
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Fscan(out, &pid); err != nil || pid <= 0 {
		_ = helper.Process.Kill()
		t.Fatalf("the helper test process did not say its child: %v", err)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("the exporter child %d is not running: %v", pid, err)
	}
	_ = helper.Process.Kill() // as go test's timeout does
	_ = helper.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the exporter %d its test process started still runs 10 s after the test process was killed", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
