package fetcher

import (
	"context"
	"time"

	"github.com/go-kit/log/level"

	"github.com/wechat-exporter/wechat-exporter/internal/parallel"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
)

// The render cache (Config.RenderCache): each account's exposition, kept
// in the store under a key made of the digest of the stored records it was
// rendered from, the account's AppID, the collector's options and the
// executable. A cold start serves the entries that still match (LoadCold)
// instead of decoding every stored row before the first scrape.

// renderSaveInterval spaces out the rewriting of the entries of accounts
// with new data: the morning's fetches and is_delay re-fetches change an
// account several times, and only the state at a restart matters (Run
// saves once more when it stops). By the time of a save, scrapes have
// usually rendered the accounts, and saving only encodes their pieces.
const renderSaveInterval = time.Hour

// renderSaveBatch bounds the entries held in memory for one write.
const renderSaveBatch = 100

// servedRecords lists what the snapshot serves of an account's records, for the
// store's digest.
func (f *Fetcher) servedRecords(account string) []store.Served {
	ts := f.tasks().byAcc[account]
	out := make([]store.Served, len(ts))
	for i, t := range ts {
		out[i] = store.Served{Endpoint: t.ep.Name, Days: t.ep.Served()}
	}
	return out
}

// renderKey returns the cache key of an account's entry for the digest of
// its records, or false when there is no cache.
func (f *Fetcher) renderKey(account string, digest uint64) (uint64, bool) {
	c := f.cfg.RenderCache
	acc := f.state.Load().Account(account)
	if c == nil || acc == nil {
		return 0, false
	}
	return c.CacheKey(acc.AppID, digest)
}

// loadCached serves every account whose entry matches its records, and
// returns their names.
func (f *Fetcher) loadCached(ctx context.Context) map[string]bool {
	cached := map[string]bool{}
	if f.cfg.RenderCache == nil {
		return cached
	}
	names := f.accountNames(func(string) bool { return true })
	hit := make([]bool, len(names))
	parallel.For(len(names), func(i int) { hit[i] = ctx.Err() == nil && f.loadCachedAccount(names[i]) })
	for i, name := range names {
		if hit[i] {
			cached[name] = true
		}
	}
	return cached
}

// loadCachedAccount serves the account from its entry, if the entry
// matches the account's records.
func (f *Fetcher) loadCachedAccount(name string) bool {
	digest, entry, err := f.store.CachedRender(name, f.servedRecords(name))
	key, ok := f.renderKey(name, digest)
	if err != nil || !ok || entry == nil {
		return false
	}
	r, err := f.cfg.RenderCache.DecodeRendered(entry, key)
	if err != nil {
		level.Warn(f.logger).Log("msg", "render cache entry unreadable; decoding the stored rows instead", "account", name, "err", err)
		return false
	}
	if r == nil {
		return false // stale: the records changed
	}
	f.state.SetRendered(name, r)
	return true
}

// saveRenders renders the accounts as a cold start would serve them and
// stores the entries that changed. It must run when no fetch is writing:
// the snapshot must show what the store holds.
func (f *Fetcher) saveRenders(names []string) {
	if f.cfg.RenderCache == nil {
		return
	}
	for len(names) > 0 {
		batch := names[:min(renderSaveBatch, len(names))]
		names = names[len(batch):]
		snap := f.state.Load()
		entries := make([][]byte, len(batch))
		parallel.For(len(batch), func(i int) { entries[i] = f.changedEntry(snap, batch[i]) })
		out := map[string][]byte{}
		for i, e := range entries {
			if e != nil {
				out[batch[i]] = e
			}
		}
		if len(out) == 0 {
			continue
		}
		if err := f.store.PutRenders(out); err != nil {
			level.Warn(f.logger).Log("msg", "render cache not saved; the next start decodes the stored rows", "err", err)
			return
		}
	}
}

// changedEntry returns the account's entry as snap serves it, or nil when
// the stored entry still matches (or the account cannot be cached).
func (f *Fetcher) changedEntry(snap *served.Snapshot, name string) []byte {
	acc := snap.Account(name)
	digest, stored, err := f.store.CachedRender(name, f.servedRecords(name))
	key, ok := f.renderKey(name, digest)
	if err != nil || !ok || acc == nil || acc.CacheOnly() {
		return nil
	}
	if r, _ := f.cfg.RenderCache.DecodeRendered(stored, key); r != nil {
		return nil // unchanged
	}
	return f.cfg.RenderCache.RenderCold(acc, key)
}

// SaveRenderCache stores the render cache entries of the accounts written
// since the last save, now. Run does it hourly and when it stops; call it
// only while Run is not running.
func (f *Fetcher) SaveRenderCache() { f.saveWritten(f.cfg.Now(), true) }

// noteWritten records that an account's stored records changed.
func (f *Fetcher) noteWritten(account string) {
	f.mu.Lock()
	f.written[account] = true
	f.mu.Unlock()
}

// saveWritten saves the entries of accounts written since the last save,
// when renderSaveInterval has passed or force is set; accounts with days
// not yet stored wait, as their snapshot is ahead of the store.
func (f *Fetcher) saveWritten(now time.Time, force bool) {
	if f.cfg.RenderCache == nil {
		return
	}
	f.mu.Lock()
	if !force && now.Sub(f.lastSaved) < renderSaveInterval {
		f.mu.Unlock()
		return
	}
	var names []string
	for name := range f.written {
		// An account a task is writing may be ahead in the store of what
		// is served: it waits for the next save.
		if !f.hasPending(name) && !f.d.busy(name) {
			names = append(names, name)
			delete(f.written, name)
		}
	}
	f.lastSaved = now
	f.mu.Unlock()
	f.saveRenders(names)
}

func (f *Fetcher) hasPending(account string) bool {
	for _, t := range f.tasks().byAcc[account] {
		t.mu.Lock()
		n := len(t.pending)
		t.mu.Unlock()
		if n > 0 {
			return true
		}
	}
	return false
}
