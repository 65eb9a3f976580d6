package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Callback public keys are fetched only from allow-listed URLs (the caller
// checks), cached, and fetched once for concurrent callbacks.
const (
	keyTTL          = time.Hour
	keyFetchTimeout = 3 * time.Second // OSS waits 5 s for the whole callback
	maxKeyBytes     = 16 << 10
	maxCachedKeys   = 16
)

type keyCache struct {
	client interface {
		Do(*http.Request) (*http.Response, error)
	}
	now    func() time.Time
	mu     sync.Mutex
	keys   map[string]cachedKey
	flight singleflight.Group
}

type cachedKey struct {
	pem     []byte
	fetched time.Time
}

func newKeyCache(client interface {
	Do(*http.Request) (*http.Response, error)
}, now func() time.Time) *keyCache {
	if client == nil {
		client = &http.Client{
			Timeout:       keyFetchTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &keyCache{client: client, now: now, keys: map[string]cachedKey{}}
}

// get returns the PEM served at url (already allow-listed by the caller).
func (c *keyCache) get(ctx context.Context, url string) ([]byte, error) {
	c.mu.Lock()
	k, ok := c.keys[url]
	c.mu.Unlock()
	if ok && c.now().Sub(k.fetched) < keyTTL {
		return k.pem, nil
	}
	v, err, _ := c.flight.Do(url, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), keyFetchTimeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := c.client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetching callback public key: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("fetching callback public key %s: status %d", url, resp.StatusCode)
		}
		pem, err := io.ReadAll(io.LimitReader(resp.Body, maxKeyBytes+1))
		if err != nil {
			return nil, fmt.Errorf("fetching callback public key: %w", err)
		}
		if len(pem) > maxKeyBytes {
			return nil, errors.New("fetching callback public key: larger than 16 KiB")
		}
		c.mu.Lock()
		if len(c.keys) >= maxCachedKeys {
			clear(c.keys)
		}
		c.keys[url] = cachedKey{pem: pem, fetched: c.now()}
		c.mu.Unlock()
		return pem, nil
	})
	if err != nil {
		if ok { // a stale key beats no key while the host is unreachable
			return k.pem, nil
		}
		return nil, err
	}
	return v.([]byte), nil
}
