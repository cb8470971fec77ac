package wechat

import (
	"context"
	"time"

	"golang.org/x/time/rate"
)

// Limiter spaces the requests of every client given it (WithLimiter) to
// at most a number a second, so that the processes' calls stay under
// WeChat's per-minute limits (45011 "api minute-quota reach limit"). One
// Limiter is shared by all accounts of a process: the limits are WeChat's,
// per IP and per API, not per account.
type Limiter struct {
	r   *rate.Limiter
	now func() time.Time
	// Waited, if set, is told how long each request waited for its turn.
	Waited func(time.Duration)
}

// NewLimiter allows perSecond requests a second, one at a time (no burst).
func NewLimiter(perSecond float64) *Limiter {
	return NewLimiterWithClock(perSecond, time.Now)
}

// NewLimiterWithClock is NewLimiter on another clock (tests).
func NewLimiterWithClock(perSecond float64, now func() time.Time) *Limiter {
	return &Limiter{r: rate.NewLimiter(rate.Limit(perSecond), 1), now: now}
}

// WithLimiter makes the client wait for its turn before every request,
// token requests and retries included.
func WithLimiter(l *Limiter) Option { return func(o *options) { o.limiter = l } }

// wait takes the next turn, sleeping (with sleep) until it comes; if ctx
// ends first, the turn is given back.
func (l *Limiter) wait(ctx context.Context, sleep func(context.Context, time.Duration) error) error {
	if l == nil {
		return nil
	}
	now := l.now()
	r := l.r.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if l.Waited != nil {
		l.Waited(d)
	}
	if err := sleep(ctx, d); err != nil {
		r.CancelAt(l.now())
		return err
	}
	return nil
}
