package app

import (
	"context"
	"net/http"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/fetcher"
)

// Reloading the configuration without a restart: SIGHUP, or POST /-/reload
// with --web.enable-lifecycle, as Prometheus does. A bad file is refused
// and the running configuration kept; a good one adds and removes accounts
// and endpoints in the running fetcher (see fetcher.SetAccounts).

func newReloadMetrics(reg prometheus.Registerer) (ok, at prometheus.Gauge) {
	ok = prometheus.NewGauge(prometheus.GaugeOpts{Name: "wechat_exporter_config_last_reload_successful",
		Help: "1 if the last reload of the configuration file (or the start) succeeded, 0 if it was refused."})
	at = prometheus.NewGauge(prometheus.GaugeOpts{Name: "wechat_exporter_config_last_reload_success_timestamp_seconds",
		Help: "When the configuration file was last loaded successfully (Unix time)."})
	reg.MustRegister(ok, at)
	ok.Set(1)
	at.SetToCurrentTime()
	return ok, at
}

// reload reads the configuration file again and applies it to fe. On
// failure the running configuration stays, whole: nothing is changed
// until everything the new one needs (its discovery, every client) is
// built.
func (a *accounts) reload(ctx context.Context, fe *fetcher.Fetcher) error {
	if a.f.demo {
		level.Info(a.logger).Log("msg", "demo mode: no configuration file to reload")
		return nil
	}
	// Read and checked before the lock: a large file takes a while, and
	// discovery and the other reloads need not wait for it.
	cfg, err := config.Load(a.f.configFile)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err == nil {
		err = a.apply(ctx, fe, cfg)
	}
	if err != nil {
		a.succeeded.Set(0)
		for _, l := range strings.Split(err.Error(), "\n") {
			level.Error(a.logger).Log("msg", "configuration not reloaded; the running one stays", "err", l)
		}
		return err
	}
	a.succeeded.Set(1)
	a.succeededAt.SetToCurrentTime()
	return nil
}

// apply makes cfg the running configuration, or changes nothing and says
// why.
func (a *accounts) apply(ctx context.Context, fe *fetcher.Fetcher, cfg *config.Config) error {
	before := a.configured
	fileAccounts := a.f.inShard(cfg.Accounts)
	disc, found := a.disc, a.discovered
	if !reflect.DeepEqual(cfg.Discovery, a.discoveryConfig) {
		var err error
		if disc, found, err = a.newDiscovery(ctx, cfg.Discovery, fileAccounts); err != nil {
			return err
		}
	} else if disc != nil {
		found = a.find(ctx, disc, fileAccounts, found) // a reload reads the platform's list again too
	}
	all := merged(fileAccounts, found)
	list, _, clients, err := a.fetchAccounts(all)
	if err != nil {
		return err
	}
	a.fileAccounts, a.discoveryConfig, a.disc, a.discovered = fileAccounts, cfg.Discovery, disc, found
	a.discoveryMetrics.configured(disc != nil)
	a.commit(ctx, fe, all, list, clients)
	added, removed := 0, 0
	for name := range a.configured {
		if _, ok := before[name]; !ok {
			added++
		}
	}
	for name := range before {
		if _, ok := a.configured[name]; !ok {
			removed++
		}
	}
	level.Info(a.logger).Log("msg", "configuration reloaded", "file", a.f.configFile, "accounts", len(a.configured), "added", added, "removed", removed)
	return nil
}

// discoverEvery runs discovery every refresh interval until ctx ends.
func (e *exporter) discoverEvery(ctx context.Context) {
	a := e.accounts
	for {
		a.mu.Lock()
		var interval time.Duration
		if a.discoveryConfig != nil {
			interval = a.discoveryConfig.RefreshInterval
		}
		a.mu.Unlock()
		if interval == 0 {
			interval = time.Minute // no discovery now; a reload may add one
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
		a.mu.Lock()
		if a.disc != nil {
			a.discovered = a.find(ctx, a.disc, a.fileAccounts, a.discovered)
			if err := a.rebuild(ctx, e.fetcher); err != nil {
				level.Error(a.logger).Log("msg", "discovered accounts not applied", "err", err)
			}
		}
		a.mu.Unlock()
	}
}

// reloadOnSignal reloads at each signal on hup until ctx ends.
func (e *exporter) reloadOnSignal(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			_ = e.accounts.reload(ctx, e.fetcher)
		}
	}
}

// reloadHandler is POST (or PUT) /-/reload, with --web.enable-lifecycle.
func (e *exporter) reloadHandler(enabled bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !enabled:
			http.Error(w, "Lifecycle API is not enabled (--web.enable-lifecycle).", http.StatusForbidden)
		case r.Method != http.MethodPost && r.Method != http.MethodPut:
			w.Header().Set("Allow", "POST, PUT")
			http.Error(w, "Only POST or PUT requests allowed.", http.StatusMethodNotAllowed)
		default:
			// Not the request's context: a client that goes away must not
			// leave the accounts half loaded.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := e.accounts.reload(ctx, e.fetcher); err != nil {
				http.Error(w, "configuration not reloaded: "+err.Error(), http.StatusInternalServerError)
				return
			}
			_, _ = w.Write([]byte("configuration reloaded\n"))
		}
	})
}
