package wechat_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/testanswers"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// servePublisher answers every request with body and records the query
// strings it was asked with.
func servePublisher(t *testing.T, body func(q url.Values) string) (*wechat.Client, *[]url.Values) {
	t.Helper()
	var mu sync.Mutex
	var queries []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/publisher/stat" {
			t.Errorf("%s %s, want GET /publisher/stat", r.Method, r.URL.Path)
		}
		mu.Lock()
		queries = append(queries, r.URL.Query())
		mu.Unlock()
		_, _ = w.Write([]byte(body(r.URL.Query())))
	}))
	t.Cleanup(srv.Close)
	tokFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokFile, []byte("fixture-token-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := wechat.New(wechat.NewFileToken(tokFile), wechat.WithBaseURL(srv.URL), wechat.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	return c, &queries
}

func fixtureBody(t *testing.T, name string) func(url.Values) string {
	b := string(readSample(t, name))
	return func(url.Values) string { return b }
}

// TestPublisherFixtures fetches each public ad sample through the client
// and checks every figure of its list (the summary is the range's sum,
// which the per-day series reproduce; total_num is paging).
func TestPublisherFixtures(t *testing.T) {
	t.Run("adposGeneral", func(t *testing.T) {
		c, queries := servePublisher(t, fixtureBody(t, "publisher_adpos_general"))
		rows, err := fetchRows[wechat.AdPosition](ctx(t), c, wechat.PublisherAdPosGeneral, wechat.Range{Begin: day("2020-04-13"), End: day("2020-04-13")})
		if err != nil {
			t.Fatal(err)
		}
		want := []wechat.AdPosition{{Ref: wechat.Ref{RefDate: day("2020-04-13")}, Date: "2020-04-13", SlotID: "3030046789020061",
			AdSlot: "SLOT_ID_WEAPP_INTERSTITIAL", ReqSuccCount: cnt(443610), ExposureCount: cnt(181814), ExposureRate: dec(0.409850995),
			ClickCount: cnt(10095), ClickRate: dec(0.055523777), Income: cnt(52175), ECPM: dec(286.969100289)}}
		if !reflect.DeepEqual(rows, want) {
			t.Errorf("got %+v\nwant %+v", rows, want)
		}
		q := (*queries)[0]
		for k, v := range map[string]string{"action": "publisher_adpos_general", "page": "1", "page_size": "90",
			"start_date": "2020-04-13", "end_date": "2020-04-13", "access_token": "fixture-token-value"} {
			if q.Get(k) != v {
				t.Errorf("query %s = %q, want %q", k, q.Get(k), v)
			}
		}
		if len(*queries) != 1 {
			t.Errorf("%d requests for a one-page answer", len(*queries))
		}
	})
	t.Run("cpsGeneral", func(t *testing.T) {
		// The sample's date is the placeholder "20XX-XX-XX" and its
		// total_num (7) exceeds its list: the row belongs to the one day
		// asked for, and the short page ends the paging.
		c, queries := servePublisher(t, fixtureBody(t, "publisher_cps_general"))
		rows, err := fetchRows[wechat.CPSGeneral](ctx(t), c, wechat.PublisherCPSGeneral, wechat.Range{Begin: day("2020-04-13"), End: day("2020-04-13")})
		if err != nil {
			t.Fatal(err)
		}
		want := []wechat.CPSGeneral{{Ref: wechat.Ref{RefDate: day("2020-04-13")}, Date: "20XX-XX-XX", ExposureCount: cnt(15153),
			ClickCount: cnt(396), ClickRate: dec(38.265151515), OrderCount: cnt(3), OrderRate: dec(0.007575758), TotalFee: cnt(162900), TotalCommission: cnt(25021)}}
		if !reflect.DeepEqual(rows, want) {
			t.Errorf("got %+v\nwant %+v", rows, want)
		}
		if len(*queries) != 1 {
			t.Errorf("%d requests, want 1", len(*queries))
		}
	})
	t.Run("settlement", func(t *testing.T) {
		c, queries := servePublisher(t, fixtureBody(t, "publisher_settlement"))
		s, err := fetchSettlement(ctx(t), c, day("2020-04-13"))
		if err != nil {
			t.Fatal(err)
		}
		want := wechat.Settlement{Ref: wechat.Ref{RefDate: day("2020-04-13")}, Body: "深圳市腾讯计算机系统有限公司",
			RevenueAll: cnt(5178368698), PenaltyAll: cnt(0), SettledRevenueAll: cnt(2613696765), Periods: []wechat.SettlementPeriod{{
				Date: "2020-03-25", Zone: "2020年3月1日至15日", Month: "202003", Order: wechat.CodeOf(1), SettStatus: wechat.CodeOf(1), SettledRevenue: cnt(718926045),
				SettNo: "XXX", MailSendCnt: "0", SlotRevenue: []wechat.SlotRevenue{
					{SlotID: "SLOT_ID_WEAPP_BANNER", SlotSettledRevenue: cnt(34139443)},
					{SlotID: "SLOT_ID_WEAPP_REWARD_VIDEO", SlotSettledRevenue: cnt(684786602)}}}}}
		if !reflect.DeepEqual(s, want) {
			t.Errorf("got %+v\nwant %+v", s, want)
		}
		if start, ok := s.Periods[0].Start(); !ok || start != day("2020-03-01") {
			t.Errorf("period start %v %v", start, ok)
		}
		// A snapshot asks for the settlement window ending on its day.
		q := (*queries)[0]
		if q.Get("start_date") != "2019-04-14" || q.Get("end_date") != "2020-04-13" {
			t.Errorf("asked for %s..%s", q.Get("start_date"), q.Get("end_date"))
		}
	})
}

// TestPublisherPaging: 90 days of three ad slots come in pages of 90, and
// every row arrives once, as the fake has it.
func TestPublisherPaging(t *testing.T) {
	e := newEnv(t, nil)
	r := wechat.Range{Begin: yesterday().AddDays(-89), End: yesterday()}
	rows, err := fetchRows[wechat.AdPosition](ctx(t), e.client, wechat.PublisherAdPosGeneral, r)
	if err != nil {
		t.Fatal(err)
	}
	var want []wechat.AdPosition
	for d := r.Begin; d <= r.End; d++ {
		for _, row := range e.fake.Rows(appID, wechat.PublisherAdPosGeneral.Name, d) {
			want = append(want, row.(wechat.AdPosition))
		}
	}
	if len(want) != 270 || !reflect.DeepEqual(rows, want) {
		t.Errorf("%d rows, want the fake's %d", len(rows), len(want))
	}
	if n := e.fake.Calls(appID, wechat.PublisherAdPosGeneral.Name); n != 3 {
		t.Errorf("%d calls for 270 rows, want 3 pages", n)
	}
}

func TestPublisherSettlementAgreesWithIncome(t *testing.T) {
	e := newEnv(t, nil)
	s, err := fetchSettlement(ctx(t), e.client, yesterday())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Periods) < 20 || num(s.RevenueAll) <= num(s.SettledRevenueAll) {
		t.Fatalf("%d periods, revenue %d, settled %d", len(s.Periods), num(s.RevenueAll), num(s.SettledRevenueAll))
	}
	// Each period's slots add up to the period.
	for _, p := range s.Periods {
		var sum int64
		for _, sr := range p.SlotRevenue {
			sum += num(sr.Amount())
		}
		if sum != num(p.SettledRevenue) {
			t.Errorf("period %s %d: slots %d, period %d", p.Month, num(p.Order), sum, num(p.SettledRevenue))
		}
	}
}

func TestPublisherErrors(t *testing.T) {
	t.Run("not a publisher", func(t *testing.T) {
		e := newEnv(t, nil)
		e.fake.AddAccount(wechattest.Account{AppID: appID, Secret: secret}) // no longer a publisher
		_, err := fetchRows[wechat.AdPosition](ctx(t), e.client, wechat.PublisherAdPosGeneral, wechat.Range{Begin: yesterday(), End: yesterday()})
		var api *wechat.APIError
		if !errors.As(err, &api) || api.Code != wechat.CodeNotPublisher || wechat.ErrorClass(err) != wechat.Permanent {
			t.Fatalf("err = %v, want base_resp ret 2009, permanent", err)
		}
		if !strings.Contains(err.Error(), "publisher_adpos_general: errcode 2009: not a publisher") {
			t.Errorf("message %q", err)
		}
	})
	t.Run("too frequent in base_resp", func(t *testing.T) {
		e := newEnv(t, nil)
		e.fake.Inject(wechattest.Fault{Endpoint: wechat.PublisherCPSGeneral.Name, Ret: wechat.CodeAdTooFrequent})
		_, err := fetchRows[wechat.CPSGeneral](ctx(t), e.client, wechat.PublisherCPSGeneral, wechat.Range{Begin: yesterday(), End: yesterday()})
		if wechat.ErrorClass(err) != wechat.RateLimited || wechat.ErrCode(err) != "45009" {
			t.Errorf("err = %v (class %v), want too frequent: rate limited, not the daily quota", err, wechat.ErrorClass(err))
		}
		if n := e.fake.Calls(appID, wechat.PublisherCPSGeneral.Name); n != 1 {
			t.Errorf("%d calls, want 1: not asked again at once", n)
		}
	})
	// Real ad answers carry a top-level ret and err_msg and no base_resp:
	// an error there is an error, wherever WeChat puts it.
	for _, tc := range []struct {
		code  int64
		class wechat.Class
	}{{wechat.CodeNotPublisher, wechat.Permanent}, {wechat.CodeAdTooFrequent, wechat.RateLimited}, {wechat.CodeBadParams, wechat.Permanent}} {
		t.Run(fmt.Sprintf("top-level ret %d", tc.code), func(t *testing.T) {
			e := newEnv(t, nil)
			e.fake.Inject(wechattest.Fault{Endpoint: wechat.PublisherAdPosGeneral.Name, TopRet: tc.code})
			ans, err := e.client.Fetch(ctx(t), wechat.PublisherAdPosGeneral, wechat.Range{Begin: yesterday(), End: yesterday()})
			var api *wechat.APIError
			if !errors.As(err, &api) || api.Code != tc.code || !api.Ret || wechat.ErrorClass(err) != tc.class {
				t.Fatalf("err = %v (%d rows), want ret %d of class %v", err, len(ans.Rows), tc.code, tc.class)
			}
		})
	}
	t.Run("token rejected at top level", func(t *testing.T) {
		e := newEnv(t, nil)
		e.fake.Inject(wechattest.Fault{Endpoint: wechat.PublisherSettlement.Name, Errcode: wechat.CodeInvalidToken, Times: 1})
		if _, err := fetchSettlement(ctx(t), e.client, yesterday()); err != nil {
			t.Fatalf("not retried with a new token: %v", err)
		}
		if n := e.fake.Calls(appID, wechat.PublisherSettlement.Name); n != 2 {
			t.Errorf("%d calls, want 2", n)
		}
	})
	t.Run("before 2016", func(t *testing.T) {
		e := newEnv(t, nil)
		_, err := fetchRows[wechat.AdPosition](ctx(t), e.client, wechat.PublisherAdPosGeneral, wechat.Range{Begin: day("2015-12-31"), End: day("2015-12-31")})
		var re *wechat.RangeError
		if !errors.As(err, &re) || e.fake.Calls("", wechat.PublisherAdPosGeneral.Name) != 0 {
			t.Errorf("err = %v, want a RangeError before any call", err)
		}
	})
}

// TestPublisherMalformed: answers that cannot be trusted are clear errors
// that name the problem, never a loop or a panic. (Odd figures and rows
// are not errors: see TestOddFiguresCostOnlyThemselves.)
func TestPublisherMalformed(t *testing.T) {
	r3 := wechat.Range{Begin: day("2020-04-11"), End: day("2020-04-13")}
	// row is an ad slot's day with every figure, income as given.
	row := func(date, income string) string {
		return `{"date":"` + date + `","ad_slot":"SLOT_ID_BIZ_BOTTOM","req_succ_count":3,"exposure_count":2,"exposure_rate":0.6,` +
			`"click_count":1,"click_rate":0.5,"income":` + income + `,"ecpm":1.5}`
	}
	fullPage := func(url.Values) string {
		rows := make([]string, wechat.PublisherPageSize)
		for i := range rows {
			rows[i] = row("2020-04-12", "1")
		}
		return `{"base_resp":{"ret":0},"total_num":100000,"list":[` + strings.Join(rows, ",") + `]}`
	}
	tests := []struct {
		name string
		body func(url.Values) string
		want string
	}{
		{"endless pages", fullPage, "more than 50 pages of 90"},
		{"list not an array", func(url.Values) string { return `{"base_resp":{"ret":0},"list":{"a":1}}` }, "page 1: list:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := servePublisher(t, tt.body)
			_, err := fetchRows[wechat.AdPosition](ctx(t), c, wechat.PublisherAdPosGeneral, r3)
			var te *wechat.TransportError
			if !errors.As(err, &te) || te.Kind != wechat.KindDecode || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a decode error containing %q", err, tt.want)
			}
		})
	}
}

// TestPublisherRowsRoundTrip: the rows as WeChat sent them (what the store
// keeps) decode to what was fetched, and so do the rows as earlier versions
// stored them (re-encoded from the typed rows).
func TestPublisherRowsRoundTrip(t *testing.T) {
	e := newEnv(t, nil)
	for _, ep := range wechat.PublisherEndpoints() {
		ans, err := e.client.Fetch(ctx(t), ep, wechat.Range{Begin: yesterday(), End: yesterday()})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(ans.Raw)
		if err != nil {
			t.Fatal(err)
		}
		typed, err := json.Marshal(ans.Rows)
		if err != nil {
			t.Fatal(err)
		}
		for what, b := range map[string][]byte{"as sent": raw, "re-encoded": typed} {
			back, err := wechat.DecodeDay(ep, yesterday(), b)
			if err != nil || !reflect.DeepEqual(back, ans.Rows) {
				t.Errorf("%s, %s: round trip %v: %+v != %+v", ep.Name, what, err, back, ans.Rows)
			}
		}
	}
}

// TestRealAdAnswers: the ad answers in the shapes real servers sent
// (testanswers' real/): a top-level ret of 0 and no base_resp is a
// success; slot_id, a 16-digit number, is kept to the digit; rates keep
// their float artefacts; a total_num larger than the rows sent is not
// followed beyond a short page (the rule: a short page is the last); a
// settlement without settlement_list is its totals, the list reported
// missing; undocumented fields are kept in the row as sent.
func TestRealAdAnswers(t *testing.T) {
	d := day("2020-04-13")
	c, obs := serveBody(t, string(testanswers.Read(testanswers.Real, "publisher_adpos_general.ret")))
	ans, err := c.Fetch(ctx(t), wechat.PublisherAdPosGeneral, wechat.Range{Begin: d, End: d})
	if err != nil || len(ans.Rows) != 1 {
		t.Fatalf("%d rows, %v", len(ans.Rows), err)
	}
	if n := obs.count(func(r *recorder) map[string]int { return r.requests }, wechat.PublisherAdPosGeneral.Name); n != 1 {
		t.Errorf("%d requests: total_num 3 with one row sent asked more pages", n)
	}
	row := ans.Rows[0].(wechat.AdPosition)
	if rate, _ := row.ExposureRate.Value(); row.SlotID != "3030046789020063" || rate != 0.5309833859999999 || row.Income.Or(0) != 1893 {
		t.Errorf("row %+v: the slot id, a rate or the income changed", row)
	}
	if !strings.Contains(string(ans.Raw[0]), `"slot_str"`) {
		t.Errorf("the undocumented slot_str is not kept in the row: %s", ans.Raw[0])
	}

	c, _ = serveBody(t, string(testanswers.Read(testanswers.Real, "publisher_settlement.no-list")))
	ans, err = c.Fetch(ctx(t), wechat.PublisherSettlement, wechat.Range{Begin: d, End: d})
	if err != nil || len(ans.Rows) != 1 {
		t.Fatalf("settlement: %d rows, %v", len(ans.Rows), err)
	}
	s := ans.Rows[0].(wechat.Settlement)
	if s.RevenueAll.Or(0) != 318734 || s.SettledRevenueAll.Or(0) != 301225 || len(s.Periods) != 0 {
		t.Errorf("settlement %+v", s)
	}
	if ans.Report.Gaps[wechat.Gap{Field: "settlement_list", Why: wechat.Missing}] != 1 {
		t.Errorf("the missing settlement_list is not reported: %v", ans.Report.Gaps)
	}
	if !strings.Contains(string(ans.Raw[0]), "wyw_settled_summary") {
		t.Errorf("the extra wyw_settled_summary is not kept: %s", ans.Raw[0])
	}
}
