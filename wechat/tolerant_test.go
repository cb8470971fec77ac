package wechat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/testanswers"
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

// TestOddFiguresCostOnlyThemselves: the reading contract (decode.go). An
// absent, null, negative or non-numeric figure is not known and reported;
// a row without a key, of a day not asked for, or followed by a row with
// the same keys is left out and counted; everything else of the answer is
// kept, each row as WeChat sent it. None of it is an error.
func TestOddFiguresCostOnlyThemselves(t *testing.T) {
	d := day("2026-11-20")
	type gaps = map[wechat.Gap]int
	type skips = map[wechat.Skip]int
	g := func(field string, why wechat.Absence) wechat.Gap { return wechat.Gap{Field: field, Why: why} }
	tests := []struct {
		name  string
		ep    wechat.Endpoint
		days  int // the range asked: d, or the days up to d
		body  string
		rows  int
		gaps  gaps
		skips skips
		check func(t *testing.T, rows []wechat.Row)
	}{
		{"negative", wechat.GetUserSummary, 1, `{"list":[{"ref_date":"2026-11-20","user_source":0,"new_user":-5,"cancel_user":1}]}`, 1,
			gaps{g("new_user", wechat.Negative): 1}, nil, func(t *testing.T, rows []wechat.Row) {
				r := rows[0].(wechat.UserSummary)
				if r.NewUser.Known() || num(r.CancelUser) != 1 || num(r.UserSource) != 0 {
					t.Errorf("%+v: want new_user unknown, cancel_user 1", r)
				}
			}},
		{"missing", wechat.GetUserSummary, 1, `{"list":[{"ref_date":"2026-11-20","user_source":0,"cancel_user":1}]}`, 1,
			gaps{g("new_user", wechat.Missing): 1}, nil, nil},
		{"null", wechat.GetUserCumulate, 1, `{"list":[{"ref_date":"2026-11-20","cumulate_user":null}]}`, 1,
			gaps{g("cumulate_user", wechat.Null): 1}, nil, nil},
		{"not a number", wechat.GetInterfaceSummary, 1,
			`{"list":[{"ref_date":"2026-11-20","callback_count":"many","fail_count":true,"total_time_cost":{},"max_time_cost":12.5}]}`, 1,
			gaps{g("callback_count", wechat.Invalid): 1, g("fail_count", wechat.Invalid): 1, g("total_time_cost", wechat.Invalid): 1,
				g("max_time_cost", wechat.Invalid): 1}, nil, nil},
		{"beyond int64", wechat.GetUserCumulate, 1, `{"list":[{"ref_date":"2026-11-20","cumulate_user":99999999999999999999}]}`, 1,
			gaps{g("cumulate_user", wechat.Invalid): 1}, nil, nil},
		{"numbers as SDKs send them", wechat.GetInterfaceSummary, 1,
			`{"list":[{"ref_date":"2026-11-20","callback_count":"36974","fail_count":67.0,"total_time_cost":1.4994291e7,"max_time_cost":" 5044 "}]}`, 1,
			gaps{}, nil, func(t *testing.T, rows []wechat.Row) {
				r := rows[0].(wechat.InterfaceSummary)
				if got := []int64{num(r.CallbackCount), num(r.FailCount), num(r.TotalTimeCost), num(r.MaxTimeCost)}; fmt.Sprint(got) != "[36974 67 14994291 5044]" {
					t.Errorf("read %v", got)
				}
			}},
		{"rates as integers and strings", wechat.PublisherAdPosGeneral, 1,
			`{"base_resp":{"ret":0},"list":[{"slot_id":"1","ad_slot":"SLOT_ID_BIZ_BOTTOM","date":"2026-11-20","req_succ_count":5,"exposure_count":"3","exposure_rate":"0.6","click_count":1,"click_rate":0,"income":"7","ecpm":2}],"total_num":1}`, 1,
			gaps{}, nil, func(t *testing.T, rows []wechat.Row) {
				r := rows[0].(wechat.AdPosition)
				er, _ := r.ExposureRate.Value()
				cr, crOK := r.ClickRate.Value()
				ecpm, _ := r.ECPM.Value()
				if er != 0.6 || cr != 0 || !crOK || ecpm != 2 || num(r.ExposureCount) != 3 || num(r.Income) != 7 {
					t.Errorf("%+v", r)
				}
			}},
		{"no ref_date", wechat.GetUserCumulate, 1, `{"list":[{"cumulate_user":7},{"ref_date":"2026-11-20","cumulate_user":8}]}`, 1,
			nil, skips{wechat.SkipMissingKey: 1}, nil},
		{"ref_date not a date", wechat.GetUserCumulate, 1, `{"list":[{"ref_date":"2026-13-01","cumulate_user":7}]}`, 0,
			nil, skips{wechat.SkipMissingKey: 1}, nil},
		{"no ref_hour", wechat.GetUpstreamMsgHour, 1, `{"list":[{"ref_date":"2026-11-20","msg_type":1,"msg_user":1,"msg_count":1}]}`, 0,
			nil, skips{wechat.SkipMissingKey: 1}, nil},
		{"no msgid", wechat.GetArticleSummary, 1, `{"list":[{"ref_date":"2026-11-20","title":"t","int_page_read_user":1}]}`, 0,
			nil, skips{wechat.SkipMissingKey: 1}, nil},
		{"a row that is not an object", wechat.GetUserCumulate, 1, `{"list":[7,{"ref_date":"2026-11-20","cumulate_user":8}]}`, 1,
			gaps{g("(row)", wechat.Invalid): 1}, skips{wechat.SkipMissingKey: 1}, nil},
		{"out of range", wechat.GetUserCumulate, 1, `{"list":[{"ref_date":"2026-11-19","cumulate_user":7},{"ref_date":"2026-11-20","cumulate_user":8}]}`, 1,
			nil, skips{wechat.SkipOutOfRange: 1}, func(t *testing.T, rows []wechat.Row) {
				if num(rows[0].(wechat.UserCumulate).CumulateUser) != 8 {
					t.Errorf("kept %+v", rows[0])
				}
			}},
		{"duplicates: the last wins", wechat.GetUserSummary, 1,
			`{"list":[{"ref_date":"2026-11-20","user_source":30,"new_user":5,"cancel_user":0},{"ref_date":"2026-11-20","user_source":1,"new_user":2,"cancel_user":0},{"ref_date":"2026-11-20","user_source":30,"new_user":7,"cancel_user":1}]}`, 2,
			nil, skips{wechat.SkipDuplicate: 1}, func(t *testing.T, rows []wechat.Row) {
				if r := rows[0].(wechat.UserSummary); num(r.UserSource) != 30 || num(r.NewUser) != 7 || num(r.CancelUser) != 1 {
					t.Errorf("first row %+v, want the last of user_source 30 in its place", r)
				}
			}},
		{"pre-2020 getuserread has no user_source", wechat.GetUserRead, 1,
			`{"list":[{"ref_date":"2026-11-20","int_page_read_user":1,"int_page_read_count":2,"ori_page_read_user":0,"ori_page_read_count":0,"share_user":0,"share_count":0,"add_to_fav_user":0,"add_to_fav_count":0}]}`, 1,
			gaps{}, nil, func(t *testing.T, rows []wechat.Row) {
				if !rows[0].(wechat.UserRead).IsAllSources() {
					t.Error("the one row of a pre-2020 answer is the all-sources row")
				}
			}},
		{"a detail without stat_date", wechat.GetArticleTotal, 1,
			`{"list":[{"ref_date":"2026-11-20","msgid":"1_1","title":"t","details":[{"target_user":3},{"stat_date":"2026-11-20","target_user":4}]}]}`, 1,
			gaps{g("details.stat_date", wechat.Missing): 1}, nil, func(t *testing.T, rows []wechat.Row) {
				if a := rows[0].(wechat.ArticleTotal); len(a.Details) != 1 || num(a.Details[0].TargetUser) != 4 {
					t.Errorf("details %+v, want the dated one", a.Details)
				}
			}},
		{"nested negative", wechat.GetBizSummary, 1, `{"list":[{"ref_date":"2026-11-20","detail":{"read_user":-1,"share_user":0}}],"is_delay":false}`, 1,
			nil, nil, func(t *testing.T, rows []wechat.Row) {
				if r := rows[0].(wechat.BizSummary); r.Detail.ReadUser.Absence() != wechat.Negative || num(r.Detail.ShareUser) != 0 {
					t.Errorf("%+v", r.Detail)
				}
			}},
		{"a detail list that is a number", wechat.GetArticleTotal, 1,
			`{"list":[{"ref_date":"2026-11-20","msgid":"1_1","title":"t","details":5}]}`, 1,
			gaps{g("details", wechat.Invalid): 1, g("details", wechat.Missing): 1}, nil, nil},
		{"ad income missing", wechat.PublisherAdPosGeneral, 1,
			`{"base_resp":{"ret":0},"list":[{"slot_id":1,"ad_slot":"SLOT_ID_BIZ_BOTTOM","date":"2026-11-20","req_succ_count":5,"exposure_count":3,"exposure_rate":0.6,"click_count":1,"click_rate":0.3,"ecpm":1}],"total_num":1}`, 1,
			gaps{g("income", wechat.Missing): 1}, nil, nil},
		{"ad income a fraction", wechat.PublisherAdPosGeneral, 1,
			`{"base_resp":{"ret":0},"list":[{"slot_id":1,"ad_slot":"SLOT_ID_BIZ_BOTTOM","date":"2026-11-20","req_succ_count":5,"exposure_count":3,"exposure_rate":0.6,"click_count":1,"click_rate":0.3,"income":"12.5","ecpm":1}],"total_num":1}`, 1,
			gaps{g("income", wechat.Invalid): 1}, nil, nil},
		{"ad placeholder date in a 3-day answer", wechat.PublisherAdPosGeneral, 3,
			`{"base_resp":{"ret":0},"list":[{"slot_id":1,"ad_slot":"SLOT_ID_BIZ_BOTTOM","date":"20XX-XX-XX","req_succ_count":5,"exposure_count":3,"exposure_rate":0.6,"click_count":1,"click_rate":0.3,"income":1,"ecpm":1}],"total_num":1}`, 0,
			nil, skips{wechat.SkipMissingKey: 1}, nil},
		{"settlement revenue negative", wechat.PublisherSettlement, 1,
			`{"base_resp":{"ret":0},"revenue_all":-10,"penalty_all":0,"settled_revenue_all":0,"settlement_list":[],"total_num":0}`, 1,
			gaps{g("revenue_all", wechat.Negative): 1}, nil, nil},
		{"settlement under the other SDK's slot name", wechat.PublisherSettlement, 1,
			`{"base_resp":{"ret":0},"revenue_all":10,"penalty_all":0,"settled_revenue_all":0,"settlement_list":[{"date":"2020-03-25","zone":"z","month":"202003","order":1,"sett_status":1,"settled_revenue":5,"sett_no":"X","mail_send_cnt":"0","slot_revenue":[{"slot_id":"SLOT_ID_BIZ_BOTTOM","slot_revenue":5}]}],"total_num":1}`, 1,
			gaps{}, nil, func(t *testing.T, rows []wechat.Row) {
				if s := rows[0].(wechat.Settlement); num(s.Periods[0].SlotRevenue[0].Amount()) != 5 {
					t.Errorf("%+v", s.Periods[0].SlotRevenue)
				}
			}},
		{"user_get without total", wechat.GetUserCount, 1, `{"count":0,"data":{"openid":[]}}`, 1,
			gaps{g("total", wechat.Missing): 1}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.ep.Name+" "+tt.name, func(t *testing.T) {
			c, obs := serveBody(t, tt.body)
			r := wechat.Range{Begin: d.AddDays(1 - max(tt.days, 1)), End: d}
			ans, err := c.Fetch(ctx(t), tt.ep, r)
			if err != nil {
				t.Fatalf("err %v: an odd figure or row is no error", err)
			}
			if n := obs.count(func(r *recorder) map[string]int { return r.failures }, tt.ep.Name+"/decode"); n != 0 {
				t.Errorf("%d failed requests counted", n)
			}
			if len(ans.Rows) != tt.rows || len(ans.Raw) != len(ans.Rows) {
				t.Fatalf("%d rows (%d as sent), want %d: %+v", len(ans.Rows), len(ans.Raw), tt.rows, ans.Rows)
			}
			if !gapsInclude(ans.Report.Gaps, tt.gaps) {
				t.Errorf("gaps %v, want %v", ans.Report.Gaps, tt.gaps)
			}
			if !maps.Equal(ans.Report.Skipped, tt.skips) {
				t.Errorf("skipped %v, want %v", ans.Report.Skipped, tt.skips)
			}
			for _, raw := range ans.Raw {
				if !strings.Contains(tt.body, string(raw)) && !tt.ep.Publisher && tt.ep.Period != wechat.Live {
					t.Errorf("kept %s, not as sent", raw)
				}
			}
			if tt.check != nil {
				tt.check(t, ans.Rows)
			}
			// What is stored reads back as it read when fetched.
			if tt.days <= 1 && len(ans.Raw) > 0 {
				back, err := wechat.DecodeDay(tt.ep, d, []byte("["+string(bytes.Join(rawBytes(ans.Raw), []byte(",")))+"]"))
				if err != nil || !reflect.DeepEqual(back, ans.Rows) {
					t.Errorf("read back from the store: %+v, %v; want %+v", back, err, ans.Rows)
				}
			}
		})
	}
}

func rawBytes(raw []json.RawMessage) [][]byte {
	out := make([][]byte, len(raw))
	for i, r := range raw {
		out[i] = r
	}
	return out
}

// gapsInclude reports whether got has every wanted gap, counted as
// wanted (the cases' answers are short: they lack figures the test need
// not list); an empty want is no gap at all, a nil one anything.
func gapsInclude(got, want map[wechat.Gap]int) bool {
	if want != nil && len(want) == 0 {
		return len(got) == 0
	}
	for g, n := range want {
		if got[g] != n {
			return false
		}
	}
	return true
}

// TestUnreadableAnswersStillFail: what no tolerance can read is still a
// decode error, retried like a broken body: rows that are not a list, and
// an envelope whose errcode or is_delay cannot be read (which could pass
// an error or provisional figures off as final data).
func TestUnreadableAnswersStillFail(t *testing.T) {
	d := day("2026-11-20")
	for _, body := range []string{
		`{"list":{"ref_date":"2026-11-20"}}`,
		`{"list":"none"}`,
		`{"errcode":"40001","list":[]}`,
		`{"list":[],"is_delay":"yes"}`,
		`{"list":[{"ref_date":"2026-11-20","cumulate_user":7}]`,
	} {
		c, _ := serveBody(t, body)
		if _, err := c.Fetch(ctx(t), wechat.GetUserCumulate, wechat.Range{Begin: d, End: d}); wechat.ErrCode(err) != "decode" {
			t.Errorf("%s: err %v, want a decode error", body, err)
		}
	}
}

// TestEachElementKeyCostsItsElement removes, in turn, each key of the
// elements of the lists inside each endpoint's rows from one element of
// its answer (samples, content): the element is left out and its key
// reported missing, the row and the others are kept, and the stored rows
// read back as they read when fetched.
func TestEachElementKeyCostsItsElement(t *testing.T) {
	checked := 0
	for _, dir := range []string{testanswers.Samples, testanswers.Content} {
		for _, a := range testanswers.In(dir) {
			ep, ok := wechat.EndpointByName(a.Endpoint)
			if !ok {
				t.Fatalf("%s/%s: no endpoint", dir, a.Name)
			}
			for _, key := range ep.ElementKeys() {
				t.Run(ep.Name+" "+key, func(t *testing.T) {
					checked++
					whole := fetchBody(t, ep, a.Body)
					body, ok := withoutInFirst(a.Body, strings.Split(key, "."))
					if !ok {
						t.Fatalf("the answer has no element with %s", key)
					}
					ans := fetchBody(t, ep, body)
					if len(ans.Rows) != len(whole.Rows) || len(ans.Report.Skipped) > 0 {
						t.Errorf("%d rows (skipped %v), want the %d of the whole answer", len(ans.Rows), ans.Report.Skipped, len(whole.Rows))
					}
					if n := ans.Report.Gaps[wechat.Gap{Field: key, Why: wechat.Missing}]; n != 1 {
						t.Errorf("gap %s reported %d times, want 1: %v", key, n, ans.Report.Gaps)
					}
					day := ans.Rows[0].RowDate()
					back, err := wechat.DecodeDay(ep, day, []byte("["+string(bytes.Join(rawBytes(ans.Raw), []byte(",")))+"]"))
					if err != nil || !reflect.DeepEqual(back, ans.Rows) {
						t.Errorf("read back from the store: %v; the rows differ from those fetched", err)
					}
				})
			}
		}
	}
	if checked < 8 {
		t.Errorf("%d element keys checked: the test reaches too little", checked)
	}
}

// withoutInFirst removes the key at the end of path from the first element
// it reaches in the answer's first row (descending into the first element
// of each list on the way).
func withoutInFirst(body []byte, path []string) ([]byte, bool) {
	var answer map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&answer) != nil {
		return nil, false
	}
	var node any = answer
	if list, ok := answer["list"].([]any); ok && len(list) > 0 {
		node = list[0]
	}
	for i, seg := range path {
		for {
			l, ok := node.([]any)
			if !ok || len(l) == 0 {
				break
			}
			node = l[0]
		}
		obj, ok := node.(map[string]any)
		if !ok {
			return nil, false
		}
		if i == len(path)-1 {
			if _, ok := obj[seg]; !ok {
				return nil, false
			}
			delete(obj, seg)
			break
		}
		node = obj[seg]
	}
	b, err := json.Marshal(answer)
	return b, err == nil
}
