package wechat

import (
	"testing"
	"time"
)

// TestDatesAgreeWithTime: the hand-written day arithmetic and parsing
// (hot on every row) agree with package time for every day from 1960 to
// 2110, and refuse what is not a calendar day.
func TestDatesAgreeWithTime(t *testing.T) {
	for d := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2110; d = d.AddDate(0, 0, 1) {
		got := NewDate(d.Year(), d.Month(), d.Day())
		if want := Date(d.Unix() / 86400); got != want {
			t.Fatalf("%v: %d, want %d", d, got, want)
		}
		if p, err := ParseDate(d.Format(time.DateOnly)); err != nil || p != got {
			t.Fatalf("parse %v: %v %v", d, p, err)
		}
	}
	for _, bad := range []string{"2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "20x6-01-01", "2026-1-011", "+026-01-01"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := ParseDate("2024-02-29"); err != nil {
		t.Error(err)
	}
}
