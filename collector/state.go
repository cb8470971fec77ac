package collector

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Snapshot is the data served at one moment. It is immutable: writers build
// a new one and swap it in atomically, so a scrape never waits for a fetch
// and never sees half of one.
type Snapshot struct {
	accounts []*Account // sorted by name
}

// Accounts returns the served accounts, sorted by name.
func (s *Snapshot) Accounts() []*Account { return s.accounts }

// Account returns the served account of that name, or nil.
func (s *Snapshot) Account(name string) *Account {
	i := s.index(name)
	if i < 0 {
		return nil
	}
	return s.accounts[i]
}

func (s *Snapshot) index(name string) int {
	i := sort.Search(len(s.accounts), func(i int) bool { return s.accounts[i].Name >= name })
	if i == len(s.accounts) || s.accounts[i].Name != name {
		return -1
	}
	return i
}

// Account is one configured account's served data.
type Account struct {
	Name      string
	AppID     string
	Endpoints map[string]*Endpoint
}

// Endpoint is what is served for one account's endpoint.
type Endpoint struct {
	// Date is the newest stored date (or period label); 0 if none yet.
	Date wechat.Date
	// Rows are the rows served: those of Date, and for some endpoints
	// those of the days before too (getarticletotal's settling week,
	// getinterfacesummary's baseline week). Families pick what they need.
	Rows []wechat.Row
	// Status is the outcome of the last fetch attempt.
	Status Status
}

// Status is the outcome of an endpoint's fetching.
type Status struct {
	Known       bool      // an attempt or a check was made since start
	Unavailable bool      // WeChat answered that the endpoint is offline (47009)
	OK          bool      // the last attempt succeeded or found the data complete
	LastSuccess time.Time // when the data was last fetched or found complete
}

// State holds the current snapshot. Reads are lock-free; writes are
// serialized and copy only the account they change.
type State struct {
	mu  sync.Mutex
	cur atomic.Pointer[Snapshot]
}

// NewState returns a state serving the given accounts (name and AppID),
// with no data yet.
func NewState(accounts map[string]string) *State {
	s := &State{}
	snap := &Snapshot{}
	for name, appID := range accounts {
		snap.accounts = append(snap.accounts, &Account{Name: name, AppID: appID, Endpoints: map[string]*Endpoint{}})
	}
	sort.Slice(snap.accounts, func(i, j int) bool { return snap.accounts[i].Name < snap.accounts[j].Name })
	s.cur.Store(snap)
	return s
}

// Load returns the current snapshot.
func (s *State) Load() *Snapshot { return s.cur.Load() }

// update replaces one account's endpoint with what change makes of a copy
// of it. Accounts the state does not serve are ignored.
func (s *State) update(account, endpoint string, change func(*Endpoint)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cur.Load()
	i := old.index(account)
	if i < 0 {
		return
	}
	acc := *old.accounts[i]
	acc.Endpoints = make(map[string]*Endpoint, len(old.accounts[i].Endpoints)+1)
	for k, v := range old.accounts[i].Endpoints {
		acc.Endpoints[k] = v
	}
	ep := &Endpoint{}
	if prev := acc.Endpoints[endpoint]; prev != nil {
		*ep = *prev
	}
	change(ep)
	acc.Endpoints[endpoint] = ep
	next := &Snapshot{accounts: append([]*Account(nil), old.accounts...)}
	next.accounts[i] = &acc
	s.cur.Store(next)
}

// SetData serves rows as the account's endpoint data of date.
func (s *State) SetData(account, endpoint string, date wechat.Date, rows []wechat.Row) {
	s.update(account, endpoint, func(e *Endpoint) { e.Date, e.Rows = date, rows })
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

// SetUnavailable records whether WeChat took the account's endpoint
// offline (47009). It makes a new snapshot only on a change.
func (s *State) SetUnavailable(account, endpoint string, unavailable bool) {
	acc := s.Load().Account(account)
	if acc == nil {
		return
	}
	current := false
	if ep := acc.Endpoints[endpoint]; ep != nil {
		current = ep.Status.Unavailable
	}
	if current != unavailable {
		s.update(account, endpoint, func(e *Endpoint) { e.Status.Unavailable = unavailable })
	}
}
