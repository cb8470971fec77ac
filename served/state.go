// Package served is the data the exporter serves: a snapshot of every
// account's decoded rows and fetch status, immutable and swapped whole, so
// that a scrape never waits for a fetch and never sees half of one. The
// fetcher writes it (State's setters); the collector and the exposition
// read it (State.Load).
package served

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Snapshot is the data served at one moment. It is immutable: writers build
// a new one and swap it in atomically, so a scrape never waits for a fetch
// and never sees half of one.
type Snapshot struct {
	accounts  *accountVec // in name order
	cacheOnly int         // accounts served from a render cache, rows not decoded yet
}

// Complete reports whether every account's rows are loaded: false only
// while a cold start serves some accounts from the render cache.
func (s *Snapshot) Complete() bool { return s.cacheOnly == 0 }

// Accounts returns the served accounts, sorted by name.
func (s *Snapshot) Accounts() []*Account { return s.accounts.all() }

// Account returns the served account of that name, or nil.
func (s *Snapshot) Account(name string) *Account {
	i := s.accounts.position(name)
	if i < 0 {
		return nil
	}
	return s.accounts.at(i)
}

// Account is one configured account's served data.
type Account struct {
	Name      string
	AppID     string
	Endpoints map[string]*Endpoint
	// Info describes a discovered account (zero for a configured one).
	Info AccountInfo

	// rendered is the account's data section, valid while the account is
	// unchanged since it was loaded; cacheOnly says its rows are not
	// decoded yet, so only the text renderer can serve it.
	rendered  *Rendered
	cacheOnly bool
}

// Rendered is an account's data section, rendered by the exposition: gzip
// members by metric family id. The snapshot keeps it with the account
// while the account is unchanged, so that a scrape renders only what
// changed; its content is the exposition's business.
type Rendered struct {
	Pieces [][]byte
}

// Rendered returns the account's data section as last rendered for its
// present data, or nil.
func (a *Account) Rendered() *Rendered { return a.rendered }

// Cold returns the account as a cold start serves it: its rows, no fetch
// status (none was attempted yet), no rendered section.
func (a *Account) Cold() *Account {
	cold := *a
	cold.rendered, cold.Endpoints = nil, make(map[string]*Endpoint, len(a.Endpoints))
	for name, ep := range a.Endpoints {
		cold.Endpoints[name] = &Endpoint{Date: ep.Date, Rows: ep.Rows, Days: ep.Days}
	}
	return &cold
}

// AccountInfo is what a third-party platform says of an account it
// discovered (api_get_authorizer_info), and whether it is fetched.
type AccountInfo struct {
	Discovered  bool
	NickName    string
	ServiceType string // subscription, subscription_upgraded, service, or the id
	VerifyType  string // unverified, wechat, weibo, partial, or the id
	Status      int64  // account_status: 1 normal, 14 deregistered, 16 banned, 18 warned, 19 frozen
	// NotFetched says why the account is not fetched ("" if it is):
	// deregistered, banned, no_refresh_token.
	NotFetched string
}

// SetInfo sets what a platform says of the account. Its render is kept
// when the info is unchanged.
func (s *State) SetInfo(account string, info AccountInfo) {
	if a := s.Load().Account(account); a == nil || a.Info == info {
		return
	}
	s.replaceAccount(account, func(a *Account) { a.Info, a.rendered = info, nil })
}

// CacheOnly reports whether the account is served from a render cache
// entry while its rows are not decoded yet.
func (a *Account) CacheOnly() bool { return a.cacheOnly }

// Endpoint is what is served for one account's endpoint.
type Endpoint struct {
	// Date is the newest stored date (or period label); 0 if none yet.
	Date wechat.Date
	// Rows are the rows served: those of Date, and for some endpoints
	// those of the days before too (getarticletotal's settling week, the
	// baseline weeks of getusersummary, getinterfacesummary and others).
	// Families pick what they need.
	Rows []wechat.Row
	// Days are the stored days the rows come from, those without rows
	// (a quiet day) included, so that a baseline counts a quiet day as 0;
	// nil: the days the rows name.
	Days []wechat.Date
	// Status is the outcome of the last fetch attempt.
	Status Status
}

// Status is the outcome of an endpoint's fetching.
type Status struct {
	Known       bool      // an attempt or a check was made since start
	Unavailable string    // why WeChat will not serve the endpoint (wechat.ReasonOffline, ...), or ""
	OK          bool      // the last attempt succeeded or found the data complete
	LastSuccess time.Time // when the data was last fetched or found complete
}

// State holds the current snapshot. Reads are lock-free; writes are
// serialized and copy only the account they change.
type State struct {
	mu      sync.Mutex
	cur     atomic.Pointer[Snapshot]
	swapped chan struct{} // closed and replaced at each swap, for WaitComplete
}

// NewState returns a state serving the given accounts (name and AppID),
// with no data yet.
func NewState(accounts map[string]string) *State {
	s := &State{swapped: make(chan struct{})}
	list := make([]*Account, 0, len(accounts))
	for name, appID := range accounts {
		list = append(list, &Account{Name: name, AppID: appID, Endpoints: map[string]*Endpoint{}})
	}
	sortAccounts(list)
	s.cur.Store(&Snapshot{accounts: newAccountVec(list)})
	return s
}

// Load returns the current snapshot.
func (s *State) Load() *Snapshot { return s.cur.Load() }

// swap makes next current; s.mu must be held.
func (s *State) swap(next *Snapshot) {
	s.cur.Store(next)
	close(s.swapped)
	s.swapped = make(chan struct{})
}

// WaitComplete waits until every account's rows are loaded (at once
// unless a cold start is serving from the render cache), or ctx ends.
func (s *State) WaitComplete(ctx context.Context) error {
	for {
		s.mu.Lock()
		complete, swapped := s.Load().Complete(), s.swapped
		s.mu.Unlock()
		if complete {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-swapped:
		}
	}
}

// replaceAccount swaps in a snapshot where the account is what change
// makes of a copy of it. Accounts the state does not serve are ignored.
func (s *State) replaceAccount(account string, change func(*Account)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cur.Load()
	i := old.accounts.position(account)
	if i < 0 {
		return
	}
	prev := old.accounts.at(i)
	acc := *prev
	change(&acc)
	next := &Snapshot{accounts: old.accounts.with(i, &acc), cacheOnly: old.cacheOnly}
	switch {
	case acc.cacheOnly && !prev.cacheOnly:
		next.cacheOnly++
	case prev.cacheOnly && !acc.cacheOnly:
		next.cacheOnly--
	}
	s.swap(next)
}

// SetRendered serves the account from a render cache entry until its rows
// are loaded (SetAccountData).
func (s *State) SetRendered(account string, r *Rendered) {
	s.replaceAccount(account, func(a *Account) { a.rendered, a.cacheOnly = r, true })
}

// EndpointData is one endpoint's served data, for SetAccountData.
type EndpointData struct {
	Date wechat.Date
	Rows []wechat.Row
	Days []wechat.Date // see Endpoint.Days
}

// SetAccountData serves the data of every endpoint of an account at once,
// so a scrape never sees the account half loaded. keepRendered keeps the
// render cache entry it was served from, for data known to be the same
// the entry was rendered from.
func (s *State) SetAccountData(account string, data map[string]EndpointData, keepRendered bool) {
	names := make([]string, 0, len(data))
	for name := range data {
		names = append(names, name)
	}
	s.replaceAccount(account, func(a *Account) {
		a.Endpoints = withEndpoints(a, names, func(name string, ep *Endpoint) {
			ep.Date, ep.Rows, ep.Days = data[name].Date, data[name].Rows, data[name].Days
		})
		a.cacheOnly = false
		if !keepRendered {
			a.rendered = nil
		}
	})
}

// update replaces one account's endpoint with what change makes of a copy
// of it. Accounts the state does not serve are ignored.
// The account's render cache entry no longer matches and is dropped.
func (s *State) update(account, endpoint string, change func(*Endpoint)) {
	s.updateAll(account, []string{endpoint}, change)
}

// updateAll is update of several endpoints of the account, in one
// snapshot.
func (s *State) updateAll(account string, endpoints []string, change func(*Endpoint)) {
	s.replaceAccount(account, func(acc *Account) {
		acc.Endpoints = withEndpoints(acc, endpoints, func(_ string, ep *Endpoint) { change(ep) })
		acc.rendered = nil
	})
}

// withEndpoints returns a copy of the account's endpoints in which each
// of names is a copy of what it was (empty if it was not there) as change
// makes it: the account's other endpoints are shared, never changed.
func withEndpoints(acc *Account, names []string, change func(name string, ep *Endpoint)) map[string]*Endpoint {
	eps := make(map[string]*Endpoint, len(acc.Endpoints)+len(names))
	for k, v := range acc.Endpoints {
		eps[k] = v
	}
	for _, name := range names {
		ep := &Endpoint{}
		if prev := eps[name]; prev != nil {
			*ep = *prev
		}
		change(name, ep)
		eps[name] = ep
	}
	return eps
}

// SetData serves rows as the account's endpoint data of date; days are
// the stored days they come from (Endpoint.Days), if given.
func (s *State) SetData(account, endpoint string, date wechat.Date, rows []wechat.Row, days ...wechat.Date) {
	s.update(account, endpoint, func(e *Endpoint) { e.Date, e.Rows, e.Days = date, rows, days })
}

// SetStatus records the outcome of a fetch attempt (or of a check that
// found the stored data complete).
func (s *State) SetStatus(account, endpoint string, ok bool, at time.Time) {
	s.update(account, endpoint, func(e *Endpoint) {
		e.Status.Known, e.Status.OK = true, ok
		if ok {
			e.Status.LastSuccess = at
		}
	})
}

// SetPending gives the account's endpoints that have no status yet one:
// not fetched (Known, not OK) until their first success. One snapshot
// for the account, and none when every endpoint has a status.
func (s *State) SetPending(account string, endpoints []string) {
	acc := s.Load().Account(account)
	if acc == nil {
		return
	}
	var unknown []string
	for _, ep := range endpoints {
		if e := acc.Endpoints[ep]; e == nil || !e.Status.Known {
			unknown = append(unknown, ep)
		}
	}
	if len(unknown) == 0 {
		return
	}
	s.updateAll(account, unknown, func(e *Endpoint) {
		if !e.Status.Known {
			e.Status.Known, e.Status.OK = true, false
		}
	})
}

// SetUnavailable records why WeChat will not serve the account's endpoint
// (wechat.ReasonOffline, ...), or "" once it does. It makes a new snapshot
// only on a change.
func (s *State) SetUnavailable(account, endpoint, reason string) {
	acc := s.Load().Account(account)
	if acc == nil {
		return
	}
	current := ""
	if ep := acc.Endpoints[endpoint]; ep != nil {
		current = ep.Status.Unavailable
	}
	if current != reason {
		s.update(account, endpoint, func(e *Endpoint) { e.Status.Unavailable = reason })
	}
}

// SetAccounts makes the state serve these accounts (name and AppID), each
// with only the configured endpoints (by name): an account that stays, with
// the same AppID, keeps what it serves of those endpoints; a new one is
// served empty until its data is set; the others are no longer served.
func (s *State) SetAccounts(accounts map[string]string, endpoints map[string][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cur.Load()
	list := make([]*Account, 0, len(accounts))
	cacheOnly := 0
	for name, appID := range accounts {
		acc := old.Account(name)
		if acc == nil || acc.AppID != appID {
			list = append(list, &Account{Name: name, AppID: appID, Endpoints: map[string]*Endpoint{}})
			continue
		}
		keep := endpoints[name]
		dropped := false
		for ep := range acc.Endpoints {
			dropped = dropped || !slices.Contains(keep, ep)
		}
		if dropped {
			c := *acc
			c.Endpoints = map[string]*Endpoint{}
			for ep, e := range acc.Endpoints {
				if slices.Contains(keep, ep) {
					c.Endpoints[ep] = e
				}
			}
			c.rendered = nil // rendered with the dropped endpoints
			acc = &c
		}
		if acc.cacheOnly {
			cacheOnly++
		}
		list = append(list, acc)
	}
	sortAccounts(list)
	s.swap(&Snapshot{accounts: newAccountVec(list), cacheOnly: cacheOnly})
}
