package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// selfSigned writes a certificate and key for 127.0.0.1 and returns a pool
// that trusts it.
func selfSigned(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "wechat-exporter test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	_ = os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// TestTLSAndBasicAuth serves with --web.config.file: 401 without
// credentials, 200 with them, and only over TLS.
func TestTLSAndBasicAuth(t *testing.T) {
	dir := t.TempDir()
	pool := selfSigned(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("scrape-password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webCfg := fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  prometheus: %s\n",
		filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), hash)
	if err := os.WriteFile(filepath.Join(dir, "web.yml"), []byte(webCfg), 0o600); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	request := func(addr, user, pass string) int {
		req, _ := http.NewRequest(http.MethodGet, "https://"+addr+"/metrics", nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	_, addr, _ := exportertest.StartWith(t, func(addr string) bool { return request(addr, "", "") == 401 },
		"--demo", "--web.config.file="+filepath.Join(dir, "web.yml"), "--log.level=warn")
	if code := request(addr, "", ""); code != 401 {
		t.Errorf("without credentials: %d, want 401", code)
	}
	if code := request(addr, "prometheus", "wrong"); code != 401 {
		t.Errorf("wrong password: %d, want 401", code)
	}
	if code := request(addr, "prometheus", "scrape-password"); code != 200 {
		t.Errorf("with credentials: %d, want 200", code)
	}
	if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("metrics served over plain HTTP")
		}
	}
}

// manyAppID is the AppID of manyAccounts' i-th account.
func manyAppID(i int) string { return exportertest.AppID(0xa000 + i) }

// manyAccounts writes a configuration of n accounts of the fake.
func manyAccounts(t *testing.T, fake *wechattest.Server, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("accounts:\n")
	for i := 0; i < n; i++ {
		id := manyAppID(i)
		fake.AddAccount(wechattest.Account{AppID: id, Secret: exportertest.AppSecret(id)})
		fmt.Fprintf(&b, "  - name: a%04d\n    app_id: %s\n    app_secret: %s\n", i, id, exportertest.AppSecret(id))
	}
	path := filepath.Join(dir, "wechat-exporter.yml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestKill9DuringWrites kills the exporter while it fills its store, then
// checks that the store opens, holds only whole days, and that a restart
// serves them at once.
func TestKill9DuringWrites(t *testing.T) {
	fake := wechattest.NewServer()
	defer fake.Close()
	dir := t.TempDir()
	cfg := manyAccounts(t, fake, dir, 20)
	data := filepath.Join(dir, "data")
	cmd, addr, _ := exportertest.Start(t, "--config.file="+cfg, "--storage.path="+data, "--wechat.api-url="+fake.URL,
		"--collector.lookback=60d", "--collector.ready-time=00:00", "--log.level=error")
	exportertest.WaitFor(t, addr, func(b string) bool { return strings.Count(b, "wechat_datacube_data_date_timestamp_seconds{") >= 20 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	st, err := store.Open(data)
	if err != nil {
		t.Fatalf("store does not open after kill -9: %v", err)
	}
	stored := map[string]bool{}
	for i := 0; i < 20; i++ {
		acc := fmt.Sprintf("a%04d", i)
		for _, ep := range wechat.Endpoints() {
			days, err := st.Range(acc, ep.Name, 0, wechat.MustParseDate("2100-01-01"))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range days {
				if _, err := wechat.DecodeDay(ep, d.Date, d.Rows); err != nil {
					t.Errorf("%s/%s/%s is not whole: %v", acc, ep.Name, d.Date, err)
				}
			}
			if len(days) > 0 && ep == wechat.GetUserCumulate {
				stored[acc] = true
			}
		}
	}
	st.Close()
	if len(stored) == 0 {
		t.Fatal("nothing was committed before the kill")
	}
	// Restart with WeChat answering slowly: what was stored is served at
	// once, before any fetch completes.
	fake.Inject(wechattest.Fault{Latency: 3 * time.Second})
	_, addr, _ = exportertest.Start(t, "--config.file="+cfg, "--storage.path="+data, "--wechat.api-url="+fake.URL,
		"--collector.lookback=60d", "--collector.ready-time=00:00", "--log.level=error")
	_, body := exportertest.Get(t, "http://"+addr+"/metrics")
	for acc := range stored {
		if !strings.Contains(body, `wechat_user_followers{account="`+acc+`"}`) {
			t.Errorf("%s's stored followers not served at once after restart", acc)
		}
	}
}

// TestNoSecretLeaks drives every fault path with debug logging on, then
// searches the logs and /metrics for every secret and token the fake knows.
func TestNoSecretLeaks(t *testing.T) {
	fake := wechattest.NewServer()
	defer fake.Close()
	dir := t.TempDir()
	leakComponent := exportertest.AppID(0x1eacc)
	fake.SetComponent(wechattest.Component{AppID: leakComponent, Secret: exportertest.AppSecret(leakComponent), Ticket: "ticket@@@leak",
		RefreshTokens: map[string]string{exportertest.AppID(0x1ea3): "refreshtoken@@@leak"}})
	var cfg strings.Builder
	cfg.WriteString("accounts:\n")
	for i, src := range []string{"stable", "classic", "file", "component"} {
		id := exportertest.AppID(0x1ea0 + i)
		fake.AddAccount(wechattest.Account{AppID: id, Secret: exportertest.AppSecret(id)})
		fmt.Fprintf(&cfg, "  - name: %s\n    app_id: %s\n    token_source: %s\n", src, id, src)
		switch src {
		case "stable", "classic":
			fmt.Fprintf(&cfg, "    app_secret: %s\n", exportertest.AppSecret(id))
		case "file":
			c, _ := wechat.New(wechat.NewStableToken(id, exportertest.AppSecret(id)), wechat.WithBaseURL(fake.URL))
			tok, err := c.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			_ = os.WriteFile(filepath.Join(dir, "token"), []byte(tok), 0o600)
			cfg.WriteString("    token_file: token\n")
		case "component":
			_ = os.WriteFile(filepath.Join(dir, "ticket"), []byte("ticket@@@leak"), 0o600)
			_ = os.WriteFile(filepath.Join(dir, "refresh"), []byte("refreshtoken@@@leak"), 0o600)
			fmt.Fprintf(&cfg, "    component:\n      app_id: %s\n      app_secret: %s\n      verify_ticket_file: ticket\n      refresh_token_file: refresh\n", leakComponent, exportertest.AppSecret(leakComponent))
		}
	}
	path := filepath.Join(dir, "wechat-exporter.yml")
	_ = os.WriteFile(path, []byte(cfg.String()), 0o600)

	// Every kind of fault, on data and token endpoints.
	faults := []wechattest.Fault{
		{Endpoint: "getusersummary", Errcode: -1, Times: 3},
		{Endpoint: "getusercumulate", Status: 502, Times: 3},
		{Endpoint: "getuserread", Reset: true}, // persistent: their errors reach the logs
		{Endpoint: "getusershare", Truncate: true},
		{Endpoint: "getupstreammsg", Body: wechattest.HTMLErrorPage},
		{Endpoint: "getupstreammsghour", Body: wechattest.MalformedJSON, Times: 3},
		{Endpoint: "getinterfacesummary", Errcode: 48001},
		{Endpoint: "getarticlesummary", Errcode: 61503, Times: 3},
		{Endpoint: "getuserreadhour", Errcode: 45009, Times: 1},
		{Endpoint: "getusersharehour", Errcode: 40001, Times: 2},
		{Endpoint: "token", Errcode: 40164, Times: 1},
		{Endpoint: "stable_token", Status: 503, Times: 2},
		{Endpoint: "api_authorizer_token", Errcode: 61023, Times: 1},
		{Endpoint: "getupstreammsgdist", Latency: 3 * time.Second, Times: 1},
	}
	for _, f := range faults {
		fake.Inject(f)
	}
	_, addr, logs := exportertest.Start(t, "--config.file="+path, "--storage.path="+filepath.Join(dir, "data"), "--wechat.api-url="+fake.URL,
		"--collector.ready-time=00:00", "--collector.lookback=3d", "--collector.retry-interval=1s", "--log.level=debug")
	body := exportertest.WaitFor(t, addr, func(b string) bool {
		return strings.Contains(b, `errcode="40164"`) && strings.Contains(b, `errcode="decode"`) && strings.Contains(b, `errcode="network"`)
	})
	time.Sleep(3 * time.Second) // let retries after the retry interval run too
	_, body2 := exportertest.Get(t, "http://"+addr+"/metrics")
	all := logs.String() + body + body2
	if !strings.Contains(logs.String(), "level=debug") && !strings.Contains(logs.String(), "level=warn") {
		t.Fatalf("no logs captured:\n%s", logs.String())
	}
	if os.Getenv("SHOW_LEAK_LOGS") != "" {
		t.Log(logs.String())
	}
	if !strings.Contains(all, "access_token=REDACTED") {
		t.Error("no redacted URL in the logs: the network error path was not exercised")
	}
	for _, secret := range fake.Issued() {
		if secret != "" && strings.Contains(all, secret) {
			t.Errorf("leaked: %.16s…", secret)
		}
	}
}

// TestDamagedStoreAtStart starts the exporter on store files cut short or
// emptied: it serves, says at error where it moved the damaged file,
// counts it, and fetches the demo's data again into a new store.
func TestDamagedStoreAtStart(t *testing.T) {
	dir := t.TempDir()
	cmd, addr, _ := exportertest.Start(t, "--demo", "--storage.path="+dir, "--log.level=warn")
	exportertest.WaitFor(t, addr, func(b string) bool { return strings.Contains(b, "wechat_user_followers{") })
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	path := filepath.Join(dir, store.FileName)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, size := range map[string]int{"cut to 8 KiB": 8 << 10, "empty": 0} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, whole[:size], 0o600); err != nil {
				t.Fatal(err)
			}
			_, addr, logs := exportertest.Start(t, "--demo", "--storage.path="+dir, "--log.level=warn")
			body := exportertest.WaitFor(t, addr, func(b string) bool {
				return strings.Contains(b, "wechat_store_files_moved_aside_total 1") && strings.Contains(b, "wechat_user_followers{")
			})
			_ = body
			line := logs.Find("the store file was damaged")
			if !strings.Contains(line, "level=error") || !strings.Contains(line, "moved_to="+path+".damaged-") {
				t.Errorf("log line %q, want an error naming where the file went", line)
			}
			moved, _ := filepath.Glob(path + ".damaged-*")
			kept := false
			for _, m := range moved {
				if b, err := os.ReadFile(m); err == nil && len(b) == size {
					kept = true
				}
			}
			if !kept {
				t.Errorf("no moved file of %d bytes among %v", size, moved)
			}
		})
	}
}

// TestManyClientsThatNeverRead: 300 connections that ask for /metrics and
// never read do not keep a scrape that reads from its answer within 10 s,
// and once they are gone the process's goroutines are back where they
// were (go_goroutines of a running exporter).
func TestManyClientsThatNeverRead(t *testing.T) {
	_, addr, _ := exportertest.Start(t, "--demo", "--demo.accounts=40", "--storage.path="+t.TempDir(), "--log.level=error")
	// An answer too large for the sockets' buffers, so that a client that
	// does not read keeps its writer waiting: some of the first cycle of
	// 40 demo accounts is enough (all of it, under the race detector on a
	// busy machine, took over 2 minutes).
	exportertest.WaitFor(t, addr, func(b string) bool { return len(b) > 8<<20 })
	goroutines := func() int {
		_, body := exportertest.Get(t, "http://"+addr+"/metrics?data=false")
		for _, line := range strings.Split(body, "\n") {
			if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
				n, _ := strconv.Atoi(v)
				return n
			}
		}
		t.Fatal("no go_goroutines")
		return 0
	}
	before := goroutines()
	var slow []net.Conn
	for i := 0; i < 300; i++ {
		slow = append(slow, exportertest.StalledClient(t, addr, "/metrics")) // its answer begun, then never read
	}
	start := time.Now()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("a scrape beside 300 that never read: %v", err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || n < 1<<20 || time.Since(start) > 10*time.Second {
		t.Fatalf("a scrape beside 300 that never read: %d, %d bytes in %s; want 200 within 10 s", resp.StatusCode, n, time.Since(start))
	}
	for _, c := range slow {
		c.Close()
	}
	deadline := time.Now().Add(30 * time.Second)
	for goroutines() > before+2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines 30 s after the 300 left, %d before", goroutines(), before)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestReadOnlyStore starts the exporter as an unprivileged user on a store
// it may not write (as on a read-only mount): it serves what is stored,
// says at error and in a metric that the store is read-only, and fetches
// nothing, since nothing fetched could be kept.
func TestReadOnlyStore(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (as CI runs) to run the exporter as another user")
	}
	root := serviceRoot(t)
	bin := filepath.Join(root, "wechat-exporter")
	copyFile(t, os.Args[0], bin, 0o755)
	data := filepath.Join(root, "data")
	cmd, addr, _ := exportertest.Start(t, "--demo", "--storage.path="+data, "--log.level=warn")
	exportertest.WaitFor(t, addr, func(b string) bool { return strings.Count(b, "wechat_user_followers{") == 3 })
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	for _, p := range []string{data, filepath.Join(data, store.FileName)} {
		if err := os.Chmod(p, map[bool]os.FileMode{true: 0o755, false: 0o644}[p == data]); err != nil {
			t.Fatal(err)
		}
	}

	child := asServiceUser(exec.Command(bin, "--demo", "--storage.path="+data, "--web.listen-address="+exportertest.FreeAddr(t), "--log.level=warn"))
	addr = child.Args[3][len("--web.listen-address="):]
	child.Env = exportertest.Env(t)
	logs := exportertest.StartLogged(t, child)
	body := exportertest.WaitFor(t, addr, func(b string) bool {
		return strings.Contains(b, "wechat_store_read_only 1") && strings.Count(b, "wechat_user_followers{") == 3
	})
	time.Sleep(time.Second) // a fetcher would have called by now
	body = exportertest.WaitFor(t, addr, func(string) bool { return true })
	if strings.Contains(body, "wechat_api_requests_total{") {
		t.Errorf("the read-only exporter called WeChat:\n%s", grepLines(body, "wechat_api_requests_total{"))
	}
	if line := logs.Find("read-only"); !strings.Contains(line, "level=error") {
		t.Errorf("log line %q, want an error saying the store is read-only", line)
	}
}

func grepLines(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestServerErrorsInTheLogFormat: net/http's own lines (a TLS handshake
// that fails) come out in the exporter's log format: with
// --log.format=json, JSON like every other line.
func TestServerErrorsInTheLogFormat(t *testing.T) {
	dir := t.TempDir()
	selfSigned(t, dir)
	webCfg := fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\n", filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err := os.WriteFile(filepath.Join(dir, "web.yml"), []byte(webCfg), 0o600); err != nil {
		t.Fatal(err)
	}
	_, addr, logs := exportertest.StartWith(t, func(addr string) bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, "--demo", "--log.format=json", "--web.config.file="+filepath.Join(dir, "web.yml"))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Write([]byte("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")) // plain HTTP to the TLS port
	_, _ = io.ReadAll(c)
	c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for logs.Find("TLS handshake error") == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no line about the failed handshake:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if line != "" && !strings.HasPrefix(line, "{") {
			t.Errorf("a line not in the JSON log format: %s", line)
		}
	}
}
