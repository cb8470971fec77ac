package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
)

// Ad analysis (流量主) through GET /publisher/stat?action=...: the answers
// carry errors in base_resp.ret (decoded into *APIError like errcodes),
// page their lists (page from 1, page_size at most 90) and give amounts in
// fen. Their list rows carry "date" instead of ref_date; the client sets
// each row's RefDate from it.

// Publisher error codes (base_resp.ret).
const (
	CodeAdTooFrequent = 45009 // too many calls: ask again later (not the daily quota)
	CodeNotPublisher  = 2009  // the account is not a publisher (流量主)
	CodeInvalidAction = 45010 // unknown action
	CodeBadParams     = 1701  // a bad page, page_size or date
)

// PublisherPageSize is the largest page WeChat serves.
const PublisherPageSize = 90

// maxPublisherPages bounds the pages of one request: 90 days of every ad
// slot fit in a handful; a server that never stops is an error, not a loop.
const maxPublisherPages = 50

// SettlementWindow is how many days of settlement periods a snapshot asks
// for (a year: 24 half-month periods).
const SettlementWindow = 366

// AdPosition is a publisher_adpos_general row: one ad slot's figures for
// one day. Income and eCPM are in fen; rates are ratios (0..1).
type AdPosition struct {
	Ref
	Date          FlexString `json:"date"`
	SlotID        FlexString `json:"slot_id" wx:"key"`
	AdSlot        FlexString `json:"ad_slot" wx:"key"` // SLOT_ID_BIZ_BOTTOM, SLOT_ID_BIZ_MID_CONTEXT, ...
	ReqSuccCount  Count      `json:"req_succ_count"`
	ExposureCount Count      `json:"exposure_count"`
	ExposureRate  Decimal    `json:"exposure_rate"`
	ClickCount    Count      `json:"click_count"`
	ClickRate     Decimal    `json:"click_rate"`
	Income        Count      `json:"income"`
	ECPM          Decimal    `json:"ecpm"` // fen per thousand exposures
}

// CPSGeneral is a publisher_cps_general row: rebate goods (返佣商品) for
// one day. Amounts in fen. The rates are kept as sent but are not to be
// trusted: in the public sample click_rate is exposures per click.
type CPSGeneral struct {
	Ref
	Date            FlexString `json:"date"`
	ExposureCount   Count      `json:"exposure_count"`
	ClickCount      Count      `json:"click_count"`
	ClickRate       Decimal    `json:"click_rate"`
	OrderCount      Count      `json:"order_count"`
	OrderRate       Decimal    `json:"order_rate"`
	TotalFee        Count      `json:"total_fee"`        // order amount
	TotalCommission Count      `json:"total_commission"` // estimated commission
}

// The ad rows carry their day as "date", not ref_date (see dateRow).
func (a *AdPosition) dateText() string { return string(a.Date) }
func (c *CPSGeneral) dateText() string { return string(c.Date) }

// Settlement is a publisher_settlement snapshot: the account's revenue as
// of RefDate (the day it was fetched for), with its settlement periods.
// Amounts in fen.
type Settlement struct {
	Ref
	Body              FlexString         `json:"body"` // the legal entity paid
	RevenueAll        Count              `json:"revenue_all"`
	PenaltyAll        Count              `json:"penalty_all"`
	SettledRevenueAll Count              `json:"settled_revenue_all"`
	Periods           []SettlementPeriod `json:"settlement_list"`
}

// SettlementPeriod is one half-month of a settlement.
type SettlementPeriod struct {
	Date           FlexString    `json:"date"`           // last update
	Zone           FlexString    `json:"zone"`           // e.g. 2020年3月1日至15日
	Month          FlexString    `json:"month" wx:"key"` // YYYYMM
	Order          Code          `json:"order" wx:"key"` // 1: days 1-15, 2: 16 to the end
	SettStatus     Code          `json:"sett_status"`
	SettledRevenue Count         `json:"settled_revenue"`
	SettNo         FlexString    `json:"sett_no"`
	MailSendCnt    FlexString    `json:"mail_send_cnt"` // a string in the sample
	SlotRevenue    []SlotRevenue `json:"slot_revenue"`
}

// Settlement statuses (sett_status).
var SettlementStatuses = map[int64]string{1: "settling", 2: "settled", 3: "settled", 4: "paying", 5: "paid"}

// Start returns the first day of the period, or false when month or
// order are not what the documentation describes.
func (p SettlementPeriod) Start() (Date, bool) {
	m := string(p.Month)
	order, _ := p.Order.Value()
	if len(m) != 6 || (order != 1 && order != 2) {
		return 0, false
	}
	d, err := ParseDate(m[:4] + "-" + m[4:] + "-01")
	if err != nil {
		return 0, false
	}
	if order == 2 {
		d = d.AddDays(15)
	}
	return d, true
}

// SlotRevenue is one ad slot's share of a settlement period.
type SlotRevenue struct {
	SlotID             FlexString `json:"slot_id" wx:"key"`
	SlotSettledRevenue Count      `json:"slot_settled_revenue"`
	// SlotRevenueAlt is the same amount under the name one SDK uses.
	SlotRevenueAlt Count `json:"slot_revenue,omitzero" wx:"alt=slot_settled_revenue"`
}

// Amount returns the slot's settled revenue in fen, under whichever name
// WeChat sent it.
func (s SlotRevenue) Amount() Count {
	if s.SlotSettledRevenue.Known() {
		return s.SlotSettledRevenue
	}
	return s.SlotRevenueAlt
}

// publisherAnswer is every field of a /publisher/stat page the client
// reads; each action fills its own.
type publisherAnswer struct {
	ep             Endpoint
	page           int
	body           []byte          // the whole answer, for a snapshot
	List           json.RawMessage `json:"list"`
	TotalNum       Count           `json:"total_num"`
	SettlementList json.RawMessage `json:"settlement_list"`
}

// keep is given the answer's body by the transport: the settlement's
// figures are its top-level fields, kept as sent.
func (a *publisherAnswer) keep(body []byte) {
	if a.ep.Period == Snapshot {
		a.body = append([]byte(nil), body...)
	}
}

// publisherQuery is the date range a request asks WeChat for: the range
// itself, or for a snapshot the settlement window ending on its day.
func publisherQuery(ep Endpoint, r Range) Range {
	if ep.Period == Snapshot {
		return Range{max(r.End.AddDays(1-SettlementWindow), ep.FirstDate()), r.End}
	}
	return r
}

// fetchPublisher gets every page of a /publisher/stat action for r.
func (c *Client) fetchPublisher(ctx context.Context, ep Endpoint, r Range) (Answer, error) {
	if err := checkRange(ep, r); err != nil {
		return Answer{}, err
	}
	q := publisherQuery(ep, r)
	var list []json.RawMessage
	var first publisherAnswer
	for page := 1; ; page++ {
		if page > maxPublisherPages {
			return Answer{}, &TransportError{Endpoint: ep.Name, Kind: KindDecode,
				Detail: fmt.Sprintf("more than %d pages of %d for %s", maxPublisherPages, PublisherPageSize, r)}
		}
		ans := publisherAnswer{ep: ep, page: page}
		rq := request{endpoint: ep.Name, method: http.MethodGet, path: ep.Path(), query: url.Values{
			"action": {ep.Name}, "page": {strconv.Itoa(page)}, "page_size": {strconv.Itoa(PublisherPageSize)},
			"start_date": {q.Begin.String()}, "end_date": {q.End.String()}}}
		if err := c.send(ctx, rq, &ans); err != nil {
			return Answer{}, err
		}
		if page == 1 {
			first = ans
		}
		items, err := pageItems(ep, ans)
		if err != nil {
			return Answer{}, &TransportError{Endpoint: ep.Name, Kind: KindDecode, Detail: fmt.Sprintf("page %d: %v", page, err)}
		}
		list = append(list, items...)
		// A short page is the last, whatever total_num says: the public
		// samples' total_num does not match their lists.
		if len(items) < PublisherPageSize || int64(len(list)) >= ans.TotalNum.Or(math.MaxInt64) {
			break
		}
	}
	ans, err := publisherAnswerRows(ep, r, first, list)
	if err != nil {
		return Answer{}, &TransportError{Endpoint: ep.Name, Kind: KindDecode, Detail: err.Error()}
	}
	return ans, nil
}

// pageItems returns the elements of the action's list on one page.
func pageItems(ep Endpoint, ans publisherAnswer) ([]json.RawMessage, error) {
	raw := ans.List
	field := "list"
	if ep.Period == Snapshot {
		raw, field = ans.SettlementList, "settlement_list"
	}
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	elems, ok := arrayElements(raw)
	if !ok {
		return nil, fmt.Errorf("%s: not a list", field)
	}
	items := make([]json.RawMessage, len(elems))
	for i, e := range elems {
		items[i] = e
	}
	return items, nil
}

// publisherAnswerRows makes the collected pages the action's answer. An ad
// slot's or rebate goods' row is a list element as sent; the settlement's
// one row is the answer's top-level fields with every page's periods in
// settlement_list (without base_resp and paging).
func publisherAnswerRows(ep Endpoint, r Range, first publisherAnswer, list []json.RawMessage) (Answer, error) {
	joined := JoinRows(list)
	var ans Answer
	if ep.Period != Snapshot {
		rows, raw, err := ep.rows.list(joined, rowDay{asked: r, check: true}, true, &ans.Report)
		ans.Rows, ans.Raw = rows, raw
		return ans, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(first.body, &fields); err != nil {
		return Answer{}, fmt.Errorf("answer: %v", describeJSONError(err))
	}
	delete(fields, "base_resp")
	delete(fields, "total_num")
	if len(list) > 0 || first.SettlementList != nil {
		fields["settlement_list"] = joined
	} // else an answer without one, as real servers send: its totals alone, the list reported missing
	raw, err := json.Marshal(fields)
	if err != nil {
		return Answer{}, err
	}
	rows, kept, err := ep.rows.list(JoinRows([]json.RawMessage{raw}), rowDay{day: r.End}, true, &ans.Report)
	ans.Rows, ans.Raw = rows, kept
	return ans, err
}
