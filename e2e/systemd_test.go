package e2e

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
)

// unitFile is the shipped systemd unit.
const unitFile = "examples/wechat-exporter.service"

// serviceUID is the unprivileged user the test runs the service as, as
// DynamicUser= would (nobody).
const serviceUID = 65534

// unit is what the test needs of a systemd unit: its header's install
// steps and the [Service] settings systemd acts on before ExecStart.
type unit struct {
	installSteps [][]string          // the arguments of each "#   install" line
	service      map[string][]string // [Service] key -> values, in order
	execStart    []string
}

func parseUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unit{service: map[string][]string{}}
	section, cont := "", ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "#   install "); ok && section == "" {
			u.installSteps = append(u.installSteps, strings.Fields(rest))
			continue
		}
		if cont != "" || !strings.HasPrefix(line, "#") {
			line = cont + strings.TrimSpace(line)
		}
		if strings.HasSuffix(line, `\`) {
			cont = strings.TrimSuffix(line, `\`) + " "
			continue
		}
		cont = ""
		switch {
		case strings.HasPrefix(line, "#") || line == "":
		case strings.HasPrefix(line, "["):
			section = line
		case section == "[Service]":
			k, v, _ := strings.Cut(line, "=")
			u.service[k] = append(u.service[k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(u.service["ExecStart"]) != 1 {
		t.Fatalf("%s: want one ExecStart=, have %q", path, u.service["ExecStart"])
	}
	u.execStart = strings.Fields(u.service["ExecStart"][0])
	return u
}

// TestSystemdUnitAsShipped follows the unit's own install steps in a
// temporary root, does what systemd does before ExecStart (credentials
// copied for the service user, the state directory created), and runs the
// unit's command line as an unprivileged user with --config.check: the
// service must be able to read its configuration and secrets, while the
// installed files stay readable by root only. It also runs
// systemd-analyze verify on the unit.
func TestSystemdUnitAsShipped(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (as CI runs) to install files and start the service as another user")
	}
	u := parseUnit(t, unitFile)
	if len(u.installSteps) == 0 {
		t.Fatal("the unit's header has no install steps")
	}
	if got := u.service["DynamicUser"]; len(got) != 1 || got[0] != "yes" {
		t.Fatalf("DynamicUser = %q: the test runs the service as an unprivileged user, as DynamicUser=yes does", got)
	}

	// What the user has at hand: the binary, the unit, a configuration
	// naming its secret beside it, and the secret.
	root, src := serviceRoot(t), t.TempDir()
	copyFile(t, os.Args[0], filepath.Join(src, "wechat-exporter"), 0o755)
	copyFile(t, unitFile, filepath.Join(src, "wechat-exporter.service"), 0o644)
	writeFile(t, filepath.Join(src, "wechat-exporter.yml"), "accounts:\n  - name: news\n    app_id: wx0123456789abcdef\n    app_secret_file: news.secret\n")
	writeFile(t, filepath.Join(src, "news.secret"), "0123456789abcdef0123456789abcdef\n")

	// The header's steps, with every absolute path under root, where the
	// directories every system has exist.
	for _, d := range []string{"usr/local/bin", "etc/systemd/system"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range u.installSteps {
		args := make([]string, len(step))
		for i, a := range step {
			args[i] = rebase(root, a)
		}
		cmd := exec.Command("install", args...)
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("install %s: %v\n%s", strings.Join(step, " "), err, out)
		}
	}

	// What systemd does before ExecStart: each LoadCredential= file copied
	// into the credentials directory, readable by the service only; the
	// state directory created and given to the service user.
	creds := filepath.Join(root, "run/credentials/wechat-exporter.service")
	mkdirOwned(t, creds, 0o500)
	for _, lc := range u.service["LoadCredential"] {
		id, path, ok := strings.Cut(lc, ":")
		if !ok {
			t.Fatalf("LoadCredential=%s: want ID:PATH", lc)
		}
		dst := filepath.Join(creds, id)
		copyFile(t, rebase(root, path), dst, 0o400)
		chown(t, dst)
	}
	state := filepath.Join(root, "var/lib")
	for _, d := range u.service["StateDirectory"] {
		mkdirOwned(t, filepath.Join(state, d), 0o700)
	}

	args := make([]string, 0, len(u.execStart))
	for _, a := range u.execStart {
		a = strings.NewReplacer("%d", creds, "%S", state).Replace(a)
		args = append(args, rebase(root, a))
	}
	// The service user may read nothing under /etc/wechat-exporter, and an
	// exporter pointed there says who must be able to read it.
	if out, err := asServiceUser(exec.Command("cat", filepath.Join(root, "etc/wechat-exporter/news.secret"))).CombinedOutput(); err == nil {
		t.Errorf("the service user can read the installed secret: %s", out)
	}
	direct := asServiceUser(exec.Command(args[0], "--config.file="+filepath.Join(root, "etc/wechat-exporter/wechat-exporter.yml"), "--config.check"))
	direct.Env = exportertest.Env(t)
	if out, err := direct.CombinedOutput(); err == nil || !strings.Contains(string(out), "this process runs as uid 65534: make the file readable by it") {
		t.Errorf("reading the installed configuration as uid %d: %v\n%s", serviceUID, err, out)
	}
	cmd := asServiceUser(exec.Command(args[0], append(args[1:], "--config.check")...))
	cmd.Env = exportertest.Env(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s --config.check as uid %d: %v\n%s", strings.Join(u.execStart, " "), serviceUID, err, out)
	}
	if !strings.Contains(string(out), "OK, 1 accounts") {
		t.Errorf("--config.check said %s", out)
	}

	// systemd's own checks, with the command pointing at the installed
	// binary (verify refuses a command that does not exist).
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: unit not verified")
		return
	}
	b, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	verify := filepath.Join(t.TempDir(), "wechat-exporter.service")
	writeFile(t, verify, strings.Replace(string(b), "ExecStart="+u.execStart[0], "ExecStart="+args[0], 1))
	if out, err := exec.Command(sa, "verify", "--man=no", verify).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// serviceRoot returns an empty directory the service user can traverse
// to (every directory above it must allow it: in CI, .ci/run makes its
// temporary directory so).
func serviceRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	// The test's own directories, t.TempDir and its parent, are 0700.
	for _, d := range []string{root, filepath.Dir(root)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for d := filepath.Dir(root); d != filepath.Dir(d); d = filepath.Dir(d) {
		fi, err := os.Stat(filepath.Dir(d))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			t.Fatalf("%s is not traversable by other users: run the tests with TMPDIR on a path every user can traverse", filepath.Dir(d))
		}
	}
	return root
}

// rebase puts an absolute path (or the path of a --flag=/path) under root.
func rebase(root, a string) string {
	if flag, path, ok := strings.Cut(a, "="); ok && strings.HasPrefix(flag, "--") {
		return flag + "=" + rebase(root, path)
	}
	if filepath.IsAbs(a) && !strings.HasPrefix(a, root) {
		return filepath.Join(root, a)
	}
	return a
}

func asServiceUser(cmd *exec.Cmd) *exec.Cmd {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: serviceUID, Gid: serviceUID}}
	return cmd
}

func mkdirOwned(t *testing.T, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	chown(t, dir)
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
}

func chown(t *testing.T, path string) {
	t.Helper()
	if err := os.Chown(path, serviceUID, serviceUID); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
