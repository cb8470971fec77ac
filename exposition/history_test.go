package exposition_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/exposition"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// memHistory is a store of a few days, for WriteHistory.
type memHistory map[string][]store.Day // endpoint -> days

func (m memHistory) Range(_, endpoint string, from, to wechat.Date) ([]store.Day, error) {
	var out []store.Day
	for _, d := range m[endpoint] {
		if d.Date >= from && d.Date <= to {
			out = append(out, d)
		}
	}
	return out, nil
}

func day(t *testing.T, d wechat.Date, rows string) store.Day {
	t.Helper()
	if !json.Valid([]byte(rows)) {
		t.Fatalf("invalid rows %s", rows)
	}
	return store.Day{Date: d, FetchedOn: d.AddDays(1), Rows: json.RawMessage(rows)}
}

// TestHistoryStampsWhenFirstServed: a day's samples are stamped when the
// live exporter would first have served it (the next day at the ready
// time; a week on the next Monday, a month on the next 1st), never after
// now, with the extra labels on every series.
func TestHistoryStampsWhenFirstServed(t *testing.T) {
	d := wechat.MustParseDate
	src := memHistory{
		wechat.GetUserCumulate.Name: {
			day(t, d("2026-11-20"), `[{"ref_date":"2026-11-20","cumulate_user":100}]`),
			day(t, d("2026-11-21"), `[{"ref_date":"2026-11-21","cumulate_user":101}]`),
		},
		wechat.GetUpstreamMsgWeek.Name: {
			day(t, d("2026-11-09"), `[{"ref_date":"2026-11-09","msg_type":1,"msg_user":5,"msg_count":9}]`),
		},
		wechat.GetUpstreamMsgMonth.Name: {
			day(t, d("2026-10-01"), `[{"ref_date":"2026-10-01","msg_type":1,"msg_user":50,"msg_count":90}]`),
		},
	}
	ready := 8*time.Hour + 30*time.Minute
	now := d("2026-11-22").Start().Add(7 * time.Hour) // before the ready time
	var buf bytes.Buffer
	_, err := exposition.WriteHistory(&buf, src, exposition.HistoryOptions{Accounts: []string{"acc"}, Endpoints: wechat.Endpoints(),
		From: d("2026-10-01"), To: d("2026-11-21"), TempDir: t.TempDir(), ReadyTime: ready, Now: now,
		Labels: [][2]string{{"job", "wechat"}, {"instance", "exporter:10070"}}})
	if err != nil {
		t.Fatal(err)
	}
	stamp := func(tm time.Time) string { return " " + strconv.FormatInt(tm.Unix(), 10) }
	for _, want := range []string{
		`wechat_user_followers{account="acc",job="wechat",instance="exporter:10070"} 100` + stamp(d("2026-11-21").Start().Add(ready)),
		// yesterday's would be served at 08:30 today: not after now
		`wechat_user_followers{account="acc",job="wechat",instance="exporter:10070"} 101` + stamp(now),
		// the week of 11-09 is served from Monday 11-16
		`wechat_upstream_weekly_messages{account="acc",msg_type="text",job="wechat",instance="exporter:10070"} 9` + stamp(d("2026-11-16").Start().Add(ready)),
		// October from November 1st
		`wechat_upstream_monthly_messages{account="acc",msg_type="text",job="wechat",instance="exporter:10070"} 90` + stamp(d("2026-11-01").Start().Add(ready)),
	} {
		if !strings.Contains(buf.String(), want+"\n") {
			t.Errorf("history lacks %q:\n%s", want, buf.String())
		}
	}
}
