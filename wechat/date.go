package wechat

import (
	"encoding/json"
	"fmt"
	"time"
)

// beijingOffset is China Standard Time: UTC+8 all year, no daylight saving.
// A fixed offset is used on purpose so that nothing depends on the host's
// time zone database.
const beijingOffset = 8 * 60 * 60

// Beijing is the fixed UTC+8 zone in which WeChat's calendar days are counted.
var Beijing = time.FixedZone("UTC+8", beijingOffset)

// Date is a Beijing calendar day, counted in days since 1970-01-01.
// It is comparable, orderable and cheap to use as a map or store key.
type Date int32

// EarliestDate is the first day for which WeChat keeps datacube data;
// anything earlier is documented as untrustworthy.
var EarliestDate = MustParseDate("2014-12-01")

// NewDate returns the date of the given civil year, month and day (out of
// range values normalised, as time.Date does).
func NewDate(year int, month time.Month, day int) Date {
	if month < 1 || month > 12 || day < 1 || day > 28 {
		return Date(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	}
	// days from civil (H. Hinnant's algorithm): no time.Date on the hot path
	y := int64(year)
	if month <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (int64(month) + 9) % 12
	doy := (153*mp+2)/5 + int64(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return Date(era*146097 + doe - 719468)
}

// DateOf returns the Beijing calendar day that contains t.
func DateOf(t time.Time) Date {
	s := t.Unix() + beijingOffset
	d := s / 86400
	if s%86400 < 0 {
		d-- // floor division for instants before 1970
	}
	return Date(d)
}

// ParseDate parses a strict "YYYY-MM-DD" date. It is read by hand: every
// row and every statistics day of an answer has one.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return 0, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	return NewDate(y, time.Month(m), d), nil
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// MustParseDate is ParseDate for constants; it panics on a bad date.
func MustParseDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func (d Date) utc() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String formats the date as WeChat does: "YYYY-MM-DD".
func (d Date) String() string { return d.utc().Format(time.DateOnly) }

// Start returns 00:00 Beijing time of the day.
func (d Date) Start() time.Time { return time.Unix(int64(d)*86400-beijingOffset, 0).In(Beijing) }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return d + Date(n) }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// Day returns the day of the month, 1..31.
func (d Date) Day() int { return d.utc().Day() }

// WeekStart returns the Monday of the week containing d: WeChat's label for
// weekly data.
func (d Date) WeekStart() Date {
	return d - Date((int(d.Weekday())+6)%7)
}

// Year returns the year of the day.
func (d Date) Year() int { return d.utc().Year() }

// Month returns the month of the day.
func (d Date) Month() time.Month { return d.utc().Month() }

// MonthStart returns the 1st of the month containing d: WeChat's label for
// monthly data.
func (d Date) MonthStart() Date { return d - Date(d.Day()-1) }

// NextMonthStart returns the 1st of the month after the one containing d.
func (d Date) NextMonthStart() Date {
	t := d.utc()
	return NewDate(t.Year(), t.Month()+1, 1)
}

// MarshalJSON encodes the date as a "YYYY-MM-DD" string.
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON decodes a "YYYY-MM-DD" string. Anything else decodes as
// the zero Date, which is no day WeChat has data for: a row's date is its
// key, and a row without one is left out when read (decode.go), where an
// error would lose the whole answer.
func (d *Date) UnmarshalJSON(b []byte) error {
	*d = 0
	s, ok := plainString(b)
	if !ok {
		return nil
	}
	if v, err := ParseDate(s); err == nil {
		*d = v
	}
	return nil
}

// Today returns the current Beijing calendar day.
func Today(now time.Time) Date { return DateOf(now) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
