package exposition

import (
	"bytes"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/wechat-exporter/wechat-exporter/served"
)

// Handler serves /metrics: the data metrics of the current snapshot, then
// the live metrics of the process (API counters, runtime, build info).
//
// The data section of a large platform is big (about 2,000 series per
// account) and changes only when the snapshot does, which is a few times a
// day once the store is complete. So it is rendered once per snapshot by
// renderText (the same bytes promhttp would write, much faster) as gzip
// members, each account's kept from one snapshot to the next until the
// account changes, and reused by every scrape; only the small live section
// is gathered per request. Text expositions with disjoint metric families
// may be concatenated, and so may gzip members. OpenMetrics, which
// Prometheus asks for first, is served from the same section: every data
// metric is a gauge without a double quote in its help (a test holds
// both), which OpenMetrics writes as the text format does; the live
// section is encoded as OpenMetrics and ends with its # EOF. Requests for
// another format (protobuf) are served by promhttp over both registries,
// uncached.
type Handler struct {
	e        *Exposition
	live     prometheus.Gatherer
	fallback http.Handler
	liveOnly http.Handler
	opts     promhttp.HandlerOpts

	mu      sync.Mutex // one rebuild at a time; later scrapes reuse it
	snap    *served.Snapshot
	section section // the data section, as gzip members (and text)
}

// Handler returns the /metrics handler of the exposition, with the
// process's other metrics in live (which must not include the collector).
func (e *Exposition) Handler(live prometheus.Gatherer, opts promhttp.HandlerOpts) *Handler {
	data := prometheus.NewRegistry()
	data.MustRegister(e.c)
	return &Handler{e: e, live: live, opts: opts,
		fallback: promhttp.HandlerFor(prometheus.Gatherers{data, live}, opts),
		liveOnly: promhttp.HandlerFor(live, opts)}
}

// textFormat is what is cached: the Prometheus text format.
var textFormat = expfmt.NewFormat(expfmt.TypeTextPlain)

// formats are those served, OpenMetrics 2.0 aside; the client's order of
// preference chooses among them.
var formats = expfmt.DefaultOpenMetricsAcceptedFormats()

// ServeHTTP serves the metrics; with ?data=false only the live ones, for
// sharded setups that scrape the accounts' data through /probe.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("data") == "false" {
		h.liveOnly.ServeHTTP(w, r)
		return
	}
	format := expfmt.NegotiateAccept(r.Header, formats...)
	if t := format.FormatType(); t != expfmt.TypeTextPlain && t != expfmt.TypeOpenMetrics {
		// The registry path builds metrics from rows: right after a cold
		// start, wait for those of accounts served from the render cache.
		if err := h.e.state.WaitComplete(r.Context()); err != nil {
			http.Error(w, "stored data still loading: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		h.fallback.ServeHTTP(w, r)
		return
	}
	data := h.dataSection()
	live, err := encode(h.live, format)
	if err != nil {
		h.fail(w, err)
		return
	}
	// Every metric name here is a legacy name, so no escaping scheme the
	// client asked for changes a byte of the cached text.
	w.Header().Set("Content-Type", string(format))
	if !acceptsGzip(r) {
		if data.plain != nil {
			for _, p := range data.plain {
				_, _ = w.Write(p)
			}
		} else if err := writePlain(w, data.members); err != nil && h.opts.ErrorLog != nil {
			h.opts.ErrorLog.Println("writing metrics:", err)
		}
		_, _ = w.Write(live)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	for _, member := range data.members {
		_, _ = w.Write(member)
	}
	zw := gzipWriters.Get().(*gzip.Writer)
	defer putGzipWriter(&gzipWriters, zw)
	zw.Reset(w)
	_, _ = zw.Write(live)
	_ = zw.Close()
}

// dataSection returns the data metrics of the current snapshot as gzip
// members, rendering them only if the snapshot changed since they were
// last needed.
func (h *Handler) dataSection() section {
	h.mu.Lock()
	defer h.mu.Unlock()
	if snap := h.e.state.Load(); snap != h.snap {
		h.snap, h.section = snap, h.e.renderText(snap)
	}
	return h.section
}

// encode gathers g in format, the text format or OpenMetrics (whose
// encoder's Close writes the # EOF that ends the exposition).
func encode(g prometheus.Gatherer, format expfmt.Format) ([]byte, error) {
	mfs, err := g.Gather()
	if err != nil {
		return nil, err
	}
	if format.FormatType() != expfmt.TypeOpenMetrics {
		format = textFormat
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, err
		}
	}
	if err := enc.(expfmt.Closer).Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (h *Handler) fail(w http.ResponseWriter, err error) {
	if h.opts.ErrorLog != nil {
		h.opts.ErrorLog.Println("gathering metrics:", err)
	}
	http.Error(w, "An error has occurred while gathering metrics:\n\n"+err.Error(), http.StatusInternalServerError)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
