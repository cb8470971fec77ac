package app

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/internal/safefile"
	"github.com/wechat-exporter/wechat-exporter/served"
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
	info    served.AccountInfo
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
	metrics  *discoveryMetrics

	names     map[string]string // AppID -> the name given, for the life of the process
	described map[string]description
	// rejected are the list's entries already logged as skipped, so that
	// each is logged once, not at every discovery (bounded: past
	// maxRejectedLogged, new ones are counted but not logged).
	rejected map[string]bool
}

// maxRejectedLogged bounds the skipped entries remembered for logging.
const maxRejectedLogged = 10_000

type description struct {
	info wechat.AuthorizerInfo
	at   time.Time
}

// newDiscoverer makes the discovery of cfg. prev, the running one (nil
// if none), gives it what it learnt of the same platform: the
// descriptions, and the names when they are given the same way, so that
// an edit of the discovery section renames and asks nothing.
func newDiscoverer(cfg *config.Discovery, opts []wechat.Option, logger log.Logger, now func() time.Time, m *discoveryMetrics, prev *discoverer) (*discoverer, error) {
	p, err := wechat.NewPlatform(wechat.ComponentConfig{ComponentAppID: cfg.Component.AppID, ComponentSecret: cfg.Component.AppSecret,
		VerifyTicketFile: cfg.Component.VerifyTicketFile}, opts...)
	if err != nil {
		return nil, err
	}
	d := &discoverer{cfg: cfg, platform: p, logger: logger, now: now, metrics: m,
		names: map[string]string{}, described: map[string]description{}, rejected: map[string]bool{}}
	if prev != nil && prev.cfg.Component.AppID == cfg.Component.AppID {
		d.described, d.rejected = prev.described, prev.rejected
		if prev.cfg.NameBy == cfg.NameBy {
			d.names = prev.names
		}
	}
	return d, nil
}

// Why an entry of the platform's list is left out
// (wechat_discovery_entries_skipped's reason).
const (
	skippedInvalidAppID = "invalid_app_id"
	skippedDuplicate    = "duplicate"
)

// screen keeps the entries of the list that can be used: an AppID of
// WeChat's form (it becomes a file name and an account name), each once
// (offset paging gives an entry twice when the list changes under it;
// two clients of one account would race on its rotating refresh token).
// A duplicate that has a refresh token lends it to the first entry that
// lacks one.
func (d *discoverer) screen(list []wechat.Authorizer) ([]wechat.Authorizer, map[string]int) {
	skipped := map[string]int{skippedInvalidAppID: 0, skippedDuplicate: 0}
	var out []wechat.Authorizer
	at := map[string]int{}
	for _, a := range list {
		if !wechat.ValidAppID(a.AppID) {
			skipped[skippedInvalidAppID]++
			d.logRejected(a.AppID)
			continue
		}
		if i, dup := at[a.AppID]; dup {
			skipped[skippedDuplicate]++
			if out[i].RefreshToken == "" {
				out[i].RefreshToken = a.RefreshToken
			}
			continue
		}
		at[a.AppID] = len(out)
		out = append(out, a)
	}
	return out, skipped
}

// logRejected logs an entry whose AppID is not of WeChat's form, once.
func (d *discoverer) logRejected(appID string) {
	if d.rejected[appID] || len(d.rejected) >= maxRejectedLogged {
		return
	}
	d.rejected[appID] = true
	shown := appID
	if len(shown) > 64 {
		shown = shown[:64] + "..."
	}
	level.Warn(d.logger).Log("msg", `the platform's list gives an AppID not of WeChat's form ("wx" and 16 hexadecimal digits); the entry is skipped`,
		"app_id", shown, "length", len(appID))
}

// discover reads the list and describes what needs it. taken are the
// names of the configured accounts; an AppID configured is left to its
// configuration (configuredIDs).
func (d *discoverer) discover(ctx context.Context, taken, configuredIDs map[string]bool) ([]discovered, error) {
	list, err := d.platform.Authorizers(ctx)
	if err != nil {
		return nil, err
	}
	list, skipped := d.screen(list)
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
	d.metrics.listed(len(out), skipped)
	return out, nil
}

// account makes the configuration of a discovered account.
func (d *discoverer) account(a wechat.Authorizer, info wechat.AuthorizerInfo, taken map[string]bool) discovered {
	name := d.name(a.AppID, info.NickName, taken)
	tokenFile := filepath.Join(d.cfg.RefreshTokenDir, a.AppID) // an AppID of WeChat's form (screen): a plain file name
	refresh := a.RefreshToken
	if refresh == "" {
		refresh = readToken(d.cfg.RefreshTokenDir, a.AppID)
	}
	if refresh == "" {
		refresh = info.RefreshToken
	}
	c := d.cfg.Component
	acc := config.Account{Name: name, AppID: a.AppID, TokenSource: config.SourceComponent,
		Component: &config.Component{AppID: c.AppID, AppSecret: c.AppSecret, VerifyTicketFile: c.VerifyTicketFile,
			RefreshTokenFile: tokenFile, RefreshToken: refresh}}
	out := discovered{info: served.AccountInfo{Discovered: true, NickName: info.NickName,
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

// nickName makes a nickname, which the account's owner chose, a valid
// account name: spaces become underscores, and what a name may not hold
// (unprintable characters, quotes and markup: config.NameRune) goes; at
// most MaxNameLen runes.
func nickName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			b.WriteByte('_')
		case config.NameRune(r):
			b.WriteRune(r)
		}
	}
	return cut(b.String(), config.MaxNameLen)
}

func cut(s string, runes int) string {
	r := []rune(s)
	return string(r[:min(len(r), max(runes, 0))])
}

// readToken reads the refresh token file the platform's authorisation
// handler keeps in dir for an account; "" if there is none. Only inside
// dir: the name comes from WeChat's list.
func readToken(dir, appID string) string {
	b, err := safefile.ReadIn(dir, appID, safefile.MaxSecret)
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

// discoveryMetrics are discovery's series. They are registered once for
// the life of the process, whatever reloads do to the discovery section,
// and served only while one is configured: a reload that edits it keeps
// them, one that removes it takes them away.
type discoveryMetrics struct {
	mu          sync.Mutex
	enabled     bool
	accounts    int
	skipped     map[string]int
	lastSuccess time.Time
}

var (
	discoveryAccountsDesc = prometheus.NewDesc("wechat_discovery_accounts",
		"Accounts the third-party platform's list gave at the last discovery, after include and exclude.", nil, nil)
	discoverySkippedDesc = prometheus.NewDesc("wechat_discovery_entries_skipped",
		"Entries of the platform's list left out at the last discovery, by reason: invalid_app_id (not of WeChat's form), duplicate (an account listed twice).",
		[]string{"reason"}, nil)
	discoveryLastSuccessDesc = prometheus.NewDesc("wechat_discovery_last_success_timestamp_seconds",
		"When the platform's list of authorised accounts was last read (Unix time).", nil, nil)
)

func newDiscoveryMetrics(reg prometheus.Registerer) *discoveryMetrics {
	m := &discoveryMetrics{}
	reg.MustRegister(m)
	return m
}

// configured says whether a discovery section is running.
func (m *discoveryMetrics) configured(on bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.enabled = on
}

// listed records a discovery that read the list.
func (m *discoveryMetrics) listed(accounts int, skipped map[string]int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.accounts, m.skipped, m.lastSuccess = accounts, skipped, time.Now()
}

func (m *discoveryMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- discoveryAccountsDesc
	ch <- discoverySkippedDesc
	ch <- discoveryLastSuccessDesc
}

func (m *discoveryMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.enabled {
		return
	}
	ch <- prometheus.MustNewConstMetric(discoveryAccountsDesc, prometheus.GaugeValue, float64(m.accounts))
	for _, reason := range []string{skippedInvalidAppID, skippedDuplicate} {
		ch <- prometheus.MustNewConstMetric(discoverySkippedDesc, prometheus.GaugeValue, float64(m.skipped[reason]), reason)
	}
	var last float64
	if !m.lastSuccess.IsZero() {
		last = float64(m.lastSuccess.UnixNano()) / 1e9
	}
	ch <- prometheus.MustNewConstMetric(discoveryLastSuccessDesc, prometheus.GaugeValue, last)
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
