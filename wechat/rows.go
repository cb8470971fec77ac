package wechat

import (
	"encoding/json"
	"fmt"
	"math"
)

// Row is one element of a datacube answer's "list". Every row belongs to the
// calendar day (or period label) given by RowDate.
type Row interface {
	RowDate() Date
}

// Ref holds the date every datacube row carries.
type Ref struct {
	RefDate Date `json:"ref_date" wx:"key"`
}

// RowDate returns the day or period label the row describes.
func (r Ref) RowDate() Date { return r.RefDate }

// setDate gives a row whose answer carries no date (a Live endpoint's) the
// day it was asked on. Promoted to every row type that embeds Ref.
func (r *Ref) setDate(d Date) { r.RefDate = d }

// Hourly holds the hour of hourly rows: WeChat sends it as HHMM without
// leading zeros (0, 100, ..., 2300).
type Hourly struct {
	RefHour Code `json:"ref_hour" wx:"key"`
}

// Hour returns the hour of day 0..23, or false when ref_hour is not one of
// the documented values (callers then pass the raw number through).
func (h Hourly) Hour() (int, bool) {
	v, _ := h.RefHour.Value()
	if v < 0 || v > 2300 || v%100 != 0 {
		return 0, false
	}
	return int(v / 100), true
}

// UserSummary is a getusersummary row: follows and unfollows by channel.
type UserSummary struct {
	Ref
	UserSource Code  `json:"user_source" wx:"key"`
	NewUser    Count `json:"new_user"`
	CancelUser Count `json:"cancel_user"`
}

// UserCount is a user_get row: the number of followers when asked (the
// total of the follower list), dated with the day asked on.
type UserCount struct {
	Ref
	Total Count `json:"total"`
}

// APIQuotaRow is a quota row: an API's daily quota when asked, dated with
// the day asked on.
type APIQuotaRow struct {
	Ref
	Path  FlexString   `json:"cgi_path" wx:"key"`
	Quota QuotaFigures `json:"quota"`
}

// QuotaFigures are an API's calls allowed a day, made today, and left.
type QuotaFigures struct {
	DailyLimit Count `json:"daily_limit"`
	Used       Count `json:"used"`
	Remain     Count `json:"remain"`
}

// UserCumulate is a getusercumulate row: the total number of followers.
type UserCumulate struct {
	Ref
	CumulateUser Count `json:"cumulate_user"`
}

// ReadCounts are the read, share and favourite figures shared by the
// article endpoints. "int_page" is the article page, "ori_page" the
// "read original" page.
type ReadCounts struct {
	IntPageReadUser  Count `json:"int_page_read_user"`
	IntPageReadCount Count `json:"int_page_read_count"`
	OriPageReadUser  Count `json:"ori_page_read_user"`
	OriPageReadCount Count `json:"ori_page_read_count"`
	ShareUser        Count `json:"share_user"`
	ShareCount       Count `json:"share_count"`
	AddToFavUser     Count `json:"add_to_fav_user"`
	AddToFavCount    Count `json:"add_to_fav_count"`
}

// ArticleSummary is a getarticlesummary row: one mass-sent article's
// figures for that day alone.
type ArticleSummary struct {
	Ref
	MsgID FlexString `json:"msgid" wx:"key"`
	Title FlexString `json:"title"`
	ReadCounts
}

// ArticleTotal is a getarticletotal row: an article mass-sent on RefDate,
// with cumulative figures per statistics day.
type ArticleTotal struct {
	Ref
	MsgID   FlexString           `json:"msgid" wx:"key"`
	Title   FlexString           `json:"title"`
	URL     FlexString           `json:"url,omitempty"`
	Details []ArticleTotalDetail `json:"details"`
}

// Latest returns the detail with the newest stat_date, or false if none.
func (a ArticleTotal) Latest() (ArticleTotalDetail, bool) { return a.LatestOn(math.MaxInt32) }

// LatestOn returns the detail with the newest stat_date not after day: the
// article's totals as they stood that day.
func (a ArticleTotal) LatestOn(day Date) (ArticleTotalDetail, bool) {
	return latestOn(a.Details, day, func(d ArticleTotalDetail) Date { return d.StatDate })
}

// AsOf returns the article with only its totals as they stood on day (or
// none): all a day's serving needs, without the week of details.
func (a ArticleTotal) AsOf(day Date) Row {
	a.Details = onlyOn(a.Details, day, func(d ArticleTotalDetail) Date { return d.StatDate })
	return a
}

// onlyOn returns the element with the newest statistics day not after
// day, alone, or none.
func onlyOn[T any](details []T, day Date, statDate func(T) Date) []T {
	if d, ok := latestOn(details, day, statDate); ok {
		return []T{d}
	}
	return nil
}

// latestOn returns the element with the newest statistics day not after
// day.
func latestOn[T any](details []T, day Date, statDate func(T) Date) (T, bool) {
	var best T
	found := false
	for _, d := range details {
		if s := statDate(d); s <= day && (!found || s > statDate(best)) {
			best, found = d, true
		}
	}
	return best, found
}

// ArticleTotalDetail holds an article's totals from its send date up to
// StatDate. Note WeChat's `_cnt` suffix on the feed_share fields.
type ArticleTotalDetail struct {
	StatDate   Date  `json:"stat_date" wx:"key"`
	TargetUser Count `json:"target_user"`
	ReadCounts
	IntPageFromSessionReadUser   Count `json:"int_page_from_session_read_user"`
	IntPageFromSessionReadCount  Count `json:"int_page_from_session_read_count"`
	IntPageFromHistMsgReadUser   Count `json:"int_page_from_hist_msg_read_user"`
	IntPageFromHistMsgReadCount  Count `json:"int_page_from_hist_msg_read_count"`
	IntPageFromFeedReadUser      Count `json:"int_page_from_feed_read_user"`
	IntPageFromFeedReadCount     Count `json:"int_page_from_feed_read_count"`
	IntPageFromFriendsReadUser   Count `json:"int_page_from_friends_read_user"`
	IntPageFromFriendsReadCount  Count `json:"int_page_from_friends_read_count"`
	IntPageFromOtherReadUser     Count `json:"int_page_from_other_read_user"`
	IntPageFromOtherReadCount    Count `json:"int_page_from_other_read_count"`
	IntPageFromKanyikanReadUser  Count `json:"int_page_from_kanyikan_read_user"`
	IntPageFromKanyikanReadCount Count `json:"int_page_from_kanyikan_read_count"`
	IntPageFromSouyisouReadUser  Count `json:"int_page_from_souyisou_read_user"`
	IntPageFromSouyisouReadCount Count `json:"int_page_from_souyisou_read_count"`
	FeedShareFromSessionUser     Count `json:"feed_share_from_session_user"`
	FeedShareFromSessionCnt      Count `json:"feed_share_from_session_cnt"`
	FeedShareFromFeedUser        Count `json:"feed_share_from_feed_user"`
	FeedShareFromFeedCnt         Count `json:"feed_share_from_feed_cnt"`
	FeedShareFromOtherUser       Count `json:"feed_share_from_other_user"`
	FeedShareFromOtherCnt        Count `json:"feed_share_from_other_cnt"`
}

// ReadSourceAll is the user_source of getuserread's all-channels row.
const ReadSourceAll = 99999999

// UserRead is a getuserread row. UserSource is absent in answers from
// before 2020-02-28, which had one all-channels row per day.
type UserRead struct {
	Ref
	UserSource Code `json:"user_source" wx:"key,optional"`
	ReadCounts
}

// IsAllSources reports whether the row is the all-channels total.
func (r UserRead) IsAllSources() bool { return isAllSources(r.UserSource) }

func isAllSources(src Code) bool {
	v, ok := src.Value()
	return !ok || v == ReadSourceAll
}

// UserReadHour is a getuserreadhour row.
type UserReadHour struct {
	Ref
	Hourly
	UserSource Code `json:"user_source" wx:"key,optional"`
	ReadCounts
}

// IsAllSources reports whether the row is the all-channels total.
func (r UserReadHour) IsAllSources() bool { return isAllSources(r.UserSource) }

// UserShare is a getusershare row: shares by scene.
type UserShare struct {
	Ref
	ShareScene Code  `json:"share_scene" wx:"key"`
	ShareCount Count `json:"share_count"`
	ShareUser  Count `json:"share_user"`
}

// UserShareHour is a getusersharehour row.
type UserShareHour struct {
	Ref
	Hourly
	ShareScene Code  `json:"share_scene" wx:"key"`
	ShareCount Count `json:"share_count"`
	ShareUser  Count `json:"share_user"`
}

// UpstreamMsg is a row of getupstreammsg, getupstreammsgweek and
// getupstreammsgmonth: messages users sent to the account, by type.
type UpstreamMsg struct {
	Ref
	MsgType  Code  `json:"msg_type" wx:"key"`
	MsgUser  Count `json:"msg_user"`
	MsgCount Count `json:"msg_count"`
}

// UpstreamMsgHour is a getupstreammsghour row.
type UpstreamMsgHour struct {
	Ref
	Hourly
	MsgType  Code  `json:"msg_type" wx:"key"`
	MsgUser  Count `json:"msg_user"`
	MsgCount Count `json:"msg_count"`
}

// UpstreamMsgDist is a row of getupstreammsgdist (and its week and month
// variants): how many users sent a number of messages in a bucket.
type UpstreamMsgDist struct {
	Ref
	CountInterval Code  `json:"count_interval" wx:"key"`
	MsgUser       Count `json:"msg_user"`
}

// InterfaceSummary is a getinterfacesummary row: the health of the
// account's callback server. Time costs are in milliseconds (undocumented,
// but consistent with every sample).
type InterfaceSummary struct {
	Ref
	CallbackCount Count `json:"callback_count"`
	FailCount     Count `json:"fail_count"`
	TotalTimeCost Count `json:"total_time_cost"`
	MaxTimeCost   Count `json:"max_time_cost"`
}

// InterfaceSummaryHour is a getinterfacesummaryhour row.
type InterfaceSummaryHour struct {
	Ref
	Hourly
	CallbackCount Count `json:"callback_count"`
	FailCount     Count `json:"fail_count"`
	TotalTimeCost Count `json:"total_time_cost"`
	MaxTimeCost   Count `json:"max_time_cost"`
}

// shareStrings makes a decoded row's repeated strings (see sceneNames)
// share one copy, for row types that have them.
func shareStrings(row any) {
	if s, ok := row.(interface{ shareStrings() }); ok {
		s.shareStrings()
	}
}

// JoinRows makes rows (JSON values, as an answer gave them) one JSON
// array, as they are: a stored day, which DecodeDay reads back.
func JoinRows(rows []json.RawMessage) json.RawMessage {
	n := 2
	for _, r := range rows {
		n += len(r) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, r := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r...)
	}
	return append(b, ']')
}

// DecodeDay decodes a stored day's rows of ep (a JSON array of rows as
// WeChat sent them, or as earlier versions re-encoded them), as the answer
// that brought them was read (see decode.go). The ad rows' day comes from
// their "date", or is day when that is not a date (the rebate goods
// sample's "20XX-XX-XX"); a Live row's and the settlement's is day.
//
// Only rows with their keys are stored, so a stored row without one is
// damage, and an error: the day is fetched again. An element of a list
// inside a row without its key is left out again, as when it was fetched.
func DecodeDay(ep Endpoint, day Date, list []byte) ([]Row, error) {
	if ep.rows == nil {
		return nil, ErrUnknownEndpoint(ep.Name)
	}
	d := rowDay{asked: Range{day, day}}
	if ep.Period == Live || ep.Period == Snapshot {
		d.day = day
	}
	var rep Report
	rows, _, err := ep.rows.list(list, d, false, &rep)
	if err != nil {
		return nil, fmt.Errorf("decoding %s rows: %w", ep.Name, err)
	}
	if n := rep.Skipped[SkipMissingKey]; n > 0 {
		return nil, fmt.Errorf("decoding %s rows: %d stored rows unreadable (%s)", ep.Name, n, rep.Example[SkipMissingKey])
	}
	return rows, nil
}
