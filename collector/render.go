package collector

import (
	"bytes"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
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
// The result is a list of chunks (a family's header, its series) to write
// one after the other, which spares one copy of the whole exposition.
func (c *Collector) renderText(snap *Snapshot) [][]byte {
	accounts := snap.Accounts()
	perAccount := make([]map[string][]sample, len(accounts))
	// The accounts' samples are independent: compute them on every core.
	var wg sync.WaitGroup
	workers := max(1, min(len(accounts), 4))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(accounts); i += workers {
				perAccount[i] = byFamily(c.accountSamples(accounts[i]))
			}
		}(w)
	}
	wg.Wait()

	bodies := map[string]*bytes.Buffer{}
	var line []byte
	for _, fams := range perAccount {
		for name, samples := range fams {
			info := descInfos[samples[0].desc]
			order := sortedLabelOrder(info.labels)
			sort.Slice(samples, func(i, j int) bool { return lessByOrder(samples[i].labels, samples[j].labels, order) })
			body := bodies[name]
			if body == nil {
				body = &bytes.Buffer{}
				bodies[name] = body
			}
			for _, s := range samples {
				line = appendSample(line[:0], info, order, s)
				body.Write(line)
			}
		}
	}
	names := make([]string, 0, len(bodies))
	for name := range bodies {
		names = append(names, name)
	}
	sort.Strings(names)
	chunks := make([][]byte, 0, 2*len(names))
	for _, name := range names {
		info := familyInfo(name)
		header := "# HELP " + name + " " + helpEscaper.Replace(info.help) + "\n# TYPE " + name + " gauge\n"
		chunks = append(chunks, []byte(header), bodies[name].Bytes())
	}
	return chunks
}

// byFamily groups samples by metric name.
func byFamily(m *metrics) map[string][]sample {
	out := map[string][]sample{}
	for _, s := range m.samples {
		name := descInfos[s.desc].name
		out[name] = append(out[name], s)
	}
	return out
}

var familyInfos = sync.OnceValue(func() map[string]descInfo {
	out := map[string]descInfo{}
	for _, info := range descInfos {
		out[info.name] = info
	}
	return out
})

func familyInfo(name string) descInfo { return familyInfos()[name] }

var labelOrders sync.Map // joined label names -> []int

// sortedLabelOrder returns the indexes of labels in name order: the
// registry writes label pairs sorted by name.
func sortedLabelOrder(labels []string) []int {
	key := strings.Join(labels, ",")
	if v, ok := labelOrders.Load(key); ok {
		return v.([]int)
	}
	order := make([]int, len(labels))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return labels[order[i]] < labels[order[j]] })
	labelOrders.Store(key, order)
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
