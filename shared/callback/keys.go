package callback

import (
	"bytes"
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// KeyCache fetches callback public keys and keeps them. It fetches from
// whatever URL it is given: check the URL against the allow-list first
// (Input.KeyURL). A fetch follows no redirects (one could leave the allowed
// host), is bounded in time and size, and is shared by concurrent callers
// asking for the same URL.
//
// Callbacks are unauthenticated until verified, so the cache is built to
// keep anyone from turning it into a fetcher on demand:
//   - URLs are cached under their normal form (scheme and host in lower
//     case), the form the allow-list compares, so letter-case variants of
//     one URL are one entry;
//   - one URL is fetched at most once per MinInterval, whatever the outcome:
//     a failure is remembered (negative caching) and answered from memory
//     until the interval has passed;
//   - a cached key is used for TTL; when a refresh fails, the stale key is
//     served rather than none;
//   - when the cache is full, one entry goes — a failed one first, else the
//     least recently used — never the whole map, so a flood of forged URLs
//     cannot push out the real key.
//
// A failure wraps [ErrKeyRefused] when the key host answered and said no
// (3xx, 4xx, an oversized answer: asking again will not help, the callback
// is refused) or [ErrKeyUnavailable] when it did not answer usefully (a
// transport error, a timeout, 5xx: the callback may be retried).
type KeyCache struct {
	// Client fetches keys; nil means a client that follows no redirects.
	Client interface {
		Do(*http.Request) (*http.Response, error)
	}
	Timeout     time.Duration    // per fetch; 0 means 3s (OSS waits 5s for a whole callback)
	MaxBytes    int64            // largest key accepted; 0 means 16 KiB
	TTL         time.Duration    // how long a key is used; 0 means 1h
	MinInterval time.Duration    // least time between two fetches of one URL; 0 means 30s
	Now         func() time.Time // nil means time.Now

	mu       sync.Mutex
	keys     map[string]*cachedKey
	inflight map[string]*fetch
}

type cachedKey struct {
	pem     []byte         // the last key fetched, nil if none ever was
	pub     *rsa.PublicKey // pem parsed, once (nil until asked for)
	fetched time.Time      // when pem was fetched
	tried   time.Time      // when the last fetch ended
	err     error          // the last fetch's error, nil if it succeeded
	used    time.Time
}

type fetch struct {
	done chan struct{}
	pem  []byte
	err  error
}

// maxCachedKeys bounds the cache; OSS publishes one or two key URLs.
const maxCachedKeys = 16

// PublicKey returns the RSA public key served at rawURL, parsed once per
// fetch (see Get for the fetching rules; a PEM that does not parse wraps
// ErrBadPublicKey).
func (c *KeyCache) PublicKey(ctx context.Context, rawURL string) (*rsa.PublicKey, error) {
	pem, err := c.Get(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	url, _ := normalKeyURL(rawURL) // Get accepted it
	c.mu.Lock()
	k := c.keys[url]
	if k != nil && k.pub != nil && bytes.Equal(k.pem, pem) {
		pub := k.pub
		c.mu.Unlock()
		return pub, nil
	}
	c.mu.Unlock()
	pub, err := ParsePublicKey(pem)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if k := c.keys[url]; k != nil && bytes.Equal(k.pem, pem) {
		k.pub = pub
	}
	c.mu.Unlock()
	return pub, nil
}

// Get returns the PEM served at rawURL.
func (c *KeyCache) Get(ctx context.Context, rawURL string) ([]byte, error) {
	url, err := normalKeyURL(rawURL)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ttl, interval := c.TTL, c.MinInterval
	if ttl <= 0 {
		ttl = time.Hour
	}
	if interval <= 0 {
		interval = 30 * time.Second
	}
	c.mu.Lock()
	t := now()
	k := c.keys[url]
	if k != nil {
		k.used = t
		switch {
		case k.pem != nil && t.Sub(k.fetched) < ttl:
			c.mu.Unlock()
			return k.pem, nil
		case t.Sub(k.tried) < interval: // fetched (or failed) too recently to ask again
			pem, err := k.pem, k.err
			c.mu.Unlock()
			if pem != nil {
				return pem, nil
			}
			return nil, err
		}
	}
	f, running := c.inflight[url]
	if !running {
		f = &fetch{done: make(chan struct{})}
		if c.inflight == nil {
			c.inflight = map[string]*fetch{}
		}
		c.inflight[url] = f
		go c.fetch(context.WithoutCancel(ctx), url, f, now)
	}
	c.mu.Unlock()

	select {
	case <-f.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrKeyUnavailable, ctx.Err())
	}
	if f.err != nil {
		c.mu.Lock()
		var stale []byte
		if k := c.keys[url]; k != nil {
			stale = k.pem
		}
		c.mu.Unlock()
		if stale != nil { // a stale key beats no key while the host is unreachable
			return stale, nil
		}
		return nil, f.err
	}
	return f.pem, nil
}

func (c *KeyCache) fetch(ctx context.Context, url string, f *fetch, now func() time.Time) {
	f.pem, f.err = c.download(ctx, url)
	c.mu.Lock()
	t := now()
	k := c.keys[url]
	if k == nil {
		if c.keys == nil {
			c.keys = map[string]*cachedKey{}
		}
		if len(c.keys) >= maxCachedKeys {
			c.evictOne()
		}
		k = &cachedKey{used: t}
		c.keys[url] = k
	}
	k.tried, k.err = t, f.err
	if f.err == nil {
		k.pem, k.fetched, k.pub = f.pem, t, nil
	}
	delete(c.inflight, url)
	c.mu.Unlock()
	close(f.done)
}

// evictOne drops one entry: the least recently used of those without a
// key, else the least recently used. c.mu is held.
func (c *KeyCache) evictOne() {
	var victim string
	var best *cachedKey
	worse := func(a, b *cachedKey) bool { // is a a better victim than b?
		if (a.pem == nil) != (b.pem == nil) {
			return a.pem == nil
		}
		return a.used.Before(b.used)
	}
	for url, k := range c.keys {
		if best == nil || worse(k, best) {
			victim, best = url, k
		}
	}
	delete(c.keys, victim)
}

// normalKeyURL is url with its scheme and host in lower case: the form
// CheckKeyURL compares, and the one key of the cache.
func normalKeyURL(raw string) (string, error) {
	p, reason := splitKeyURL(raw)
	if reason != "" {
		return "", errorf(ErrKeyURLNotAllowed, "%s", reason)
	}
	return strings.ToLower(p.scheme) + "://" + strings.ToLower(p.host) + p.path, nil
}

func (c *KeyCache) download(ctx context.Context, url string) ([]byte, error) {
	timeout, maxBytes := c.Timeout, c.MaxBytes
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	if maxBytes <= 0 {
		maxBytes = 16 << 10
	}
	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKeyRefused, url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKeyUnavailable, url, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		return nil, fmt.Errorf("%w: %s: status %d", ErrKeyUnavailable, url, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%w: %s: status %d (redirects are not followed)", ErrKeyRefused, url, resp.StatusCode)
	}
	pem, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKeyUnavailable, url, err)
	}
	if int64(len(pem)) > maxBytes {
		return nil, fmt.Errorf("%w: %s: larger than %d bytes", ErrKeyRefused, url, maxBytes)
	}
	return pem, nil
}
