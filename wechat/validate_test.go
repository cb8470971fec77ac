package wechat_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// serveBody answers every request with body through a client using a
// file token, and returns the client and its observer.
func serveBody(t *testing.T, body string) (*wechat.Client, *recorder) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(body)) }))
	t.Cleanup(srv.Close)
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("validate-token-0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	obs := &recorder{}
	c, err := wechat.New(wechat.NewFileToken(tok), wechat.WithBaseURL(srv.URL), wechat.WithObserver(obs), wechat.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	return c, obs
}

// TestImpossibleValuesRejected: an answer with a value WeChat cannot send
// (a negative count, a required field missing, which would read as 0) is a
// decode error naming the field, counted as a failed request, and not
// rows; the same answer with the value right is accepted.
func TestImpossibleValuesRejected(t *testing.T) {
	d := day("2026-11-20")
	tests := []struct {
		ep        wechat.Endpoint
		bad, want string // want: the field the error names
		good      string
	}{
		{wechat.GetUserSummary, `{"list":[{"ref_date":"2026-11-20","user_source":0,"new_user":-5,"cancel_user":1}]}`, "list[0].new_user: negative",
			`{"list":[{"ref_date":"2026-11-20","user_source":0,"new_user":5,"cancel_user":1}]}`},
		{wechat.GetUserSummary, `{"list":[{"ref_date":"2026-11-20","user_source":0,"cancel_user":1}]}`, "list[0].new_user: missing", ""},
		{wechat.GetUserCumulate, `{"list":[{"ref_date":"2026-11-20"}]}`, "list[0].cumulate_user: missing",
			`{"list":[{"ref_date":"2026-11-20","cumulate_user":7}]}`},
		{wechat.GetUserCumulate, `{"list":[{"cumulate_user":7}]}`, "list[0].ref_date: missing", ""},
		{wechat.GetInterfaceSummary, `{"list":[{"ref_date":"2026-11-20","callback_count":10,"fail_count":-1,"total_time_cost":5,"max_time_cost":5}]}`,
			"list[0].fail_count: negative", ""},
		{wechat.GetUpstreamMsgHour, `{"list":[{"ref_date":"2026-11-20","msg_type":1,"msg_user":1,"msg_count":1}]}`, "list[0].ref_hour: missing", ""},
		{wechat.GetArticleTotal, `{"list":[{"ref_date":"2026-11-20","msgid":"1_1","title":"t","details":[{"stat_date":"2026-11-20","target_user":-3}]}]}`,
			"list[0].details[0].target_user: negative", ""},
		{wechat.GetBizSummary, `{"list":[{"ref_date":"2026-11-20","detail":{"read_user":-1,"share_user":0}}],"is_delay":false}`,
			"list[0].detail.read_user: negative", `{"list":[{"ref_date":"2026-11-20","detail":{"read_user":1,"share_user":0}}],"is_delay":false}`},
		{wechat.PublisherAdPosGeneral, `{"base_resp":{"ret":0},"list":[{"slot_id":1,"ad_slot":"SLOT_ID_BIZ_BOTTOM","date":"2026-11-20","req_succ_count":5,"exposure_count":3,"exposure_rate":0.6,"click_count":1,"click_rate":0.3,"ecpm":1}],"total_num":1}`,
			"list[0].income: missing", ""},
		{wechat.PublisherSettlement, `{"base_resp":{"ret":0},"revenue_all":-10,"penalty_all":0,"settled_revenue_all":0,"settlement_list":[],"total_num":0}`,
			"revenue_all: negative", ""},
	}
	for _, tt := range tests {
		t.Run(tt.ep.Name+" "+tt.want, func(t *testing.T) {
			c, obs := serveBody(t, tt.bad)
			rows, err := fetchAll(ctx(t), c, tt.ep, wechat.Range{Begin: d, End: d})
			if wechat.ErrCode(err) != "decode" || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("rows %v, err %v: want a decode error naming %q", rows, err, tt.want)
			}
			if n := obs.count(func(r *recorder) map[string]int { return r.failures }, tt.ep.Name+"/decode"); n == 0 {
				t.Errorf("the impossible answer is not counted as a failed request")
			}
			if tt.good == "" {
				return
			}
			c, _ = serveBody(t, tt.good)
			if rows, err := fetchAll(ctx(t), c, tt.ep, wechat.Range{Begin: d, End: d}); err != nil || len(rows) != 1 {
				t.Errorf("the right answer: %d rows, %v", len(rows), err)
			}
		})
	}
}
