package app

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// The test binary runs the exporter's main when this variable is set, so
// that tests can start it as a real process and send it real signals.
const runMainEnv = "WECHAT_EXPORTER_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(Main(os.Args[1:]))
	}
	// The tests read the repository's shipped files (README.md, examples/)
	// by their paths from its root, as a user would.
	if err := os.Chdir("../.."); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// childEnv is the environment of an exporter started by a test: it runs
// main, and its temporary files (a demo's store) go to the test's own
// temporary directory, which is removed even when the child was killed.
// Under the race detector, the child would sleep a second at exit to
// report races late (atexit_sleep_ms); races are still reported.
func childEnv(t testing.TB) []string {
	return append(os.Environ(), runMainEnv+"=1", "TMPDIR="+t.TempDir(), "GORACE=atexit_sleep_ms=0")
}

// startProcess runs the exporter as a child process with args and waits
// until it is ready.
func startProcess(t testing.TB, args ...string) (*exec.Cmd, string, *lockedLog) {
	t.Helper()
	return startProcessWith(t, func(addr string) bool {
		code, _ := get(t, "http://"+addr+"/readyz")
		return code == 200
	}, args...)
}

// startProcessWith is startProcess with another readiness probe.
func startProcessWith(t testing.TB, ready func(addr string) bool, args ...string) (*exec.Cmd, string, *lockedLog) {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], append([]string{"--web.listen-address=" + addr}, args...)...)
	cmd.Env = childEnv(t)
	logs := startLogged(t, cmd)
	deadline := time.Now().Add(time.Minute)
	for {
		if ready(addr) {
			return cmd, addr, logs
		}
		if time.Now().After(deadline) {
			t.Fatalf("exporter did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startLogged starts cmd, collecting its standard error, and kills it
// when the test ends.
func startLogged(t testing.TB, cmd *exec.Cmd) *lockedLog {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedLog{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.add(sc.Text())
		}
		close(done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	return logs
}

func TestSIGTERMExitsZero(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd, addr, _ := startProcess(t, "--demo", "--log.level=warn")
		waitFor(t, addr, func(b string) bool { return strings.Contains(b, "wechat_user_followers{") })
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
	fake.AddAccount(wechattest.Account{AppID: "wxa", Secret: "secret-a-0123456789"})
	fake.AddAccount(wechattest.Account{AppID: "wxb", Secret: "secret-b-0123456789"})
	fake.AddAccount(wechattest.Account{AppID: "wxc", Secret: "secret-c-0123456789"})
	fake.SetComponent(wechattest.Component{AppID: "wxcomp", Secret: "component-secret-0123", Ticket: "ticket@@@current",
		RefreshTokens: map[string]string{"wxc": "refreshtoken@@@original"}})
	dir := t.TempDir()
	files := map[string]string{"a.secret": "secret-a-0123456789\n", "comp.secret": "component-secret-0123",
		"ticket": "ticket@@@current", "c.refresh": "refreshtoken@@@original\n"}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "wechat-exporter.yml")
	err := os.WriteFile(cfg, []byte(`accounts:
  - name: alpha
    app_id: wxa
    app_secret_file: a.secret
  - name: beta
    app_id: wxb
    app_secret: ${WECHAT_TEST_SECRET_B}
    endpoints: [getusercumulate]
  - name: gamma
    app_id: wxc
    token_source: component
    endpoints: [getusercumulate, getinterfacesummary]
    component:
      app_id: wxcomp
      app_secret_file: comp.secret
      verify_ticket_file: ticket
      refresh_token_file: c.refresh
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("WECHAT_TEST_SECRET_B", "secret-b-0123456789")
	_, addr, logs := startProcess(t, "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "data"),
		"--wechat.api-url="+fake.URL, "--collector.ready-time=00:00", "--log.level=debug")
	body := waitFor(t, addr, func(b string) bool {
		return strings.Count(b, "wechat_user_followers{") == 3 && strings.Contains(b, `wechat_interface_callbacks{account="gamma"}`)
	})
	if strings.Contains(body, `account="beta",endpoint="getusersummary"`) {
		t.Error("beta fetched an endpoint it does not list")
	}
	saved, _ := os.ReadFile(filepath.Join(dir, "c.refresh"))
	if got := strings.TrimSpace(string(saved)); got != fake.RefreshToken("wxc") || got == "refreshtoken@@@original" {
		t.Errorf("refresh token file holds %q, fake's current is %q", got, fake.RefreshToken("wxc"))
	}
	for _, secret := range fake.Issued() {
		if strings.Contains(body, secret) || strings.Contains(logs.String(), secret) {
			t.Errorf("a credential leaked into /metrics or the logs: %.12s…", secret)
		}
	}
}

// lockedLog collects a child's log lines for concurrent reading.
type lockedLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lockedLog) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// TestRestartServesRenderCache: a stopped exporter leaves each account's
// render in the store, and the next start serves it before decoding.
func TestRestartServesRenderCache(t *testing.T) {
	dir := t.TempDir()
	cmd, addr, _ := startProcess(t, "--demo", "--storage.path="+dir, "--log.level=warn")
	waitFor(t, addr, func(b string) bool {
		return strings.Count(b, "wechat_datacube_last_fetch_success{") == demoSeries(3) &&
			!strings.Contains(b, `wechat_datacube_last_fetch_success{account="support",endpoint="getusersummary"} 0`)
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
	_, addr, logs := startProcess(t, "--demo", "--storage.path="+dir, "--log.level=info")
	_, body := get(t, "http://"+addr+"/metrics")
	for _, acc := range demoNames {
		if !strings.Contains(body, `wechat_user_followers{account="`+acc+`"}`) {
			t.Errorf("first scrape after the restart lacks %s's data", acc)
		}
	}
	if !strings.Contains(logs.String(), "from_render_cache=3") {
		t.Errorf("the restart did not serve the render cache:\n%s", logs)
	}
}

// find returns the first line containing s, or "".
func (l *lockedLog) find(s string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}
