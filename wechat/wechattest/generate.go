package wechattest

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// The generated data is deterministic: every figure comes from a random
// source seeded by the account, the endpoint and the date, so the same
// request always gets the same answer, across processes too.

func hash(a, b string, n int) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%d", a, b, n)
	return h.Sum64()
}

func rng(a *Account, what string, n int) *rand.Rand {
	h := hash(a.AppID, what, n)
	return rand.New(rand.NewPCG(h, h^0x9e3779b97f4a7c15))
}

// around returns base scaled by a random factor in [0.7, 1.3).
func around(r *rand.Rand, base float64) int64 {
	return int64(base * (0.7 + 0.6*r.Float64()))
}

type share struct {
	key    int64
	weight float64
}

// Enumerations as WeChat sends them, each with one value the documentation
// does not list (43, 8, 5), which the exporter must pass through.
var (
	followSources = []share{{0, .30}, {1, .20}, {17, .05}, {30, .22}, {57, .08}, {100, .05}, {149, .03}, {161, .02}, {200, .02}, {201, .01}, {43, .02}}
	readSources   = []share{{0, .40}, {1, .18}, {2, .20}, {4, .05}, {5, .05}, {6, .04}, {7, .07}, {8, .01}}
	shareScenes   = []share{{1, .70}, {2, .25}, {255, .04}, {5, .01}}
	msgTypes      = []share{{1, .70}, {2, .15}, {3, .08}, {4, .04}, {6, .03}}
	countBuckets  = []share{{0, .05}, {1, .80}, {2, .10}, {3, .05}}
	// hourWeights is the shape of a day, summing to about 1.
	hourWeights = [24]float64{.010, .006, .004, .003, .003, .006, .015, .035, .055, .060, .055, .050,
		.060, .055, .050, .048, .050, .055, .060, .070, .080, .085, .070, .035}
)

func generate(a *Account, ep wechat.Endpoint, d, today wechat.Date) []wechat.Row {
	if rows, ok := contentRows(a, ep, d, today); ok {
		return rows
	}
	r := rng(a, ep.Name, int(d))
	ref := wechat.Ref{RefDate: d}
	scale := float64(a.Scale)
	if quiet := int(d) % 7; a.QuietWeek && quiet >= 3 && (ep == wechat.GetUserSummary || ep == wechat.GetUpstreamMsg) {
		if quiet == 3 && ep == wechat.GetUserSummary {
			return []wechat.Row{wechat.UserSummary{Ref: ref, UserSource: wechat.CodeOf(0), NewUser: cnt(0), CancelUser: cnt(0)}}
		}
		return nil
	}
	switch ep {
	case wechat.GetUserSummary:
		unfollows := scale / 900
		if d == a.UnfollowSpike {
			unfollows *= 10
		}
		var rows []wechat.Row
		for _, src := range followSources {
			rows = append(rows, wechat.UserSummary{Ref: ref, UserSource: wechat.CodeOf(src.key),
				NewUser: cnt(around(r, scale/300*src.weight)), CancelUser: cnt(around(r, unfollows*src.weight))})
		}
		return rows
	case wechat.GetUserCumulate:
		return []wechat.Row{wechat.UserCumulate{Ref: ref, CumulateUser: cnt(followers(a, d))}}
	case wechat.GetArticleSummary:
		return articleSummaries(a, d)
	case wechat.GetArticleTotal:
		return articleTotals(a, d, today)
	case wechat.GetUserRead:
		return userRead(r, ref, scale/12)
	case wechat.GetUserReadHour:
		return userReadHour(r, ref, scale/12)
	case wechat.GetUserShare:
		var rows []wechat.Row
		for _, sc := range shareScenes {
			u := around(r, scale/150*sc.weight)
			rows = append(rows, wechat.UserShare{Ref: ref, ShareScene: wechat.CodeOf(sc.key), ShareUser: cnt(u), ShareCount: cnt(u + around(r, float64(u)/3))})
		}
		return rows
	case wechat.GetUserShareHour:
		var rows []wechat.Row
		for h, w := range hourWeights {
			for _, sc := range shareScenes[:2] {
				u := around(r, scale/150*sc.weight*w)
				rows = append(rows, wechat.UserShareHour{Ref: ref, Hourly: hourOf(h),
					ShareScene: wechat.CodeOf(sc.key), ShareUser: cnt(u), ShareCount: cnt(u + around(r, float64(u)/3))})
			}
		}
		return rows
	case wechat.GetUpstreamMsg:
		return upstream(r, ref, scale/150)
	case wechat.GetUpstreamMsgWeek:
		return upstream(r, ref, scale/150*5)
	case wechat.GetUpstreamMsgMonth:
		return upstream(r, ref, scale/150*18)
	case wechat.GetUpstreamMsgHour:
		var rows []wechat.Row
		for h, w := range hourWeights {
			for _, t := range msgTypes[:2] {
				u := around(r, scale/150*t.weight*w)
				rows = append(rows, wechat.UpstreamMsgHour{Ref: ref, Hourly: hourOf(h),
					MsgType: wechat.CodeOf(t.key), MsgUser: cnt(u), MsgCount: cnt(u + around(r, float64(u)))})
			}
		}
		return rows
	case wechat.GetUpstreamMsgDist:
		return distribution(r, ref, scale/150)
	case wechat.GetUpstreamMsgDistWeek:
		return distribution(r, ref, scale/150*5)
	case wechat.GetUpstreamMsgDistMonth:
		return distribution(r, ref, scale/150*18)
	case wechat.GetInterfaceSummary:
		return []wechat.Row{interfaceDay(a, d)}
	case wechat.GetInterfaceSummaryHour:
		return interfaceHours(a, d)
	}
	return nil
}

// followers grows slowly and steadily from the account's scale.
func followers(a *Account, d wechat.Date) int64 {
	days := int64(d - wechat.EarliestDate)
	return a.Scale + days*a.Scale/4000 + int64(hash(a.AppID, "followers", int(d))%100)
}

func readCounts(r *rand.Rand, users float64) wechat.ReadCounts {
	u := around(r, users)
	c := zeroReads() // the original page and favourites: 0 but on the all-channels row
	c.IntPageReadUser, c.IntPageReadCount = cnt(u), cnt(u+around(r, float64(u)*0.4))
	c.ShareUser, c.ShareCount = cnt(around(r, float64(u)/25)), cnt(around(r, float64(u)/20))
	return c
}

// userRead gives the 2020 shape: one row per channel, and the
// all-channels row (99999999) that alone carries ori_page and favourites.
func userRead(r *rand.Rand, ref wechat.Ref, users float64) []wechat.Row {
	all := wechat.UserRead{Ref: ref, UserSource: wechat.CodeOf(wechat.ReadSourceAll), ReadCounts: zeroReads()}
	rows := []wechat.Row{nil}
	for _, src := range readSources {
		c := readCounts(r, users*src.weight)
		addReads(&all.ReadCounts, c)
		rows = append(rows, wechat.UserRead{Ref: ref, UserSource: wechat.CodeOf(src.key), ReadCounts: c})
	}
	ori := around(r, users/500)
	all.OriPageReadUser, all.OriPageReadCount = cnt(ori), cnt(ori+around(r, users/2000))
	fav := around(r, users/150)
	all.AddToFavUser, all.AddToFavCount = cnt(fav), cnt(fav+around(r, users/1000))
	rows[0] = all
	return rows
}

func userReadHour(r *rand.Rand, ref wechat.Ref, users float64) []wechat.Row {
	var rows []wechat.Row
	for h, w := range hourWeights {
		hour := hourOf(h)
		all := wechat.UserReadHour{Ref: ref, Hourly: hour, UserSource: wechat.CodeOf(wechat.ReadSourceAll), ReadCounts: zeroReads()}
		var parts []wechat.Row
		for _, src := range readSources[:3] {
			c := readCounts(r, users*w*src.weight)
			addReads(&all.ReadCounts, c)
			parts = append(parts, wechat.UserReadHour{Ref: ref, Hourly: hour, UserSource: wechat.CodeOf(src.key), ReadCounts: c})
		}
		rows = append(append(rows, all), parts...)
	}
	return rows
}

func addReads(sum *wechat.ReadCounts, c wechat.ReadCounts) {
	sum.IntPageReadUser = sum.IntPageReadUser.Add(c.IntPageReadUser)
	sum.IntPageReadCount = sum.IntPageReadCount.Add(c.IntPageReadCount)
	sum.ShareUser = sum.ShareUser.Add(c.ShareUser)
	sum.ShareCount = sum.ShareCount.Add(c.ShareCount)
}

// zeroReads are every read figure, known to be 0: where sums start.
func zeroReads() wechat.ReadCounts {
	z := cnt(0)
	return wechat.ReadCounts{IntPageReadUser: z, IntPageReadCount: z, OriPageReadUser: z, OriPageReadCount: z,
		ShareUser: z, ShareCount: z, AddToFavUser: z, AddToFavCount: z}
}

// cnt, val and hourOf write figures as WeChat has them.
func cnt(v int64) wechat.Count { return wechat.CountOf(v) }

func val(c wechat.Count) int64 { return c.Or(0) }

func hourOf(h int) wechat.Hourly { return wechat.Hourly{RefHour: wechat.CodeOf(int64(h * 100))} }

func upstream(r *rand.Rand, ref wechat.Ref, users float64) []wechat.Row {
	var rows []wechat.Row
	for _, t := range msgTypes {
		u := around(r, users*t.weight)
		rows = append(rows, wechat.UpstreamMsg{Ref: ref, MsgType: wechat.CodeOf(t.key), MsgUser: cnt(u), MsgCount: cnt(u + around(r, float64(u)*1.5))})
	}
	return rows
}

func distribution(r *rand.Rand, ref wechat.Ref, users float64) []wechat.Row {
	var rows []wechat.Row
	for _, b := range countBuckets {
		rows = append(rows, wechat.UpstreamMsgDist{Ref: ref, CountInterval: wechat.CodeOf(b.key), MsgUser: cnt(around(r, users*b.weight))})
	}
	return rows
}

// Callback server health: a small failure rate, except on the account's
// FailureSpike day, when about a third of the callbacks fail, mostly in
// the morning.
const (
	baseFailRate  = 0.002
	spikeFailRate = 0.35
)

func interfaceHours(a *Account, d wechat.Date) []wechat.Row {
	r := rng(a, "interface", int(d))
	calls := float64(a.Scale) / 25
	rows := make([]wechat.Row, 0, 24)
	for h, w := range hourWeights {
		c := around(r, calls*w) + 1
		rate := baseFailRate
		if d == a.FailureSpike && h >= 8 && h < 14 {
			rate = spikeFailRate * 2
		}
		rows = append(rows, wechat.InterfaceSummaryHour{
			Ref: wechat.Ref{RefDate: d}, Hourly: hourOf(h),
			CallbackCount: cnt(c), FailCount: cnt(int64(float64(c) * rate * (0.5 + r.Float64()))),
			TotalTimeCost: cnt(c * (120 + r.Int64N(200))), MaxTimeCost: cnt(800 + r.Int64N(4200)),
		})
	}
	return rows
}

// interfaceDay is the sum of the hours, as WeChat's figures are.
func interfaceDay(a *Account, d wechat.Date) wechat.Row {
	var calls, fails, total, longest int64
	for _, row := range interfaceHours(a, d) {
		h := row.(wechat.InterfaceSummaryHour)
		calls += val(h.CallbackCount)
		fails += val(h.FailCount)
		total += val(h.TotalTimeCost)
		longest = max(longest, val(h.MaxTimeCost))
	}
	return wechat.InterfaceSummary{Ref: wechat.Ref{RefDate: d}, CallbackCount: cnt(calls), FailCount: cnt(fails),
		TotalTimeCost: cnt(total), MaxTimeCost: cnt(longest)}
}
