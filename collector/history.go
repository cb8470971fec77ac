package collector

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

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
}

// WriteHistory writes the data metrics of every stored day in [From, To]
// as OpenMetrics, one sample per day per series, timestamped at 00:00
// Beijing of the data date, with the names and labels of /metrics, ending
// in "# EOF": ready for promtool tsdb create-blocks-from openmetrics.
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
	for _, account := range o.Accounts {
		points, err := accountHistory(src, account, o)
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
// family code as /metrics.
func accountHistory(src HistorySource, account string, o HistoryOptions) (accountPoints, error) {
	out := accountPoints{}
	for _, ep := range o.Endpoints {
		f := families[ep.Name]
		if f == nil {
			continue
		}
		served := ep.Served()
		days, err := src.Range(account, ep.Name, o.From.AddDays(1-served), o.To)
		if err != nil {
			return nil, err
		}
		rowsByDay := map[wechat.Date][]wechat.Row{}
		for _, d := range days {
			err := d.Err
			if err == nil {
				rowsByDay[d.Date], err = wechat.DecodeDay(ep, d.Date, d.Rows)
			}
			if err != nil {
				delete(rowsByDay, d.Date)
				if o.Damaged != nil {
					o.Damaged(account, ep.Name, d.Date, err)
				}
			}
		}
		for _, d := range days {
			if _, ok := rowsByDay[d.Date]; d.Date < o.From || !ok {
				continue
			}
			var rows []wechat.Row
			for back := served - 1; back >= 0; back-- {
				rows = append(rows, rowsByDay[d.Date.AddDays(-back)]...)
			}
			e := &Endpoint{Date: d.Date, Rows: rows}
			acc := &Account{Name: account, Endpoints: map[string]*Endpoint{ep.Name: e}}
			m := newMetrics()
			f.collectBounded(m, &scope{account: account, posts: selectPosts(acc, o.MaxPosts)}, e)
			ts := d.Date.Start().Unix()
			for _, s := range m.samples {
				info := descInfos[s.desc]
				fp := out[info.name]
				if fp == nil {
					fp = &familyPoints{help: info.help, series: map[string]map[int64]float64{}}
					out[info.name] = fp
				}
				key := seriesText(info, s.labels)
				if fp.series[key] == nil {
					fp.series[key] = map[int64]float64{}
				}
				fp.series[key][ts] = s.value // the same day from two endpoints (post_info) is one sample
			}
		}
	}
	return out, nil
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

// seriesText renders name{labels} in the OpenMetrics text format.
func seriesText(info descInfo, values []string) string {
	var b strings.Builder
	b.WriteString(info.name)
	b.WriteByte('{')
	for i, l := range info.labels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(values[i]))
		b.WriteByte('"')
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
