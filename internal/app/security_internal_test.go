package app

import (
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
	"github.com/wechat-exporter/wechat-exporter/served"
)

func TestUnwritableStoragePath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	_ = os.WriteFile(file, nil, 0o600)
	f, err := parseFlags([]string{"--demo", "--storage.path=" + filepath.Join(file, "data"), "--web.listen-address=" + exportertest.FreeAddr(t)})
	if err != nil {
		t.Fatal(err)
	}
	err = serve(t.Context(), f, nopLogger(), nopLogger(), nil)
	if err == nil || !strings.Contains(err.Error(), "storage path "+filepath.Join(file, "data")) || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("err = %v, want one naming the storage path and the cause", err)
	}
}

// TestClientsThatNeverRead: a scrape slot (--web.max-requests) is held
// while the answer is prepared, not while it is written, so scrapes that
// never read their answer lock no one out; they are dropped after
// --web.write-timeout, which frees their goroutines.
func TestClientsThatNeverRead(t *testing.T) {
	addr, _, _ := startServe(t, "--demo", "--demo.accounts=40", "--storage.path="+t.TempDir(),
		"--web.max-requests=2", "--web.write-timeout=2s")
	// A first fetch cycle of 40 accounts: slow under the race detector.
	// An answer too large for the sockets' buffers, so that a client that
	// does not read keeps its writer waiting: some of the first cycle of
	// 40 demo accounts is enough (all of it, under the race detector on a
	// busy machine, took over 2 minutes).
	exportertest.WaitFor(t, addr, func(b string) bool { return len(b) > 8<<20 })
	before := runtime.NumGoroutine()
	// Three answers being written, none read: the first two held both
	// slots while they were prepared.
	slow := []net.Conn{exportertest.StalledClient(t, addr, "/metrics"), exportertest.StalledClient(t, addr, "/metrics"), exportertest.StalledClient(t, addr, "/metrics")}
	if code, body := exportertest.Get(t, "http://"+addr+"/metrics"); code != http.StatusOK {
		t.Errorf("a fourth scrape beside three that never read, with 2 slots: %d %.100s, want 200", code, body)
	}
	// After the write timeout the server has dropped them, though they
	// are still connected and still not reading.
	waitGoroutines(t, func(n int) bool { return n <= before+1 }, "the slow scrapes dropped after the write timeout")
	for _, c := range slow {
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	}
}

// waitGoroutines waits up to 20 s for the goroutine count to satisfy ok.
func waitGoroutines(t *testing.T, ok func(int) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok(runtime.NumGoroutine()) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d goroutines", what, runtime.NumGoroutine())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLandingPageEscapes: the landing page shows an account's name (the
// probe form's example), and exporter-toolkit renders it with
// text/template: whatever a name holds, the page carries no markup of it.
func TestLandingPageEscapes(t *testing.T) {
	for _, name := range []string{`"><script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, `a'b&c`} {
		e := &exporter{state: served.NewState(map[string]string{name: exportertest.AppID(0)})}
		rec := httptest.NewRecorder()
		e.landingPage(&flags{telemetryPath: "/metrics"}, nopLogger()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		page := rec.Body.String()
		if !strings.Contains(page, `name="account"`) {
			t.Fatalf("no probe form on the landing page:\n%s", page)
		}
		if strings.Contains(page, name) || strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x") {
			t.Errorf("the landing page carries %q unescaped", name)
		}
		if !strings.Contains(page, html.EscapeString(name)) {
			t.Errorf("the landing page lacks the escaped name %q", html.EscapeString(name))
		}
	}
}
