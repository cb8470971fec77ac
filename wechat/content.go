package wechat

import (
	"bytes"
	"encoding/json"
	"sort"
)

// Rows of the 2025 "published content" endpoints (getbizsummary,
// getarticleread, getarticleshare, getarticletotaldetail). Their answers
// also carry a top-level is_delay: true while WeChat's figures for the
// day are still provisional (see Client.FetchDelayed).

// SceneUsers is readers from one scene; SceneDesc is WeChat's Chinese
// name of it (全部, 公众号消息, 聊天会话, 朋友圈, 公众号主页, 其他, 推荐, 搜一搜).
type SceneUsers struct {
	UserCount Count      `json:"user_count"`
	SceneDesc FlexString `json:"scene_desc" wx:"key"`
}

// sceneNames are the scene names WeChat documents. The decoder gives each
// row its own copy of every name it reads, and the served rows hold each
// name many times per article and day: at 1,000 demo accounts the copies
// were 11.5 MB of the 20 MB of strings decoded rows held (a heap profile
// after a restart), so decoded rows share these instead. A name not here
// keeps its own copy.
var sceneNames = func() map[string]string {
	m := map[string]string{}
	for _, name := range []string{"全部", "公众号消息", "聊天会话", "朋友圈", "公众号主页", "其他", "推荐", "搜一搜"} {
		m[name] = name
	}
	return m
}()

// shareSceneNames points each scene's name at sceneNames' copy.
func shareSceneNames(scenes []SceneUsers) {
	for i := range scenes {
		if name, ok := sceneNames[string(scenes[i].SceneDesc)]; ok {
			scenes[i].SceneDesc = FlexString(name)
		}
	}
}

func (r *BizSummary) shareStrings()  { shareSceneNames(r.Detail.ReadUserSource) }
func (r *ArticleRead) shareStrings() { shareSceneNames(r.Detail.ReadUserSource) }
func (r *PublishedArticle) shareStrings() {
	for i := range r.DetailList {
		shareSceneNames(r.DetailList[i].ReadUserSource)
	}
}

// BizSummary is a getbizsummary row: the account's published content that
// day.
type BizSummary struct {
	Ref
	Detail BizSummaryDetail `json:"detail"`
}

// Engagement are the figures the account summary and each article's
// totals share. "zaikan" is 在看 (the heart), "like" the thumbs-up.
type Engagement struct {
	ReadUser       Count        `json:"read_user"`
	ReadUserSource []SceneUsers `json:"read_user_source"`
	ShareUser      Count        `json:"share_user"`
	ZaikanUser     Count        `json:"zaikan_user"`
	LikeUser       Count        `json:"like_user"`
	CommentCount   Count        `json:"comment_count"`
	CollectionUser Count        `json:"collection_user"`
}

// BizSummaryDetail are the figures of a getbizsummary row.
type BizSummaryDetail struct {
	Engagement
	RedirectOriPageUser Count `json:"redirect_ori_page_user"`
	SendPageCount       Count `json:"send_page_count"`
}

// ArticleRead is a getarticleread row: one article's readers that day.
type ArticleRead struct {
	Ref
	MsgID  FlexString `json:"msgid" wx:"key"`
	Detail struct {
		ReadUser       Count        `json:"read_user"`
		ReadUserSource []SceneUsers `json:"read_user_source"`
	} `json:"detail"`
}

// ArticleShare is a getarticleshare row: one article's sharers that day.
type ArticleShare struct {
	Ref
	MsgID  FlexString `json:"msgid" wx:"key"`
	Detail struct {
		ShareUser Count `json:"share_user"`
	} `json:"detail"`
}

// PublishedArticle is a getarticletotaldetail row: an article published on
// RefDate, with its totals up to each statistics day (tracked for about
// 30 days).
type PublishedArticle struct {
	Ref
	MsgID       FlexString               `json:"msgid" wx:"key"`
	PublishType Code                     `json:"publish_type"` // 0 followers notified, 1 not
	Title       FlexString               `json:"title"`
	ContentURL  FlexString               `json:"content_url"`
	DetailList  []PublishedArticleDetail `json:"detail_list"`
}

// LatestOn returns the detail with the newest stat_date not after day.
func (a PublishedArticle) LatestOn(day Date) (PublishedArticleDetail, bool) {
	return latestOn(a.DetailList, day, func(d PublishedArticleDetail) Date { return d.StatDate })
}

// AsOf returns the article with only its totals as they stood on day (or
// none): all a day's serving needs, without the month of details.
func (a PublishedArticle) AsOf(day Date) Row {
	a.DetailList = onlyOn(a.DetailList, day, func(d PublishedArticleDetail) Date { return d.StatDate })
	return a
}

// PublishedArticleDetail holds an article's totals from publication to
// StatDate. PraiseMoney is in fen; ReadAvgActivetime in minutes; the rates
// are ratios (0..1) [?: the documentation does not say].
type PublishedArticleDetail struct {
	StatDate Date `json:"stat_date" wx:"key"`
	Engagement
	PraiseMoney       Count         `json:"praise_money"`
	ReadSubscribeUser Count         `json:"read_subscribe_user"`
	ReadDeliveryRate  Decimal       `json:"read_delivery_rate"`
	ReadFinishRate    Decimal       `json:"read_finish_rate"`
	ReadAvgActivetime Decimal       `json:"read_avg_activetime"`
	ReadJumpPosition  JumpPositions `json:"read_jump_position"`
}

// JumpPosition is the share of readers who left at a fifth of the
// article: position 1 is 0-20%, ..., 5 is 80-100%.
type JumpPosition struct {
	Position Code    `json:"position" wx:"key"`
	Rate     Decimal `json:"rate"`
}

// JumpPositions decodes read_jump_position tolerantly: the documentation
// shows an object, SDKs an array [?]. It accepts an array of
// {position, rate}, a single such object, or an object mapping positions
// to rates; anything else reads as absent.
type JumpPositions []JumpPosition

// UnmarshalJSON implements the tolerant decoding. It never fails: a
// position that cannot be read is left out when the row is screened, a
// rate that cannot be read is absent.
func (j *JumpPositions) UnmarshalJSON(b []byte) error {
	*j = nil
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
	case b[0] == '[':
		var list []JumpPosition
		_ = json.Unmarshal(b, &list) // a mismatch leaves what it touched absent
		if list == nil {
			list = JumpPositions{}
		}
		*j = list
	case b[0] == '{':
		var fields map[string]json.RawMessage
		if json.Unmarshal(b, &fields) != nil {
			return nil
		}
		if _, one := fields["position"]; one {
			var p JumpPosition
			_ = json.Unmarshal(b, &p)
			*j = JumpPositions{p}
			return nil
		}
		out := make(JumpPositions, 0, len(fields))
		for k, v := range fields {
			var p JumpPosition
			_ = p.Position.UnmarshalJSON([]byte(k))
			_ = p.Rate.UnmarshalJSON(v)
			out = append(out, p)
		}
		sort.Slice(out, func(a, b int) bool {
			pa, _ := out[a].Position.Value()
			pb, _ := out[b].Position.Value()
			return pa < pb
		})
		*j = out
	}
	return nil
}
