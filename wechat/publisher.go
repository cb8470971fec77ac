package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
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

// FlexString decodes a JSON string or number as text: WeChat sends ids
// as numbers in one answer and strings in another.
type FlexString string

// UnmarshalJSON accepts a string, a number or null.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = FlexString(n)
	return nil
}

// AdPosition is a publisher_adpos_general row: one ad slot's figures for
// one day. Income and eCPM are in fen; rates are ratios (0..1).
type AdPosition struct {
	Ref
	Date          string     `json:"date"`
	SlotID        FlexString `json:"slot_id"`
	AdSlot        string     `json:"ad_slot"` // SLOT_ID_BIZ_BOTTOM, SLOT_ID_BIZ_MID_CONTEXT, ...
	ReqSuccCount  int64      `json:"req_succ_count"`
	ExposureCount int64      `json:"exposure_count"`
	ExposureRate  float64    `json:"exposure_rate"`
	ClickCount    int64      `json:"click_count"`
	ClickRate     float64    `json:"click_rate"`
	Income        int64      `json:"income"`
	ECPM          float64    `json:"ecpm"` // fen per thousand exposures
}

// CPSGeneral is a publisher_cps_general row: rebate goods (返佣商品) for
// one day. Amounts in fen. The rates are kept as sent but are not to be
// trusted: in the public sample click_rate is exposures per click.
type CPSGeneral struct {
	Ref
	Date            string  `json:"date"`
	ExposureCount   int64   `json:"exposure_count"`
	ClickCount      int64   `json:"click_count"`
	ClickRate       float64 `json:"click_rate"`
	OrderCount      int64   `json:"order_count"`
	OrderRate       float64 `json:"order_rate"`
	TotalFee        int64   `json:"total_fee"`        // order amount
	TotalCommission int64   `json:"total_commission"` // estimated commission
}

// Settlement is a publisher_settlement snapshot: the account's revenue as
// of RefDate (the day it was fetched for), with its settlement periods.
// Amounts in fen.
type Settlement struct {
	Ref
	Body              string             `json:"body"` // the legal entity paid
	RevenueAll        int64              `json:"revenue_all"`
	PenaltyAll        int64              `json:"penalty_all"`
	SettledRevenueAll int64              `json:"settled_revenue_all"`
	Periods           []SettlementPeriod `json:"settlement_list"`
}

// SettlementPeriod is one half-month of a settlement.
type SettlementPeriod struct {
	Date           string        `json:"date"`  // last update
	Zone           string        `json:"zone"`  // e.g. 2020年3月1日至15日
	Month          FlexString    `json:"month"` // YYYYMM
	Order          int64         `json:"order"` // 1: days 1-15, 2: 16 to the end
	SettStatus     int64         `json:"sett_status"`
	SettledRevenue int64         `json:"settled_revenue"`
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
	if len(m) != 6 || (p.Order != 1 && p.Order != 2) {
		return 0, false
	}
	d, err := ParseDate(m[:4] + "-" + m[4:] + "-01")
	if err != nil {
		return 0, false
	}
	if p.Order == 2 {
		d = d.AddDays(15)
	}
	return d, true
}

// SlotRevenue is one ad slot's share of a settlement period.
type SlotRevenue struct {
	SlotID             string `json:"slot_id"`
	SlotSettledRevenue int64  `json:"slot_settled_revenue" wx:"optional"`
	// SlotRevenueAlt is the same amount under the name one SDK uses.
	SlotRevenueAlt int64 `json:"slot_revenue,omitempty" wx:"optional"`
}

// Amount returns the slot's settled revenue in fen, under whichever name
// WeChat sent it.
func (s SlotRevenue) Amount() int64 {
	if s.SlotSettledRevenue != 0 {
		return s.SlotSettledRevenue
	}
	return s.SlotRevenueAlt
}

// publisherAnswer is every field of a /publisher/stat answer the client
// reads; each action fills its own.
type publisherAnswer struct {
	ep             Endpoint
	page           int
	body           []byte          // the whole answer, for a snapshot
	List           json.RawMessage `json:"list"`
	TotalNum       int64           `json:"total_num"`
	Body           string          `json:"body"`
	RevenueAll     *int64          `json:"revenue_all"`
	PenaltyAll     *int64          `json:"penalty_all"`
	SettledRevenue *int64          `json:"settled_revenue_all"`
	SettlementList json.RawMessage `json:"settlement_list"`
}

// check checks the page's figures (see validate.go): called by the
// transport, so that an impossible answer counts as a failed request.
func (a *publisherAnswer) check() error {
	if err := a.checkFigures(); err != nil {
		return fmt.Errorf("page %d: %w", a.page, err)
	}
	return nil
}

func (a *publisherAnswer) checkFigures() error {
	switch a.ep {
	case PublisherSettlement:
		for _, f := range []struct {
			name string
			v    *int64
		}{{"revenue_all", a.RevenueAll}, {"penalty_all", a.PenaltyAll}, {"settled_revenue_all", a.SettledRevenue}} {
			switch {
			case f.v == nil:
				return fmt.Errorf("%s: missing", f.name)
			case *f.v < 0:
				return fmt.Errorf("%s: negative (%d): WeChat sends no negative figure", f.name, *f.v)
			}
		}
		_, err := checkList("settlement_list", a.SettlementList, reflect.TypeOf(SettlementPeriod{}))
		return err
	case PublisherAdPosGeneral, PublisherCPSGeneral:
		_, err := checkList("list", a.List, a.ep.rows.typ, "ref_date")
		return err
	}
	return nil
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
		if len(items) < PublisherPageSize || int64(len(list)) >= ans.TotalNum {
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
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%s: %v", field, describeJSONError(err))
	}
	return items, nil
}

// publisherAnswerRows makes the collected pages the action's answer. An ad
// slot's or rebate goods' row is a list element as sent; the settlement's
// one row is the answer's top-level fields with every page's periods in
// settlement_list (without base_resp and paging).
func publisherAnswerRows(ep Endpoint, r Range, first publisherAnswer, list []json.RawMessage) (Answer, error) {
	joined, err := json.Marshal(list)
	if err != nil {
		return Answer{}, err
	}
	if list == nil {
		joined = []byte("[]")
	}
	if ep.Period != Snapshot {
		rows, err := dayRows(ep, r, joined)
		return Answer{Rows: rows, Raw: list}, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(first.body, &fields); err != nil {
		return Answer{}, fmt.Errorf("answer: %v", describeJSONError(err))
	}
	delete(fields, "base_resp")
	delete(fields, "total_num")
	fields["settlement_list"] = joined
	raw, err := json.Marshal(fields)
	if err != nil {
		return Answer{}, err
	}
	rows, err := dayRows(ep, r, []byte("["+string(raw)+"]"))
	return Answer{Rows: rows, Raw: []json.RawMessage{raw}}, err
}

// dayRows decodes an ad action's rows for the range r: an ad slot's or
// rebate goods' day comes from its "date", a settlement's is the range's
// (last) day.
func dayRows(ep Endpoint, r Range, list []byte) ([]Row, error) {
	switch ep.Name {
	case PublisherAdPosGeneral.Name:
		return datedRows(list, r, func(a *AdPosition) (*Ref, string) { return &a.Ref, a.Date })
	case PublisherCPSGeneral.Name:
		return datedRows(list, r, func(c *CPSGeneral) (*Ref, string) { return &c.Ref, c.Date })
	case PublisherSettlement.Name:
		rows, err := decodeRowsOn[Settlement](list, r.End)
		if err != nil {
			return nil, fmt.Errorf("settlement: %v", describeJSONError(err))
		}
		return rows, nil
	}
	return nil, ErrUnknownEndpoint(ep.Name)
}

// datedRows decodes rows that carry their day as "date" and sets their
// RefDate from it. A date that is not YYYY-MM-DD (the public cps sample
// has "20XX-XX-XX") belongs to the request's day when it asked for one
// day, and is an error otherwise.
func datedRows[T Row](list []byte, r Range, date func(*T) (*Ref, string)) ([]Row, error) {
	var rows []T
	if err := json.Unmarshal(list, &rows); err != nil {
		return nil, fmt.Errorf("list: %v", describeJSONError(err))
	}
	out := make([]Row, len(rows))
	for i := range rows {
		ref, s := date(&rows[i])
		d, err := ParseDate(s)
		switch {
		case err == nil:
			ref.RefDate = d
		case r.Days() == 1:
			ref.RefDate = r.Begin
		default:
			return nil, fmt.Errorf("list[%d].date: %q is not a date (YYYY-MM-DD) in a %d-day answer", i, s, r.Days())
		}
		out[i] = rows[i]
	}
	return out, nil
}
