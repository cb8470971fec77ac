package exposition

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/internal/parallel"
	"github.com/wechat-exporter/wechat-exporter/served"
)

// renderText writes the data metrics of snap in the Prometheus text format
// exactly as a registry holding the collector and promhttp would write them
// (a test holds the two to the same bytes), without building const
// metrics, the registry's per-metric checks and its global sort: a large
// platform's full /metrics renders in a fraction of the time and memory.
//
// It relies on what the registry's checks guarantee for this collector:
// families are sorted by name, series within a family by label values in
// label-name order, and "account" is every data metric's first label name,
// so each family is its accounts' series in account order, each account's
// sorted on its own.
//
// The result is a list of gzip members (a family's header, an account's
// series of it) to write one after the other: concatenated, they are one
// valid gzip stream (RFC 1952, section 2.2) of the exposition. The text is
// kept compressed because it is the largest thing the exporter holds
// (about 260 KB per account); gzip is what Prometheus asks for, and a
// plain scrape decompresses it as it is written (writePlain).
func (e *Exposition) renderText(snap *served.Snapshot) section {
	accounts := snap.Accounts()
	// A small exposition keeps its text too: a plain scrape is then a
	// copy, not a decompression, and costs less than promhttp's at one
	// account.
	keepPlain := len(accounts) <= keepPlainUpTo
	rendered := make([]accountRender, len(accounts))
	var prev map[*served.Account]accountRender
	if p := e.rendered.Load(); p != nil {
		prev = *p
	}
	// Accounts render independently: on every core.
	parallel.For(len(accounts), func(i int) {
		acc := accounts[i]
		switch r, ok := prev[acc]; {
		case ok && (r.plain != nil || !keepPlain):
			rendered[i] = r // the account did not change
		case acc.Rendered() != nil:
			// Unchanged since a cold start loaded it from the render
			// cache, maybe before its rows: its text is not kept.
			rendered[i] = accountRender{gz: acc.Rendered().Pieces}
		default:
			rendered[i] = e.renderAccount(acc, keepPlain)
		}
	})
	next := make(map[*served.Account]accountRender, len(accounts))
	for i, acc := range accounts {
		next[acc] = rendered[i]
	}
	e.rendered.Store(&next)

	for _, r := range rendered {
		keepPlain = keepPlain && r.plain != nil
	}
	fams := familyTable()
	var out section
	for id := range fams.infos {
		header := false
		for _, r := range rendered {
			if len(r.gz[id]) == 0 {
				continue
			}
			if !header {
				out.members = append(out.members, fams.headers[id])
				if keepPlain {
					out.plain = append(out.plain, fams.plainHeaders[id])
				}
				header = true
			}
			out.members = append(out.members, r.gz[id])
			if keepPlain {
				out.plain = append(out.plain, r.plain[id])
			}
		}
	}
	return out
}

// keepPlainUpTo is how many accounts an exposition may have and still be
// kept as text beside its gzip members (about 260 KB an account).
const keepPlainUpTo = 16

// section is the data section of a snapshot: gzip members to write one
// after the other, and for a small exposition the same text, plain.
type section struct {
	members [][]byte
	plain   [][]byte // nil unless kept
}

// accountRender is an account's pieces of each family (by family id):
// gzip members, and their text when kept.
type accountRender struct {
	gz, plain [][]byte
}

// renderAccount renders an account's samples family by family, each
// family's series in label order, and returns each family's piece of it as
// a gzip member (indexed by family id; empty for families without series).
func (e *Exposition) renderAccount(acc *served.Account, keepPlain bool) accountRender {
	fams := familyTable()
	samples := e.c.Samples(acc)
	// The samples by family (a counting sort: families are numbered),
	// then each family's by label values, which the rows mostly give in
	// order already (hours, channels).
	byFamily := make([]int32, len(fams.infos)+1)
	ids := make([]int32, len(samples))
	for i := range samples {
		id := int32(fams.ids[samples[i].Desc])
		ids[i] = id
		byFamily[id+1]++
	}
	for id := 1; id < len(byFamily); id++ {
		byFamily[id] += byFamily[id-1]
	}
	order := make([]int32, len(samples)) // sample indexes, family by family
	next := append([]int32(nil), byFamily[:len(fams.infos)]...)
	for i, id := range ids {
		order[next[id]] = int32(i)
		next[id]++
	}
	buf := make([]byte, 0, 96*len(samples))
	pieces := make([][]byte, len(fams.infos))
	for id := range fams.infos {
		group := order[byFamily[id]:byFamily[id+1]]
		if len(group) == 0 {
			continue
		}
		labelOrder := fams.orders[id]
		less := func(a, b int32) int { return compareByOrder(samples[a].Labels, samples[b].Labels, labelOrder) }
		if !slices.IsSortedFunc(group, less) {
			slices.SortFunc(group, less)
		}
		start := len(buf)
		for _, i := range group {
			buf = appendSample(buf, fams.infos[id], labelOrder, samples[i])
		}
		pieces[id] = buf[start:len(buf):len(buf)]
	}
	r := accountRender{gz: gzipMembers(pieces)}
	if keepPlain {
		r.plain = pieces
	}
	return r
}

// familyIDs numbers the metric families in name order, the order of the
// exposition, with their label orders.
type familyIDs struct {
	infos        []collector.DescInfo
	orders       [][]int
	ids          map[*prometheus.Desc]int
	headers      [][]byte // each family's HELP and TYPE lines, a gzip member
	plainHeaders [][]byte // the same lines
}

var familyTable = sync.OnceValue(func() familyIDs {
	byName := map[string]collector.DescInfo{}
	for _, info := range collector.DescInfos() {
		byName[info.Name] = info
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	t := familyIDs{ids: map[*prometheus.Desc]int{}}
	index := map[string]int{}
	for i, n := range names {
		index[n] = i
		t.infos = append(t.infos, byName[n])
		t.orders = append(t.orders, sortedLabelOrder(byName[n].Labels))
		t.headers = append(t.headers, []byte("# HELP "+n+" "+helpEscaper.Replace(byName[n].Help)+"\n# TYPE "+n+" gauge\n"))
	}
	t.plainHeaders = t.headers
	t.headers = gzipMembers(t.plainHeaders)
	for d, info := range collector.DescInfos() {
		t.ids[d] = index[info.Name]
	}
	return t
})

// sortedLabelOrder returns the indexes of labels in name order: the
// registry writes label pairs sorted by name.
func sortedLabelOrder(labels []string) []int {
	order := make([]int, len(labels))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return labels[order[i]] < labels[order[j]] })
	return order
}

func compareByOrder(a, b []string, order []int) int {
	for _, i := range order {
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

// needsEscape reports whether a label value has a character the text
// format escapes (most have none: a byte loop is cheaper than a search).
func needsEscape(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\\' || c == '\n' || c == '"' {
			return true
		}
	}
	return false
}

// The text format's escaping, as expfmt writes it.
var (
	helpEscaper       = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelValueEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func appendSample(b []byte, info collector.DescInfo, order []int, s collector.Sample) []byte {
	b = append(b, info.Name...)
	b = append(b, '{')
	for k, i := range order {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, info.Labels[i]...)
		b = append(b, '=', '"')
		if v := s.Labels[i]; needsEscape(v) {
			b = append(b, labelValueEscaper.Replace(v)...)
		} else {
			b = append(b, v...)
		}
		b = append(b, '"')
	}
	b = append(b, '}', ' ')
	b = appendFloat(b, s.Value)
	return append(b, '\n')
}

// appendFloat writes a value as expfmt does.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case f == 1:
		return append(b, '1')
	case f == 0:
		return append(b, '0')
	case f == -1:
		return append(b, '-', '1')
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, +1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}
