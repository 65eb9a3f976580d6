package ratelimit_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"ossdirect/internal/testsupport/redisserver"
	"ossdirect/internal/testsupport/syncbuf"
	"ossdirect/shared/ratelimit"
)

const password = "tair-password-must-not-leak"

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{
		"redis://127.0.0.1:6379", "redis://:" + password + "@r-bp1x.redis.rds.aliyuncs.com:6379/0",
		"rediss://user:" + password + "@tair.example.com:6380", "redis://localhost",
	} {
		if _, err := ratelimit.ParseURL(ok); err != nil {
			t.Errorf("ParseURL(%q): %v", ok, err)
		}
	}
	tests := []struct{ name, url, want string }{
		{"scheme", "https://:" + password + "@tair.example.com:6379", "want redis:// or rediss://"},
		{"not a URL", "redis://:" + password + "@tair.example.com:port", "not a URL"},
		{"database", "redis://:" + password + "@tair.example.com:6379/" + password, "database"},
		{"no host", "redis://", "no host"},
		{"unix socket", "unix:///tmp/redis.sock", "want redis://"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ratelimit.ParseURL(tc.url)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error echoes the password: %v", err)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	good := ratelimit.Config{URL: "redis://127.0.0.1:6379", Function: "post-signature", PerMinute: 60, Burst: 5}
	for name, mod := range map[string]func(*ratelimit.Config){
		"no URL":      func(c *ratelimit.Config) { c.URL = "" },
		"no function": func(c *ratelimit.Config) { c.Function = "" },
		"no rate":     func(c *ratelimit.Config) { c.PerMinute = 0 },
		"on error":    func(c *ratelimit.Config) { c.OnError = "sometimes" },
		"bad URL":     func(c *ratelimit.Config) { c.URL = "redis://:" + password + "@host:6379/nodb" },
	} {
		cfg := good
		mod(&cfg)
		if _, err := ratelimit.New(cfg); err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), password) {
			t.Errorf("%s: error echoes the password: %v", name, err)
		}
	}
	r, err := ratelimit.New(good)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}

// newLimiter is a limiter on srv: 60 a minute (one a second), burst 3.
func newLimiter(t *testing.T, srv *redisserver.Server, fn string, onError ratelimit.OnError, log *slog.Logger) *ratelimit.Redis {
	t.Helper()
	r, err := ratelimit.New(ratelimit.Config{URL: srv.URL(), Function: fn, PerMinute: 60, Burst: 3, OnError: onError, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func allow(t *testing.T, r *ratelimit.Redis, subject string) (bool, time.Duration, error) {
	t.Helper()
	return r.Allow(context.Background(), subject)
}

// Two limiters (two instances) on one Redis share each subject's limit;
// other subjects and other functions have their own.
func TestSharedLimit(t *testing.T) {
	t.Parallel()
	srv := redisserver.Start(t)
	a, b := newLimiter(t, srv, "post-signature", "", nil), newLimiter(t, srv, "post-signature", "", nil)
	other := newLimiter(t, srv, "presigned-url", "", nil)
	for i, r := range []*ratelimit.Redis{a, b, a} {
		if ok, _, err := allow(t, r, "alice"); !ok || err != nil {
			t.Fatalf("grant %d within the burst: ok %v, err %v", i+1, ok, err)
		}
	}
	for _, r := range []*ratelimit.Redis{a, b} {
		ok, wait, err := allow(t, r, "alice")
		if ok || err != nil || wait <= 0 || wait > time.Second {
			t.Errorf("past the burst: ok %v, retry after %s, err %v; want refused, at most 1s", ok, wait, err)
		}
	}
	if ok, _, _ := allow(t, b, "bob"); !ok {
		t.Error("bob refused: another subject's limit")
	}
	if ok, _, _ := allow(t, other, "alice"); !ok {
		t.Error("alice refused by presigned-url: another function's limit")
	}
	if a.Failures() != 0 {
		t.Errorf("Failures = %d", a.Failures())
	}
}

// Redis down: open lets grants through and logs (once per LogEvery, with
// the count), closed refuses with ErrUnavailable; both within the timeout
// and without the password in the log. Redis back: limiting resumes.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	srv := redisserver.Start(t)
	var logs syncbuf.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	open := newLimiter(t, srv, "post-signature", ratelimit.Open, log)
	closed := newLimiter(t, srv, "sts-token", ratelimit.Closed, log)
	for range 3 {
		allow(t, open, "alice")
		allow(t, closed, "alice")
	}
	if ok, _, _ := allow(t, open, "alice"); ok {
		t.Fatal("the burst is not limited")
	}

	srv.Stop()
	for i := range 5 {
		start := time.Now()
		ok, _, err := allow(t, open, "alice")
		if !ok || err != nil {
			t.Errorf("open, Redis down, check %d: ok %v, err %v; want allowed", i, ok, err)
		}
		ok, _, err = allow(t, closed, "alice")
		if ok || !errors.Is(err, ratelimit.ErrUnavailable) {
			t.Errorf("closed, Redis down, check %d: ok %v, err %v; want ErrUnavailable", i, ok, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("two checks took %s with Redis down; each is bounded by 100ms", d)
		}
	}
	if got := open.Failures(); got != 5 {
		t.Errorf("open Failures = %d, want 5", got)
	}
	out := logs.String()
	if n := strings.Count(out, `"level":"WARN"`); n != 2 { // one per limiter within LogEvery
		t.Errorf("%d Warn lines, want 2 (one per limiter per 10s):\n%s", n, out)
	}
	for _, want := range []string{"redis unavailable", `"onError":"open"`, `"onError":"closed"`, `"rateLimitFailures":1`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, redisserver.Password) {
		t.Errorf("log carries the password:\n%s", out)
	}

	// Redis back (empty: the burst is back), limited again once go-redis
	// dials again (its breaker probes every second).
	srv.Restart()
	waitBack(t, open, "alice")
	allow(t, open, "alice")
	allow(t, open, "alice")
	if ok, _, err := allow(t, open, "alice"); ok || err != nil {
		t.Errorf("Redis back: past the burst ok %v, err %v; want refused", ok, err)
	}
	waitBack(t, closed, "alice")
}

// waitBack waits until r checks subject with Redis again (allowed, no new
// failure), which takes go-redis up to a second once dials have failed.
func waitBack(t *testing.T, r *ratelimit.Redis, subject string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		failures := r.Failures()
		ok, _, err := allow(t, r, subject)
		if ok && err == nil && r.Failures() == failures {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis back, but checks still fail: ok %v, err %v", ok, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Every Warn line is at most one per LogEvery: a long outage writes a few
// lines, each counting the failures since the previous one.
func TestFailureLogIsRateLimited(t *testing.T) {
	t.Parallel()
	var logs syncbuf.Buffer
	now := time.Unix(1_700_000_000, 0)
	r, err := ratelimit.New(ratelimit.Config{
		URL: "redis://127.0.0.1:1", Function: "post-signature", PerMinute: 60, Burst: 1,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := range 25 {
		now = now.Add(time.Second)
		if ok, _, err := allow(t, r, "alice"); !ok || err != nil {
			t.Fatalf("check %d: ok %v, err %v; want allowed (open)", i, ok, err)
		}
	}
	out := logs.String()
	if n := strings.Count(out, `"level":"WARN"`); n != 3 { // at 1s, 11s, 21s
		t.Errorf("%d Warn lines for 25 failures over 25s, want 3:\n%s", n, out)
	}
	if !strings.Contains(out, `"failuresSinceLastLog":10,"rateLimitFailures":21`) {
		t.Errorf("log lacks the counts:\n%s", out)
	}
}
