package wechat_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestUserCountSample: the official sample answer of user/get, fetched
// with a GET and no dates, gives the follower total as the row of the day
// asked for, and only the total is kept: the OpenIDs are neither in the
// row nor in what the store would keep.
func TestUserCountSample(t *testing.T) {
	body := readSample(t, wechat.GetUserCount.Name)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/cgi-bin/user/get" || r.ContentLength > 0 {
			t.Errorf("%s %s (%d bytes of body), want GET /cgi-bin/user/get without a body", r.Method, r.URL.Path, r.ContentLength)
		}
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("live-token-0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := wechat.New(wechat.NewFileToken(tok), wechat.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	d := day("2026-11-22")
	ans, err := c.Fetch(ctx(t), wechat.GetUserCount, wechat.Range{Begin: d, End: d})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Rows) != 1 || ans.Rows[0].(wechat.UserCount).Total != cnt(2) || ans.Rows[0].RowDate() != d {
		t.Errorf("rows %+v, want one of total 2 on %s", ans.Rows, d)
	}
	if len(ans.Raw) != 1 || string(ans.Raw[0]) != `{"total":2}` {
		t.Errorf("kept %s, want only the total", ans.Raw)
	}
	back, err := wechat.DecodeDay(wechat.GetUserCount, d, []byte("["+string(ans.Raw[0])+"]"))
	if err != nil || len(back) != 1 || back[0] != ans.Rows[0] {
		t.Errorf("the stored row decodes to %+v, %v", back, err)
	}
}

// TestUserCountFromFake: the fake's user/get agrees with its cumulate of
// yesterday.
func TestUserCountFromFake(t *testing.T) {
	e := newEnv(t, nil)
	today := wechat.Today(now)
	rows, err := fetchRows[wechat.UserCount](ctx(t), e.client, wechat.GetUserCount, wechat.Range{Begin: today, End: today})
	if err != nil || len(rows) != 1 {
		t.Fatalf("%v, %v", rows, err)
	}
	cum := num(e.fake.Rows(appID, wechat.GetUserCumulate.Name, today.AddDays(-1))[0].(wechat.UserCumulate).CumulateUser)
	if got := num(rows[0].Total); got < cum || got > cum+cum/100 {
		t.Errorf("total now %d, yesterday's cumulate %d", got, cum)
	}
}
