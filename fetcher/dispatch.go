package fetcher

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Dispatching: which due task gets one of the --wechat.max-concurrency
// slots. A slow or hung endpoint must cost its own tasks, not the others':
// while other endpoints' tasks wait, one endpoint's tasks hold at most its
// share of the slots (a quarter, at least one), so that a hung endpoint's
// requests, each waiting out its timeout, cannot fill every slot; a slot
// no other endpoint wants is never left idle. Run starts tasks as slots
// free up, without waiting for a pass over every task to end, so that a
// task stuck on a hung request delays no other.

// dispatcher holds the due tasks waiting for a slot and those running.
type dispatcher struct {
	mu      sync.Mutex
	slots   int
	share   int                // slots one endpoint's tasks may hold while others wait
	waiting map[string][]*task // by endpoint, in the order they came due
	queued  map[*task]bool
	running map[*task]bool
	inUse   map[string]int // slots held, by endpoint
	order   []string       // endpoints with waiting tasks, offered a slot in turn
	turn    int
	freed   chan struct{} // a slot was freed (buffered: one pending signal)
}

// endpointShare is how many slots one endpoint's tasks may hold while
// other endpoints' tasks wait.
func endpointShare(slots int) int { return max(1, slots/4) }

func newDispatcher(slots int) *dispatcher {
	return &dispatcher{slots: slots, share: endpointShare(slots), waiting: map[string][]*task{}, queued: map[*task]bool{},
		running: map[*task]bool{}, inUse: map[string]int{}, freed: make(chan struct{}, 1)}
}

// add puts the tasks of ts that are due at now, and neither waiting nor
// running, in line, and returns them.
func (d *dispatcher) add(ts []*task, now time.Time) []*task {
	d.mu.Lock()
	defer d.mu.Unlock()
	var added []*task
	for _, t := range ts {
		if d.queued[t] || d.running[t] {
			continue
		}
		t.mu.Lock()
		due := !now.Before(t.next)
		t.mu.Unlock()
		if !due {
			continue
		}
		ep := t.ep.Name
		if len(d.waiting[ep]) == 0 {
			d.order = append(d.order, ep)
		}
		d.waiting[ep] = append(d.waiting[ep], t)
		d.queued[t] = true
		added = append(added, t)
	}
	return added
}

// take gives a waiting task a slot: that of the first endpoint, in turn,
// that holds less than its share; or, when every waiting endpoint holds
// its share, that of the next in turn. nil when no slot is free or
// nothing waits.
func (d *dispatcher) take() *task {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.running) >= d.slots || len(d.order) == 0 {
		return nil
	}
	pick := -1
	for i := range d.order {
		j := (d.turn + i) % len(d.order)
		if d.inUse[d.order[j]] < d.share {
			pick = j
			break
		}
	}
	if pick < 0 {
		pick = d.turn % len(d.order)
	}
	ep := d.order[pick]
	t := d.waiting[ep][0]
	d.waiting[ep] = d.waiting[ep][1:]
	if len(d.waiting[ep]) == 0 {
		delete(d.waiting, ep)
		d.order = slices.Delete(d.order, pick, pick+1)
		d.turn = pick // the next endpoint has moved into its place
	} else {
		d.turn = pick + 1
	}
	if len(d.order) > 0 {
		d.turn %= len(d.order)
	} else {
		d.turn = 0
	}
	delete(d.queued, t)
	d.running[t] = true
	d.inUse[ep]++
	return t
}

// done frees t's slot.
func (d *dispatcher) done(t *task) {
	d.mu.Lock()
	delete(d.running, t)
	if d.inUse[t.ep.Name]--; d.inUse[t.ep.Name] == 0 {
		delete(d.inUse, t.ep.Name)
	}
	d.mu.Unlock()
	select {
	case d.freed <- struct{}{}:
	default: // a signal is pending already
	}
}

// idle reports whether nothing waits or runs.
func (d *dispatcher) idle() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.running) == 0 && len(d.order) == 0
}

// busy reports whether a task of the account runs.
func (d *dispatcher) busy(account string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for t := range d.running {
		if t.acc.Name == account {
			return true
		}
	}
	return false
}

// clear drops the waiting tasks, and returns them: the task set was
// replaced, and the next pass puts the current ones in line.
func (d *dispatcher) clear() []*task {
	d.mu.Lock()
	defer d.mu.Unlock()
	var dropped []*task
	for t := range d.queued {
		dropped = append(dropped, t)
	}
	d.waiting, d.queued, d.order, d.turn = map[string][]*task{}, map[*task]bool{}, nil, 0
	return dropped
}

// startWaiting starts waiting tasks while slots are free.
func (f *Fetcher) startWaiting(ctx context.Context, wg *sync.WaitGroup) {
	for ctx.Err() == nil {
		t := f.d.take()
		if t == nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer f.d.done(t)
			f.runTask(ctx, t, f.cfg.Now())
			f.finishTask(t)
		}()
	}
}

// putDueInLine puts the due tasks in line, and gives those of them that
// have no status yet one: not fetched (0) until their first success, so
// that every account's endpoint has a status series from the first pass
// on, whatever WeChat does (a task waiting behind a hung endpoint, or
// itself hung, would otherwise have none for as long).
func (f *Fetcher) putDueInLine(now time.Time) {
	added := f.d.add(f.tasks().all, now)
	if len(added) > 0 {
		r := newRound(added, now)
		for _, t := range added {
			t.mu.Lock()
			t.round = r
			t.mu.Unlock()
		}
	}
	byAcc := map[string][]string{}
	var order []string
	for _, t := range added {
		if len(byAcc[t.acc.Name]) == 0 {
			order = append(order, t.acc.Name)
		}
		byAcc[t.acc.Name] = append(byAcc[t.acc.Name], t.ep.Name)
	}
	for _, name := range order {
		f.state.SetPending(name, byAcc[name])
	}
}
