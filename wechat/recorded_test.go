package wechat_test

import (
	"bytes"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

var record = flag.Bool("record", false, "record the fake's answers into testdata/recorded")

// recordedDir holds answers of the fake for a large account, as the
// decoding benchmarks read them (go test ./wechat -run Recorded -record
// writes them again).
const recordedDir = "testdata/recorded"

// recordedEndpoints are the answers recorded: the heaviest (a month of
// details per post), the widest (hours by channel) and the commonest.
var recordedEndpoints = []wechat.Endpoint{wechat.GetArticleTotalDetail, wechat.GetUserReadHour, wechat.GetArticleTotal, wechat.GetUserSummary}

// TestRecordedAnswers checks that the recorded answers decode through the
// client, every row kept; with -record it writes them from the fake first.
func TestRecordedAnswers(t *testing.T) {
	at := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC) // 13:00 Beijing: final figures
	fake := wechattest.NewServer()
	defer fake.Close()
	fake.SetClock(func() time.Time { return at })
	fake.AddAccount(wechattest.Account{AppID: appID, Secret: secret, Scale: 2_000_000})
	for _, ep := range recordedEndpoints {
		// The day of the most details: an item's month, an article's week.
		d := wechat.Today(at).AddDays(-1 - max(ep.SettleDays-2, 0))
		file := filepath.Join(recordedDir, ep.Name+".json")
		if *record {
			// the fake's answer for a day of a large account, as sent
			tok := fakeToken(t, fake.URL)
			body := `{"begin_date":"` + d.String() + `","end_date":"` + d.String() + `"}`
			resp, err := http.Post(fake.URL+ep.Path()+"?access_token="+tok, "application/json", bytes.NewReader([]byte(body)))
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (go test ./wechat -run Recorded -record writes it)", err)
		}
		ans := fetchBody(t, ep, b)
		if len(ans.Rows) == 0 || len(ans.Report.Skipped) > 0 || len(ans.Report.Gaps) > 0 {
			t.Errorf("%s: %d rows, report %+v", ep.Name, len(ans.Rows), ans.Report)
		}
	}
}

// fakeToken gets an access token of the test account from the fake.
func fakeToken(t *testing.T, base string) string {
	t.Helper()
	c, err := wechat.New(wechat.NewStableToken(appID, secret), wechat.WithBaseURL(base))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Token(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
