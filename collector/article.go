package collector

import (
	"sort"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Article analysis. "page" is "article" for the article page (WeChat's
// int_page) and "original" for the "read original" page (ori_page).

const (
	pageArticle  = "article"
	pageOriginal = "original"
)

var (
	readsDesc         = newDesc("wechat_article_reads", "Article reads, all channels (getuserread int_page/ori_page_read_count of the all-sources row).", "page")
	readUsersDesc     = newDesc("wechat_article_read_users", "Article readers, all channels (getuserread int_page/ori_page_read_user of the all-sources row).", "page")
	readsBySrcDesc    = newDesc("wechat_article_reads_by_source", "Article page reads by reading channel (getuserread int_page_read_count).", "source")
	readUsersSrcDesc  = newDesc("wechat_article_read_users_by_source", "Article page readers by reading channel (getuserread int_page_read_user).", "source")
	sharesBySrcDesc   = newDesc("wechat_article_shares_by_source", "Article shares by reading channel (getuserread share_count).", "source")
	shareUsersSrcDesc = newDesc("wechat_article_share_users_by_source", "Users who shared articles, by reading channel (getuserread share_user).", "source")
	sharesDesc        = newDesc("wechat_article_shares", "Article shares, all channels (getuserread share_count).")
	shareUsersDesc    = newDesc("wechat_article_share_users", "Users who shared articles (getuserread share_user).")
	favoritesDesc     = newDesc("wechat_article_favorites", "Articles added to favourites (getuserread add_to_fav_count).")
	favoriteUsersDesc = newDesc("wechat_article_favorite_users", "Users who added articles to favourites (getuserread add_to_fav_user).")

	// The hourly figures have no original-page reads or favourites: WeChat
	// gives those only daily, as the all-channels total of getuserread
	// (getuserreadhour's ori_page_* and add_to_fav_* are always 0).
	hourlyReadsDesc     = newDesc("wechat_article_hourly_reads", "Article page reads in each hour of the day, all channels (getuserreadhour int_page_read_count); page is always article: WeChat gives original-page reads only daily.", "page", "hour")
	hourlyReadUsersDesc = newDesc("wechat_article_hourly_read_users", "Article page readers in each hour of the day, all channels (getuserreadhour int_page_read_user); page is always article.", "page", "hour")
	hourlySharesAllDesc = newDesc("wechat_article_hourly_shares", "Article shares in each hour of the day, all channels (getuserreadhour share_count).", "hour")
	hourlyShareUsersAll = newDesc("wechat_article_hourly_share_users", "Users who shared articles in each hour, all channels (getuserreadhour share_user).", "hour")
	hourlyReadsSrcDesc  = newDesc("wechat_article_hourly_reads_by_source", "Article page reads in each hour by reading channel (getuserreadhour int_page_read_count).", "source", "hour")
	hourlyReadUsersSrc  = newDesc("wechat_article_hourly_read_users_by_source", "Article page readers in each hour by reading channel (getuserreadhour int_page_read_user).", "source", "hour")
	hourlySharesSrcDesc = newDesc("wechat_article_hourly_shares_by_source", "Article shares in each hour by reading channel (getuserreadhour share_count).", "source", "hour")
	hourlyShareUsersSrc = newDesc("wechat_article_hourly_share_users_by_source", "Users who shared articles in each hour, by reading channel (getuserreadhour share_user).", "source", "hour")

	sharesBySceneDesc     = newDesc("wechat_article_shares_by_scene", "Article shares by share scene (getusershare share_count).", "scene")
	shareUsersBySceneDesc = newDesc("wechat_article_share_users_by_scene", "Users who shared articles, by share scene (getusershare share_user).", "scene")
	hourlySharesDesc      = newDesc("wechat_article_hourly_shares_by_scene", "Article shares in each hour of the day by scene (getusersharehour share_count).", "scene", "hour")
	hourlyShareUsersDesc  = newDesc("wechat_article_hourly_share_users_by_scene", "Users who shared articles in each hour of the day, by scene (getusersharehour share_user).", "scene", "hour")

	postInfoDesc        = newDesc("wechat_article_post_info", "A mass-sent article with data served; value 1 (getarticlesummary, getarticletotal).", "msgid", "title")
	postReadsDesc       = newDesc("wechat_article_post_reads", "Reads of one article that day (getarticlesummary int_page/ori_page_read_count).", "msgid", "page")
	postReadUsersDesc   = newDesc("wechat_article_post_read_users", "Readers of one article that day (getarticlesummary int_page/ori_page_read_user).", "msgid", "page")
	postSharesDesc      = newDesc("wechat_article_post_shares", "Shares of one article that day (getarticlesummary share_count).", "msgid")
	postShareUsersDesc  = newDesc("wechat_article_post_share_users", "Users who shared one article that day (getarticlesummary share_user).", "msgid")
	postFavoritesDesc   = newDesc("wechat_article_post_favorites", "Favourites of one article that day (getarticlesummary add_to_fav_count).", "msgid")
	postFavUsersDesc    = newDesc("wechat_article_post_favorite_users", "Users who added one article to favourites that day (getarticlesummary add_to_fav_user).", "msgid")
	postTargetUsersDesc = newDesc("wechat_article_post_target_users", "Users one mass-sent article was delivered to (getarticletotal target_user).", "msgid")

	// Totals since sending, at the latest statistics day (getarticletotal).
	postCumReadsDesc        = newDesc("wechat_article_post_cumulative_reads", "Reads of one article since it was sent (getarticletotal int_page/ori_page_read_count).", "msgid", "page")
	postCumReadUsersDesc    = newDesc("wechat_article_post_cumulative_read_users", "Readers of one article since it was sent (getarticletotal int_page/ori_page_read_user).", "msgid", "page")
	postCumSharesDesc       = newDesc("wechat_article_post_cumulative_shares", "Shares of one article since it was sent (getarticletotal share_count).", "msgid")
	postCumShareUsersDesc   = newDesc("wechat_article_post_cumulative_share_users", "Users who shared one article since it was sent (getarticletotal share_user).", "msgid")
	postCumFavoritesDesc    = newDesc("wechat_article_post_cumulative_favorites", "Favourites of one article since it was sent (getarticletotal add_to_fav_count).", "msgid")
	postCumFavUsersDesc     = newDesc("wechat_article_post_cumulative_favorite_users", "Users who added one article to favourites since it was sent (getarticletotal add_to_fav_user).", "msgid")
	postCumReadsSrcDesc     = newDesc("wechat_article_post_cumulative_reads_by_source", "Article page reads of one article since it was sent, by channel (getarticletotal int_page_from_*_read_count).", "msgid", "source")
	postCumReadUsersSrcDesc = newDesc("wechat_article_post_cumulative_read_users_by_source", "Article page readers of one article since it was sent, by channel (getarticletotal int_page_from_*_read_user).", "msgid", "source")
	postCumMomentSharesDesc = newDesc("wechat_article_post_cumulative_moments_shares", "Shares of one article to Moments since it was sent, by where the sharer read it (getarticletotal feed_share_from_*_cnt).", "msgid", "source")
	postCumMomentShareUsers = newDesc("wechat_article_post_cumulative_moments_share_users", "Users who shared one article to Moments since it was sent, by where they read it (getarticletotal feed_share_from_*_user).", "msgid", "source")
)

func init() {
	register(wechat.GetUserRead.Name, collectUserRead,
		readsDesc, readUsersDesc, readsBySrcDesc, readUsersSrcDesc, sharesBySrcDesc, shareUsersSrcDesc,
		sharesDesc, shareUsersDesc, favoritesDesc, favoriteUsersDesc)
	register(wechat.GetUserReadHour.Name, collectUserReadHour, hourlyReadsDesc, hourlyReadUsersDesc,
		hourlySharesAllDesc, hourlyShareUsersAll, hourlyReadsSrcDesc, hourlyReadUsersSrc, hourlySharesSrcDesc, hourlyShareUsersSrc)
	register(wechat.GetUserShare.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			row := r.(wechat.UserShare)
			scene := enumLabel(shareScenes, row.ShareScene)
			m.add(sharesBySceneDesc, row.ShareCount, a.account, scene)
			m.add(shareUsersBySceneDesc, row.ShareUser, a.account, scene)
		}
	}, sharesBySceneDesc, shareUsersBySceneDesc)
	register(wechat.GetUserShareHour.Name, func(m *metrics, a *scope, ep *served.Endpoint) {
		for _, r := range ep.Rows {
			row := r.(wechat.UserShareHour)
			scene, hour := enumLabel(shareScenes, row.ShareScene), hourLabel(row.Hourly)
			m.add(hourlySharesDesc, row.ShareCount, a.account, scene, hour)
			m.add(hourlyShareUsersDesc, row.ShareUser, a.account, scene, hour)
		}
	}, hourlySharesDesc, hourlyShareUsersDesc)
	register(wechat.GetArticleSummary.Name, collectArticleSummary,
		postInfoDesc, postReadsDesc, postReadUsersDesc, postSharesDesc, postShareUsersDesc, postFavoritesDesc, postFavUsersDesc)
	register(wechat.GetArticleTotal.Name, collectArticleTotal, postInfoDesc, postTargetUsersDesc,
		postCumReadsDesc, postCumReadUsersDesc, postCumSharesDesc, postCumShareUsersDesc, postCumFavoritesDesc, postCumFavUsersDesc,
		postCumReadsSrcDesc, postCumReadUsersSrcDesc, postCumMomentSharesDesc, postCumMomentShareUsers)
}

// collectUserRead serves the all-sources row (user_source 99999999, or the
// one row of answers from before 2020) as totals, and the other rows by
// channel. Since 2020 only the all-sources row carries ori_page and
// favourites.
func collectUserRead(m *metrics, a *scope, ep *served.Endpoint) {
	for _, r := range ep.Rows {
		row := r.(wechat.UserRead)
		if !row.IsAllSources() {
			src := enumLabel(readSources, row.UserSource)
			m.add(readsBySrcDesc, row.IntPageReadCount, a.account, src)
			m.add(readUsersSrcDesc, row.IntPageReadUser, a.account, src)
			m.add(sharesBySrcDesc, row.ShareCount, a.account, src)
			m.add(shareUsersSrcDesc, row.ShareUser, a.account, src)
			continue
		}
		addPages(m, readsDesc, readUsersDesc, row.ReadCounts, func(page string) []string { return []string{a.account, page} })
		m.add(sharesDesc, row.ShareCount, a.account)
		m.add(shareUsersDesc, row.ShareUser, a.account)
		m.add(favoritesDesc, row.AddToFavCount, a.account)
		m.add(favoriteUsersDesc, row.AddToFavUser, a.account)
	}
}

func collectUserReadHour(m *metrics, a *scope, ep *served.Endpoint) {
	for _, r := range ep.Rows {
		row := r.(wechat.UserReadHour)
		hour := hourLabel(row.Hourly)
		if !row.IsAllSources() {
			src := enumLabel(readSources, row.UserSource)
			m.add(hourlyReadsSrcDesc, row.IntPageReadCount, a.account, src, hour)
			m.add(hourlyReadUsersSrc, row.IntPageReadUser, a.account, src, hour)
			m.add(hourlySharesSrcDesc, row.ShareCount, a.account, src, hour)
			m.add(hourlyShareUsersSrc, row.ShareUser, a.account, src, hour)
			continue
		}
		m.add(hourlyReadsDesc, row.IntPageReadCount, a.account, pageArticle, hour)
		m.add(hourlyReadUsersDesc, row.IntPageReadUser, a.account, pageArticle, hour)
		m.add(hourlySharesAllDesc, row.ShareCount, a.account, hour)
		m.add(hourlyShareUsersAll, row.ShareUser, a.account, hour)
	}
}

// addPages adds the article-page and original-page figures; labels gives
// the full label values for a page.
func addPages(m *metrics, reads, users *prometheus.Desc, c wechat.ReadCounts, labels func(page string) []string) {
	m.add(reads, c.IntPageReadCount, labels(pageArticle)...)
	m.add(users, c.IntPageReadUser, labels(pageArticle)...)
	m.add(reads, c.OriPageReadCount, labels(pageOriginal)...)
	m.add(users, c.OriPageReadUser, labels(pageOriginal)...)
}

func collectArticleSummary(m *metrics, a *scope, ep *served.Endpoint) {
	for _, r := range ep.Rows {
		row := r.(wechat.ArticleSummary)
		if !a.posts[string(row.MsgID)] {
			continue
		}
		id := sanitize(string(row.MsgID), maxMsgIDRunes)
		m.info(postInfoDesc, a.account, id, sanitize(string(row.Title), maxTitleRunes))
		addPages(m, postReadsDesc, postReadUsersDesc, row.ReadCounts, func(page string) []string { return []string{a.account, id, page} })
		m.add(postSharesDesc, row.ShareCount, a.account, id)
		m.add(postShareUsersDesc, row.ShareUser, a.account, id)
		m.add(postFavoritesDesc, row.AddToFavCount, a.account, id)
		m.add(postFavUsersDesc, row.AddToFavUser, a.account, id)
	}
}

// collectArticleTotal serves, for each article sent on the served days,
// the totals of its latest statistics day.
func collectArticleTotal(m *metrics, a *scope, ep *served.Endpoint) {
	for _, r := range ep.Rows {
		row := r.(wechat.ArticleTotal)
		d, ok := row.LatestOn(ep.Date) // a replayed past day must not see later totals
		if !ok || !a.posts[string(row.MsgID)] {
			continue
		}
		id := sanitize(string(row.MsgID), maxMsgIDRunes)
		m.info(postInfoDesc, a.account, id, sanitize(string(row.Title), maxTitleRunes))
		m.add(postTargetUsersDesc, d.TargetUser, a.account, id)
		addPages(m, postCumReadsDesc, postCumReadUsersDesc, d.ReadCounts, func(page string) []string { return []string{a.account, id, page} })
		m.add(postCumSharesDesc, d.ShareCount, a.account, id)
		m.add(postCumShareUsersDesc, d.ShareUser, a.account, id)
		m.add(postCumFavoritesDesc, d.AddToFavCount, a.account, id)
		m.add(postCumFavUsersDesc, d.AddToFavUser, a.account, id)
		for _, s := range postReadSources(d) {
			m.add(postCumReadsSrcDesc, s.count, a.account, id, s.source)
			m.add(postCumReadUsersSrcDesc, s.users, a.account, id, s.source)
		}
		for _, s := range postMomentShareSources(d) {
			m.add(postCumMomentSharesDesc, s.count, a.account, id, s.source)
			m.add(postCumMomentShareUsers, s.users, a.account, id, s.source)
		}
	}
}

// sourceFigures are an article's users and count from one channel.
type sourceFigures struct {
	source       string
	users, count wechat.Count
}

// postReadSources are getarticletotal's int_page_from_* fields by read
// source, with the label values of getuserread's user_source.
func postReadSources(d wechat.ArticleTotalDetail) []sourceFigures {
	return []sourceFigures{
		{"session", d.IntPageFromSessionReadUser, d.IntPageFromSessionReadCount},
		{"history", d.IntPageFromHistMsgReadUser, d.IntPageFromHistMsgReadCount},
		{"moments", d.IntPageFromFeedReadUser, d.IntPageFromFeedReadCount},
		{"friends", d.IntPageFromFriendsReadUser, d.IntPageFromFriendsReadCount},
		{"other", d.IntPageFromOtherReadUser, d.IntPageFromOtherReadCount},
		{"kanyikan", d.IntPageFromKanyikanReadUser, d.IntPageFromKanyikanReadCount},
		{"souyisou", d.IntPageFromSouyisouReadUser, d.IntPageFromSouyisouReadCount},
	}
}

// postMomentShareSources are getarticletotal's feed_share_from_* fields:
// shares to Moments by where the article was read.
func postMomentShareSources(d wechat.ArticleTotalDetail) []sourceFigures {
	return []sourceFigures{
		{"session", d.FeedShareFromSessionUser, d.FeedShareFromSessionCnt},
		{"moments", d.FeedShareFromFeedUser, d.FeedShareFromFeedCnt},
		{"other", d.FeedShareFromOtherUser, d.FeedShareFromOtherCnt},
	}
}

// selectPosts picks the articles whose per-post series are served: at most
// max, those with the most reads (that day's, or since sending for
// articles only getarticletotal knows), ties broken by msgid so the choice
// is stable between scrapes.
func selectPosts(acc *served.Account, max int) map[string]bool {
	reads := map[string]int64{}
	// note ranks a post by a figure, 0 when not known: known, if only
	// from its shares.
	note := func(msgid wechat.FlexString, c wechat.Count) {
		id := string(msgid)
		reads[id] = maxInt(reads[id], c.Or(0))
	}
	if ep := acc.Endpoints[wechat.GetArticleSummary.Name]; ep != nil {
		for _, r := range ep.Rows {
			row := r.(wechat.ArticleSummary)
			note(row.MsgID, row.IntPageReadCount)
		}
	}
	if ep := acc.Endpoints[wechat.GetArticleTotal.Name]; ep != nil {
		for _, r := range ep.Rows {
			row := r.(wechat.ArticleTotal)
			if d, ok := row.LatestOn(ep.Date); ok {
				note(row.MsgID, d.IntPageReadCount)
			}
		}
	}
	if ep := acc.Endpoints[wechat.GetArticleRead.Name]; ep != nil {
		for _, r := range ep.Rows {
			row := r.(wechat.ArticleRead)
			note(row.MsgID, row.Detail.ReadUser)
		}
	}
	if ep := acc.Endpoints[wechat.GetArticleShare.Name]; ep != nil {
		for _, r := range ep.Rows {
			note(r.(wechat.ArticleShare).MsgID, wechat.Count{})
		}
	}
	if ep := acc.Endpoints[wechat.GetArticleTotalDetail.Name]; ep != nil {
		for _, r := range ep.Rows {
			row := r.(wechat.PublishedArticle)
			if d, ok := row.LatestOn(ep.Date); ok {
				note(row.MsgID, d.ReadUser)
			}
		}
	}
	ids := make([]string, 0, len(reads))
	for id := range reads {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if reads[ids[i]] != reads[ids[j]] {
			return reads[ids[i]] > reads[ids[j]]
		}
		return ids[i] < ids[j]
	})
	if max >= 0 && len(ids) > max {
		ids = ids[:max]
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
