package wechat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/testanswers"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestEveryEndpointHasASample checks that the samples directory holds
// exactly one official sample answer per legacy datacube endpoint and ad
// action, named after it.
func TestEveryEndpointHasASample(t *testing.T) {
	answers := testanswers.In(testanswers.Samples)
	if len(answers) == 0 {
		t.Fatal("no sample answers")
	}
	have := map[string]bool{}
	for _, a := range answers {
		if _, ok := wechat.EndpointByName(a.Name); !ok {
			t.Errorf("sample %s is named after no endpoint", a.Name)
		}
		have[a.Name] = true
	}
	for _, ep := range append(legacyEndpoints(), wechat.PublisherEndpoints()...) {
		if !have[ep.Name] {
			t.Errorf("no sample answer for %s", ep.Name)
		}
	}
}

// serveFixture answers every request with the fixture body, as WeChat
// would, with a token-free file source so only the datacube call is made.
func fetchFixture(t *testing.T, ep wechat.Endpoint) []wechat.Row {
	t.Helper()
	body := readSample(t, ep.Name)
	d := sampleDay(t, body)
	if d < wechat.EarliestDate {
		// The monthly sample is of November 2014, before the first day
		// WeChat keeps (the documentation's own example): asked for as
		// December's.
		body = bytes.ReplaceAll(body, []byte(`"`+d.String()+`"`), []byte(`"`+wechat.EarliestDate.String()+`"`))
		d = wechat.EarliestDate
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != ep.Path() {
			t.Errorf("request to %s, want %s", r.URL.Path, ep.Path())
		}
		w.Header().Set("Content-Type", "text/plain") // the header must not matter
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	tokFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokFile, []byte("fixture-token-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := wechat.New(wechat.NewFileToken(tokFile), wechat.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := fetchAll(ctx(t), c, ep, wechat.Range{Begin: d, End: d})
	if err != nil {
		t.Fatalf("%s: %v", ep.Name, err)
	}
	return rows
}

// sampleDay is the day an answer's first row speaks of: the day to ask
// for it (a row of another day is left out as not asked for).
func sampleDay(t *testing.T, body []byte) wechat.Date {
	t.Helper()
	var ans struct {
		List []struct {
			RefDate string `json:"ref_date"`
			Date    string `json:"date"`
		} `json:"list"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.List) > 0 {
		for _, s := range []string{ans.List[0].RefDate, ans.List[0].Date} {
			if d, err := wechat.ParseDate(s); err == nil {
				return d
			}
		}
	}
	if bytes.Contains(body, []byte(`"base_resp"`)) {
		return day("2020-04-13") // an ad sample without a date: of the samples' time
	}
	return day("2014-12-08")
}

// numericLeaves flattens every number of a JSON document under its path,
// e.g. "list.0.details.0.target_user".
func numericLeaves(t *testing.T, b []byte) map[string]string {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(string, any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s.%d", path, i), e)
			}
		case json.Number:
			out[path] = x.String()
		case string: // a number sent as text, as ids are
			if _, err := strconv.ParseFloat(x, 64); err == nil {
				out[path] = x
			}
		}
	}
	walk("", v)
	return out
}

// TestFixturesDecodeEveryNumber fetches every fixture through the client and
// checks that each number of the fixture comes out in the typed rows under
// the same JSON name: a mistyped or missing field tag fails here.
func TestFixturesDecodeEveryNumber(t *testing.T) {
	for _, ep := range legacyEndpoints() {
		t.Run(ep.Name, func(t *testing.T) {
			rows := fetchFixture(t, ep)
			want := numericLeaves(t, readSample(t, ep.Name))
			encoded, err := json.Marshal(map[string]any{"list": rows})
			if err != nil {
				t.Fatal(err)
			}
			got := numericLeaves(t, encoded)
			var paths []string
			for p := range want {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			if len(paths) == 0 {
				t.Fatal("fixture has no numbers")
			}
			for _, p := range paths {
				if got[p] != want[p] {
					t.Errorf("%s: decoded %q, fixture has %s", p, got[p], want[p])
				}
			}
		})
	}
}

// TestFixtureFields checks named fields directly, independent of the JSON
// tags the round trip above relies on.
func TestFixtureFields(t *testing.T) {
	tests := []struct {
		endpoint string
		got      func([]wechat.Row) []int64
		want     []int64
	}{
		{"getusersummary", func(r []wechat.Row) []int64 {
			u := r[0].(wechat.UserSummary)
			return []int64{num(u.UserSource), num(u.NewUser), num(u.CancelUser), int64(u.RefDate - day("2014-12-07"))}
		}, []int64{0, 0, 0, 0}},
		{"getusercumulate", func(r []wechat.Row) []int64 { return []int64{num(r[0].(wechat.UserCumulate).CumulateUser)} }, []int64{1217056}},
		{"getarticlesummary", func(r []wechat.Row) []int64 {
			a := r[0].(wechat.ArticleSummary)
			return []int64{num(a.IntPageReadUser), num(a.IntPageReadCount), num(a.OriPageReadUser), num(a.OriPageReadCount), num(a.ShareUser), num(a.ShareCount), num(a.AddToFavUser), num(a.AddToFavCount)}
		}, []int64{23676, 25615, 29, 34, 122, 994, 1, 3}},
		{"getarticletotal", func(r []wechat.Row) []int64 {
			d, _ := r[0].(wechat.ArticleTotal).Latest()
			return []int64{num(d.TargetUser), num(d.IntPageFromSessionReadCount), num(d.IntPageFromHistMsgReadUser), num(d.IntPageFromFeedReadCount),
				num(d.IntPageFromFriendsReadUser), num(d.IntPageFromOtherReadCount), num(d.FeedShareFromSessionCnt), num(d.FeedShareFromFeedUser), num(d.FeedShareFromOtherCnt)}
		}, []int64{261917, 753486, 1669, 433422, 15428, 703, 66489, 18249, 775}},
		{"getuserread", func(r []wechat.Row) []int64 {
			all, ch := r[0].(wechat.UserRead), r[1].(wechat.UserRead)
			return []int64{b2i(all.IsAllSources()), num(all.IntPageReadCount), num(all.AddToFavCount), b2i(ch.IsAllSources()), num(ch.UserSource), num(ch.ShareCount)}
		}, []int64{1, 856093, 3841, 0, 0, 16469}},
		{"getuserreadhour", func(r []wechat.Row) []int64 {
			h := r[1].(wechat.UserReadHour)
			hour, ok := h.Hour()
			return []int64{int64(hour), b2i(ok), num(h.IntPageReadUser), num(h.ShareCount)}
		}, []int64{0, 1, 6812, 196}},
		{"getusershare", func(r []wechat.Row) []int64 {
			s := r[1].(wechat.UserShare)
			return []int64{num(s.ShareScene), num(s.ShareCount), num(s.ShareUser)}
		}, []int64{5, 23, 11}},
		{"getusersharehour", func(r []wechat.Row) []int64 {
			s := r[0].(wechat.UserShareHour)
			hour, _ := s.Hour()
			return []int64{int64(hour), num(s.ShareCount)}
		}, []int64{12, 72}},
		{"getupstreammsgmonth", func(r []wechat.Row) []int64 {
			m := r[0].(wechat.UpstreamMsg)
			return []int64{num(m.MsgType), num(m.MsgUser), num(m.MsgCount)}
		}, []int64{1, 7989, 42206}},
		{"getupstreammsgdist", func(r []wechat.Row) []int64 {
			m := r[0].(wechat.UpstreamMsgDist)
			return []int64{num(m.CountInterval), num(m.MsgUser)}
		}, []int64{1, 246}},
		{"getinterfacesummary", func(r []wechat.Row) []int64 {
			i := r[0].(wechat.InterfaceSummary)
			return []int64{num(i.CallbackCount), num(i.FailCount), num(i.TotalTimeCost), num(i.MaxTimeCost)}
		}, []int64{36974, 67, 14994291, 5044}},
		{"getinterfacesummaryhour", func(r []wechat.Row) []int64 {
			i := r[0].(wechat.InterfaceSummaryHour)
			return []int64{num(i.RefHour), num(i.CallbackCount), num(i.FailCount), num(i.TotalTimeCost), num(i.MaxTimeCost)}
		}, []int64{0, 331, 18, 167870, 5042}},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			ep, ok := wechat.EndpointByName(tt.endpoint)
			if !ok {
				t.Fatalf("unknown endpoint %s", tt.endpoint)
			}
			got := tt.got(fetchFixture(t, ep))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// num is a figure's value, -1 when it is not known.
func num(x interface{ Value() (int64, bool) }) int64 {
	if v, ok := x.Value(); ok {
		return v
	}
	return -1
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
