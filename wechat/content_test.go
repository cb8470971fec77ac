package wechat_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

func TestJumpPositionsTolerant(t *testing.T) {
	want := wechat.JumpPositions{{Position: 1, Rate: 0.5}, {Position: 2, Rate: 0.25}}
	tests := map[string]wechat.JumpPositions{
		`[{"position":1,"rate":0.5},{"position":2,"rate":0.25}]`: want,
		`{"2":0.25,"1":0.5}`:        want,
		`{"position":3,"rate":0.1}`: {{Position: 3, Rate: 0.1}},
		`null`:                      nil,
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
	for _, bad := range []string{`"x"`, `{"a":1}`, `[1]`} {
		var got wechat.JumpPositions
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("%s accepted", bad)
		}
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
