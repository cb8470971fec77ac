package wechat

import (
	"fmt"
	"net/http"
	"sort"
	"time"
)

// Period is the granularity of an endpoint's rows.
type Period int

const (
	// Daily rows are labelled with the day they describe.
	Daily Period = iota
	// Weekly rows are labelled with the Monday of the week they describe.
	Weekly
	// Monthly rows are labelled with the 1st of the month they describe.
	Monthly
	// Snapshot rows describe the account as it stood when fetched (the
	// ad settlement): labelled with the day fetched for, the newest only,
	// since a past day's state cannot be asked for.
	Snapshot
	// Live rows describe the account now, not a past day (the follower
	// count of user/get): asked without dates at most once per live
	// interval, and kept as the row of the day they were asked on.
	Live
)

func (p Period) String() string {
	switch p {
	case Weekly:
		return "weekly"
	case Monthly:
		return "monthly"
	case Snapshot:
		return "snapshot"
	case Live:
		return "live"
	}
	return "daily"
}

// EmptyDay says what an empty answer for the newest day means.
type EmptyDay int

const (
	// EmptyIfQuiet: rows appear only when something happened (follows,
	// messages, callbacks); an empty newest day after a day with rows is
	// taken as "not ready yet" for a grace period, then as a quiet day.
	EmptyIfQuiet EmptyDay = iota
	// EmptyNotReady: the endpoint has a row for every past day
	// (getusercumulate); an empty newest day is "not ready yet" for the
	// grace period.
	EmptyNotReady
	// EmptyNormal: a per-article list, where an article is listed only
	// above a small threshold of readers and shares (the documented rule
	// of getarticlesummary), so a small account's empty day is a normal,
	// final answer that costs no retry.
	EmptyNormal
)

// BaselineWeek is how many days before the newest an endpoint with a
// baseline serves (its ServedDays is one more): the account's usual day,
// against which alerts compare the newest (see collector/baseline.go).
const BaselineWeek = 7

// Endpoint is one WeChat data interface, with every fact the exporter
// needs of it: the table below is the one place they are written.
type Endpoint struct {
	// Name is the last path element, e.g. "getusersummary" (for an ad
	// action, the action). It is the value of the exporter's `endpoint`
	// label and the key in configuration files and in the store.
	Name string
	// MaxSpan is the most calendar days one request may cover
	// (end_date - begin_date < MaxSpan).
	MaxSpan int
	// Period says how rows are labelled.
	Period Period
	// PermissionSet is the third-party platform permission set that grants
	// the endpoint (1 messages, 2 users, 3 interface, 7 articles and
	// content); 0 for the ad actions, which have none.
	PermissionSet int
	// Since is the first day WeChat has data for; zero means EarliestDate.
	Since Date
	// Publisher marks the ad analysis actions of GET /publisher/stat
	// (Name is the action), answered only for accounts that are
	// publishers (流量主).
	Publisher bool
	// SettleDays is for how many days after its date a day's data keeps
	// changing: such days are fetched again once a day until fetched that
	// late (getarticletotal's totals grow for seven days).
	SettleDays int
	// ServedDays is how many stored days make up what is served for the
	// newest day: the articles of the settling days, or the days before
	// the newest from which the callback failure baseline is computed.
	// Zero means one.
	ServedDays int
	// Empty says what an empty answer for the newest day means.
	Empty EmptyDay
	// Method and URLPath are the request's, when not a datacube POST to
	// /datacube/Name. A Live endpoint is asked with neither dates nor
	// body.
	Method, URLPath string
	// PerPath: the endpoint describes one API path at a time (the quota
	// of an API): it is asked once for each path the account's other
	// endpoints call, with {"cgi_path": path}, and each answer is a row.
	PerPath bool
	// Keep names, separated by commas, the answer's top-level fields that
	// make up its one row, for an answer that is not a list of rows (a
	// Live endpoint). Only these are kept: the rest (say, user/get's list
	// of OpenIDs) is neither stored nor logged.
	Keep string
	// rows decodes the endpoint's rows, and knows their type.
	rows *rowCodec
}

// FirstDate returns the first day the endpoint has data for.
func (e Endpoint) FirstDate() Date {
	if e.Since == 0 {
		return EarliestDate
	}
	return e.Since
}

// Served returns how many stored days make up what is served for the
// newest day (at least one).
func (e Endpoint) Served() int { return max(e.ServedDays, 1) }

// Path returns the URL path of the endpoint.
func (e Endpoint) Path() string {
	switch {
	case e.URLPath != "":
		return e.URLPath
	case e.Publisher:
		return "/publisher/stat"
	}
	return "/datacube/" + e.Name
}

// The endpoints. The 17 legacy datacube endpoints have the spans of the
// legacy documentation, which every source agrees on for the daily ones.
//
// Tolerant choices where the reference marks a fact [?]:
//   - Weekly and monthly endpoints (legacy span 30, new docs "same day",
//     one summary 15) are always asked for one period at a time with
//     begin_date == end_date == the period label, which is valid under
//     every variant. See SplitRange.
//   - Article endpoints (new docs state no span, one summary says 1 day)
//     keep the legacy spans, and a 61501 answer to a multi-day request
//     makes the client fall back to one day per request (see Client.Fetch).
var (
	// getusersummary serves the week before the newest day too: the
	// unfollow and net follow baselines are computed from it.
	GetUserSummary = Endpoint{Name: "getusersummary", MaxSpan: 7, Period: Daily, PermissionSet: 2,
		ServedDays: 1 + BaselineWeek, rows: codec[UserSummary]()}
	GetUserCumulate = Endpoint{Name: "getusercumulate", MaxSpan: 7, Period: Daily, PermissionSet: 2,
		Empty: EmptyNotReady, rows: codec[UserCumulate]()}

	GetArticleSummary = Endpoint{Name: "getarticlesummary", MaxSpan: 1, Period: Daily, PermissionSet: 7,
		Empty: EmptyNormal, rows: codec[ArticleSummary]()}
	GetArticleTotal = Endpoint{Name: "getarticletotal", MaxSpan: 1, Period: Daily, PermissionSet: 7,
		SettleDays: 7, ServedDays: 7, Empty: EmptyNormal, rows: codec[ArticleTotal]()}
	GetUserRead = Endpoint{Name: "getuserread", MaxSpan: 3, Period: Daily, PermissionSet: 7,
		rows: codec[UserRead]()}
	GetUserReadHour = Endpoint{Name: "getuserreadhour", MaxSpan: 1, Period: Daily, PermissionSet: 7,
		rows: codec[UserReadHour]()}
	GetUserShare = Endpoint{Name: "getusershare", MaxSpan: 7, Period: Daily, PermissionSet: 7,
		rows: codec[UserShare]()}
	GetUserShareHour = Endpoint{Name: "getusersharehour", MaxSpan: 1, Period: Daily, PermissionSet: 7,
		rows: codec[UserShareHour]()}

	GetUpstreamMsg = Endpoint{Name: "getupstreammsg", MaxSpan: 7, Period: Daily, PermissionSet: 1,
		rows: codec[UpstreamMsg]()}
	GetUpstreamMsgHour = Endpoint{Name: "getupstreammsghour", MaxSpan: 1, Period: Daily, PermissionSet: 1,
		rows: codec[UpstreamMsgHour]()}
	GetUpstreamMsgWeek = Endpoint{Name: "getupstreammsgweek", MaxSpan: 30, Period: Weekly, PermissionSet: 1,
		rows: codec[UpstreamMsg]()}
	GetUpstreamMsgMonth = Endpoint{Name: "getupstreammsgmonth", MaxSpan: 30, Period: Monthly, PermissionSet: 1,
		rows: codec[UpstreamMsg]()}
	GetUpstreamMsgDist = Endpoint{Name: "getupstreammsgdist", MaxSpan: 15, Period: Daily, PermissionSet: 1,
		rows: codec[UpstreamMsgDist]()}
	GetUpstreamMsgDistWeek = Endpoint{Name: "getupstreammsgdistweek", MaxSpan: 30, Period: Weekly, PermissionSet: 1,
		rows: codec[UpstreamMsgDist]()}
	GetUpstreamMsgDistMonth = Endpoint{Name: "getupstreammsgdistmonth", MaxSpan: 30, Period: Monthly, PermissionSet: 1,
		rows: codec[UpstreamMsgDist]()}

	// getinterfacesummary serves the week before the newest day too: the
	// callback failure baseline is computed from it.
	GetInterfaceSummary = Endpoint{Name: "getinterfacesummary", MaxSpan: 30, Period: Daily, PermissionSet: 3,
		ServedDays: 1 + BaselineWeek, rows: codec[InterfaceSummary]()}
	GetInterfaceSummaryHour = Endpoint{Name: "getinterfacesummaryhour", MaxSpan: 1, Period: Daily, PermissionSet: 3,
		rows: codec[InterfaceSummaryHour]()}

	// The 2025 "published content" endpoints, which WeChat's newest
	// documentation points to instead of the legacy article endpoints.
	// Data from 2025-11-01; permission set 7, as the official pages say.
	ContentSince = NewDate(2025, time.November, 1)
	// getbizsummary serves the week before the newest day too: the
	// readers' baseline is computed from it.
	GetBizSummary = Endpoint{Name: "getbizsummary", MaxSpan: 30, Period: Daily, PermissionSet: 7, Since: ContentSince,
		ServedDays: 1 + BaselineWeek, rows: codec[BizSummary]()}
	GetArticleRead = Endpoint{Name: "getarticleread", MaxSpan: 1, Period: Daily, PermissionSet: 7, Since: ContentSince,
		Empty: EmptyNormal, rows: codec[ArticleRead]()}
	GetArticleShare = Endpoint{Name: "getarticleshare", MaxSpan: 1, Period: Daily, PermissionSet: 7, Since: ContentSince,
		Empty: EmptyNormal, rows: codec[ArticleShare]()}
	// getarticletotaldetail counts each published item over a statistics
	// period of at most 30 days (统计周期内(最大30天)): its publish days
	// settle, and are served, for 30 days.
	GetArticleTotalDetail = Endpoint{Name: "getarticletotaldetail", MaxSpan: 1, Period: Daily, PermissionSet: 7, Since: ContentSince,
		SettleDays: 30, ServedDays: 30, Empty: EmptyNormal, rows: codec[PublishedArticle]()}

	// Ad analysis (流量主) through GET /publisher/stat, for accounts that
	// are publishers: opt-in per account. Amounts are in fen. Data from
	// 2016-01-01. Spans: 90 days for ad slots, 60 for rebate goods; the
	// settlement has none and is asked for as a snapshot (see
	// SettlementWindow).
	PublisherSince        = NewDate(2016, time.January, 1)
	PublisherAdPosGeneral = Endpoint{Name: "publisher_adpos_general", MaxSpan: 90, Period: Daily, Since: PublisherSince, Publisher: true,
		ServedDays: 1 + BaselineWeek, rows: codec[AdPosition]()} // the week before: the income baseline
	PublisherCPSGeneral = Endpoint{Name: "publisher_cps_general", MaxSpan: 60, Period: Daily, Since: PublisherSince, Publisher: true,
		rows: codec[CPSGeneral]()}
	PublisherSettlement = Endpoint{Name: "publisher_settlement", MaxSpan: 1, Period: Snapshot, Since: PublisherSince, Publisher: true,
		rows: codec[Settlement]()}

	// The follower count now (GET /cgi-bin/user/get), where
	// getusercumulate lags a day. Opt-in per account (extra_endpoints):
	// only the first page's total is kept, never the OpenIDs.
	GetUserCount = Endpoint{Name: "user_get", MaxSpan: 1, Period: Live, PermissionSet: 2,
		Method: http.MethodGet, URLPath: "/cgi-bin/user/get", Keep: "total", Empty: EmptyNotReady, rows: codec[UserCount]()}

	// The daily quota of each API the exporter calls (POST
	// /cgi-bin/openapi/quota/get): how much of it is used, so that an
	// alert can warn before WeChat answers 45009. Asked for every account
	// every --collector.quota-interval; a refusal makes it unavailable for
	// the account, as for any endpoint.
	APIQuota = Endpoint{Name: "quota", MaxSpan: 1, Period: Live, PerPath: true,
		Method: http.MethodPost, URLPath: "/cgi-bin/openapi/quota/get", Keep: "quota", Empty: EmptyNotReady, rows: codec[APIQuotaRow]()}

	endpointsByName = map[string]Endpoint{}
	legacyEndpoints = []Endpoint{
		GetUserSummary, GetUserCumulate,
		GetArticleSummary, GetArticleTotal, GetUserRead, GetUserReadHour, GetUserShare, GetUserShareHour,
		GetUpstreamMsg, GetUpstreamMsgHour, GetUpstreamMsgWeek, GetUpstreamMsgMonth,
		GetUpstreamMsgDist, GetUpstreamMsgDistWeek, GetUpstreamMsgDistMonth,
		GetInterfaceSummary, GetInterfaceSummaryHour,
	}
	contentEndpoints   = []Endpoint{GetBizSummary, GetArticleRead, GetArticleShare, GetArticleTotalDetail}
	datacubeEndpoints  = append(append([]Endpoint(nil), legacyEndpoints...), contentEndpoints...)
	publisherEndpoints = []Endpoint{PublisherAdPosGeneral, PublisherCPSGeneral, PublisherSettlement}
	liveEndpoints      = []Endpoint{GetUserCount, APIQuota}
	allEndpoints       = append(append(append([]Endpoint(nil), datacubeEndpoints...), publisherEndpoints...), liveEndpoints...)
)

func init() {
	for _, e := range allEndpoints {
		endpointsByName[e.Name] = e
	}
}

// Endpoints returns every endpoint: the legacy datacube ones in
// documentation order, the content ones, then the publisher actions.
func Endpoints() []Endpoint { return append([]Endpoint(nil), allEndpoints...) }

// DatacubeEndpoints returns the 21 datacube endpoints (legacy and content),
// which every account is collected from unless configured otherwise.
func DatacubeEndpoints() []Endpoint { return append([]Endpoint(nil), datacubeEndpoints...) }

// PublisherEndpoints returns the three ad analysis actions, which answer
// only for publisher accounts.
func PublisherEndpoints() []Endpoint { return append([]Endpoint(nil), publisherEndpoints...) }

// EndpointByName looks an endpoint up by its name.
func EndpointByName(name string) (Endpoint, bool) {
	e, ok := endpointsByName[name]
	return e, ok
}

// EndpointNames returns every endpoint name, sorted.
func EndpointNames() []string {
	names := make([]string, 0, len(allEndpoints))
	for _, e := range allEndpoints {
		names = append(names, e.Name)
	}
	sort.Strings(names)
	return names
}

// Range is one request's [Begin, End] (both inclusive).
type Range struct{ Begin, End Date }

func (r Range) String() string { return r.Begin.String() + ".." + r.End.String() }

// Days returns the number of calendar days the range covers.
func (r Range) Days() int { return int(r.End-r.Begin) + 1 }

// LatestComplete returns the label date of the newest period of the
// endpoint whose data can exist on day today (Beijing): yesterday for daily
// endpoints, the Monday of last week or the 1st of last month otherwise.
func (e Endpoint) LatestComplete(today Date) Date {
	switch e.Period {
	case Live:
		return today
	case Weekly:
		return today.WeekStart().AddDays(-7)
	case Monthly:
		return today.MonthStart().AddDays(-1).MonthStart()
	}
	return today.AddDays(-1)
}

// FirstServed returns the first day on which label is the newest complete
// one (LatestComplete), so served live from that day's ready time: the
// next day for a daily label, the next Monday for a week, the 1st of the
// next month for a month.
func (e Endpoint) FirstServed(label Date) Date {
	switch e.Period {
	case Weekly:
		return label.AddDays(7)
	case Monthly:
		return label.AddDays(31).MonthStart()
	case Live:
		return label
	}
	return label.AddDays(1)
}

// Labels returns the period labels of the endpoint within [from, to]: every
// day for daily endpoints, the Mondays or 1sts otherwise.
func (e Endpoint) Labels(from, to Date) []Date {
	var out []Date
	for d := e.firstLabel(from); d <= to; d = e.nextLabel(d) {
		out = append(out, d)
	}
	return out
}

// IsLabel reports whether d is a period label of the endpoint.
func (e Endpoint) IsLabel(d Date) bool { return e.firstLabel(d) == d }

func (e Endpoint) firstLabel(from Date) Date {
	switch e.Period {
	case Weekly:
		if m := from.WeekStart(); m < from {
			return m.AddDays(7)
		}
	case Monthly:
		if m := from.MonthStart(); m < from {
			return from.NextMonthStart()
		}
	}
	return from
}

func (e Endpoint) nextLabel(d Date) Date {
	switch e.Period {
	case Weekly:
		return d.AddDays(7)
	case Monthly:
		return d.NextMonthStart()
	}
	return d.AddDays(1)
}

// SplitRange splits [from, to] into the fewest requests the endpoint allows.
// Daily endpoints get consecutive ranges of at most MaxSpan days. Weekly and
// monthly endpoints get one single-day request per period label in the range
// (see the tolerant choice documented on the endpoint table). An empty or
// inverted range gives no requests.
func SplitRange(e Endpoint, from, to Date) []Range {
	if from > to {
		return nil
	}
	if e.Period != Daily {
		labels := e.Labels(from, to)
		out := make([]Range, len(labels))
		for i, d := range labels {
			out[i] = Range{d, d}
		}
		return out
	}
	return splitDays(from, to, e.MaxSpan)
}

func splitDays(from, to Date, span int) []Range {
	if span < 1 {
		span = 1
	}
	var out []Range
	for b := from; b <= to; b = b.AddDays(span) {
		out = append(out, Range{b, min(b.AddDays(span-1), to)})
	}
	return out
}

// SplitDates groups a sorted or unsorted set of wanted dates into the fewest
// requests: runs of consecutive wanted days are split by SplitRange, so
// dates already held cost nothing.
func SplitDates(e Endpoint, dates []Date) []Range {
	ds := append([]Date(nil), dates...)
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	var out []Range
	for i := 0; i < len(ds); {
		j := i
		for j+1 < len(ds) && ds[j+1] <= ds[j]+1 {
			j++
		}
		out = append(out, SplitRange(e, ds[i], ds[j])...)
		i = j + 1
	}
	return out
}

// ErrUnknownEndpoint names an endpoint that does not exist.
type ErrUnknownEndpoint string

func (e ErrUnknownEndpoint) Error() string {
	return fmt.Sprintf("unknown endpoint %q", string(e))
}
