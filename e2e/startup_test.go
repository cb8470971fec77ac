package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
)

// TestSIGTERMDuringStartup stops the exporter at several moments of the
// start-up of 20,000 accounts (reading the configuration, building the
// clients, loading the store): it must exit 0 within a second each time.
func TestSIGTERMDuringStartup(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("accounts:\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "  - name: a%06d\n    app_id: %s\n    app_secret: %s\n", i, exportertest.AppID(i), exportertest.AppSecret("startup"))
	}
	cfg := filepath.Join(dir, "wechat-exporter.yml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, after := range []time.Duration{50 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond, 900 * time.Millisecond} {
		cmd := exec.Command(os.Args[0], "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "data"),
			"--web.listen-address="+exportertest.FreeAddr(t), "--wechat.api-url=http://127.0.0.1:1", "--log.level=debug")
		cmd.Env = exportertest.Env(t)
		// The moments count from when the exporter handles signals: before
		// it, the Go runtime (slow to start under the race detector on a
		// busy machine) ends the process on SIGTERM, as any program's does.
		logs := exportertest.StartLogged(t, cmd)
		for deadline := time.Now().Add(10 * time.Second); logs.Find("handling signals") == ""; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the exporter never logged that it handles signals")
			}
		}
		time.Sleep(after)
		sent := time.Now()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() { errc <- cmd.Wait() }()
		select {
		case err := <-errc:
			if took := time.Since(sent); took > time.Second {
				t.Errorf("SIGTERM %v into start-up: exited after %v, want within a second", after, took)
			}
			if err != nil {
				t.Errorf("SIGTERM %v into start-up: %v, want exit 0", after, err)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("SIGTERM %v into start-up: still running after 10 s", after)
		}
	}
}

// TestUnusableListenAddressFailsAtOnce: a taken port or an impossible one
// ends the process at once with exit status 1 and an error naming the flag
// and the address, before anything is fetched (it used to keep fetching,
// silent, until SIGTERM).
func TestUnusableListenAddressFailsAtOnce(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for addr, want := range map[string]string{
		taken.Addr().String(): "--web.listen-address " + taken.Addr().String() + ": listen tcp " + taken.Addr().String() + ": bind: address already in use",
		"127.0.0.1:99999":     "--web.listen-address 127.0.0.1:99999: listen tcp: address 99999: invalid port",
	} {
		start := time.Now()
		code, out := exportertest.Run(t, "--demo", "--web.listen-address="+addr, "--storage.path="+t.TempDir())
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d, output:\n%s\nwant exit 1 and %q", addr, code, out, want)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("%s: exited after %s", addr, took)
		}
		if strings.Contains(out, "fetch") {
			t.Errorf("%s: something was fetched first:\n%s", addr, out)
		}
	}
}

// TestMistakesNamedBeforeThePortIsTaken: with the listen address taken
// (the demo left running on :10070), a mistake in a flag, the environment
// or the configuration is named, not hidden behind "address already in
// use": every one is checked before the address is bound.
func TestMistakesNamedBeforeThePortIsTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("accounts:\n  - name: a\n    app_id: gh_0123456789ab\n    app_secret: 0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	listen := "--web.listen-address=" + taken.Addr().String()
	for _, tt := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--demo", "--shard=3", "--total-shards=3"}, "", "want 0 <= shard < total-shards"},
		{[]string{"--demo", "--collector.ready-time=25:00"}, "", "--collector.ready-time"},
		{[]string{"--config.file=" + filepath.Join(dir, "missing.yml")}, "", "missing.yml: no such file or directory"},
		{[]string{"--config.file=" + bad}, "", "original ID"},
		{nil, "WECHAT_EXPORTER_DEMO=yes", "WECHAT_EXPORTER_DEMO"},
	} {
		cmd := exportertest.Command(t, append([]string{listen, "--storage.path=" + filepath.Join(dir, "data")}, tt.args...)...)
		if tt.env != "" {
			cmd.Env = append(cmd.Env, tt.env)
		}
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), tt.want) || strings.Contains(string(out), "address already in use") {
			t.Errorf("%v %s: the output does not name the mistake (%q):\n%s", tt.args, tt.env, tt.want, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
			t.Errorf("%v %s: the store was opened before the mistake was named", tt.args, tt.env)
		}
	}
}

// TestUnwritableStorageSaysSo starts the exporter, as an unprivileged user,
// on a storage directory it may not write (one that exists, and one it
// would have to create): it must exit at once saying permission denied,
// naming the directory, not "no such file or directory" of the file it
// could not create.
func TestUnwritableStorageSaysSo(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (as CI runs) to run the exporter as another user")
	}
	root := serviceRoot(t)
	bin := filepath.Join(root, "wechat-exporter")
	copyFile(t, os.Args[0], bin, 0o755)
	for _, dir := range []string{filepath.Join(root, "data"), filepath.Join(root, "data", "sub")} {
		if err := os.MkdirAll(filepath.Join(root, "data"), 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := asServiceUser(exec.Command(bin, "--demo", "--storage.path="+dir, "--web.listen-address="+exportertest.FreeAddr(t)))
		cmd.Env = exportertest.Env(t)
		out, err := cmd.CombinedOutput()
		exit, _ := err.(*exec.ExitError)
		want := "storage path " + dir + ": "
		if exit == nil || exit.ExitCode() != 1 || !strings.Contains(string(out), want) || !strings.Contains(string(out), "permission denied") ||
			strings.Contains(string(out), "no such file") {
			t.Errorf("%s: %v, output:\n%s\nwant exit 1 and %q ... permission denied", dir, err, out, want)
		}
	}
}
