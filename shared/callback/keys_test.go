package callback

import (
	"context"
	"net/http"
	"net/http/httptest"
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
