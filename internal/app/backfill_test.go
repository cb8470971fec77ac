package app

import (
	"testing"
	"time"
)

func TestBackfillRangeErrors(t *testing.T) {
	now := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	tests := map[[2]string]string{
		{"2014-11-30", "2014-12-05"}: "--from 2014-11-30: WeChat keeps no data before 2014-12-01",
		{"2026-11-01", "2026-11-22"}: "--to 2026-11-22: the newest day WeChat can serve is yesterday, 2026-11-21 (Beijing)",
		{"2026-11-10", "2026-11-01"}: "--from 2026-11-10 is after --to 2026-11-01",
		{"2026-11-1", "2026-11-02"}:  `--from: invalid date "2026-11-1": want YYYY-MM-DD`,
	}
	for args, want := range tests {
		if _, _, err := backfillRange(args[0], args[1], now); err == nil || err.Error() != want {
			t.Errorf("%v: %v, want %s", args, err, want)
		}
	}
}
