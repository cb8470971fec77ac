// Package exportertest starts the exporter for tests: as a real process
// (the test binary started again as the exporter, so that it gets real
// signals and its own memory), and watches its /metrics. Tests of the
// running process share it (e2e/, internal/app).
package exportertest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// runMainEnv makes a test binary run the exporter instead of its tests.
const runMainEnv = "WECHAT_EXPORTER_TEST_RUN_MAIN"

// startChildEnv makes a test binary start the exporter as its child, print
// the child's process id, and wait to be killed (TestChildrenDieWithTheTest).
const startChildEnv = "WECHAT_EXPORTER_TEST_START_CHILD"

// Main is a test package's TestMain: when the test binary was started as
// the exporter, it runs main (app.Main) with the command line; otherwise it
// changes to the repository's root (dir, relative to the package) and runs
// the tests, which read the shipped files by the paths a user has.
func Main(m *testing.M, main func(args []string) int, dir string) {
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(main(os.Args[1:]))
	}
	if os.Getenv(startChildEnv) == "1" {
		startChildAndWait()
	}
	if err := os.Chdir(dir); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// Env is the environment of an exporter started by a test: it runs main,
// and its temporary files (a demo's store) go to the test's own temporary
// directory, which is removed even when the child was killed. Under the
// race detector, the child would sleep a second at exit to report races
// late (atexit_sleep_ms); races are still reported.
func Env(t testing.TB) []string {
	return append(os.Environ(), runMainEnv+"=1", "TMPDIR="+t.TempDir(), "GORACE=atexit_sleep_ms=0")
}

// Command is the exporter started with args, not yet running. Without a
// --web.listen-address it listens on a free loopback port, never the
// default :10070, which the user's own exporter (go run . --demo) may hold.
func Command(t testing.TB, args ...string) *exec.Cmd {
	if !slices.ContainsFunc(args, func(a string) bool {
		return strings.HasPrefix(a, "--web.listen-address") || strings.HasPrefix(a, "--web.systemd-socket")
	}) {
		args = append([]string{"--web.listen-address=127.0.0.1:0"}, args...)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = Env(t)
	DieWithTest(cmd)
	return cmd
}

// Run runs the exporter with args to the end and returns its exit status
// and output.
func Run(t testing.TB, args ...string) (int, string) {
	t.Helper()
	out, err := Command(t, args...).CombinedOutput()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// Start runs the exporter as a child process with args, listening on a
// free address, and waits until it is ready; it is killed when the test
// ends.
func Start(t testing.TB, args ...string) (*exec.Cmd, string, *Log) {
	t.Helper()
	return StartWith(t, func(addr string) bool {
		code, _ := Get(t, "http://"+addr+"/readyz")
		return code == 200
	}, args...)
}

// StartWith is Start with another readiness probe.
func StartWith(t testing.TB, ready func(addr string) bool, args ...string) (*exec.Cmd, string, *Log) {
	t.Helper()
	addr := FreeAddr(t)
	cmd := Command(t, append([]string{"--web.listen-address=" + addr}, args...)...)
	logs := StartLogged(t, cmd)
	deadline := time.Now().Add(time.Minute) // a bound for a failing test
	for !ready(addr) {
		if time.Now().After(deadline) {
			t.Fatalf("exporter did not become ready:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cmd, addr, logs
}

// StartLogged starts cmd, collecting its standard error, and kills it
// when the test ends.
func StartLogged(t testing.TB, cmd *exec.Cmd) *Log {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &Log{}
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

// Log is a child's standard error, line by line, as it comes.
type Log struct {
	mu    sync.Mutex
	lines []string
}

func (l *Log) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
}

// Write takes output as it comes (a Log may be a command's Stdout).
func (l *Log) Write(p []byte) (int, error) {
	l.add(string(p))
	return len(p), nil
}

// String returns the lines so far.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// Find returns the first line so far that contains s, or "".
func (l *Log) Find(s string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

// FreeAddr returns a loopback address nothing listens on.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Get fetches url and returns its status and body (status 0 and the
// error's text when the request fails).
func Get(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// WaitFor polls the exporter's metrics until cond holds, for at most 2
// minutes: a bound for a failing test, not a timing the test relies on (a
// first fetch cycle of a dozen demo accounts under the race detector,
// beside the other packages' tests on 2 busy cores, took over a minute).
func WaitFor(t testing.TB, addr string, cond func(string) bool) string {
	t.Helper()
	return WaitForWithin(t, addr, 2*time.Minute, cond)
}

// WaitForWithin is WaitFor with another bound.
func WaitForWithin(t testing.TB, addr string, within time.Duration, cond func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		_, body := Get(t, "http://"+addr+"/metrics")
		if cond(body) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met; last scrape:\n%.2000s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// SlowClient asks for path and never reads the answer (its receive buffer
// as small as the kernel allows).
func SlowClient(t testing.TB, addr, path string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.(*net.TCPConn).SetReadBuffer(4096)
	if _, err := c.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// StalledClient is a SlowClient that waits for the first byte of its
// answer (its scrape is prepared and being written) and reads no more.
func StalledClient(t testing.TB, addr, path string) net.Conn {
	t.Helper()
	c := SlowClient(t, addr, path)
	_ = c.SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := c.Read(make([]byte, 1)); err != nil {
		t.Fatalf("no answer began: %v", err)
	}
	return c
}

// Docs returns the documentation's text: the README and every page of
// docs/, which the tests hold true (flags, metrics, configuration keys,
// examples).
func Docs(t testing.TB) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(ReadFile(t, "README.md"))
	pages, _ := filepath.Glob("docs/*.md")
	for _, p := range pages {
		b.WriteString("\n")
		b.WriteString(ReadFile(t, p))
	}
	return b.String()
}

// ReadFile returns a file of the repository, by its path from the root.
func ReadFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// startChildAndWait is the test process a killed test is: it starts the
// demo exporter as its child, as Start does, prints the child's process id
// and waits to be killed.
func startChildAndWait() {
	cmd := exec.Command(os.Args[0], "--demo", "--web.listen-address=127.0.0.1:0", "--storage.path="+filepath.Join(os.TempDir(), "child-store"))
	cmd.Env = append(os.Environ(), runMainEnv+"=1", startChildEnv+"=")
	DieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(cmd.Process.Pid)
	select {}
}

// StartChildEnv is the environment of a test binary that starts the demo
// exporter as its child, prints its process id and waits to be killed.
func StartChildEnv(t testing.TB) []string {
	return append(os.Environ(), startChildEnv+"=1", "TMPDIR="+t.TempDir())
}
