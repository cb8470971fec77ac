// Package exposition writes the collector's samples to a scrape: the
// text renderer that keeps each account's series as gzip members, the
// render cache that serves them across a restart, the /metrics, /probe
// and /targets handlers, and backfill's OpenMetrics history.
//
// It holds no metric of its own: which series an account is served as is
// package collector's (the families); this package decides only how fast
// and in what bytes they reach Prometheus. A test holds the two to the
// same output (TestRenderTextMatchesRegistry).
package exposition

import (
	"sync/atomic"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/served"
)

// Exposition renders the collector's samples of state's snapshots. It is
// also the fetcher's Renderer (the render cache, the series count of a
// fetch round's log line).
type Exposition struct {
	state *served.State
	c     *collector.Collector
	// rendered keeps each account's rendered pieces from the last
	// renderText: accounts are immutable, so an account a new snapshot
	// still holds is not rendered again, and RenderCold reuses them.
	rendered atomic.Pointer[map[*served.Account]accountRender]
}

// New returns the exposition of c, which serves state's snapshots.
func New(state *served.State, c *collector.Collector) *Exposition {
	return &Exposition{state: state, c: c}
}

// Series returns how many series the account is served as.
func (e *Exposition) Series(acc *served.Account) int { return e.c.Series(acc) }
