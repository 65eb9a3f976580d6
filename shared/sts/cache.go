package sts

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"

	"ossdirect/shared/credentials"
)

// cacheKey identifies cached credentials: SHA-256 over the length-prefixed
// subject and profile followed by the session policy.
type cacheKey [sha256.Size]byte

func newCacheKey(subject, profile string, policy []byte) cacheKey {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(subject)))])
	h.Write([]byte(subject))
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(profile)))])
	h.Write([]byte(profile))
	h.Write(policy)
	var k cacheKey
	h.Sum(k[:0])
	return k
}

// cache is a bounded map of credentials with LRU order. It is safe for
// concurrent use.
type cache struct {
	reuse time.Duration // entries are fresh until reuse before expiry
	max   int           // > 0

	mu      sync.Mutex
	entries map[cacheKey]*list.Element // values are *cacheEntry
	lru     list.List                  // front: most recently used
}

type cacheEntry struct {
	key   cacheKey
	creds credentials.Value
}

func newCache(maxEntries int, reuse time.Duration) *cache {
	return &cache{max: maxEntries, reuse: reuse, entries: make(map[cacheKey]*list.Element)}
}

// fresh reports whether creds may still be handed out at now.
func (c *cache) fresh(creds credentials.Value, now time.Time) bool {
	return now.Before(creds.Expiry.Add(-c.reuse))
}

// get returns the fresh credentials for k and marks them used; stale ones
// are dropped.
func (c *cache) get(k cacheKey, now time.Time) (credentials.Value, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[k]
	if !ok {
		return credentials.Value{}, false
	}
	e := el.Value.(*cacheEntry)
	if !c.fresh(e.creds, now) {
		c.remove(el)
		return credentials.Value{}, false
	}
	c.lru.MoveToFront(el)
	return e.creds, true
}

// put stores creds under k unless they are already stale. When the cache is
// full it first drops every stale entry, then the least recently used one.
func (c *cache) put(k cacheKey, creds credentials.Value, now time.Time) {
	if !c.fresh(creds, now) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[k]; ok {
		el.Value.(*cacheEntry).creds = creds
		c.lru.MoveToFront(el)
		return
	}
	if len(c.entries) >= c.max {
		for el := c.lru.Back(); el != nil; {
			prev := el.Prev()
			if !c.fresh(el.Value.(*cacheEntry).creds, now) {
				c.remove(el)
			}
			el = prev
		}
		for len(c.entries) >= c.max {
			c.remove(c.lru.Back())
		}
	}
	c.entries[k] = c.lru.PushFront(&cacheEntry{key: k, creds: creds})
}

// len returns the number of entries, fresh or not.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// remove drops el; c.mu must be held.
func (c *cache) remove(el *list.Element) {
	delete(c.entries, el.Value.(*cacheEntry).key)
	c.lru.Remove(el)
}
