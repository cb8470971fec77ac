package main

import (
	"log/slog"
	"net/http"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	sloggokit "github.com/tjhop/slog-gokit"

	"github.com/wechat-exporter/wechat-exporter/collector"
)

// slogLogger hands exporter-toolkit a *slog.Logger that writes through the
// same go-kit logger as the rest of the exporter.
func slogLogger(logger log.Logger) *slog.Logger {
	return slog.New(sloggokit.NewGoKitHandler(logger, slog.LevelInfo))
}

// goKitErrorLog adapts promhttp's error logging to go-kit.
type goKitErrorLog struct{ logger log.Logger }

func (l goKitErrorLog) Println(v ...any) {
	level.Error(l.logger).Log("msg", "serving metrics", "err", v)
}

func (e *exporter) handler(f *flags, logger log.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(f.telemetryPath, collector.NewHandler(e.state, e.data, e.reg, promhttp.HandlerOpts{
		ErrorLog:            goKitErrorLog{logger},
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 64,
	}))
	mux.Handle("/probe", e.data.ProbeHandler(promhttp.HandlerOpts{ErrorLog: goKitErrorLog{logger}, ErrorHandling: promhttp.ContinueOnError}))
	mux.Handle("/targets", e.data.TargetsHandler())
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !e.ready.Load() {
			http.Error(w, "not ready: store or configuration not loaded yet", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	if f.telemetryPath != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        "WeChat Exporter",
			Description: "Prometheus exporter for WeChat Official Account statistics (datacube). Figures are WeChat's daily numbers for yesterday, fetched once after WeChat finalises them (about 08:00 Beijing time) and served from the embedded store.",
			Version:     version.Info(),
			Links: []web.LandingLinks{
				{Address: f.telemetryPath, Text: "Metrics"},
				{Address: "/probe?account=NAME", Text: "Probe", Description: "the metrics of one account (repeat account= for several)"},
				{Address: "/targets", Text: "Targets", Description: "the accounts, for Prometheus http_sd_configs"},
				{Address: "/healthz", Text: "Health", Description: "the process is up"},
				{Address: "/readyz", Text: "Readiness", Description: "store open, configuration loaded"},
			},
		})
		if err != nil {
			level.Error(logger).Log("msg", "building landing page", "err", err)
		} else {
			mux.Handle("/", landing)
		}
	}
	return mux
}
