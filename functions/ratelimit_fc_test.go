package functions_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"ossdirect/internal/testsupport/fakefc"
	"ossdirect/internal/testsupport/redisserver"
)

// The rate limit with REDIS_URL across separate function processes, as FC
// runs them: two post-signature binaries (open) and one (closed) on one
// redis-server share each subject's burst, then answer 429 with
// Retry-After; another subject is unaffected. Redis killed: open grants
// and logs a Warn without the password, closed answers 503 with
// Retry-After. Redis back: the limit holds again.
func TestRateLimitAcrossProcessesUnderFC(t *testing.T) {
	skipShort(t)
	t.Parallel()
	srv := redisserver.Start(t)
	h := newHarness(t)
	const alice, bob = "key-for-alice-0123456789", "key-for-bob-0123456789"
	start := func(onError string) *fakefc.Runtime {
		env := override(h.env(t, "post-signature"), map[string]string{
			"AUTH_MODE": "apikey", "API_KEYS": "alice:" + alice + ",bob:" + bob,
			"RATE_LIMIT_PER_MINUTE": "60", "RATE_LIMIT_BURST": "2",
			"REDIS_URL": srv.URL(), "RATE_LIMIT_ON_ERROR": onError,
		})
		return fakefc.Start(t, binaries(t)["post-signature"], env)
	}
	open1, open2, closed := start("open"), start(""), start("closed")
	grant := func(rt *fakefc.Runtime, key string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, "https://post-signature.example/?profile=default&filename=a.txt", nil)
		req.Header.Set("X-Api-Key", key)
		resp := h.do(t, rt, req)
		resp.Body.Close()
		return resp
	}
	want := func(resp *http.Response, status int, what string) {
		t.Helper()
		if resp.StatusCode != status {
			t.Fatalf("%s: %d, want %d", what, resp.StatusCode, status)
		}
		if retry := resp.Header.Get("Retry-After"); (status != http.StatusOK) != (retry != "") {
			t.Errorf("%s: Retry-After %q", what, retry)
		}
	}

	want(grant(open1, alice), http.StatusOK, "alice's first grant, process 1")
	want(grant(open2, alice), http.StatusOK, "alice's second grant, process 2")
	for i, rt := range []*fakefc.Runtime{open1, open2, closed} {
		want(grant(rt, alice), http.StatusTooManyRequests, "alice past the burst, process "+string(rune('1'+i)))
	}
	want(grant(open2, bob), http.StatusOK, "bob")

	srv.Stop()
	want(grant(open1, alice), http.StatusOK, "open, Redis down")
	want(grant(closed, alice), http.StatusServiceUnavailable, "closed, Redis down")
	for _, rt := range []*fakefc.Runtime{open1, closed} {
		// The function's output reaches the test through a pipe: wait for
		// the line rather than read what has arrived so far.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := rt.WaitOutput(ctx, `"level":"WARN","msg":"rate limit: redis unavailable`)
		cancel()
		if out := rt.Output(); err != nil || strings.Contains(out, redisserver.Password) {
			t.Errorf("function log: want a Warn about Redis, never its password (%v):\n%s", err, out)
		}
	}

	srv.Restart() // empty; each process's client redials within a second
	deadline := time.Now().Add(5 * time.Second)
	for grant(closed, bob).StatusCode != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("closed: Redis back, still 503")
		}
		time.Sleep(20 * time.Millisecond)
	}
	want(grant(closed, bob), http.StatusOK, "bob's second grant, Redis back")
	want(grant(closed, bob), http.StatusTooManyRequests, "bob past the burst, Redis back")
}

// override returns env (NAME=value entries) with vars set.
func override(env []string, vars map[string]string) []string {
	out := make([]string, 0, len(env)+len(vars))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if _, set := vars[name]; !set {
			out = append(out, kv)
		}
	}
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	return out
}
