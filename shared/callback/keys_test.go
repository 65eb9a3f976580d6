package callback

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestKeyCache(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	var fail atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch {
		case fail.Load():
			w.WriteHeader(http.StatusServiceUnavailable)
		case r.URL.Path == "/redirect":
			http.Redirect(w, r, "/key.pem", http.StatusFound)
		case r.URL.Path == "/big":
			w.Write([]byte(strings.Repeat("x", 17<<10)))
		default:
			time.Sleep(20 * time.Millisecond) // let concurrent callers pile up
			w.Write([]byte("PEM"))
		}
	}))
	defer srv.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var clock sync.Mutex
	c := &KeyCache{Now: func() time.Time { clock.Lock(); defer clock.Unlock(); return now }}

	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if pem, err := c.Get(context.Background(), srv.URL+"/key.pem"); err != nil || string(pem) != "PEM" {
				t.Errorf("Get = %q, %v", pem, err)
			}
		}()
	}
	wg.Wait()
	if got := hits.Load(); got != 1 {
		t.Fatalf("20 concurrent callers made %d fetches, want 1", got)
	}
	if _, err := c.Get(context.Background(), srv.URL+"/key.pem"); err != nil || hits.Load() != 1 {
		t.Fatalf("cached Get: %v, %d fetches", err, hits.Load())
	}

	clock.Lock()
	now = now.Add(2 * time.Hour)
	clock.Unlock()
	fail.Store(true)
	if pem, err := c.Get(context.Background(), srv.URL+"/key.pem"); err != nil || string(pem) != "PEM" {
		t.Fatalf("stale key while the host fails: %q, %v", pem, err)
	}
	if _, err := c.Get(context.Background(), srv.URL+"/other.pem"); err == nil || !strings.Contains(err.Error(), "status 503") {
		t.Fatalf("uncached key while the host fails: %v", err)
	}
	fail.Store(false)
	if _, err := c.Get(context.Background(), srv.URL+"/redirect"); err == nil || !strings.Contains(err.Error(), "status 302") {
		t.Fatalf("redirect: %v, want it not followed", err)
	}
	if _, err := c.Get(context.Background(), srv.URL+"/big"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("oversized key: %v", err)
	}
}

// Callbacks are unauthenticated until verified: whatever URL variants and
// missing paths a forger names, the key host sees at most one fetch per URL
// per interval, and the real key stays cached.
func TestKeyCacheCannotBeMadeAFetcher(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		if r.URL.Path != "/key.pem" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("PEM"))
	}))
	defer srv.Close()
	count := func(path string) int { mu.Lock(); defer mu.Unlock(); return hits[path] }
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var clock sync.Mutex
	tick := func(d time.Duration) { clock.Lock(); now = now.Add(d); clock.Unlock() }
	c := &KeyCache{MinInterval: 10 * time.Second, Now: func() time.Time { clock.Lock(); defer clock.Unlock(); return now }}
	ctx := context.Background()
	host := strings.TrimPrefix(srv.URL, "http://") // 127.0.0.1:port

	// 100 letter-case variants of the allowed URL: one fetch.
	variants := []string{"http", "HTTP", "hTtP", "Http"}
	for i := range 100 {
		u := variants[i%len(variants)] + "://" + host + "/key.pem"
		if pem, err := c.Get(ctx, u); err != nil || string(pem) != "PEM" {
			t.Fatalf("Get(%s) = %q, %v", u, pem, err)
		}
	}
	if n := count("/key.pem"); n != 1 {
		t.Fatalf("100 case variants made %d fetches, want 1", n)
	}

	// A missing key path: refused (definite), remembered for the interval.
	for range 50 {
		if _, err := c.Get(ctx, srv.URL+"/missing.pem"); !errors.Is(err, ErrKeyRefused) {
			t.Fatalf("missing key: %v, want ErrKeyRefused", err)
		}
	}
	if n := count("/missing.pem"); n != 1 {
		t.Fatalf("50 callbacks naming a missing key made %d fetches, want 1", n)
	}
	tick(11 * time.Second)
	if _, err := c.Get(ctx, srv.URL+"/missing.pem"); !errors.Is(err, ErrKeyRefused) || count("/missing.pem") != 2 {
		t.Fatalf("after the interval: %v, %d fetches, want a second fetch", err, count("/missing.pem"))
	}

	// A flood of distinct forged paths fills the cache: the real key stays.
	for i := range 3 * maxCachedKeys {
		c.Get(ctx, srv.URL+"/forged-"+strconv.Itoa(i)+".pem")
	}
	if pem, err := c.Get(ctx, srv.URL+"/key.pem"); err != nil || string(pem) != "PEM" || count("/key.pem") != 1 {
		t.Fatalf("the real key after a flood: %q, %v, %d fetches (want cached, 1)", pem, err, count("/key.pem"))
	}
	c.mu.Lock()
	size := len(c.keys)
	c.mu.Unlock()
	if size > maxCachedKeys {
		t.Fatalf("%d entries, bound %d", size, maxCachedKeys)
	}
}

func TestKeyCacheTransportFailureIsUnavailable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/key.pem"
	srv.Close() // nothing listens any more
	c := &KeyCache{Timeout: time.Second}
	if _, err := c.Get(context.Background(), url); !errors.Is(err, ErrKeyUnavailable) || errors.Is(err, ErrKeyRefused) {
		t.Fatalf("connection refused: %v, want ErrKeyUnavailable", err)
	}
	for _, status := range []int{500, 502, 503} {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
		if _, err := (&KeyCache{}).Get(context.Background(), s.URL+"/k.pem"); !errors.Is(err, ErrKeyUnavailable) {
			t.Errorf("status %d: %v, want ErrKeyUnavailable", status, err)
		}
		s.Close()
	}
}
