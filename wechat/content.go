package wechat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// Rows of the 2025 "published content" endpoints (getbizsummary,
// getarticleread, getarticleshare, getarticletotaldetail). Their answers
// also carry a top-level is_delay: true while WeChat's figures for the
// day are still provisional (see Client.FetchDelayed).

// SceneUsers is readers from one scene; SceneDesc is WeChat's Chinese
// name of it (全部, 公众号消息, 聊天会话, 朋友圈, 公众号主页, 其他, 推荐, 搜一搜).
type SceneUsers struct {
	UserCount int64  `json:"user_count"`
	SceneDesc string `json:"scene_desc"`
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
		if name, ok := sceneNames[scenes[i].SceneDesc]; ok {
			scenes[i].SceneDesc = name
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
	ReadUser       int64        `json:"read_user"`
	ReadUserSource []SceneUsers `json:"read_user_source"`
	ShareUser      int64        `json:"share_user"`
	ZaikanUser     int64        `json:"zaikan_user" wx:"optional"`
	LikeUser       int64        `json:"like_user" wx:"optional"`
	CommentCount   int64        `json:"comment_count" wx:"optional"`
	CollectionUser int64        `json:"collection_user" wx:"optional"`
}

// BizSummaryDetail are the figures of a getbizsummary row.
type BizSummaryDetail struct {
	Engagement
	RedirectOriPageUser int64 `json:"redirect_ori_page_user" wx:"optional"`
	SendPageCount       int64 `json:"send_page_count" wx:"optional"`
}

// ArticleRead is a getarticleread row: one article's readers that day.
type ArticleRead struct {
	Ref
	MsgID  string `json:"msgid"`
	Detail struct {
		ReadUser       int64        `json:"read_user"`
		ReadUserSource []SceneUsers `json:"read_user_source"`
	} `json:"detail"`
}

// ArticleShare is a getarticleshare row: one article's sharers that day.
type ArticleShare struct {
	Ref
	MsgID  string `json:"msgid"`
	Detail struct {
		ShareUser int64 `json:"share_user"`
	} `json:"detail"`
}

// PublishedArticle is a getarticletotaldetail row: an article published on
// RefDate, with its totals up to each statistics day (tracked for about
// 30 days).
type PublishedArticle struct {
	Ref
	MsgID       string                   `json:"msgid"`
	PublishType int64                    `json:"publish_type" wx:"optional"` // 0 followers notified, 1 not
	Title       string                   `json:"title"`
	ContentURL  string                   `json:"content_url"`
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
	StatDate Date `json:"stat_date"`
	Engagement
	PraiseMoney       int64         `json:"praise_money" wx:"optional"`
	ReadSubscribeUser int64         `json:"read_subscribe_user" wx:"optional"`
	ReadDeliveryRate  float64       `json:"read_delivery_rate" wx:"optional"`
	ReadFinishRate    float64       `json:"read_finish_rate" wx:"optional"`
	ReadAvgActivetime float64       `json:"read_avg_activetime" wx:"optional"`
	ReadJumpPosition  JumpPositions `json:"read_jump_position"`
}

// JumpPosition is the share of readers who left at a fifth of the
// article: position 1 is 0-20%, ..., 5 is 80-100%.
type JumpPosition struct {
	Position int64   `json:"position"`
	Rate     float64 `json:"rate"`
}

// JumpPositions decodes read_jump_position tolerantly: the documentation
// shows an object, SDKs an array [?]. It accepts an array of
// {position, rate}, a single such object, or an object mapping positions
// to rates.
type JumpPositions []JumpPosition

// UnmarshalJSON implements the tolerant decoding.
func (j *JumpPositions) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*j = nil
		return nil
	case b[0] == '[':
		var list []JumpPosition
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		*j = list
		return nil
	case b[0] != '{':
		return fmt.Errorf("read_jump_position: want an array or an object, got %s", truncate(string(b), 16))
	}
	var one struct {
		Position *int64  `json:"position"`
		Rate     float64 `json:"rate"`
	}
	if err := json.Unmarshal(b, &one); err == nil && one.Position != nil {
		*j = JumpPositions{{*one.Position, one.Rate}}
		return nil
	}
	var byPosition map[string]float64
	if err := json.Unmarshal(b, &byPosition); err != nil {
		return fmt.Errorf("read_jump_position: %w", err)
	}
	out := JumpPositions{}
	for k, v := range byPosition {
		p, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return fmt.Errorf("read_jump_position: position %q is not a number", k)
		}
		out = append(out, JumpPosition{p, v})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Position < out[b].Position })
	*j = out
	return nil
}
