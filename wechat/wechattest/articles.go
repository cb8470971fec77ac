package wechattest

import (
	"fmt"
	"strings"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Every account mass-sends one to three articles a day. An article is read
// mostly on its first days; getarticlesummary reports each day's figures of
// the articles read that day, getarticletotal the running totals of the
// articles sent on a day, for up to seven days.

// titles are what real accounts publish and what breaks naive exporters:
// quotes, backslashes, newlines, markup, CJK and emoji.
var titles = []string{
	`"双11"特辑：这些优惠别错过`,
	`Ben's "weekly" digest \ No.%d`,
	"第%d期｜运营复盘\n下半年计划",
	`<b>Breaking</b> & 'quoted' news`,
	"🚀 新品发布会 Launch day %d",
	"12月27日 DiLi日报",
}

// readDecay is the share of an article's reads on each day after sending.
var readDecay = [7]float64{.55, .20, .10, .06, .04, .03, .02}

type post struct {
	msgID string
	title string
	reach float64 // readers over the article's life
}

func posts(a *Account, sent wechat.Date) []post {
	if a.PublishEvery > 1 && int(sent)%a.PublishEvery != 0 {
		return nil
	}
	n := 1 + int(hash(a.AppID, "posts", int(sent))%3)
	out := make([]post, n)
	for i := range out {
		h := hash(a.AppID, "post", int(sent)*10+i)
		title := titles[h%uint64(len(titles))]
		if strings.Contains(title, "%d") {
			title = fmt.Sprintf(title, int(sent)%1000+i)
		}
		out[i] = post{
			msgID: fmt.Sprintf("%d_%d", 2247480000+int(sent), i+1),
			title: title,
			reach: float64(a.Scale) / float64(5+i*4) * (0.6 + float64(h%80)/100),
		}
	}
	return out
}

// dayReads is an article's figures on its age-th day (0 = the send day).
func dayReads(a *Account, p post, age int) wechat.ReadCounts {
	r := rng(a, p.msgID, age)
	c := readCounts(r, p.reach*readDecay[age])
	readers := float64(val(c.IntPageReadUser))
	ori := around(r, readers/200)
	c.OriPageReadUser, c.OriPageReadCount = cnt(ori), cnt(ori+around(r, float64(ori)/4))
	fav := around(r, readers/60)
	c.AddToFavUser, c.AddToFavCount = cnt(fav), cnt(fav+around(r, float64(fav)/5))
	return c
}

// articleSummaries lists the articles read on day d: those sent in the
// last seven days that pass WeChat's threshold of activity.
func articleSummaries(a *Account, d wechat.Date) []wechat.Row {
	var rows []wechat.Row
	for age := 0; age < len(readDecay); age++ {
		for _, p := range posts(a, d.AddDays(-age)) {
			c := dayReads(a, p, age)
			if val(c.IntPageReadUser)+val(c.OriPageReadUser)+val(c.ShareUser)+val(c.ShareCount)+val(c.AddToFavCount) < 3 {
				continue
			}
			rows = append(rows, wechat.ArticleSummary{Ref: wechat.Ref{RefDate: d}, MsgID: wechat.FlexString(p.msgID),
				Title: wechat.FlexString(p.title), ReadCounts: c})
		}
	}
	return rows
}

// articleTotals lists the articles sent on day sent with running totals
// for every statistics day up to yesterday, seven at most.
func articleTotals(a *Account, sent, today wechat.Date) []wechat.Row {
	var rows []wechat.Row
	for _, p := range posts(a, sent) {
		row := wechat.ArticleTotal{Ref: wechat.Ref{RefDate: sent}, MsgID: wechat.FlexString(p.msgID), Title: wechat.FlexString(p.title),
			URL: wechat.FlexString("https://mp.weixin.qq.com/s/" + p.msgID)}
		sum := zeroTotals()
		for age := 0; age < len(readDecay) && sent.AddDays(age) < today; age++ {
			c := dayReads(a, p, age)
			addReads(&sum.ReadCounts, c)
			sum.OriPageReadUser = sum.OriPageReadUser.Add(c.OriPageReadUser)
			sum.OriPageReadCount = sum.OriPageReadCount.Add(c.OriPageReadCount)
			sum.AddToFavUser = sum.AddToFavUser.Add(c.AddToFavUser)
			sum.AddToFavCount = sum.AddToFavCount.Add(c.AddToFavCount)
			addSources(&sum, c)
			sum.StatDate = sent.AddDays(age)
			sum.TargetUser = cnt(followers(a, sent))
			row.Details = append(row.Details, sum)
		}
		rows = append(rows, row)
	}
	return rows
}

// addSources splits a day's reads over the channels and adds them up.
func addSources(d *wechat.ArticleTotalDetail, c wechat.ReadCounts) {
	add := func(u, n *wechat.Count, f float64) {
		*u = u.Add(cnt(int64(float64(val(c.IntPageReadUser)) * f)))
		*n = n.Add(cnt(int64(float64(val(c.IntPageReadCount)) * f)))
	}
	add(&d.IntPageFromSessionReadUser, &d.IntPageFromSessionReadCount, .45)
	add(&d.IntPageFromHistMsgReadUser, &d.IntPageFromHistMsgReadCount, .05)
	add(&d.IntPageFromFeedReadUser, &d.IntPageFromFeedReadCount, .25)
	add(&d.IntPageFromFriendsReadUser, &d.IntPageFromFriendsReadCount, .12)
	add(&d.IntPageFromOtherReadUser, &d.IntPageFromOtherReadCount, .03)
	add(&d.IntPageFromKanyikanReadUser, &d.IntPageFromKanyikanReadCount, .04)
	add(&d.IntPageFromSouyisouReadUser, &d.IntPageFromSouyisouReadCount, .06)
	add(&d.FeedShareFromSessionUser, &d.FeedShareFromSessionCnt, .01)
	add(&d.FeedShareFromFeedUser, &d.FeedShareFromFeedCnt, .005)
	add(&d.FeedShareFromOtherUser, &d.FeedShareFromOtherCnt, .001)
}

// zeroTotals is an article's totals before its first day: every figure
// known to be 0.
func zeroTotals() wechat.ArticleTotalDetail {
	z := cnt(0)
	return wechat.ArticleTotalDetail{TargetUser: z, ReadCounts: zeroReads(),
		IntPageFromSessionReadUser: z, IntPageFromSessionReadCount: z, IntPageFromHistMsgReadUser: z, IntPageFromHistMsgReadCount: z,
		IntPageFromFeedReadUser: z, IntPageFromFeedReadCount: z, IntPageFromFriendsReadUser: z, IntPageFromFriendsReadCount: z,
		IntPageFromOtherReadUser: z, IntPageFromOtherReadCount: z, IntPageFromKanyikanReadUser: z, IntPageFromKanyikanReadCount: z,
		IntPageFromSouyisouReadUser: z, IntPageFromSouyisouReadCount: z, FeedShareFromSessionUser: z, FeedShareFromSessionCnt: z,
		FeedShareFromFeedUser: z, FeedShareFromFeedCnt: z, FeedShareFromOtherUser: z, FeedShareFromOtherCnt: z}
}
