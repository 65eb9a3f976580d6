package stsemu

import (
	"sync"
	"time"
)

// nonceCache remembers the SignatureNonce values of accepted requests so a
// replay within the timestamp window is refused. It is bounded: entries
// expire after their retention time, and when the cache is full the oldest
// entry is dropped even if it has not expired (a replay of that one request
// would then succeed; an emulator trades that for bounded memory).
type nonceCache struct {
	mu    sync.Mutex
	limit int
	seen  map[string]time.Time // key -> expiry
	queue []nonceEntry         // insertion order; queue[head:] is live
	head  int
}

type nonceEntry struct {
	key    string
	expiry time.Time
}

func newNonceCache(limit int) *nonceCache {
	return &nonceCache{limit: limit, seen: make(map[string]time.Time)}
}

// use records key until expiry and reports true, or reports false when key
// is already recorded and not expired at now.
func (c *nonceCache) use(key string, now, expiry time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prune(now)
	if exp, ok := c.seen[key]; ok && now.Before(exp) {
		return false
	}
	for len(c.queue)-c.head >= c.limit {
		c.drop()
	}
	c.seen[key] = expiry
	c.queue = append(c.queue, nonceEntry{key: key, expiry: expiry})
	return true
}

// prune drops expired entries from the front. Entries are added with
// non-decreasing expiry as long as the clock does not go backwards; if it
// does, some expired entries merely stay a little longer.
func (c *nonceCache) prune(now time.Time) {
	for c.head < len(c.queue) && !now.Before(c.queue[c.head].expiry) {
		c.drop()
	}
}

// drop removes the oldest entry and compacts the queue now and then.
func (c *nonceCache) drop() {
	e := c.queue[c.head]
	c.queue[c.head] = nonceEntry{}
	c.head++
	if exp, ok := c.seen[e.key]; ok && exp.Equal(e.expiry) {
		delete(c.seen, e.key)
	}
	if c.head > 1024 && c.head*2 > len(c.queue) {
		c.queue = append([]nonceEntry(nil), c.queue[c.head:]...)
		c.head = 0
	}
}
