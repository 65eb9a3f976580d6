package callback

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// KeyCache fetches callback public keys and keeps them. It fetches from
// whatever URL it is given: check the URL against the allow-list first
// (Input.KeyURL). A fetch follows no redirects (one could leave the allowed
// host), is bounded in time and size, and is shared by concurrent callers
// asking for the same URL. A cached key is used for TTL; when a refresh
// fails, the stale key is served rather than none.
type KeyCache struct {
	// Client fetches keys; nil means a client that follows no redirects.
	Client interface {
		Do(*http.Request) (*http.Response, error)
	}
	Timeout  time.Duration    // per fetch; 0 means 3s (OSS waits 5s for a whole callback)
	MaxBytes int64            // largest key accepted; 0 means 16 KiB
	TTL      time.Duration    // how long a key is used; 0 means 1h
	Now      func() time.Time // nil means time.Now

	mu       sync.Mutex
	keys     map[string]cachedKey
	inflight map[string]*fetch
}

type cachedKey struct {
	pem     []byte
	fetched time.Time
}

type fetch struct {
	done chan struct{}
	pem  []byte
	err  error
}

// maxCachedKeys bounds the cache; OSS publishes one or two key URLs.
const maxCachedKeys = 16

// Get returns the PEM served at url.
func (c *KeyCache) Get(ctx context.Context, url string) ([]byte, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ttl := c.TTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	c.mu.Lock()
	k, cached := c.keys[url]
	if cached && now().Sub(k.fetched) < ttl {
		c.mu.Unlock()
		return k.pem, nil
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
		return nil, ctx.Err()
	}
	if f.err != nil {
		if cached { // a stale key beats no key while the host is unreachable
			return k.pem, nil
		}
		return nil, f.err
	}
	return f.pem, nil
}

func (c *KeyCache) fetch(ctx context.Context, url string, f *fetch, now func() time.Time) {
	f.pem, f.err = c.download(ctx, url)
	c.mu.Lock()
	if f.err == nil {
		if c.keys == nil || len(c.keys) >= maxCachedKeys {
			c.keys = map[string]cachedKey{}
		}
		c.keys[url] = cachedKey{pem: f.pem, fetched: now()}
	}
	delete(c.inflight, url)
	c.mu.Unlock()
	close(f.done)
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
		return nil, fmt.Errorf("callback: fetching public key: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("callback: fetching public key: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("callback: fetching public key %s: status %d (redirects are not followed)", url, resp.StatusCode)
	}
	pem, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("callback: fetching public key: %w", err)
	}
	if int64(len(pem)) > maxBytes {
		return nil, fmt.Errorf("callback: fetching public key %s: larger than %d bytes", url, maxBytes)
	}
	return pem, nil
}
