package collector

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/internal/parallel"
)

// renderText writes the data metrics of snap in the Prometheus text format
// exactly as a registry holding the Collector and promhttp would write them
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
func (c *Collector) renderText(snap *Snapshot) [][]byte {
	accounts := snap.Accounts()
	rendered := make([][][]byte, len(accounts)) // account -> family id -> member
	var prev map[*Account][][]byte
	if p := c.rendered.Load(); p != nil {
		prev = *p
	}
	// Accounts render independently: on every core.
	parallel.For(len(accounts), func(i int) {
		acc := accounts[i]
		switch pieces, ok := prev[acc]; {
		case ok:
			rendered[i] = pieces // the account did not change
		case acc.rendered != nil:
			rendered[i] = acc.rendered.pieces // unchanged since a cold start loaded it
		default:
			rendered[i] = c.renderAccount(acc)
		}
	})
	next := make(map[*Account][][]byte, len(accounts))
	for i, acc := range accounts {
		next[acc] = rendered[i]
	}
	c.rendered.Store(&next)

	fams := familyTable()
	var out [][]byte
	for id := range fams.infos {
		header := false
		for _, pieces := range rendered {
			if len(pieces[id]) == 0 {
				continue
			}
			if !header {
				out = append(out, fams.headers[id])
				header = true
			}
			out = append(out, pieces[id])
		}
	}
	return out
}

// writePlain writes the text of gzip members, decompressed.
func writePlain(w io.Writer, members [][]byte) error {
	if len(members) == 0 {
		return nil
	}
	readers := make([]io.Reader, len(members))
	for i, m := range members {
		readers[i] = bytes.NewReader(m)
	}
	zr, err := gzip.NewReader(io.MultiReader(readers...)) // multistream: every member in turn
	if err != nil {
		return err
	}
	_, err = io.Copy(w, zr)
	return err
}

// gzipWriters are reused: a compressor's state is far larger than most
// pieces it compresses. BestSpeed: the default level makes the members of
// 1,000 demo accounts 7% smaller for a third more time.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// putGzipWriter returns a writer to the pool, holding on to nothing of the
// last output it wrote to.
func putGzipWriter(zw *gzip.Writer) {
	zw.Reset(io.Discard)
	gzipWriters.Put(zw)
}

// gzipMembers compresses each of pieces into a gzip member of its own, all
// in one exactly sized buffer; an empty piece stays empty.
func gzipMembers(pieces [][]byte) [][]byte {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer putGzipWriter(zw)
	ends := make([]int, len(pieces))
	for i, p := range pieces {
		if len(p) > 0 {
			zw.Reset(&buf)
			_, _ = zw.Write(p)
			_ = zw.Close()
		}
		ends[i] = buf.Len()
	}
	all := bytes.Clone(buf.Bytes())
	members := make([][]byte, len(pieces))
	start := 0
	for i, end := range ends {
		if end > start {
			members[i] = all[start:end:end]
		}
		start = end
	}
	return members
}

// renderAccount renders an account's samples family by family, each
// family's series in label order, and returns each family's piece of it as
// a gzip member (indexed by family id; empty for families without series).
func (c *Collector) renderAccount(acc *Account) [][]byte {
	fams := familyTable()
	m := c.accountSamples(acc)
	type keyed struct {
		id    int
		order []int
		s     *sample
	}
	ks := make([]keyed, len(m.samples))
	for i := range m.samples {
		id := fams.ids[m.samples[i].desc]
		ks[i] = keyed{id, fams.orders[id], &m.samples[i]}
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].id != ks[j].id {
			return ks[i].id < ks[j].id
		}
		return lessByOrder(ks[i].s.labels, ks[j].s.labels, ks[i].order)
	})
	buf := make([]byte, 0, 96*len(ks))
	ends := make([]int, len(fams.infos))
	starts := make([]int, len(fams.infos))
	for i, k := range ks {
		if i == 0 || ks[i-1].id != k.id {
			starts[k.id] = len(buf)
		}
		buf = appendSample(buf, fams.infos[k.id], k.order, *k.s)
		ends[k.id] = len(buf)
	}
	pieces := make([][]byte, len(fams.infos))
	for id := range pieces {
		pieces[id] = buf[starts[id]:ends[id]]
	}
	return gzipMembers(pieces)
}

// families numbers the metric families in name order, the order of the
// exposition, with their label orders.
type familyIDs struct {
	infos   []descInfo
	orders  [][]int
	ids     map[*prometheus.Desc]int
	headers [][]byte // each family's HELP and TYPE lines, a gzip member
}

var familyTable = sync.OnceValue(func() familyIDs {
	byName := map[string]descInfo{}
	for _, info := range descInfos {
		byName[info.name] = info
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
		t.orders = append(t.orders, sortedLabelOrder(byName[n].labels))
		t.headers = append(t.headers, []byte("# HELP "+n+" "+helpEscaper.Replace(byName[n].help)+"\n# TYPE "+n+" gauge\n"))
	}
	t.headers = gzipMembers(t.headers)
	for d, info := range descInfos {
		t.ids[d] = index[info.name]
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

func lessByOrder(a, b []string, order []int) bool {
	for _, i := range order {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// The text format's escaping, as expfmt writes it.
var (
	helpEscaper       = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelValueEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func appendSample(b []byte, info descInfo, order []int, s sample) []byte {
	b = append(b, info.name...)
	b = append(b, '{')
	for k, i := range order {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, info.labels[i]...)
		b = append(b, '=', '"')
		if v := s.labels[i]; strings.ContainsAny(v, "\\\n\"") {
			b = append(b, labelValueEscaper.Replace(v)...)
		} else {
			b = append(b, v...)
		}
		b = append(b, '"')
	}
	b = append(b, '}', ' ')
	b = appendFloat(b, s.value)
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
