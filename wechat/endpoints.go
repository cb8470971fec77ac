package wechat

import (
	"fmt"
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
)

func (p Period) String() string {
	switch p {
	case Weekly:
		return "weekly"
	case Monthly:
		return "monthly"
	case Snapshot:
		return "snapshot"
	}
	return "daily"
}

// Endpoint describes one datacube data interface.
type Endpoint struct {
	// Name is the last path element, e.g. "getusersummary". It is the value
	// of the exporter's `endpoint` label and the key in configuration files.
	Name string
	// MaxSpan is the most calendar days one request may cover
	// (end_date - begin_date < MaxSpan).
	MaxSpan int
	// Period says how rows are labelled.
	Period Period
	// PermissionSet is the third-party platform permission set that grants
	// the endpoint (1 messages, 2 users, 3 interface, 7 articles).
	PermissionSet int
	// Since is the first day WeChat has data for; zero means EarliestDate.
	Since Date
	// Publisher marks the ad analysis actions of GET /publisher/stat
	// (Name is the action), answered only for accounts that are
	// publishers (流量主).
	Publisher bool
}

// FirstDate returns the first day the endpoint has data for.
func (e Endpoint) FirstDate() Date {
	if e.Since == 0 {
		return EarliestDate
	}
	return e.Since
}

// Path returns the URL path of the endpoint.
func (e Endpoint) Path() string {
	if e.Publisher {
		return "/publisher/stat"
	}
	return "/datacube/" + e.Name
}

// The 17 legacy datacube endpoints, with the spans of the legacy
// documentation, which every source agrees on for the daily endpoints.
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
	GetUserSummary          = Endpoint{"getusersummary", 7, Daily, 2, 0, false}
	GetUserCumulate         = Endpoint{"getusercumulate", 7, Daily, 2, 0, false}
	GetArticleSummary       = Endpoint{"getarticlesummary", 1, Daily, 7, 0, false}
	GetArticleTotal         = Endpoint{"getarticletotal", 1, Daily, 7, 0, false}
	GetUserRead             = Endpoint{"getuserread", 3, Daily, 7, 0, false}
	GetUserReadHour         = Endpoint{"getuserreadhour", 1, Daily, 7, 0, false}
	GetUserShare            = Endpoint{"getusershare", 7, Daily, 7, 0, false}
	GetUserShareHour        = Endpoint{"getusersharehour", 1, Daily, 7, 0, false}
	GetUpstreamMsg          = Endpoint{"getupstreammsg", 7, Daily, 1, 0, false}
	GetUpstreamMsgHour      = Endpoint{"getupstreammsghour", 1, Daily, 1, 0, false}
	GetUpstreamMsgWeek      = Endpoint{"getupstreammsgweek", 30, Weekly, 1, 0, false}
	GetUpstreamMsgMonth     = Endpoint{"getupstreammsgmonth", 30, Monthly, 1, 0, false}
	GetUpstreamMsgDist      = Endpoint{"getupstreammsgdist", 15, Daily, 1, 0, false}
	GetUpstreamMsgDistWeek  = Endpoint{"getupstreammsgdistweek", 30, Weekly, 1, 0, false}
	GetUpstreamMsgDistMonth = Endpoint{"getupstreammsgdistmonth", 30, Monthly, 1, 0, false}
	GetInterfaceSummary     = Endpoint{"getinterfacesummary", 30, Daily, 3, 0, false}
	GetInterfaceSummaryHour = Endpoint{"getinterfacesummaryhour", 1, Daily, 3, 0, false}

	// The 2025 "published content" endpoints, which WeChat's newest
	// documentation points to instead of the legacy article endpoints.
	// Data from 2025-11-01. Their permission set is not documented; 7
	// (articles) is assumed [?].
	ContentSince          = NewDate(2025, time.November, 1)
	GetBizSummary         = Endpoint{"getbizsummary", 30, Daily, 7, ContentSince, false}
	GetArticleRead        = Endpoint{"getarticleread", 1, Daily, 7, ContentSince, false}
	GetArticleShare       = Endpoint{"getarticleshare", 1, Daily, 7, ContentSince, false}
	GetArticleTotalDetail = Endpoint{"getarticletotaldetail", 1, Daily, 7, ContentSince, false}

	// Ad analysis (流量主) through GET /publisher/stat, for accounts that
	// are publishers: opt-in per account. Amounts are in fen. Data from
	// 2016-01-01. Spans: 90 days for ad slots, 60 for rebate goods; the
	// settlement has none and is asked for as a snapshot (see
	// SettlementWindow). Their permission set is not documented (0).
	PublisherSince        = NewDate(2016, time.January, 1)
	PublisherAdPosGeneral = Endpoint{"publisher_adpos_general", 90, Daily, 0, PublisherSince, true}
	PublisherCPSGeneral   = Endpoint{"publisher_cps_general", 60, Daily, 0, PublisherSince, true}
	PublisherSettlement   = Endpoint{"publisher_settlement", 1, Snapshot, 0, PublisherSince, true}

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
	allEndpoints       = append(append([]Endpoint(nil), datacubeEndpoints...), publisherEndpoints...)
)

// LegacyEndpoints returns the 17 endpoints of the legacy documentation.
func LegacyEndpoints() []Endpoint { return append([]Endpoint(nil), legacyEndpoints...) }

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
	case Weekly:
		return today.WeekStart().AddDays(-7)
	case Monthly:
		return today.MonthStart().AddDays(-1).MonthStart()
	}
	return today.AddDays(-1)
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
