package app

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/internal/safefile"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// accounts is the running configuration's accounts and their clients, to
// build the next from: at the start, at each reload (reload.go) and at
// each discovery (discovery.go).
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

// newClient builds the WeChat client of an account with its token source.
func newClient(a config.Account, opts []wechat.Option, obs wechat.Observer, logger log.Logger, saveFailures prometheus.Counter) (*wechat.Client, error) {
	src, err := tokenSource(a, logger, saveFailures)
	if err != nil {
		return nil, err
	}
	return wechat.New(src, append(append([]wechat.Option(nil), opts...), wechat.WithObserver(obs))...)
}

func tokenSource(a config.Account, logger log.Logger, saveFailures prometheus.Counter) (wechat.TokenSource, error) {
	switch a.TokenSource {
	case config.SourceClassic:
		level.Warn(logger).Log("msg", "token_source classic invalidates the access token of every other system using this account; prefer stable", "account", a.Name)
		return wechat.NewClassicToken(a.AppID, a.AppSecret), nil
	case config.SourceFile:
		return wechat.NewFileToken(a.TokenFile), nil
	case config.SourceComponent:
		c := a.Component
		return wechat.NewComponentToken(wechat.ComponentConfig{
			ComponentAppID: c.AppID, ComponentSecret: c.AppSecret, VerifyTicketFile: c.VerifyTicketFile,
			AuthorizerAppID: a.AppID, RefreshToken: c.RefreshToken,
			SaveRefreshToken: func(tok string) {
				// Inside its directory only: a discovered account's file is
				// named by its AppID, which came from WeChat's list.
				dir, name := filepath.Split(c.RefreshTokenFile)
				if err := safefile.WriteIn(filepath.Clean(dir), name, tok+"\n"); err != nil {
					saveFailures.Inc()
					level.Error(logger).Log("msg", "could not save the rotated authorizer refresh token; if it is lost the account must authorize again",
						"account", a.Name, "file", c.RefreshTokenFile, "err", err)
				}
			},
		}), nil
	}
	return wechat.NewStableToken(a.AppID, a.AppSecret), nil
}
