package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Reloading the configuration without a restart: SIGHUP, or POST /-/reload
// with --web.enable-lifecycle, as Prometheus does. A bad file is refused
// and the running configuration kept; a good one adds and removes accounts
// and endpoints in the running fetcher (see fetcher.SetAccounts).

// accounts is the running configuration's accounts and their clients, to
// build the next from.
type accounts struct {
	mu    sync.Mutex // one reload (or discovery) at a time
	f     *flags     // the configuration file, the shard, the clock
	reg   prometheus.Registerer
	state *served.State

	fileAccounts     []config.Account // the configuration file's, of this shard
	discoveryConfig  *config.Discovery
	disc             *discoverer // nil without discovery
	discovered       []discovered
	discoveryMetrics *discoveryMetrics
	settings         settings
	options          []wechat.Option // the clients'
	api              *collector.APIMetrics
	saveFails        prometheus.Counter
	logger           log.Logger
	configured       map[string]config.Account
	clients          map[string]*wechat.Client

	succeeded, succeededAt prometheus.Gauge
}

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

// fetchAccounts turns configured accounts into the fetcher's, reusing the
// client of every account whose credentials are unchanged (its token, its
// rotated refresh token).
func (a *accounts) fetchAccounts(cfg []config.Account) ([]fetcher.Account, map[string]string, map[string]*wechat.Client, error) {
	var out []fetcher.Account
	appIDs := map[string]string{}
	clients := map[string]*wechat.Client{}
	for _, acc := range cfg {
		client := a.clients[acc.Name]
		if prev, ok := a.configured[acc.Name]; !ok || !sameCredentials(prev, acc) || client == nil {
			var err error
			if client, err = newClient(acc, a.options, a.api.For(acc.Name), a.logger, a.saveFails); err != nil {
				return nil, nil, nil, fmt.Errorf("account %s: %w", acc.Name, err)
			}
		}
		clients[acc.Name] = client
		appIDs[acc.Name] = acc.AppID
		eps := acc.Endpoints
		if a.settings.fetch.QuotaInterval > 0 && len(eps) > 0 && !slices.Contains(eps, wechat.APIQuota) { // the quota of the APIs the account calls
			eps = append(slices.Clip(eps), wechat.APIQuota)
		}
		out = append(out, fetcher.Account{Name: acc.Name, AppID: acc.AppID, Client: client, Endpoints: eps})
	}
	return out, appIDs, clients, nil
}

// sameCredentials reports whether two configurations of an account ask
// WeChat the same way: everything but what is fetched.
func sameCredentials(a, b config.Account) bool {
	a.Endpoints, b.Endpoints = nil, nil
	return reflect.DeepEqual(a, b)
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

// newDiscovery makes the discovery of cfg (nil: none) and runs it once,
// without touching the running one. When the platform's list cannot be
// read, the accounts found before stay, as far as cfg still wants them
// (same platform, include and exclude): an edit of the section while
// WeChat is down drops no account.
func (a *accounts) newDiscovery(ctx context.Context, cfg *config.Discovery, fileAccounts []config.Account) (*discoverer, []discovered, error) {
	if cfg == nil {
		return nil, nil, nil
	}
	d, err := newDiscoverer(cfg, a.options, a.logger, a.f.now, a.discoveryMetrics, a.disc)
	if err != nil {
		return nil, nil, err
	}
	var kept []discovered
	if a.disc != nil && a.disc.cfg.Component.AppID == cfg.Component.AppID {
		for _, x := range a.discovered {
			id := x.account.AppID
			if !slices.Contains(cfg.Exclude, id) && (len(cfg.Include) == 0 || slices.Contains(cfg.Include, id)) {
				kept = append(kept, x)
			}
		}
	}
	return d, a.find(ctx, d, fileAccounts, kept), nil
}

// find runs discovery d once; on failure the accounts found before
// (prev) stay. An AppID the file configures is the file's.
func (a *accounts) find(ctx context.Context, d *discoverer, fileAccounts []config.Account, prev []discovered) []discovered {
	taken, ids := map[string]bool{}, map[string]bool{}
	for _, acc := range fileAccounts {
		taken[acc.Name], ids[acc.AppID] = true, true
	}
	found, err := d.discover(ctx, taken, ids)
	if err != nil {
		level.Warn(a.logger).Log("msg", "the platform's list of authorised accounts could not be read; the accounts found before stay", "err", err)
		return slices.DeleteFunc(slices.Clone(prev), func(x discovered) bool { return ids[x.account.AppID] || taken[x.account.Name] })
	}
	return slices.DeleteFunc(found, func(x discovered) bool { return !a.f.owns(x.account.AppID) })
}

// merged are the configured accounts and the discovered ones.
func merged(fileAccounts []config.Account, found []discovered) []config.Account {
	all := slices.Clone(fileAccounts)
	for _, d := range found {
		all = append(all, d.account)
	}
	return all
}

// remember makes all, with their clients, the running accounts.
func (a *accounts) remember(all []config.Account, clients map[string]*wechat.Client) {
	a.configured = map[string]config.Account{}
	for _, acc := range all {
		a.configured[acc.Name] = acc
	}
	a.clients = clients
}

// rebuild gives the fetcher the configured accounts and the discovered
// ones, and the state what discovery says of them.
func (a *accounts) rebuild(ctx context.Context, fe *fetcher.Fetcher) error {
	all := merged(a.fileAccounts, a.discovered)
	list, _, clients, err := a.fetchAccounts(all)
	if err != nil {
		return err
	}
	a.commit(ctx, fe, all, list, clients)
	return nil
}

// commit makes all, built into list and clients, the running
// accounts: the fetcher's, and the state's.
func (a *accounts) commit(ctx context.Context, fe *fetcher.Fetcher, all []config.Account, list []fetcher.Account, clients map[string]*wechat.Client) {
	if err := fe.SetAccounts(ctx, list); err != nil {
		level.Error(a.logger).Log("msg", "some stored data of the new accounts could not be read", "err", err)
	}
	a.applyDiscovered()
	for name := range a.configured {
		if _, ok := clients[name]; !ok {
			a.api.Forget(name) // gone: its request counters with it
		}
	}
	a.remember(all, clients)
}

// applyDiscovered tells the state what discovery says of its accounts:
// their description, and the endpoints refused for want of a permission
// set.
func (a *accounts) applyDiscovered() {
	for _, d := range a.discovered {
		a.state.SetInfo(d.account.Name, d.info)
		for _, ep := range d.refused {
			a.state.SetUnavailable(d.account.Name, ep.Name, wechat.ReasonUnauthorized)
		}
	}
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
