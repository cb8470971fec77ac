package collector

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// The 2025 "published content" endpoints. WeChat's scene names are
// Chinese; they become these label values (全部, the total, is the metric
// without scene). A label value is shared with another family only where
// the documentation gives the same name: 朋友圈 is the legacy read source
// moments (朋友圈), 搜一搜 its souyisou (搜一搜), 其他 its other (其他).
// 聊天会话 (chat sessions, where the article was forwarded to a reader) is
// not the legacy source session (会话, the account's own conversation),
// nor is 公众号消息 (the account's messages): each has its own label. A
// scene WeChat adds later passes through as its sanitised name.
var contentScenes = map[string]string{"公众号消息": "message", "聊天会话": "chat", "朋友圈": "moments",
	"公众号主页": "profile", "其他": "other", "推荐": "recommend", "搜一搜": "souyisou"}

// publishTypes are getarticletotaldetail's publish_type values: whether
// followers were notified of the item, which drives its delivery rate.
var publishTypes = map[int64]string{0: "notified", 1: "not_notified"}

const sceneAll = "全部"

const secondsPerMinute = 60

func sceneLabel(desc string) string {
	if s, ok := contentScenes[desc]; ok {
		return s
	}
	return sanitize(desc, 32)
}

var (
	pubPostInfoDesc       = newDesc("wechat_published_post_info", "A published item with data served, and whether its followers were notified (getarticletotaldetail publish_type: notified 0, not_notified 1); value 1. Its title is on wechat_article_post_info.", "msgid", "publish_type")
	pubReadUsersDesc      = newDesc("wechat_published_read_users", "Readers of the account's published content (getbizsummary read_user).")
	pubReadUsersSceneDesc = newDesc("wechat_published_read_users_by_scene", "Readers of the account's published content by scene (getbizsummary read_user_source).", "scene")
	pubShareUsersDesc     = newDesc("wechat_published_share_users", "Users who shared the account's published content (getbizsummary share_user).")
	pubZaikanUsersDesc    = newDesc("wechat_published_zaikan_users", "Users who marked content 'zaikan' (在看, the heart) (getbizsummary zaikan_user).")
	pubLikeUsersDesc      = newDesc("wechat_published_like_users", "Users who liked content (thumbs-up) (getbizsummary like_user).")
	pubCommentsDesc       = newDesc("wechat_published_comments", "Comments on the account's content (getbizsummary comment_count).")
	pubCollectionDesc     = newDesc("wechat_published_collection_users", "Users who collected content (getbizsummary collection_user).")
	pubOriginalPageDesc   = newDesc("wechat_published_original_page_users", "Users who opened 'read original' (getbizsummary redirect_ori_page_user).")
	pubPagesSentDesc      = newDesc("wechat_published_pages_sent", "Pages the account sent (getbizsummary send_page_count).")
	pubReadUsersBaseDesc  = newDesc("wechat_published_read_users_baseline", "Median daily readers (getbizsummary read_user) of the days in the week before the served day on which the account sent pages (send_page_count above 0); absent with fewer than 3 such days.")

	pubPostReadUsersDesc      = newDesc("wechat_published_post_read_users", "Readers of one article that day (getarticleread read_user).", "msgid")
	pubPostReadUsersSceneDesc = newDesc("wechat_published_post_read_users_by_scene", "Readers of one article that day by scene (getarticleread read_user_source).", "msgid", "scene")
	pubPostShareUsersDesc     = newDesc("wechat_published_post_share_users", "Users who shared one article that day (getarticleshare share_user).", "msgid")

	pubCumReadUsersDesc      = newDesc("wechat_published_post_cumulative_read_users", "Readers of one article since publication (getarticletotaldetail read_user).", "msgid")
	pubCumReadUsersSceneDesc = newDesc("wechat_published_post_cumulative_read_users_by_scene", "Readers of one article since publication by scene (getarticletotaldetail read_user_source).", "msgid", "scene")
	pubCumShareUsersDesc     = newDesc("wechat_published_post_cumulative_share_users", "Users who shared one article since publication (getarticletotaldetail share_user).", "msgid")
	pubCumZaikanDesc         = newDesc("wechat_published_post_cumulative_zaikan_users", "Users who marked one article 'zaikan' since publication (getarticletotaldetail zaikan_user).", "msgid")
	pubCumLikeDesc           = newDesc("wechat_published_post_cumulative_like_users", "Users who liked one article since publication (getarticletotaldetail like_user).", "msgid")
	pubCumCommentsDesc       = newDesc("wechat_published_post_cumulative_comments", "Comments on one article since publication (getarticletotaldetail comment_count).", "msgid")
	pubCumCollectionDesc     = newDesc("wechat_published_post_cumulative_collection_users", "Users who collected one article since publication (getarticletotaldetail collection_user).", "msgid")
	pubCumPraiseDesc         = newDesc("wechat_published_post_cumulative_praise_yuan", "Tips (赞赏) for one article since publication, in yuan (getarticletotaldetail praise_money, fen converted to yuan).", "msgid")
	pubCumSubscribeDesc      = newDesc("wechat_published_post_cumulative_read_subscriber_users", "Readers of one article who follow the account (getarticletotaldetail read_subscribe_user).", "msgid")
	pubDeliveryRatioDesc     = newDesc("wechat_published_post_read_delivery_ratio", "Share of the followers it was delivered to who read one article, 0..1 (getarticletotaldetail read_delivery_rate).", "msgid")
	pubFinishRatioDesc       = newDesc("wechat_published_post_read_finish_ratio", "Share of the readers who read one article to the end, 0..1 (getarticletotaldetail read_finish_rate).", "msgid")
	pubAvgReadTimeDesc       = newDesc("wechat_published_post_read_average_seconds", "Average time readers spent on one article (getarticletotaldetail read_avg_activetime, minutes converted to seconds).", "msgid")
	pubJumpRatioDesc         = newDesc("wechat_published_post_read_exit_ratio", "Share of the readers who left one article in each fifth of it: position 1 is 0-20%, 5 is 80-100% (getarticletotaldetail read_jump_position).", "msgid", "position")
)

// publishedDayReaders are the readers of each day of the week before the
// served day on which the account sent pages: reads follow publishing, so
// a day without is no measure of the usual.
func publishedDayReaders(ep *served.Endpoint) map[wechat.Date]float64 {
	byDay := map[wechat.Date]float64{}
	for _, r := range ep.Rows {
		row := r.(wechat.BizSummary)
		sent, readers := countOf(row.Detail.SendPageCount), countOf(row.Detail.ReadUser)
		if weekBefore(ep, row.RefDate) && sent.v > 0 && readers.ok {
			byDay[row.RefDate] += readers.v
		}
	}
	return byDay
}

func init() {
	register(wechat.GetBizSummary.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			row := r.(wechat.BizSummary)
			if row.RefDate != ep.Date {
				continue
			}
			d := row.Detail
			m.add(pubReadUsersDesc, d.ReadUser, a.account)
			addScenes(m, pubReadUsersSceneDesc, d.ReadUserSource, a.account)
			m.add(pubShareUsersDesc, d.ShareUser, a.account)
			m.add(pubZaikanUsersDesc, d.ZaikanUser, a.account)
			m.add(pubLikeUsersDesc, d.LikeUser, a.account)
			m.add(pubCommentsDesc, d.CommentCount, a.account)
			m.add(pubCollectionDesc, d.CollectionUser, a.account)
			m.add(pubOriginalPageDesc, d.RedirectOriPageUser, a.account)
			m.add(pubPagesSentDesc, d.SendPageCount, a.account)
		}
		m.put(pubReadUsersBaseDesc, baseline(publishedDayReaders(ep)), a.account)
	}, pubReadUsersDesc, pubReadUsersSceneDesc, pubShareUsersDesc, pubZaikanUsersDesc, pubLikeUsersDesc, pubCommentsDesc,
		pubCollectionDesc, pubOriginalPageDesc, pubPagesSentDesc, pubReadUsersBaseDesc)

	register(wechat.GetArticleRead.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			row := r.(wechat.ArticleRead)
			if !a.posts[string(row.MsgID)] {
				continue
			}
			id := sanitize(string(row.MsgID), maxMsgIDRunes)
			m.add(pubPostReadUsersDesc, row.Detail.ReadUser, a.account, id)
			addScenes(m, pubPostReadUsersSceneDesc, row.Detail.ReadUserSource, a.account, id)
		}
	}, pubPostReadUsersDesc, pubPostReadUsersSceneDesc)

	register(wechat.GetArticleShare.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			row := r.(wechat.ArticleShare)
			if a.posts[string(row.MsgID)] {
				m.add(pubPostShareUsersDesc, row.Detail.ShareUser, a.account, sanitize(string(row.MsgID), maxMsgIDRunes))
			}
		}
	}, pubPostShareUsersDesc)

	register(wechat.GetArticleTotalDetail.Name, collectPublishedTotals, postInfoDesc, pubPostInfoDesc, pubCumReadUsersDesc, pubCumReadUsersSceneDesc,
		pubCumShareUsersDesc, pubCumZaikanDesc, pubCumLikeDesc, pubCumCommentsDesc, pubCumCollectionDesc, pubCumPraiseDesc,
		pubCumSubscribeDesc, pubDeliveryRatioDesc, pubFinishRatioDesc, pubAvgReadTimeDesc, pubJumpRatioDesc)
}

// addScenes adds readers by scene; labels come before the scene.
func addScenes(m *metrics, d *prometheus.Desc, scenes []wechat.SceneUsers, labels ...string) {
	for _, s := range scenes {
		if s.SceneDesc != sceneAll {
			m.add(d, s.UserCount, append(append([]string(nil), labels...), sceneLabel(string(s.SceneDesc)))...)
		}
	}
}

// collectPublishedTotals serves each article published on the served days
// with its totals as they stood on the served day.
func collectPublishedTotals(m *metrics, a *scope, ep *served.Endpoint) {
	for _, r := range ep.Rows {
		row := r.(wechat.PublishedArticle)
		d, ok := row.LatestOn(ep.Date)
		if !ok || !a.posts[string(row.MsgID)] {
			continue
		}
		id := sanitize(string(row.MsgID), maxMsgIDRunes)
		m.info(postInfoDesc, a.account, id, sanitize(string(row.Title), maxTitleRunes))
		if row.PublishType.Known() {
			m.info(pubPostInfoDesc, a.account, id, enumLabel(publishTypes, row.PublishType))
		}
		m.add(pubCumReadUsersDesc, d.ReadUser, a.account, id)
		addScenes(m, pubCumReadUsersSceneDesc, d.ReadUserSource, a.account, id)
		m.add(pubCumShareUsersDesc, d.ShareUser, a.account, id)
		m.add(pubCumZaikanDesc, d.ZaikanUser, a.account, id)
		m.add(pubCumLikeDesc, d.LikeUser, a.account, id)
		m.add(pubCumCommentsDesc, d.CommentCount, a.account, id)
		m.add(pubCumCollectionDesc, d.CollectionUser, a.account, id)
		m.put(pubCumPraiseDesc, yuan(countOf(d.PraiseMoney)), a.account, id)
		m.add(pubCumSubscribeDesc, d.ReadSubscribeUser, a.account, id)
		m.put(pubDeliveryRatioDesc, decimalOf(d.ReadDeliveryRate), a.account, id)
		m.put(pubFinishRatioDesc, decimalOf(d.ReadFinishRate), a.account, id)
		m.put(pubAvgReadTimeDesc, decimalOf(d.ReadAvgActivetime).times(secondsPerMinute), a.account, id)
		for _, j := range d.ReadJumpPosition {
			position, _ := j.Position.Value() // a key: known
			m.put(pubJumpRatioDesc, decimalOf(j.Rate), a.account, id, strconv.FormatInt(position, 10))
		}
	}
}
