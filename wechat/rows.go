package wechat

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
)

// Row is one element of a datacube answer's "list". Every row belongs to the
// calendar day (or period label) given by RowDate.
type Row interface {
	RowDate() Date
}

// Ref holds the date every datacube row carries.
type Ref struct {
	RefDate Date `json:"ref_date"`
}

// RowDate returns the day or period label the row describes.
func (r Ref) RowDate() Date { return r.RefDate }

// setDate gives a row whose answer carries no date (a Live endpoint's) the
// day it was asked on. Promoted to every row type that embeds Ref.
func (r *Ref) setDate(d Date) { r.RefDate = d }

// Hourly holds the hour of hourly rows: WeChat sends it as HHMM without
// leading zeros (0, 100, ..., 2300).
type Hourly struct {
	RefHour int64 `json:"ref_hour"`
}

// Hour returns the hour of day 0..23, or false when ref_hour is not one of
// the documented values (callers then pass the raw number through).
func (h Hourly) Hour() (int, bool) {
	if h.RefHour < 0 || h.RefHour > 2300 || h.RefHour%100 != 0 {
		return 0, false
	}
	return int(h.RefHour / 100), true
}

// UserSummary is a getusersummary row: follows and unfollows by channel.
type UserSummary struct {
	Ref
	UserSource int64 `json:"user_source"`
	NewUser    int64 `json:"new_user"`
	CancelUser int64 `json:"cancel_user"`
}

// UserCount is a user_get row: the number of followers when asked (the
// total of the follower list), dated with the day asked on.
type UserCount struct {
	Ref
	Total int64 `json:"total"`
}

// APIQuotaRow is a quota row: an API's daily quota when asked, dated with
// the day asked on.
type APIQuotaRow struct {
	Ref
	Path  string       `json:"cgi_path"`
	Quota QuotaFigures `json:"quota"`
}

// QuotaFigures are an API's calls allowed a day, made today, and left.
type QuotaFigures struct {
	DailyLimit int64 `json:"daily_limit"`
	Used       int64 `json:"used"`
	Remain     int64 `json:"remain"`
}

// UserCumulate is a getusercumulate row: the total number of followers.
type UserCumulate struct {
	Ref
	CumulateUser int64 `json:"cumulate_user"`
}

// ReadCounts are the read, share and favourite figures shared by the
// article endpoints. "int_page" is the article page, "ori_page" the
// "read original" page.
type ReadCounts struct {
	IntPageReadUser  int64 `json:"int_page_read_user"`
	IntPageReadCount int64 `json:"int_page_read_count"`
	OriPageReadUser  int64 `json:"ori_page_read_user"`
	OriPageReadCount int64 `json:"ori_page_read_count"`
	ShareUser        int64 `json:"share_user"`
	ShareCount       int64 `json:"share_count"`
	AddToFavUser     int64 `json:"add_to_fav_user"`
	AddToFavCount    int64 `json:"add_to_fav_count"`
}

// ArticleSummary is a getarticlesummary row: one mass-sent article's
// figures for that day alone.
type ArticleSummary struct {
	Ref
	MsgID string `json:"msgid"`
	Title string `json:"title"`
	ReadCounts
}

// ArticleTotal is a getarticletotal row: an article mass-sent on RefDate,
// with cumulative figures per statistics day.
type ArticleTotal struct {
	Ref
	MsgID   string               `json:"msgid"`
	Title   string               `json:"title"`
	URL     string               `json:"url,omitempty"`
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
	StatDate   Date  `json:"stat_date"`
	TargetUser int64 `json:"target_user"`
	ReadCounts
	IntPageFromSessionReadUser   int64 `json:"int_page_from_session_read_user"`
	IntPageFromSessionReadCount  int64 `json:"int_page_from_session_read_count"`
	IntPageFromHistMsgReadUser   int64 `json:"int_page_from_hist_msg_read_user"`
	IntPageFromHistMsgReadCount  int64 `json:"int_page_from_hist_msg_read_count"`
	IntPageFromFeedReadUser      int64 `json:"int_page_from_feed_read_user"`
	IntPageFromFeedReadCount     int64 `json:"int_page_from_feed_read_count"`
	IntPageFromFriendsReadUser   int64 `json:"int_page_from_friends_read_user"`
	IntPageFromFriendsReadCount  int64 `json:"int_page_from_friends_read_count"`
	IntPageFromOtherReadUser     int64 `json:"int_page_from_other_read_user"`
	IntPageFromOtherReadCount    int64 `json:"int_page_from_other_read_count"`
	IntPageFromKanyikanReadUser  int64 `json:"int_page_from_kanyikan_read_user" wx:"optional"`
	IntPageFromKanyikanReadCount int64 `json:"int_page_from_kanyikan_read_count" wx:"optional"`
	IntPageFromSouyisouReadUser  int64 `json:"int_page_from_souyisou_read_user" wx:"optional"`
	IntPageFromSouyisouReadCount int64 `json:"int_page_from_souyisou_read_count" wx:"optional"`
	FeedShareFromSessionUser     int64 `json:"feed_share_from_session_user"`
	FeedShareFromSessionCnt      int64 `json:"feed_share_from_session_cnt"`
	FeedShareFromFeedUser        int64 `json:"feed_share_from_feed_user"`
	FeedShareFromFeedCnt         int64 `json:"feed_share_from_feed_cnt"`
	FeedShareFromOtherUser       int64 `json:"feed_share_from_other_user"`
	FeedShareFromOtherCnt        int64 `json:"feed_share_from_other_cnt"`
}

// ReadSourceAll is the user_source of getuserread's all-channels row.
const ReadSourceAll = 99999999

// UserRead is a getuserread row. UserSource is nil in answers from before
// 2020-02-28, which had one all-channels row per day.
type UserRead struct {
	Ref
	UserSource *int64 `json:"user_source,omitempty"`
	ReadCounts
}

// IsAllSources reports whether the row is the all-channels total.
func (r UserRead) IsAllSources() bool { return isAllSources(r.UserSource) }

func isAllSources(src *int64) bool { return src == nil || *src == ReadSourceAll }

// UserReadHour is a getuserreadhour row.
type UserReadHour struct {
	Ref
	Hourly
	UserSource *int64 `json:"user_source,omitempty"`
	ReadCounts
}

// IsAllSources reports whether the row is the all-channels total.
func (r UserReadHour) IsAllSources() bool { return isAllSources(r.UserSource) }

// UserShare is a getusershare row: shares by scene.
type UserShare struct {
	Ref
	ShareScene int64 `json:"share_scene"`
	ShareCount int64 `json:"share_count"`
	ShareUser  int64 `json:"share_user"`
}

// UserShareHour is a getusersharehour row.
type UserShareHour struct {
	Ref
	Hourly
	ShareScene int64 `json:"share_scene"`
	ShareCount int64 `json:"share_count"`
	ShareUser  int64 `json:"share_user"`
}

// UpstreamMsg is a row of getupstreammsg, getupstreammsgweek and
// getupstreammsgmonth: messages users sent to the account, by type.
type UpstreamMsg struct {
	Ref
	MsgType  int64 `json:"msg_type"`
	MsgUser  int64 `json:"msg_user"`
	MsgCount int64 `json:"msg_count"`
}

// UpstreamMsgHour is a getupstreammsghour row.
type UpstreamMsgHour struct {
	Ref
	Hourly
	MsgType  int64 `json:"msg_type"`
	MsgUser  int64 `json:"msg_user"`
	MsgCount int64 `json:"msg_count"`
}

// UpstreamMsgDist is a row of getupstreammsgdist (and its week and month
// variants): how many users sent a number of messages in a bucket.
type UpstreamMsgDist struct {
	Ref
	CountInterval int64 `json:"count_interval"`
	MsgUser       int64 `json:"msg_user"`
}

// InterfaceSummary is a getinterfacesummary row: the health of the
// account's callback server. Time costs are in milliseconds (undocumented,
// but consistent with every sample).
type InterfaceSummary struct {
	Ref
	CallbackCount int64 `json:"callback_count"`
	FailCount     int64 `json:"fail_count"`
	TotalTimeCost int64 `json:"total_time_cost"`
	MaxTimeCost   int64 `json:"max_time_cost"`
}

// InterfaceSummaryHour is a getinterfacesummaryhour row.
type InterfaceSummaryHour struct {
	Ref
	Hourly
	CallbackCount int64 `json:"callback_count"`
	FailCount     int64 `json:"fail_count"`
	TotalTimeCost int64 `json:"total_time_cost"`
	MaxTimeCost   int64 `json:"max_time_cost"`
}

// rowCodec decodes an endpoint's "list" into its row type, and knows that
// type for the checks of an answer (see validate.go).
type rowCodec struct {
	decode func([]byte) ([]Row, error)
	// decodeOn decodes rows that carry no date, giving them day.
	decodeOn func([]byte, Date) ([]Row, error)
	typ      reflect.Type
}

func codec[T Row]() *rowCodec {
	return &rowCodec{decode: decodeRows[T], decodeOn: decodeRowsOn[T], typ: reflect.TypeOf((*T)(nil)).Elem()}
}

func decodeRowsOn[T Row](b []byte, day Date) ([]Row, error) {
	return decodeList(b, func(row *T) {
		if d, ok := any(row).(interface{ setDate(Date) }); ok {
			d.setDate(day)
		}
	})
}

func decodeRows[T Row](b []byte) ([]Row, error) {
	return decodeList[T](b, nil)
}

// decodeList decodes a JSON array of T, gives each decoded row to fill
// (when not nil) and shares its repeated strings, and returns the rows.
func decodeList[T Row](b []byte, fill func(*T)) ([]Row, error) {
	var list []T
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, err
	}
	rows := make([]Row, len(list))
	for i := range list {
		if fill != nil {
			fill(&list[i])
		}
		shareStrings(&list[i])
		rows[i] = list[i]
	}
	return rows, nil
}

// shareStrings makes a decoded row's repeated strings (see sceneNames)
// share one copy, for row types that have them.
func shareStrings(row any) {
	if s, ok := row.(interface{ shareStrings() }); ok {
		s.shareStrings()
	}
}

// DecodeDay decodes a stored day's rows of ep (a JSON array of rows as
// WeChat sent them, or as earlier versions re-encoded them). The ad rows'
// day comes from their "date", or is day when that is not a date (the
// rebate goods sample's "20XX-XX-XX"); the settlement's is day.
func DecodeDay(ep Endpoint, day Date, list []byte) ([]Row, error) {
	if ep.rows == nil {
		return nil, ErrUnknownEndpoint(ep.Name)
	}
	var rows []Row
	var err error
	switch {
	case ep.Publisher:
		rows, err = dayRows(ep, Range{day, day}, list)
	case ep.Period == Live:
		rows, err = ep.rows.decodeOn(list, day)
	default:
		rows, err = ep.rows.decode(list)
	}
	if err != nil {
		return nil, fmt.Errorf("decoding %s rows: %w", ep.Name, describeJSONError(err))
	}
	return rows, nil
}
