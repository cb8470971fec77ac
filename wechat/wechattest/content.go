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
	out := []wechat.SceneUsers{{UserCount: cnt(total), SceneDesc: "全部"}}
	for _, s := range scenes {
		out = append(out, wechat.SceneUsers{UserCount: cnt(int64(float64(total) * s.weight)), SceneDesc: wechat.FlexString(s.desc)})
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
			Engagement: wechat.Engagement{ReadUser: cnt(read), ReadUserSource: sceneUsers(read), ShareUser: cnt(around(r, float64(read)/25)),
				ZaikanUser: cnt(around(r, float64(read)/80)), LikeUser: cnt(around(r, float64(read)/40)), CommentCount: cnt(around(r, float64(read)/300)),
				CollectionUser: cnt(around(r, float64(read)/150))},
			RedirectOriPageUser: cnt(around(r, float64(read)/500)), SendPageCount: cnt(int64(len(posts(a, d))))}}}, true
	case wechat.GetArticleRead, wechat.GetArticleShare:
		for age := 0; age < len(readDecay); age++ {
			for _, p := range posts(a, d.AddDays(-age)) {
				c := dayReads(a, p, age)
				if ep == wechat.GetArticleRead {
					row := wechat.ArticleRead{Ref: ref, MsgID: wechat.FlexString(p.msgID)}
					row.Detail.ReadUser, row.Detail.ReadUserSource = c.IntPageReadUser, sceneUsers(val(c.IntPageReadUser))
					rows = append(rows, row)
				} else {
					row := wechat.ArticleShare{Ref: ref, MsgID: wechat.FlexString(p.msgID)}
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
			row := wechat.PublishedArticle{Ref: ref, MsgID: wechat.FlexString(p.msgID), Title: wechat.FlexString(p.title),
				ContentURL: wechat.FlexString("https://mp.weixin.qq.com/s/" + p.msgID), PublishType: wechat.CodeOf(publishType(a, p))}
			var read, share, zaikan, like, comments, collected, praise int64
			for age := 0; age < ContentPeriod && d.AddDays(age) < today; age++ {
				c := contentReads(a, p, age)
				r := rng(a, p.msgID+"/detail", age)
				readers := float64(val(c.IntPageReadUser))
				read += val(c.IntPageReadUser)
				share += val(c.ShareUser)
				zaikan += around(r, readers/80)
				like += around(r, readers/40)
				comments += around(r, readers/300)
				collected += val(c.AddToFavUser)
				praise += around(r, 500)
				row.DetailList = append(row.DetailList, wechat.PublishedArticleDetail{StatDate: d.AddDays(age),
					Engagement: wechat.Engagement{ReadUser: cnt(read), ReadUserSource: sceneUsers(read), ShareUser: cnt(share),
						ZaikanUser: cnt(zaikan), LikeUser: cnt(like), CommentCount: cnt(comments), CollectionUser: cnt(collected)},
					PraiseMoney: cnt(praise), ReadSubscribeUser: cnt(read * 7 / 10),
					ReadDeliveryRate: wechat.DecimalOf(0.05 + r.Float64()*0.1), ReadFinishRate: wechat.DecimalOf(0.3 + r.Float64()*0.4),
					ReadAvgActivetime: wechat.DecimalOf(1 + r.Float64()*3), ReadJumpPosition: jumpPositions})
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

var jumpPositions = func() wechat.JumpPositions {
	var out wechat.JumpPositions
	for i, rate := range []float64{.3, .2, .15, .1, .25} {
		out = append(out, wechat.JumpPosition{Position: wechat.CodeOf(int64(i + 1)), Rate: wechat.DecimalOf(rate)})
	}
	return out
}()
