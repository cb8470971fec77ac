package app

import (
	"fmt"
	"html"
	"net/http"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
)

// goKitErrorLog adapts promhttp's error logging to go-kit.
type goKitErrorLog struct{ logger log.Logger }

func (l goKitErrorLog) Println(v ...any) {
	level.Error(l.logger).Log("msg", "serving metrics", "err", v)
}

func (e *exporter) handler(f *flags, logger log.Logger) http.Handler {
	mux := http.NewServeMux()
	// One bound on the scrapes in progress, /metrics and /probe together.
	limit := limitRequests(f.maxRequests)
	// OpenMetrics when asked for, as Prometheus does first.
	opts := promhttp.HandlerOpts{ErrorLog: goKitErrorLog{logger}, ErrorHandling: promhttp.ContinueOnError, EnableOpenMetrics: true}
	mux.Handle(f.telemetryPath, limit(e.data.Handler(e.reg, opts)))
	mux.Handle("/probe", limit(e.data.ProbeHandler(opts)))
	mux.Handle("/targets", e.data.TargetsHandler())
	// /healthz and /readyz, and /-/healthy and /-/ready as Prometheus
	// names them: the process is up; the store is open and the
	// configuration loaded.
	healthy := func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("WeChat Exporter is Healthy.\n")) }
	ready := func(w http.ResponseWriter, _ *http.Request) {
		if !e.ready.Load() {
			http.Error(w, "not ready: store or configuration not loaded yet", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("WeChat Exporter is Ready.\n"))
	}
	mux.HandleFunc("/healthz", healthy)
	mux.HandleFunc("/-/healthy", healthy)
	mux.HandleFunc("/readyz", ready)
	mux.HandleFunc("/-/ready", ready)
	mux.Handle("/-/reload", e.reloadHandler(f.enableLifecycle))
	if f.telemetryPath != "/" {
		mux.Handle("/", e.landingPage(f, logger))
	}
	return mux
}

// limitRequests returns a wrapper that prepares at most n answers at once
// through the handlers it wraps, and refuses more at once with 503 rather
// than queueing them (as node_exporter's --web.max-requests). n <= 0 means
// no limit. A request holds its slot while its answer is prepared (the
// render, the gathering), not while it is written: a client that never
// reads would otherwise keep it until --web.write-timeout, and a few such
// clients would lock every scrape out. Writing the prepared answer costs a
// connection (--web.max-connections) and what is being written.
func limitRequests(n int) func(http.Handler) http.Handler {
	if n <= 0 {
		return func(h http.Handler) http.Handler { return h }
	}
	slots := make(chan struct{}, n)
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case slots <- struct{}{}:
				sw := &slotWriter{ResponseWriter: w, release: func() { <-slots }}
				defer sw.free()
				h.ServeHTTP(sw, r)
			default:
				http.Error(w, fmt.Sprintf("too many scrapes at once (--web.max-requests=%d); try again later", n), http.StatusServiceUnavailable)
			}
		})
	}
}

// slotWriter frees its request's slot once the answer starts to be
// written: everything the answer needs has been prepared by then.
type slotWriter struct {
	http.ResponseWriter
	release func()
	done    bool
}

func (w *slotWriter) free() {
	if !w.done {
		w.done = true
		w.release()
	}
}

func (w *slotWriter) WriteHeader(code int) {
	w.free()
	w.ResponseWriter.WriteHeader(code)
}

func (w *slotWriter) Write(p []byte) (int, error) {
	w.free()
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *slotWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// landingPage links every page the exporter serves (a test follows each
// link); /probe, which needs an account name, is a form. No profiling
// links: the exporter does not serve pprof.
func (e *exporter) landingPage(f *flags, logger log.Logger) http.Handler {
	example := "NAME"
	if accs := e.state.Load().Accounts(); len(accs) > 0 {
		example = accs[0].Name
	}
	// exporter-toolkit renders the page with text/template, which escapes
	// nothing: a name (a discovered account's comes from its nickname) is
	// made text here.
	example = html.EscapeString(example)
	landing, err := web.NewLandingPage(web.LandingConfig{
		Name:        "WeChat Exporter",
		Description: "Prometheus exporter for WeChat Official Account statistics (datacube). Figures are WeChat's daily numbers for yesterday, fetched once after WeChat finalises them (about 08:00 Beijing time) and served from the embedded store.",
		Version:     version.Info(),
		Profiling:   "false",
		Links: []web.LandingLinks{
			{Address: f.telemetryPath, Text: "Metrics", Description: "every account's data and the exporter's own metrics"},
			{Address: "/targets", Text: "Targets", Description: "the accounts, for Prometheus http_sd_configs"},
			{Address: "/-/healthy", Text: "Health", Description: "the process is up (also /healthz)"},
			{Address: "/-/ready", Text: "Readiness", Description: "store open, configuration loaded (also /readyz)"},
		},
		Form: web.LandingForm{Action: "/probe", Inputs: []web.LandingFormInput{
			{Label: "Probe one account", Type: "text", Name: "account", Placeholder: example},
		}},
	})
	if err != nil {
		level.Error(logger).Log("msg", "building landing page", "err", err)
		return http.NotFoundHandler()
	}
	return landing
}
