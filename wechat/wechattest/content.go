package wechattest

import (
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// The 2025 content endpoints. Yesterday's figures are provisional
// (is_delay: true) until DelayUntil Beijing time, as WeChat marks figures
// it will still revise.

// DelayUntil is the Beijing time of day until which yesterday's content
// figures are provisional.
const DelayUntil = 12 * time.Hour

var scenes = []struct {
	desc   string
	weight float64
}{{"公众号消息", .35}, {"聊天会话", .25}, {"朋友圈", .2}, {"公众号主页", .05}, {"推荐", .07}, {"搜一搜", .05}, {"其他", .03}}

// isDelay reports whether the figures of day d are provisional at now.
func isDelay(d wechat.Date, now time.Time) bool {
	today := wechat.DateOf(now)
	return d == today.AddDays(-1) && now.Before(today.Start().Add(DelayUntil))
}

func sceneUsers(total int64) []wechat.SceneUsers {
	out := []wechat.SceneUsers{{UserCount: total, SceneDesc: "全部"}}
	for _, s := range scenes {
		out = append(out, wechat.SceneUsers{UserCount: int64(float64(total) * s.weight), SceneDesc: s.desc})
	}
	return out
}

// contentRows generates the content endpoints' rows; ok is false for the
// legacy endpoints.
func contentRows(a *Account, ep wechat.Endpoint, d, today wechat.Date) (rows []wechat.Row, ok bool) {
	ref := wechat.Ref{RefDate: d}
	switch ep {
	case wechat.GetBizSummary:
		r := rng(a, ep.Name, int(d))
		read := around(r, float64(a.Scale)/12)
		return []wechat.Row{wechat.BizSummary{Ref: ref, Detail: wechat.BizSummaryDetail{
			Engagement: wechat.Engagement{ReadUser: read, ReadUserSource: sceneUsers(read), ShareUser: around(r, float64(read)/25),
				ZaikanUser: around(r, float64(read)/80), LikeUser: around(r, float64(read)/40), CommentCount: around(r, float64(read)/300),
				CollectionUser: around(r, float64(read)/150)},
			RedirectOriPageUser: around(r, float64(read)/500), SendPageCount: int64(len(posts(a, d)))}}}, true
	case wechat.GetArticleRead, wechat.GetArticleShare:
		for age := 0; age < len(readDecay); age++ {
			for _, p := range posts(a, d.AddDays(-age)) {
				c := dayReads(a, p, age)
				if ep == wechat.GetArticleRead {
					row := wechat.ArticleRead{Ref: ref, MsgID: p.msgID}
					row.Detail.ReadUser, row.Detail.ReadUserSource = c.IntPageReadUser, sceneUsers(c.IntPageReadUser)
					rows = append(rows, row)
				} else {
					row := wechat.ArticleShare{Ref: ref, MsgID: p.msgID}
					row.Detail.ShareUser = c.ShareUser
					rows = append(rows, row)
				}
			}
		}
		return rows, true
	case wechat.GetArticleTotalDetail:
		// Each item is counted over its first 30 days, the statistics
		// period of the documentation; reads after the first week trickle.
		for _, p := range posts(a, d) {
			row := wechat.PublishedArticle{Ref: ref, MsgID: p.msgID, Title: p.title, ContentURL: "https://mp.weixin.qq.com/s/" + p.msgID,
				PublishType: publishType(a, p)}
			var sum wechat.PublishedArticleDetail
			for age := 0; age < ContentPeriod && d.AddDays(age) < today; age++ {
				c := contentReads(a, p, age)
				r := rng(a, p.msgID+"/detail", age)
				sum.StatDate = d.AddDays(age)
				sum.ReadUser += c.IntPageReadUser
				sum.ReadUserSource = sceneUsers(sum.ReadUser)
				sum.ShareUser += c.ShareUser
				sum.ZaikanUser += around(r, float64(c.IntPageReadUser)/80)
				sum.LikeUser += around(r, float64(c.IntPageReadUser)/40)
				sum.CommentCount += around(r, float64(c.IntPageReadUser)/300)
				sum.CollectionUser += c.AddToFavUser
				sum.PraiseMoney += around(r, 500)
				sum.ReadSubscribeUser = sum.ReadUser * 7 / 10
				sum.ReadDeliveryRate = 0.05 + r.Float64()*0.1
				sum.ReadFinishRate = 0.3 + r.Float64()*0.4
				sum.ReadAvgActivetime = 1 + r.Float64()*3
				sum.ReadJumpPosition = jumpPositions
				row.DetailList = append(row.DetailList, sum)
			}
			rows = append(rows, row)
		}
		return rows, true
	}
	return nil, false
}

// publishType is 1 (notifications off) for about one post in
// a.SilentEvery, 0 (followers notified) for the others.
func publishType(a *Account, p post) int64 {
	if a.SilentEvery > 0 && hash(a.AppID, p.msgID+"/silent", 0)%uint64(a.SilentEvery) == 0 {
		return 1
	}
	return 0
}

// ContentPeriod is how many days getarticletotaldetail counts an item.
const ContentPeriod = 30

// contentReads is an article's figures on its age-th day of the content
// statistics period: the legacy week, then a trickle.
func contentReads(a *Account, p post, age int) wechat.ReadCounts {
	if age < len(readDecay) {
		return dayReads(a, p, age)
	}
	r := rng(a, p.msgID+"/late", age)
	return readCounts(r, p.reach*0.004)
}

var jumpPositions = wechat.JumpPositions{{Position: 1, Rate: .3}, {Position: 2, Rate: .2}, {Position: 3, Rate: .15}, {Position: 4, Rate: .1}, {Position: 5, Rate: .25}}
