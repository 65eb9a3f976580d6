package app_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"ossdirect/internal/testsupport/redisserver"
	"ossdirect/internal/testsupport/syncbuf"
	"ossdirect/shared/api"
	"ossdirect/shared/app"
	"ossdirect/shared/config"
	"ossdirect/shared/credentials"
)

const (
	aliceKey = "key-for-alice-0123456789"
	bobKey   = "key-for-bob-0123456789"
	carolKey = "key-for-carol-0123456789"
)

// instance is one function instance as FC would start it: its own
// configuration load and Build, its own handlers and Redis client.
func instance(t *testing.T, redisURL, onError string, log *slog.Logger) http.Handler {
	t.Helper()
	vars := map[string]string{
		"OSS_BUCKET": "dev-bucket", "OSS_REGION": "cn-hangzhou",
		"AUTH_MODE": "apikey", "API_KEYS": "alice:" + aliceKey + ",bob:" + bobKey + ",carol:" + carolKey,
		"RATE_LIMIT_PER_MINUTE": "60", "RATE_LIMIT_BURST": "3",
		"REDIS_URL": redisURL, "RATE_LIMIT_ON_ERROR": onError,
	}
	cfg, err := config.Load(func(name string) (string, bool) { v, ok := vars[name]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Credentials = credentials.NewStatic("id", "secret", "")
	h, _, err := app.Build(api.PostSignature, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func grant(t *testing.T, h http.Handler, key string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/post-signature?filename=a.txt", nil)
	r.Header.Set("X-Api-Key", key)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int, retryAfter bool, what string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("%s: %d %s, want %d", what, w.Code, w.Body, status)
	}
	if got := w.Header().Get("Retry-After"); (got != "") != retryAfter {
		t.Errorf("%s: Retry-After %q", what, got)
	}
}

// With REDIS_URL three instances of post-signature share each subject's
// limit: the burst spread over them, then 429 with Retry-After on every
// one; another subject is unaffected. Redis down: open grants and logs,
// closed answers 503 with Retry-After; Redis back: the limit holds again.
func TestRateLimitAcrossInstances(t *testing.T) {
	t.Parallel()
	srv := redisserver.Start(t)
	var logs syncbuf.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	open := []http.Handler{instance(t, srv.URL(), "", log), instance(t, srv.URL(), "open", log), instance(t, srv.URL(), "", log)}
	closed := instance(t, srv.URL(), "closed", log)

	for i := range 3 {
		wantStatus(t, grant(t, open[i], aliceKey), http.StatusOK, false, "alice within the burst")
	}
	for _, h := range append(open, closed) {
		w := grant(t, h, aliceKey)
		wantStatus(t, w, http.StatusTooManyRequests, true, "alice past the burst")
		if !strings.Contains(w.Body.String(), `"TooManyRequests"`) {
			t.Errorf("body %s", w.Body)
		}
	}
	wantStatus(t, grant(t, open[1], bobKey), http.StatusOK, false, "bob")

	srv.Stop()
	for _, h := range open {
		wantStatus(t, grant(t, h, aliceKey), http.StatusOK, false, "open, Redis down")
	}
	w := grant(t, closed, aliceKey)
	wantStatus(t, w, http.StatusServiceUnavailable, true, "closed, Redis down")
	if !strings.Contains(w.Body.String(), `"ServiceUnavailable"`) || strings.Contains(w.Body.String(), redisserver.Password) {
		t.Errorf("closed, Redis down: body %s", w.Body)
	}
	if n := strings.Count(logs.String(), `"level":"WARN","msg":"rate limit: redis unavailable; grants are allowed (RATE_LIMIT_ON_ERROR=open)"`); n != 3 {
		t.Errorf("%d Warn lines from the open instances, want one each:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), redisserver.Password) {
		t.Errorf("the log carries the Redis password:\n%s", logs.String())
	}

	// Redis back (empty). Each instance's client redials within about a
	// second; carol's grants show when one has: an open instance grants
	// until then, and answers 429 once carol's burst is spent in Redis.
	srv.Restart()
	for _, h := range open {
		waitFor(t, h, carolKey, http.StatusTooManyRequests)
	}
	waitFor(t, closed, carolKey, http.StatusTooManyRequests)
	for i := range 3 {
		wantStatus(t, grant(t, open[i], aliceKey), http.StatusOK, false, "alice within the burst, Redis back")
	}
	for _, h := range append(open, closed) {
		wantStatus(t, grant(t, h, aliceKey), http.StatusTooManyRequests, true, "alice past the burst, Redis back")
	}
}

// waitFor grants for key on h until the answer is status.
func waitFor(t *testing.T, h http.Handler, key string, status int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		w := grant(t, h, key)
		if w.Code == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis back, still %d %s; want %d", w.Code, w.Body, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
