package wechattest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Fixed clock: 2026-11-22 10:00 Beijing, a Sunday.
var testNow = time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)

func newTestServer(t *testing.T) (*Server, string) {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	s.SetClock(func() time.Time { return testNow })
	s.AddAccount(Account{AppID: "wxa", Secret: "secret-a-123456", Unauthorized: []string{"getinterfacesummary"},
		FailureSpike: wechat.MustParseDate("2026-11-21")})
	tok := call(t, s, "/cgi-bin/stable_token", "", `{"grant_type":"client_credential","appid":"wxa","secret":"secret-a-123456"}`)["access_token"].(string)
	return s, tok
}

func call(t *testing.T, s *Server, path, token, body string) map[string]any {
	t.Helper()
	u := s.URL + path
	if token != "" {
		u += "?access_token=" + token
	}
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: HTTP %d", path, resp.StatusCode)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v: %s", path, err, b)
	}
	return m
}

func errcode(m map[string]any) int64 {
	if c, ok := m["errcode"].(float64); ok {
		return int64(c)
	}
	return 0
}

func dates(b, e string) string { return `{"begin_date":"` + b + `","end_date":"` + e + `"}` }

func TestValidation(t *testing.T) {
	s, tok := newTestServer(t)
	tests := []struct {
		name, path, token, body string
		want                    int64
	}{
		{"ok", "/datacube/getusersummary", tok, dates("2026-11-15", "2026-11-21"), 0},
		{"bad date format", "/datacube/getusersummary", tok, dates("2026/11/15", "2026-11-21"), 61500},
		{"impossible date", "/datacube/getusersummary", tok, dates("2026-02-30", "2026-02-30"), 61500},
		{"span too large", "/datacube/getusersummary", tok, dates("2026-11-14", "2026-11-21"), 61501},
		{"span 1", "/datacube/getuserreadhour", tok, dates("2026-11-20", "2026-11-21"), 61501},
		{"end is today", "/datacube/getusersummary", tok, dates("2026-11-22", "2026-11-22"), 61501},
		{"begin after end", "/datacube/getusersummary", tok, dates("2026-11-21", "2026-11-20"), 61501},
		{"no token", "/datacube/getusersummary", "", dates("2026-11-21", "2026-11-21"), 41001},
		{"unknown token", "/datacube/getusersummary", "nope", dates("2026-11-21", "2026-11-21"), 40014},
		{"unauthorized endpoint", "/datacube/getinterfacesummary", tok, dates("2026-11-21", "2026-11-21"), 48001},
		{"empty body", "/datacube/getusersummary", tok, "", 44002},
		{"not json", "/datacube/getusersummary", tok, "{", 47001},
		{"stable wrong secret", "/cgi-bin/stable_token", "", `{"grant_type":"client_credential","appid":"wxa","secret":"no"}`, 40125},
		{"stable unknown appid", "/cgi-bin/stable_token", "", `{"grant_type":"client_credential","appid":"wxz","secret":"no"}`, 40013},
	}
	for _, tt := range tests {
		m := call(t, s, tt.path, tt.token, tt.body)
		if got := errcode(m); got != tt.want {
			t.Errorf("%s: errcode %d, want %d (%v)", tt.name, got, tt.want, m)
		}
		if tt.want != 0 && !strings.Contains(m["errmsg"].(string), " rid: ") {
			t.Errorf("%s: errmsg without rid: %v", tt.name, m["errmsg"])
		}
	}
}

func TestGetOnStableTokenRefused(t *testing.T) {
	s, _ := newTestServer(t)
	resp, err := http.Get(s.URL + "/cgi-bin/stable_token")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	if errcode(m) != 43002 {
		t.Errorf("GET stable_token: %v, want 43002", m)
	}
}

func TestTokenExpiry(t *testing.T) {
	s, tok := newTestServer(t)
	s.SetClock(func() time.Time { return testNow.Add(TokenLifetime) })
	if got := errcode(call(t, s, "/datacube/getusersummary", tok, dates("2026-11-21", "2026-11-21"))); got != 42001 {
		t.Errorf("expired token: errcode %d, want 42001", got)
	}
	s.RevokeTokens("wxa")
	if got := errcode(call(t, s, "/datacube/getusersummary", tok, dates("2026-11-21", "2026-11-21"))); got != 40001 {
		t.Errorf("revoked token: errcode %d, want 40001", got)
	}
}

func TestStableTokenSameUntilRenewal(t *testing.T) {
	s, tok := newTestServer(t)
	body := `{"grant_type":"client_credential","appid":"wxa","secret":"secret-a-123456"}`
	again := call(t, s, "/cgi-bin/stable_token", "", body)
	if again["access_token"] != tok {
		t.Error("normal mode returned a new token while the old one was valid")
	}
	if left := again["expires_in"].(float64); left != 7200 {
		t.Errorf("expires_in %v, want the remaining 7200", left)
	}
	forced := call(t, s, "/cgi-bin/stable_token", "", strings.Replace(body, "}", `,"force_refresh":true}`, 1))
	if forced["access_token"] == tok {
		t.Fatal("force_refresh kept the token")
	}
	if got := errcode(call(t, s, "/datacube/getusersummary", tok, dates("2026-11-21", "2026-11-21"))); got != 40001 {
		t.Errorf("token replaced by force: errcode %d, want 40001", got)
	}
}

func list(t *testing.T, m map[string]any) []map[string]any {
	t.Helper()
	raw, ok := m["list"].([]any)
	if !ok {
		t.Fatalf("no list: %v", m)
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

func TestPeriodRowsOnlyOnLabels(t *testing.T) {
	s, tok := newTestServer(t)
	// Weeks starting 10-26, 11-02, 11-09 are over by 11-22; 11-16 is not.
	rows := list(t, call(t, s, "/datacube/getupstreammsgweek", tok, dates("2026-10-25", "2026-11-21")))
	got := map[string]bool{}
	for _, r := range rows {
		got[r["ref_date"].(string)] = true
	}
	for _, want := range []string{"2026-10-26", "2026-11-02", "2026-11-09"} {
		if !got[want] {
			t.Errorf("week %s missing", want)
		}
	}
	if len(got) != 3 {
		t.Errorf("weekly labels %v, want exactly three Mondays", got)
	}
	rows = list(t, call(t, s, "/datacube/getupstreammsgmonth", tok, dates("2026-10-01", "2026-10-05")))
	for _, r := range rows {
		if r["ref_date"] != "2026-10-01" {
			t.Errorf("monthly row labelled %v", r["ref_date"])
		}
	}
	if len(rows) == 0 {
		t.Error("no October rows")
	}
	if rows := list(t, call(t, s, "/datacube/getupstreammsgmonth", tok, dates("2026-11-01", "2026-11-01"))); len(rows) != 0 {
		t.Errorf("November is not over, got %d rows", len(rows))
	}
}

func TestHourlyAndEnumerations(t *testing.T) {
	s, tok := newTestServer(t)
	hours := map[float64]bool{}
	for _, r := range list(t, call(t, s, "/datacube/getinterfacesummaryhour", tok, dates("2026-11-20", "2026-11-20"))) {
		hours[r["ref_hour"].(float64)] = true
	}
	if len(hours) != 24 || !hours[0] || !hours[2300] {
		t.Errorf("hourly rows cover %d hours: %v", len(hours), hours)
	}
	scenes := map[float64]bool{}
	for _, r := range list(t, call(t, s, "/datacube/getusershare", tok, dates("2026-11-20", "2026-11-20"))) {
		scenes[r["share_scene"].(float64)] = true
	}
	if !scenes[1] || !scenes[2] || !scenes[255] || !scenes[5] {
		t.Errorf("share scenes %v: want 1, 2, 255 and the undocumented 5", scenes)
	}
	sources := map[float64]bool{}
	for _, r := range list(t, call(t, s, "/datacube/getuserread", tok, dates("2026-11-20", "2026-11-20"))) {
		sources[r["user_source"].(float64)] = true
	}
	if !sources[99999999] || !sources[0] || !sources[8] {
		t.Errorf("read sources %v: want the all row, 0 and the undocumented 8", sources)
	}
}

func TestTitlesAreHostile(t *testing.T) {
	s, tok := newTestServer(t)
	var all strings.Builder
	for d := wechat.MustParseDate("2026-10-01"); d < wechat.MustParseDate("2026-11-01"); d++ {
		for _, r := range list(t, call(t, s, "/datacube/getarticlesummary", tok, dates(d.String(), d.String()))) {
			all.WriteString(r["title"].(string))
		}
	}
	for _, want := range []string{`"`, "\n", `\`, "<b>", "双", "🚀"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("no title contains %q", want)
		}
	}
}

func TestFailureSpikeAndDeterminism(t *testing.T) {
	s, tok := newTestServer(t)
	// getinterfacesummary is unauthorized for this account; use the hours.
	failRate := func(d string) float64 {
		var calls, fails float64
		for _, r := range list(t, call(t, s, "/datacube/getinterfacesummaryhour", tok, dates(d, d))) {
			calls += r["callback_count"].(float64)
			fails += r["fail_count"].(float64)
		}
		return fails / calls
	}
	spike, normal := failRate("2026-11-21"), failRate("2026-11-20")
	if spike < 20*normal || spike < 0.05 {
		t.Errorf("spike day fail ratio %.4f vs normal %.4f", spike, normal)
	}
	a := call(t, s, "/datacube/getarticletotal", tok, dates("2026-11-18", "2026-11-18"))
	b := call(t, s, "/datacube/getarticletotal", tok, dates("2026-11-18", "2026-11-18"))
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Error("the same request got different answers")
	}
	// Sent 11-18, observed 11-22: details for 11-18..11-21 (up to yesterday).
	for _, r := range list(t, a) {
		if n := len(r["details"].([]any)); n != 4 {
			t.Errorf("article %v has %d details, want 4", r["msgid"], n)
		}
	}
}

func TestFaultUntilReleasedAndCounters(t *testing.T) {
	s, tok := newTestServer(t)
	release := s.Inject(Fault{AppID: "wxa", Endpoint: "getusercumulate", Errcode: 61503})
	for i := 0; i < 3; i++ {
		if got := errcode(call(t, s, "/datacube/getusercumulate", tok, dates("2026-11-21", "2026-11-21"))); got != 61503 {
			t.Fatalf("call %d: errcode %d, want 61503 until released", i, got)
		}
	}
	if got := errcode(call(t, s, "/datacube/getusersummary", tok, dates("2026-11-21", "2026-11-21"))); got != 0 {
		t.Errorf("fault leaked to another endpoint: %d", got)
	}
	release()
	if rows := list(t, call(t, s, "/datacube/getusercumulate", tok, dates("2026-11-21", "2026-11-21"))); len(rows) != 1 {
		t.Errorf("after release: %d rows", len(rows))
	}
	if got := s.Calls("wxa", "getusercumulate"); got != 4 {
		t.Errorf("Calls = %d, want 4", got)
	}
	if got := s.DatacubeCalls("wxa"); got != 5 {
		t.Errorf("DatacubeCalls = %d, want 5", got)
	}
	s.Inject(Fault{Endpoint: "getusercumulate", Errcode: -1, Times: 1})
	if got := errcode(call(t, s, "/datacube/getusercumulate", tok, dates("2026-11-21", "2026-11-21"))); got != -1 {
		t.Errorf("Times=1 fault not applied: %d", got)
	}
	if got := errcode(call(t, s, "/datacube/getusercumulate", tok, dates("2026-11-21", "2026-11-21"))); got != 0 {
		t.Errorf("Times=1 fault applied twice: %d", got)
	}
}
