package app

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/internal/safefile"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Discovery of the accounts that authorised a third-party platform: every
// refresh_interval the platform's list is read, new accounts described
// (nickname, types, status, the permission sets granted), and the
// fetcher given the configured accounts plus the discovered ones, as a
// reload does: accounts come and go while the exporter runs.

// discovered is one account found by discovery.
type discovered struct {
	account config.Account // token_source component; only the endpoints it may be asked
	info    collector.AccountInfo
	refused []wechat.Endpoint // their permission set not granted: unavailable without a call
}

// infoMaxAge is how long an account's description is used before it is
// asked again (its status, nickname and permission sets change seldom).
const infoMaxAge = 24 * time.Hour

type discoverer struct {
	cfg      *config.Discovery
	platform *wechat.Platform
	logger   log.Logger
	now      func() time.Time

	names     map[string]string // AppID -> the name given, for the life of the process
	described map[string]description

	listed      prometheus.Gauge
	lastSuccess prometheus.Gauge
}

type description struct {
	info wechat.AuthorizerInfo
	at   time.Time
}

func newDiscoverer(cfg *config.Discovery, opts []wechat.Option, logger log.Logger, now func() time.Time, reg prometheus.Registerer) (*discoverer, error) {
	p, err := wechat.NewPlatform(wechat.ComponentConfig{ComponentAppID: cfg.Component.AppID, ComponentSecret: cfg.Component.AppSecret,
		VerifyTicketFile: cfg.Component.VerifyTicketFile}, opts...)
	if err != nil {
		return nil, err
	}
	d := &discoverer{cfg: cfg, platform: p, logger: logger, now: now, names: map[string]string{}, described: map[string]description{},
		listed: prometheus.NewGauge(prometheus.GaugeOpts{Name: "wechat_discovery_accounts",
			Help: "Accounts the third-party platform's list gave at the last discovery, after include and exclude."}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "wechat_discovery_last_success_timestamp_seconds",
			Help: "When the platform's list of authorised accounts was last read (Unix time)."}),
	}
	reg.MustRegister(d.listed, d.lastSuccess)
	return d, nil
}

// discover reads the list and describes what needs it. taken are the
// names of the configured accounts; an AppID configured is left to its
// configuration (configuredIDs).
func (d *discoverer) discover(ctx context.Context, taken, configuredIDs map[string]bool) ([]discovered, error) {
	list, err := d.platform.Authorizers(ctx)
	if err != nil {
		return nil, err
	}
	var out []discovered
	for _, a := range list {
		if configuredIDs[a.AppID] || slices.Contains(d.cfg.Exclude, a.AppID) ||
			len(d.cfg.Include) > 0 && !slices.Contains(d.cfg.Include, a.AppID) {
			continue
		}
		desc, ok := d.described[a.AppID]
		if !ok || d.now().Sub(desc.at) >= infoMaxAge {
			info, err := d.platform.AuthorizerInfo(ctx, a.AppID)
			if err != nil {
				if !ok {
					level.Warn(d.logger).Log("msg", "a discovered account could not be described; asked again at the next discovery", "app_id", a.AppID, "err", err)
					continue
				}
				info = desc.info // keep the last description
			} else {
				desc = description{info, d.now()}
				d.described[a.AppID] = desc
			}
		}
		out = append(out, d.account(a, desc.info, taken))
	}
	d.listed.Set(float64(len(out)))
	d.lastSuccess.SetToCurrentTime()
	return out, nil
}

// account makes the configuration of a discovered account.
func (d *discoverer) account(a wechat.Authorizer, info wechat.AuthorizerInfo, taken map[string]bool) discovered {
	name := d.name(a.AppID, info.NickName, taken)
	tokenFile := filepath.Join(d.cfg.RefreshTokenDir, a.AppID)
	refresh := a.RefreshToken
	if refresh == "" {
		refresh = readToken(tokenFile)
	}
	if refresh == "" {
		refresh = info.RefreshToken
	}
	c := d.cfg.Component
	acc := config.Account{Name: name, AppID: a.AppID, TokenSource: config.SourceComponent,
		Component: &config.Component{AppID: c.AppID, AppSecret: c.AppSecret, VerifyTicketFile: c.VerifyTicketFile,
			RefreshTokenFile: tokenFile, RefreshToken: refresh}}
	out := discovered{info: collector.AccountInfo{Discovered: true, NickName: info.NickName,
		ServiceType: serviceTypes.name(info.ServiceType), VerifyType: verifyTypes.name(info.VerifyType), Status: info.Status}}
	switch {
	case info.Status == wechat.AccountDeregistered:
		out.info.NotFetched = "deregistered"
	case info.Status == wechat.AccountBanned:
		out.info.NotFetched = "banned"
	case refresh == "":
		out.info.NotFetched = "no_refresh_token"
	}
	if out.info.NotFetched == "" {
		for _, ep := range d.cfg.Endpoints {
			if ep.PermissionSet != 0 && !slices.Contains(info.PermissionSets, ep.PermissionSet) {
				out.refused = append(out.refused, ep)
			} else {
				acc.Endpoints = append(acc.Endpoints, ep)
			}
		}
	}
	out.account = acc
	return out
}

// name gives an account its name: its AppID, or its nickname made a valid
// name (with the AppID after it when another account has it); kept for
// the life of the process.
func (d *discoverer) name(appID, nick string, taken map[string]bool) string {
	if n, ok := d.names[appID]; ok {
		return n
	}
	name := appID
	if d.cfg.NameBy == config.NameByNickName {
		if n := nickName(nick); n != "" {
			name = n
		}
	}
	used := func(n string) bool {
		if taken[n] {
			return true
		}
		for id, given := range d.names {
			if given == n && id != appID {
				return true
			}
		}
		return false
	}
	if used(name) {
		name = cut(name, config.MaxNameLen-len(appID)-1) + "_" + appID
	}
	d.names[appID] = name
	return name
}

// nickName makes a nickname a valid account name: spaces become
// underscores, other unprintable characters go, at most MaxNameLen runes.
func nickName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			b.WriteByte('_')
		case unicode.IsPrint(r):
			b.WriteRune(r)
		}
	}
	return cut(b.String(), config.MaxNameLen)
}

func cut(s string, runes int) string {
	r := []rune(s)
	return string(r[:min(len(r), max(runes, 0))])
}

// readToken reads a refresh token file the platform's authorisation
// handler keeps; "" if there is none.
func readToken(path string) string {
	b, err := safefile.Read(path, safefile.MaxSecret)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// enum names the ids of an enumeration; others pass through as numbers.
type enum map[int64]string

func (e enum) name(id int64) string {
	if n, ok := e[id]; ok {
		return n
	}
	return strconv.FormatInt(id, 10)
}

var (
	serviceTypes = enum{0: "subscription", 1: "subscription_upgraded", 2: "service"}
	verifyTypes  = enum{-1: "unverified", 0: "wechat", 1: "weibo", 3: "partial", 4: "partial"}
)
