package api

import (
	"context"
	"sync"
	"time"
)

// Limiter rate-limits grants per subject. The in-process token bucket
// (Config.RatePerMinute without Config.Limiter) implements it, and so does
// shared/ratelimit's Redis limiter, which holds across FC instances.
type Limiter interface {
	// Allow takes one grant for subject. When none is left it returns
	// false and how long until one is. An error means the limit could not
	// be checked and the limiter wants the grant refused: the handler
	// answers 503 ServiceUnavailable with Retry-After. A limiter that lets
	// grants through when it cannot check returns true and no error.
	Allow(ctx context.Context, subject string) (ok bool, retryAfter time.Duration, err error)
}

var _ Limiter = (*limiter)(nil)

// limiter is a per-subject token bucket: rate tokens a minute, burst at
// most. It is per process (per FC instance, which serves one request at a
// time while FC scales out, so it bounds little there); the map is bounded
// by dropping buckets that have refilled completely.
type limiter struct {
	mu      sync.Mutex
	perSec  float64
	burst   float64
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

const maxBuckets = 10000

func newLimiter(perMinute, burst int, now func() time.Time) *limiter {
	return &limiter{perSec: float64(perMinute) / 60, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// Allow takes a token for subject, or says how long until one is there.
// It never fails.
func (l *limiter) Allow(_ context.Context, subject string) (bool, time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[subject]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[subject] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.perSec)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0, nil
	}
	wait := time.Duration((1 - b.tokens) / l.perSec * float64(time.Second))
	return false, wait, nil
}

// prune drops full buckets (equivalent to absent ones); if none are full it
// drops them all, which only forgives some waiting.
func (l *limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.perSec >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}
