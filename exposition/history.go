package exposition

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// HistorySource is what the history writer reads: the store.
type HistorySource interface {
	Range(account, endpoint string, from, to wechat.Date) ([]store.Day, error)
}

// HistoryOptions says what history to write.
type HistoryOptions struct {
	Accounts  []string
	Endpoints []wechat.Endpoint
	From, To  wechat.Date
	MaxPosts  int
	// TempDir holds one file per metric family while writing.
	TempDir string
	// Damaged is told of each stored day that cannot be read back, which
	// is left out.
	Damaged func(account, endpoint string, day wechat.Date, err error)
	// ReadyTime is the Beijing time of day the live exporter fetches
	// yesterday's data (--collector.ready-time): a day's samples are
	// stamped when the live exporter would first have served it.
	ReadyTime time.Duration
	// Now bounds the timestamps: none is later.
	Now time.Time
	// Shift is added to every timestamp (the hidden clock offset of the
	// tests, negated; zero otherwise).
	Shift time.Duration
	// Filter removes metric families (nil keeps all).
	Filter *collector.MetricFilter
	// Labels are added to every series (the job and instance labels
	// Prometheus gives the live series), as name, value pairs.
	Labels [][2]string
}

// WriteHistory writes the data metrics of every stored day in [From, To]
// as OpenMetrics with the names and labels of /metrics (plus o.Labels),
// ending in "# EOF": ready for promtool tsdb create-blocks-from
// openmetrics. Each day (week, month) is one sample per series, stamped
// where the live exporter would first have served it: at the ready time
// of the next day (of the next Monday, of the next month's 1st), never
// later than o.Now. Read with last_over_time(...[1d]), as the dashboards
// do, the imported days and the live ones are one series.
//
// Samples are written per metric family (OpenMetrics wants a family's
// samples together) through one temporary file per family, and, within an
// account, in time order per series; so memory holds one account's
// history at a time, not the platform's.
func WriteHistory(w io.Writer, src HistorySource, o HistoryOptions) (samples int, err error) {
	files := map[string]*familyFile{}
	defer func() {
		for _, f := range files {
			f.file.Close()
			os.Remove(f.file.Name())
		}
	}()
	c := collector.New(nil, collector.WithMaxPosts(o.MaxPosts), collector.WithMetricFilter(o.Filter))
	for _, account := range o.Accounts {
		points, err := accountHistory(src, account, o, c)
		if err != nil {
			return 0, err
		}
		n, err := points.flush(files, o.TempDir)
		if err != nil {
			return 0, err
		}
		samples += n
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	bw := bufio.NewWriter(w)
	for _, name := range names {
		f := files[name]
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s gauge\n", name, escapeHelp(f.help), name)
		if err := f.w.Flush(); err != nil {
			return 0, err
		}
		if _, err := f.file.Seek(0, io.SeekStart); err != nil {
			return 0, err
		}
		if _, err := io.Copy(bw, f.file); err != nil {
			return 0, err
		}
	}
	bw.WriteString("# EOF\n")
	return samples, bw.Flush()
}

// accountPoints is one account's samples by family name.
type accountPoints map[string]*familyPoints

// accountHistory replays each stored day of the account through the same
// family code as /metrics: for each day, every endpoint's rows served with
// it, the per-post series chosen among all of them, as live.
func accountHistory(src HistorySource, account string, o HistoryOptions, c *collector.Collector) (accountPoints, error) {
	rows, days, err := storedRows(src, account, o)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(o.Endpoints))
	for i, ep := range o.Endpoints {
		names[i] = ep.Name
	}
	infos := collector.DescInfos()
	out := accountPoints{}
	for _, day := range days {
		acc := servedOn(account, day, o.Endpoints, rows)
		for i, samples := range c.FamilySamples(acc, names) {
			ts := o.stamp(o.Endpoints[i], day)
			for _, s := range samples {
				info := infos[s.Desc]
				fp := out[info.Name]
				if fp == nil {
					fp = &familyPoints{help: info.Help, series: map[string]map[int64]float64{}}
					out[info.Name] = fp
				}
				key := seriesText(info, s.Labels, o.Labels)
				if fp.series[key] == nil {
					fp.series[key] = map[int64]float64{}
				}
				fp.series[key][ts] = s.Value // the same day from two endpoints (post_info) is one sample
			}
		}
	}
	return out, nil
}

// storedRows reads the account's stored days of each endpoint with
// metrics, from the earliest its first day is served with: endpoint ->
// day -> rows. days are those in [o.From, o.To], sorted. A damaged day
// is told to o.Damaged and left out.
func storedRows(src HistorySource, account string, o HistoryOptions) (map[string]map[wechat.Date][]wechat.Row, []wechat.Date, error) {
	rows := map[string]map[wechat.Date][]wechat.Row{}
	labels := map[wechat.Date]bool{}
	for _, ep := range o.Endpoints {
		if !collector.HasFamily(ep.Name) {
			continue
		}
		days, err := src.Range(account, ep.Name, o.From.AddDays(1-ep.Served()), o.To)
		if err != nil {
			return nil, nil, err
		}
		byDay := map[wechat.Date][]wechat.Row{}
		for _, d := range days {
			r, err := d.Rows, d.Err
			var decoded []wechat.Row
			if err == nil {
				decoded, err = wechat.DecodeDay(ep, d.Date, r)
			}
			if err != nil {
				if o.Damaged != nil {
					o.Damaged(account, ep.Name, d.Date, err)
				}
				continue
			}
			byDay[d.Date] = decoded
			if d.Date >= o.From {
				labels[d.Date] = true
			}
		}
		rows[ep.Name] = byDay
	}
	sorted := make([]wechat.Date, 0, len(labels))
	for d := range labels {
		sorted = append(sorted, d)
	}
	slices.Sort(sorted)
	return rows, sorted, nil
}

// servedOn is the account as /metrics served it on day: each endpoint
// with a row set for the day, with the days served together.
func servedOn(account string, day wechat.Date, endpoints []wechat.Endpoint, rows map[string]map[wechat.Date][]wechat.Row) *served.Account {
	acc := &served.Account{Name: account, Endpoints: map[string]*served.Endpoint{}}
	for _, ep := range endpoints {
		byDay := rows[ep.Name]
		if _, ok := byDay[day]; !ok {
			continue
		}
		e := &served.Endpoint{Date: day}
		for back := ep.Served() - 1; back >= 0; back-- {
			d := day.AddDays(-back)
			if rows, stored := byDay[d]; stored {
				e.Rows, e.Days = append(e.Rows, rows...), append(e.Days, d)
			}
		}
		acc.Endpoints[ep.Name] = e
	}
	return acc
}

// stamp is the time (Unix seconds) a day's samples are written at: when
// the live exporter would first have served the label, never after Now.
func (o HistoryOptions) stamp(ep wechat.Endpoint, label wechat.Date) int64 {
	t := ep.FirstServed(label).Start().Add(o.ReadyTime)
	if !o.Now.IsZero() && t.After(o.Now) {
		t = o.Now
	}
	return t.Add(o.Shift).Unix()
}

// familyPoints holds a family's samples: series text -> time -> value.
type familyPoints struct {
	help   string
	series map[string]map[int64]float64
}

type familyFile struct {
	help string
	file *os.File
	w    *bufio.Writer
}

// flush appends an account's samples to the family files, each series in
// time order.
func (h accountPoints) flush(files map[string]*familyFile, dir string) (int, error) {
	n := 0
	for name, fp := range h {
		f := files[name]
		if f == nil {
			file, err := os.CreateTemp(dir, "wechat-history-*")
			if err != nil {
				return 0, err
			}
			f = &familyFile{help: fp.help, file: file, w: bufio.NewWriter(file)}
			files[name] = f
		}
		keys := make([]string, 0, len(fp.series))
		for k := range fp.series {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			points := fp.series[k]
			times := make([]int64, 0, len(points))
			for t := range points {
				times = append(times, t)
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			for _, t := range times {
				fmt.Fprintf(f.w, "%s %s %d\n", k, formatValue(points[t]), t)
				n++
			}
		}
	}
	return n, nil
}

// seriesText renders name{labels} in the OpenMetrics text format, with
// the extra labels after the family's.
func seriesText(info collector.DescInfo, values []string, extra [][2]string) string {
	var b strings.Builder
	b.WriteString(info.Name)
	b.WriteByte('{')
	label := func(name, value string) {
		if b.Len() > len(info.Name)+1 {
			b.WriteByte(',')
		}
		b.WriteString(name)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(value))
		b.WriteByte('"')
	}
	for i, l := range info.Labels {
		label(l, values[i])
	}
	for _, l := range extra {
		label(l[0], l[1])
	}
	b.WriteByte('}')
	return b.String()
}

// OpenMetrics escapes double quotes in HELP too, unlike the text format.
var omHelpEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelValueEscaper.Replace(s) }
func escapeHelp(s string) string  { return omHelpEscaper.Replace(s) }

func formatValue(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
