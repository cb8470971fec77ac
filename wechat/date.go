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

// NewDate returns the date of the given civil year, month and day.
func NewDate(year int, month time.Month, day int) Date {
	return Date(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
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

// ParseDate parses a strict "YYYY-MM-DD" date.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	return NewDate(t.Year(), t.Month(), t.Day()), nil
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

// UnmarshalJSON decodes a "YYYY-MM-DD" string.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date must be a string, got %s", truncate(string(b), 32))
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
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
