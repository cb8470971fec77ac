package wechattest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// The ad analysis of publisher accounts (流量主), GET /publisher/stat:
// errors in base_resp.ret (token errors as the usual errcode), paged
// lists, amounts in fen. The settlement's half-month periods are the sums
// of the generated daily ad income, so the figures agree with each other.

// publisherMsgs are the texts of the base_resp codes the fake answers with.
var publisherMsgs = map[int64]string{
	wechat.CodeNotPublisher:  "not a publisher",
	wechat.CodeInvalidAction: "invalid action",
	wechat.CodeBadParams:     "invalid params",
	wechat.CodeAdTooFrequent: "请求过于频繁, 请稍后尝试",
}

// writeRet answers with a base_resp error, as the publisher API does.
func writeRet(w http.ResponseWriter, ret int64) {
	msg := publisherMsgs[ret]
	if msg == "" {
		msg = "error"
	}
	writeJSON(w, map[string]any{"base_resp": map[string]any{"err_msg": msg, "ret": ret}})
}

// writeTopRet answers a publisher error as real servers do: ret at the
// top level, no base_resp.
func writeTopRet(w http.ResponseWriter, ret int64) {
	msg := publisherMsgs[ret]
	if msg == "" {
		msg = "error"
	}
	writeJSON(w, map[string]any{"ret": ret, "err_msg": msg})
}

// adSlots are the ad slots of a generated publisher account, with their
// share of the ad requests.
var adSlots = []struct {
	name   string
	id     int64
	weight float64
}{
	{"SLOT_ID_BIZ_BOTTOM", 3030046789020061, .55},
	{"SLOT_ID_BIZ_MID_CONTEXT", 3030046789020062, .35},
	{"SLOT_ID_BIZ_VIDEO_END", 3030046789020063, .10},
}

// publisher answers GET /publisher/stat after WeChat's checks: method,
// token, publisher, action, paging, dates.
func (s *Server) publisher(w http.ResponseWriter, r *http.Request, action string) {
	if r.Method != http.MethodGet {
		s.writeErr(w, 43001)
		return
	}
	a, now, code := s.authorize(r)
	if code != 0 {
		s.writeErr(w, code)
		return
	}
	ep, ok := wechat.EndpointByName(action)
	if !ok || !ep.Publisher {
		writeRet(w, wechat.CodeInvalidAction)
		return
	}
	if !a.Publisher {
		writeRet(w, wechat.CodeNotPublisher)
		return
	}
	q := r.URL.Query()
	page, err1 := strconv.Atoi(q.Get("page"))
	size, err2 := strconv.Atoi(q.Get("page_size"))
	start, err3 := wechat.ParseDate(q.Get("start_date"))
	end, err4 := wechat.ParseDate(q.Get("end_date"))
	today := wechat.Today(now)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || page < 1 || size < 1 || size > wechat.PublisherPageSize ||
		start > end || end >= today || start < ep.FirstDate() || (ep.Period == wechat.Daily && int(end-start) >= ep.MaxSpan) {
		writeRet(w, wechat.CodeBadParams)
		return
	}
	answer := map[string]any{"base_resp": map[string]any{"err_msg": "ok", "ret": 0}}
	var list []any
	switch ep {
	case wechat.PublisherAdPosGeneral:
		for d := start; d <= end; d++ {
			for _, row := range adPositions(a, d) {
				list = append(list, row)
			}
		}
		answer["summary"] = adSummary(a, start, end)
	case wechat.PublisherCPSGeneral:
		for d := start; d <= end; d++ {
			list = append(list, cpsDay(a, d))
		}
	case wechat.PublisherSettlement:
		st := settlement(a, start, end, today)
		answer["body"], answer["revenue_all"], answer["penalty_all"], answer["settled_revenue_all"] =
			st.Body, st.RevenueAll, st.PenaltyAll, st.SettledRevenueAll
		for _, p := range st.Periods {
			list = append(list, p)
		}
	}
	field := "list"
	if ep.Period == wechat.Snapshot {
		field = "settlement_list"
	}
	answer[field] = pageOf(list, page, size)
	answer["total_num"] = len(list)
	writeJSON(w, answer)
}

// authorize checks the access token of a data request and returns its
// account, or the errcode WeChat answers with.
func (s *Server) authorize(r *http.Request) (*Account, time.Time, int64) {
	tok := r.URL.Query().Get("access_token")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if tok == "" {
		return nil, now, wechat.CodeTokenMissing
	}
	t, ok := s.tokens[tok]
	if code := validToken(t, ok, now); code != 0 {
		return nil, now, code
	}
	a := s.accounts[t.appID]
	if a == nil || t.kind == kindComponent {
		return nil, now, wechat.CodeInvalidToken
	}
	return a, now, 0
}

func pageOf(list []any, page, size int) []any {
	from := min((page-1)*size, len(list))
	return append([]any{}, list[from:min(from+size, len(list))]...)
}

// adPositions generates one day's ad slot figures of a publisher (see
// Account.SteadyAds).
func adPositions(a *Account, d wechat.Date) []wechat.AdPosition {
	r := rng(a, "adpos", int(d))
	out := make([]wechat.AdPosition, 0, len(adSlots))
	for _, slot := range adSlots {
		var req, exp, clicks, income int64
		if a.SteadyAds {
			ecpm := 8 + float64(hash(a.AppID, slot.name, 0)%2000)/100 // yuan, the account's
			req = int64(float64(a.Scale) / 8 * slot.weight * (0.85 + 0.3*r.Float64()))
			exp = int64(float64(req) * (0.38 + 0.04*r.Float64()))
			clicks = int64(float64(exp) * (0.01 + 0.04*r.Float64()))
			income = int64(float64(exp) * ecpm * (0.9 + 0.2*r.Float64()) / 1000 * 100)
		} else {
			req = around(r, float64(a.Scale)/8*slot.weight)
			exp = int64(float64(req) * (0.35 + 0.1*r.Float64()))
			clicks = int64(float64(exp) * (0.01 + 0.04*r.Float64()))
			income = int64(float64(exp) * (8 + 20*r.Float64()) / 1000 * 100) // 8-28 yuan eCPM
		}
		out = append(out, wechat.AdPosition{Ref: wechat.Ref{RefDate: d}, Date: wechat.FlexString(d.String()),
			SlotID: wechat.FlexString(strconv.FormatInt(slot.id, 10)), AdSlot: wechat.FlexString(slot.name),
			ReqSuccCount: cnt(req), ExposureCount: cnt(exp), ClickCount: cnt(clicks), Income: cnt(income),
			ExposureRate: rate(exp, req), ClickRate: rate(clicks, exp), ECPM: rate(income*1000, exp)})
	}
	return out
}

// adSummary is the "summary" of an adpos answer: the range's sums.
func adSummary(a *Account, start, end wechat.Date) map[string]any {
	var req, exp, clicks, income int64
	for d := start; d <= end; d++ {
		for _, p := range adPositions(a, d) {
			req, exp, clicks, income = req+val(p.ReqSuccCount), exp+val(p.ExposureCount), clicks+val(p.ClickCount), income+val(p.Income)
		}
	}
	return map[string]any{"req_succ_count": req, "exposure_count": exp, "click_count": clicks, "income": income}
}

func dayIncome(a *Account, d wechat.Date) int64 {
	var n int64
	for _, p := range adPositions(a, d) {
		n += val(p.Income)
	}
	return n
}

// rate is n/d, 0 when d is: as WeChat sends a rate of nothing.
func rate(n, d int64) wechat.Decimal {
	if d == 0 {
		return wechat.DecimalOf(0)
	}
	return wechat.DecimalOf(float64(n) / float64(d))
}

// cpsDay generates one day's rebate goods figures.
func cpsDay(a *Account, d wechat.Date) wechat.CPSGeneral {
	r := rng(a, "cps", int(d))
	exp := around(r, float64(a.Scale)/40)
	clicks := int64(float64(exp) * (0.01 + 0.03*r.Float64()))
	orders := int64(float64(clicks) * (0.005 + 0.02*r.Float64()))
	fee := orders * around(r, 8000)
	return wechat.CPSGeneral{Ref: wechat.Ref{RefDate: d}, Date: wechat.FlexString(d.String()), ExposureCount: cnt(exp), ClickCount: cnt(clicks),
		OrderCount: cnt(orders), TotalFee: cnt(fee), TotalCommission: cnt(fee * 15 / 100),
		ClickRate: rate(clicks, exp), OrderRate: rate(orders, clicks)}
}

// settlement generates a publisher's settlement as of the day before
// today: the half-month periods starting in [start, end] that are over,
// their status by age, and totals that include the current period.
func settlement(a *Account, start, end, today wechat.Date) wechat.Settlement {
	base := int64(hash(a.AppID, "settled-before", 0) % 50_000_000)
	all, settled := base, base
	st := wechat.Settlement{Ref: wechat.Ref{RefDate: end}, Body: wechat.FlexString("深圳市" + a.AppID + "科技有限公司"),
		PenaltyAll: cnt(int64(hash(a.AppID, "penalty", 0) % 3 * 1000))}
	for p := halfMonthStart(start); p < today; p = nextHalfMonth(p) {
		pend := nextHalfMonth(p).AddDays(-1)
		var revenue int64
		for d := p; d <= min(pend, today.AddDays(-1)); d++ {
			revenue += dayIncome(a, d)
		}
		all += revenue
		if pend >= today || p < start || p > end {
			continue // the current period is not settled yet
		}
		status := settlementStatus(int(today - pend))
		if status >= 2 {
			settled += revenue
		}
		order := int64(1)
		if p.Day() > 1 {
			order = 2
		}
		y, m := p.Year(), p.Month()
		st.Periods = append(st.Periods, wechat.SettlementPeriod{
			Date: wechat.FlexString(min(pend.AddDays(10), today.AddDays(-1)).String()), Zone: wechat.FlexString(fmt.Sprintf("%d年%d月%d日至%d日", y, m, p.Day(), pend.Day())),
			Month: wechat.FlexString(fmt.Sprintf("%04d%02d", y, m)), Order: wechat.CodeOf(order), SettStatus: wechat.CodeOf(status), SettledRevenue: cnt(revenue),
			SettNo: wechat.FlexString(fmt.Sprintf("S%s%d", p.String(), order)), MailSendCnt: "0",
			SlotRevenue: slotRevenue(a, p, pend)})
	}
	st.RevenueAll, st.SettledRevenueAll = cnt(all), cnt(settled)
	return st
}

// settlementStatus is a period's sett_status days after it ended.
func settlementStatus(age int) int64 {
	switch {
	case age < 10:
		return 1 // settling
	case age < 20:
		return 3 // settled
	case age < 30:
		return 4 // paying
	}
	return 5 // paid
}

func slotRevenue(a *Account, from, to wechat.Date) []wechat.SlotRevenue {
	sums := make([]int64, len(adSlots))
	for d := from; d <= to; d++ {
		for i, p := range adPositions(a, d) {
			sums[i] += val(p.Income)
		}
	}
	out := make([]wechat.SlotRevenue, len(adSlots))
	for i, slot := range adSlots {
		out[i] = wechat.SlotRevenue{SlotID: wechat.FlexString(slot.name), SlotSettledRevenue: cnt(sums[i])}
	}
	return out
}

func halfMonthStart(d wechat.Date) wechat.Date {
	if d.Day() >= 16 {
		return d.MonthStart().AddDays(15)
	}
	return d.MonthStart()
}

func nextHalfMonth(d wechat.Date) wechat.Date {
	if d.Day() == 1 {
		return d.AddDays(15)
	}
	return d.NextMonthStart()
}

// publisherRows is what Rows returns for the publisher actions.
func publisherRows(a *Account, ep wechat.Endpoint, d, today wechat.Date) []wechat.Row {
	if !a.Publisher {
		return nil
	}
	switch ep {
	case wechat.PublisherAdPosGeneral:
		var out []wechat.Row
		for _, p := range adPositions(a, d) {
			out = append(out, p)
		}
		return out
	case wechat.PublisherCPSGeneral:
		return []wechat.Row{cpsDay(a, d)}
	case wechat.PublisherSettlement:
		return []wechat.Row{settlement(a, max(d.AddDays(1-wechat.SettlementWindow), ep.FirstDate()), d, today)}
	}
	return nil
}
