package collector

import (
	"fmt"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// documented is what WeChat's documentation calls each value of the
// channel enumerations: the read sources (getuserread user_source, and
// getarticletotal's int_page_from_* and feed_share_from_* fields), the
// share scenes and the content scenes.
var documented = map[string]map[string]string{
	"read source": {"0": "会话", "1": "好友", "2": "朋友圈", "3": "腾讯微博", "4": "历史消息页", "5": "其他", "6": "看一看", "7": "搜一搜"},
	// getarticletotal names its channels by field; the documentation
	// describes them with the read sources' names (session is 公众号会话).
	"getarticletotal int_page_from": {"session": "会话", "hist_msg": "历史消息页", "feed": "朋友圈", "friends": "好友", "other": "其他",
		"kanyikan": "看一看", "souyisou": "搜一搜"},
	"getarticletotal feed_share_from": {"session": "会话", "feed": "朋友圈", "other": "其他"},
	// 好友转发 (forwarding to a friend) is the friends channel of the read
	// sources, seen from the sharing side.
	"share scene":   {"1": "好友", "2": "朋友圈", "3": "腾讯微博", "255": "其他"},
	"content scene": {"公众号消息": "公众号消息", "聊天会话": "聊天会话", "朋友圈": "朋友圈", "公众号主页": "公众号主页", "推荐": "推荐", "搜一搜": "搜一搜", "其他": "其他"},
}

// TestLabelValueMeansOneThing: across the channel families, which the
// dashboards put side by side (a content scene shown as a source), two
// WeChat values get the same label value if and only if the documentation
// gives them the same meaning.
func TestLabelValueMeansOneThing(t *testing.T) {
	labels := map[string]map[string]string{ // family -> WeChat value -> label value
		"read source":   {},
		"share scene":   {},
		"content scene": contentScenes,
	}
	for v, l := range readSources {
		labels["read source"][fmt.Sprint(v)] = l
	}
	for v, l := range shareScenes {
		labels["share scene"][fmt.Sprint(v)] = l
	}
	fields := func(figs []sourceFigures, names ...string) map[string]string {
		if len(figs) != len(names) {
			t.Fatalf("%d channels, the test knows %d", len(figs), len(names))
		}
		m := map[string]string{}
		for i, f := range figs {
			m[names[i]] = f.source
		}
		return m
	}
	var d wechat.ArticleTotalDetail
	labels["getarticletotal int_page_from"] = fields(postReadSources(d), "session", "hist_msg", "feed", "friends", "other", "kanyikan", "souyisou")
	labels["getarticletotal feed_share_from"] = fields(postMomentShareSources(d), "session", "feed", "other")

	meaningOf := map[string]string{} // label value -> meaning
	valueOf := map[string]string{}   // meaning -> label value
	for family, values := range labels {
		if len(values) != len(documented[family]) {
			t.Errorf("%s: %d values mapped, %d documented", family, len(values), len(documented[family]))
		}
		for v, label := range values {
			meaning, ok := documented[family][v]
			if !ok {
				t.Errorf("%s %s: no documented meaning in this test", family, v)
				continue
			}
			if m, ok := meaningOf[label]; ok && m != meaning {
				t.Errorf("label value %q means both %s and %s (%s %s)", label, m, meaning, family, v)
			}
			if l, ok := valueOf[meaning]; ok && l != label {
				t.Errorf("%s is both %q and %q (%s %s)", meaning, l, label, family, v)
			}
			meaningOf[label], valueOf[meaning] = meaning, label
		}
	}
}
