package wechat_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

func jump(position int64, rate float64) wechat.JumpPosition {
	return wechat.JumpPosition{Position: wechat.CodeOf(position), Rate: wechat.DecimalOf(rate)}
}

func TestJumpPositionsTolerant(t *testing.T) {
	want := wechat.JumpPositions{jump(1, 0.5), jump(2, 0.25)}
	tests := map[string]wechat.JumpPositions{
		`[{"position":1,"rate":0.5},{"position":2,"rate":0.25}]`: want,
		`{"2":0.25,"1":0.5}`:        want,
		`{"2":"0.25","1":0.5}`:      want,
		`{"position":3,"rate":0.1}`: {jump(3, 0.1)},
		`null`:                      nil,
		// Never an error, which would cost the whole answer: what cannot
		// be read is absent.
		`"x"`: nil,
		`[]`:  {},
	}
	for in, w := range tests {
		var got struct {
			J wechat.JumpPositions `json:"read_jump_position"`
		}
		if err := json.Unmarshal([]byte(`{"read_jump_position":`+in+`}`), &got); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !reflect.DeepEqual(got.J, w) {
			t.Errorf("%s: %+v, want %+v", in, got.J, w)
		}
	}
	// A rate that is not a number is absent; a position that is not one
	// leaves its element without its key (left out when the row is read).
	var got wechat.JumpPositions
	if err := json.Unmarshal([]byte(`[{"position":1,"rate":"x"},{"position":"first","rate":0.2}]`), &got); err != nil || len(got) != 2 {
		t.Fatalf("%+v, %v", got, err)
	}
	if got[0].Rate.Known() || got[0].Rate.Absence() != wechat.Invalid || got[1].Position.Known() {
		t.Errorf("%+v: want the rate invalid, the second position absent", got)
	}
}

// TestIsDelay: yesterday's content figures are provisional in the
// morning and final later; legacy endpoints never say.
func TestIsDelay(t *testing.T) {
	e := newEnv(t, nil) // 10:00 Beijing: before the fake's DelayUntil
	r := wechat.Range{Begin: yesterday(), End: yesterday()}
	if ans, err := e.client.Fetch(ctx(t), wechat.GetArticleRead, r); err != nil || !ans.Delayed {
		t.Errorf("morning: delayed %v, %v; want provisional", ans.Delayed, err)
	}
	if ans, err := e.client.Fetch(ctx(t), wechat.GetUserSummary, r); err != nil || ans.Delayed {
		t.Errorf("legacy endpoint delayed %v, %v", ans.Delayed, err)
	}
	e.clock.Advance(wechattest.DelayUntil - 10*time.Hour + time.Minute)
	if ans, err := e.client.Fetch(ctx(t), wechat.GetArticleRead, r); err != nil || ans.Delayed {
		t.Errorf("afternoon: delayed %v, %v; want final", ans.Delayed, err)
	}
}

func TestContentDataStarts20251101(t *testing.T) {
	e := newEnv(t, nil)
	d := wechat.MustParseDate("2025-10-31")
	_, err := fetchRows[wechat.BizSummary](ctx(t), e.client, wechat.GetBizSummary, wechat.Range{Begin: d, End: d})
	if err == nil || err.Error() != "wechat getbizsummary: range 2025-10-31..2025-10-31: WeChat keeps no data before 2025-11-01" {
		t.Errorf("err = %v", err)
	}
}

// TestDecodedRowsShareSceneNames: every decoded row's scene names point at
// one copy of each name, however many answers they came from, so a month
// of article details does not hold each name thousands of times.
func TestDecodedRowsShareSceneNames(t *testing.T) {
	scenes := `"read_user_source":[{"user_count":3,"scene_desc":"全部"},{"user_count":2,"scene_desc":"朋友圈"},{"user_count":1,"scene_desc":"未知场景"}]`
	tests := []struct {
		ep     wechat.Endpoint
		list   string
		scenes func(wechat.Row) []wechat.SceneUsers
	}{
		{wechat.GetBizSummary, `[{"ref_date":"2025-11-20","detail":{"read_user":3,` + scenes + `,"share_user":0}}]`,
			func(r wechat.Row) []wechat.SceneUsers { return r.(wechat.BizSummary).Detail.ReadUserSource }},
		{wechat.GetArticleRead, `[{"ref_date":"2025-11-20","msgid":"1_1","detail":{"read_user":3,` + scenes + `}}]`,
			func(r wechat.Row) []wechat.SceneUsers { return r.(wechat.ArticleRead).Detail.ReadUserSource }},
		{wechat.GetArticleTotalDetail, `[{"ref_date":"2025-11-20","msgid":"1_1","title":"t","content_url":"u","detail_list":[{"stat_date":"2025-11-20","read_user":3,` + scenes + `,"share_user":0}]}]`,
			func(r wechat.Row) []wechat.SceneUsers {
				return r.(wechat.PublishedArticle).DetailList[0].ReadUserSource
			}},
	}
	day := wechat.MustParseDate("2025-11-20")
	for _, tt := range tests {
		var decoded [2][]wechat.SceneUsers
		for i := range decoded {
			rows, err := wechat.DecodeDay(tt.ep, day, []byte(tt.list))
			if err != nil || len(rows) != 1 {
				t.Fatalf("%s: %d rows, %v", tt.ep.Name, len(rows), err)
			}
			decoded[i] = tt.scenes(rows[0])
		}
		a, b := decoded[0], decoded[1]
		if len(a) != 3 || len(b) != 3 || a[0].SceneDesc != "全部" || a[1].SceneDesc != "朋友圈" || a[2].SceneDesc != "未知场景" {
			t.Fatalf("%s: scenes %+v", tt.ep.Name, a)
		}
		for i := 0; i < 2; i++ { // the documented names are one copy
			if unsafe.StringData(string(a[i].SceneDesc)) != unsafe.StringData(string(b[i].SceneDesc)) {
				t.Errorf("%s: two copies of %q", tt.ep.Name, a[i].SceneDesc)
			}
		}
		// a name WeChat does not document is kept as it came
		if unsafe.StringData(string(a[2].SceneDesc)) == unsafe.StringData(string(b[2].SceneDesc)) {
			t.Errorf("%s: %q shared, though not a documented name", tt.ep.Name, a[2].SceneDesc)
		}
	}
}
