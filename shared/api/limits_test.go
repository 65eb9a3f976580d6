package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/shared/api"
	"ossdirect/shared/auth"
	"ossdirect/shared/credentials"
	"ossdirect/shared/sts"
	"ossdirect/shared/upload"
)

// serveHandlers builds the handlers directly (for what the local stack
// cannot produce) and serves their Mux over real HTTP.
func serveHandlers(t *testing.T, cfg api.Config) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(newHandlers(t, cfg).Mux())
	t.Cleanup(srv.Close)
	return srv
}

// newHandlers builds the handlers; zero fields of cfg get a bucket, the
// test profiles, mode none and the dev identity.
func newHandlers(t testing.TB, cfg api.Config) *api.Handlers {
	t.Helper()
	if cfg.Bucket == "" {
		cfg.Bucket, cfg.Region = "dev-bucket", "cn-hangzhou"
	}
	if cfg.UploadHost == "" {
		cfg.UploadHost = "http://127.0.0.1:9/" + cfg.Bucket
	}
	if cfg.Profiles == nil {
		ps, err := upload.ParseProfiles([]byte(testProfiles))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Profiles = ps
	}
	if cfg.Auth == nil {
		a, err := auth.New(auth.Config{Mode: auth.ModeNone})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Auth = a
	}
	if cfg.Credentials == nil {
		cfg.Credentials = credentials.NewStatic(devstack.DevAccessKeyID, devstack.DevAccessKeySecret, "")
	}
	h, err := api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// The per-subject token bucket: RateBurst grants at once, then 429 with
// Retry-After; another subject has its own bucket. Each function has its
// own buckets, as each is its own FC function: the local stack assembles
// each one separately (app.Build), like FC.
func TestRateLimitPerSubject(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{RatePerMinute: 1, RateBurst: 2, Auth: auth.Config{Mode: auth.ModeAPIKey, APIKeys: map[string]string{
		"key-for-alice-0123456789": "alice", "key-for-bob-0123456789": "bob",
	}}})
	alice := []string{"X-Api-Key", "key-for-alice-0123456789"}
	// The seed route and the main route of a function share the subject's bucket.
	for i, path := range []string{"/post-signature?profile=docs&filename=a.txt", "/get_post_signature_for_oss_upload?profile=client"} {
		if r := call(t, http.MethodGet, s.API+path, "", alice...); r.status != http.StatusOK {
			t.Fatalf("request %d: %d %s, want 200", i+1, r.status, r.body)
		}
	}
	for _, path := range []string{"/post-signature?profile=docs&filename=a.txt", "/get_post_signature_for_oss_upload?profile=client"} {
		r := call(t, http.MethodGet, s.API+path, "", alice...)
		wantError(t, r, http.StatusTooManyRequests, "TooManyRequests", "retry later")
		if n, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || n < 1 || n > 60 {
			t.Errorf("Retry-After %q, want 1…60 seconds", r.header.Get("Retry-After"))
		}
	}
	// Another function has its own bucket, which the seed route shares too.
	for i, path := range []string{"/sts-token?profile=docs", "/get_sts_token_for_oss_upload?profile=docs"} {
		if r := call(t, http.MethodGet, s.API+path, "", alice...); r.status != http.StatusOK {
			t.Fatalf("sts-token request %d: %d %s, want 200", i+1, r.status, r.body)
		}
	}
	r := call(t, http.MethodGet, s.API+"/sts-token?profile=docs", "", alice...)
	wantError(t, r, http.StatusTooManyRequests, "TooManyRequests", "retry later")
	if r := call(t, http.MethodGet, s.API+"/post-signature?profile=docs&filename=a.txt", "", "X-Api-Key", "key-for-bob-0123456789"); r.status != http.StatusOK {
		t.Fatalf("another subject: %d %s, want 200", r.status, r.body)
	}
	// An unknown caller is refused as such, not rate-limited.
	r = call(t, http.MethodGet, s.API+"/post-signature?profile=docs&filename=a.txt", "", "X-Api-Key", "wrong-key-000000000000")
	wantError(t, r, http.StatusUnauthorized, "Unauthorized")
}

// fakeSTS stands in for an STS outage, which the local STS emulator cannot
// produce; it records what it was asked.
type fakeSTS struct {
	err error
	mu  sync.Mutex
	got []string // subject, profile, session policy per call
}

func (f *fakeSTS) Credentials(_ context.Context, subject, profile string, policy []byte) (credentials.Value, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, subject, profile, string(policy))
	return credentials.Value{}, f.err
}

func TestSTSUnavailable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		path      string
		wantRetry string
	}{
		{name: "throttled, with STS's retry hint", err: &sts.Error{Kind: sts.ErrUnavailable, Code: "Throttling.User", StatusCode: 400, RetryAfter: 3 * time.Second},
			path: "/sts-token?profile=docs", wantRetry: "3"},
		{name: "network failure, no hint", err: fmt.Errorf("dial: %w", sts.ErrUnavailable), path: "/sts-token?profile=docs", wantRetry: "1"},
		{name: "seed route", err: &sts.Error{Kind: sts.ErrUnavailable, RetryAfter: 2 * time.Second}, path: "/get_sts_token_for_oss_upload?profile=docs", wantRetry: "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := &fakeSTS{err: tt.err}
			srv := serveHandlers(t, api.Config{STS: fake})
			r := call(t, http.MethodGet, srv.URL+tt.path, "")
			e := wantError(t, r, http.StatusServiceUnavailable, "ServiceUnavailable", "retry later")
			if got := r.header.Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("Retry-After %q, want %q", got, tt.wantRetry)
			}
			if strings.Contains(e.Message, "Throttling") || strings.Contains(e.Message, "dial") {
				t.Errorf("message %q leaks the STS detail", e.Message)
			}
			fake.mu.Lock()
			defer fake.mu.Unlock()
			if len(fake.got) != 3 || fake.got[0] != auth.AnonymousID || fake.got[1] != "docs" || !strings.Contains(fake.got[2], `dev-bucket/docs/anonymous/*`) {
				t.Errorf("STS asked %q, want subject anonymous, profile docs and a policy on docs/anonymous/", fake.got)
			}
		})
	}
}

// A misconfigured STS is the server's fault: 500 without detail; no STS at
// all is 501 NotConfigured.
func TestSTSFailuresOtherThanOutage(t *testing.T) {
	t.Parallel()
	t.Run("misconfigured", func(t *testing.T) {
		t.Parallel()
		srv := serveHandlers(t, api.Config{STS: &fakeSTS{err: &sts.Error{Kind: sts.ErrMisconfigured, Code: "NoPermission", Message: "secret detail"}}})
		r := call(t, http.MethodGet, srv.URL+"/sts-token?profile=docs", "")
		e := wantError(t, r, http.StatusInternalServerError, "InternalError")
		if strings.Contains(e.Message, "secret detail") || strings.Contains(e.Message, "NoPermission") {
			t.Errorf("message %q leaks the cause", e.Message)
		}
	})
	t.Run("not configured", func(t *testing.T) {
		t.Parallel()
		srv := serveHandlers(t, api.Config{})
		wantError(t, call(t, http.MethodGet, srv.URL+"/sts-token?profile=docs", ""), http.StatusNotImplemented, "NotConfigured", "STS_ROLE_ARN")
	})
	t.Run("callback profile without CALLBACK_URL", func(t *testing.T) {
		t.Parallel()
		srv := serveHandlers(t, api.Config{})
		wantError(t, call(t, http.MethodGet, srv.URL+"/post-signature?profile=images&filename=a.png", ""), http.StatusNotImplemented, "NotConfigured", "CALLBACK_URL")
	})
}

// failingSigner stands in for the function role's credentials being
// unavailable.
type failingSigner struct{}

func (failingSigner) Retrieve(context.Context) (credentials.Value, error) {
	return credentials.Value{}, errors.New("credentials endpoint down")
}

func TestSigningCredentialsUnavailable(t *testing.T) {
	t.Parallel()
	srv := serveHandlers(t, api.Config{Credentials: failingSigner{}})
	for _, path := range []string{"/post-signature?profile=docs&filename=a.txt", "/presigned-url?profile=docs&filename=a.txt", "/get_post_signature_for_oss_upload?profile=client"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			r := call(t, http.MethodGet, srv.URL+path, "")
			e := wantError(t, r, http.StatusServiceUnavailable, "ServiceUnavailable", "retry later")
			if r.header.Get("Retry-After") == "" || strings.Contains(e.Message, "endpoint down") {
				t.Errorf("Retry-After %q, message %q: want a retry hint and no detail", r.header.Get("Retry-After"), e.Message)
			}
		})
	}
}

// Every answer carries X-Request-Id; an error's requestId is the same id;
// Outside FC every request gets a fresh id; a client's X-Fc-Request-Id
// header is not trusted (in FC, fcrun passes FC's id in the context: see
// functions/requestid_test.go).
func TestRequestID(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{})
	tests := []struct {
		name   string
		path   string
		header []string
		status int
		wantID string // "" means any generated id
	}{
		{name: "error answer", path: "/post-signature?profile=nope", status: http.StatusNotFound},
		{name: "success answer", path: "/post-signature?profile=docs&filename=a.txt", status: http.StatusOK},
		{name: "client-sent X-Fc-Request-Id is ignored", path: "/presigned-url?bogus=1", header: []string{"X-Fc-Request-Id", "1-6650a1b2-1234abcd"}, status: http.StatusBadRequest},
		{name: "over-long X-Fc-Request-Id is ignored", path: "/sts-token?bogus=1", header: []string{"X-Fc-Request-Id", strings.Repeat("x", 65)}, status: http.StatusBadRequest},
		{name: "callback error", path: "/callback", status: http.StatusMethodNotAllowed},
	}
	seen := sync.Map{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, http.MethodGet, s.API+tt.path, "", tt.header...)
			id := r.header.Get("X-Request-Id")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			switch {
			case tt.wantID != "" && id != tt.wantID:
				t.Errorf("X-Request-Id %q, want FC's %q", id, tt.wantID)
			case tt.wantID == "" && (len(id) != 24 || strings.Trim(id, "0123456789abcdef") != ""):
				t.Errorf("X-Request-Id %q, want 24 hex digits", id)
			}
			if _, dup := seen.LoadOrStore(id, true); dup {
				t.Errorf("X-Request-Id %q repeated", id)
			}
			if r.status >= 400 {
				var code string
				switch r.status {
				case http.StatusNotFound:
					code = "NoSuchProfile"
				case http.StatusMethodNotAllowed:
					code = "MethodNotAllowed"
				default:
					code = "InvalidArgument"
				}
				wantError(t, r, r.status, code) // checks requestId == X-Request-Id
			}
		})
	}
}

// limiterFunc is an api.Limiter from a function.
type limiterFunc func(ctx context.Context, subject string) (bool, time.Duration, error)

func (f limiterFunc) Allow(ctx context.Context, subject string) (bool, time.Duration, error) {
	return f(ctx, subject)
}

// Config.Limiter (shared/ratelimit's in FC) replaces the in-process bucket:
// it is asked with the authenticated subject; a refusal is 429 with its
// Retry-After (at least 1 s), an error 503 with Retry-After 1 (a limiter
// that fails closed).
func TestLimiter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ok         bool
		wait       time.Duration
		err        error
		status     int
		code       string
		retryAfter string
	}{
		{"allowed", true, 0, nil, http.StatusOK, "", ""},
		{"refused", false, 2500 * time.Millisecond, nil, http.StatusTooManyRequests, "TooManyRequests", "3"},
		{"refused briefly", false, 10 * time.Millisecond, nil, http.StatusTooManyRequests, "TooManyRequests", "1"},
		{"unavailable", false, 0, errors.New("ratelimit: redis unavailable: dial tcp: refused"), http.StatusServiceUnavailable, "ServiceUnavailable", "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var asked []string
			var mu sync.Mutex
			srv := serveHandlers(t, api.Config{RatePerMinute: 1, RateBurst: 1, // ignored: Limiter is set
				Limiter: limiterFunc(func(_ context.Context, subject string) (bool, time.Duration, error) {
					mu.Lock()
					defer mu.Unlock()
					asked = append(asked, subject)
					return tc.ok, tc.wait, tc.err
				})})
			for range 2 {
				r := call(t, http.MethodGet, srv.URL+"/post-signature?profile=docs&filename=a.txt", "")
				if tc.status == http.StatusOK {
					if r.status != http.StatusOK {
						t.Fatalf("%d %s, want 200", r.status, r.body)
					}
					continue
				}
				wantError(t, r, tc.status, tc.code, "retry later")
				if got := r.header.Get("Retry-After"); got != tc.retryAfter {
					t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
				}
				if strings.Contains(string(r.body), "dial tcp") {
					t.Errorf("the limiter's error reaches the client: %s", r.body)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(asked) != 2 || asked[0] != auth.AnonymousID {
				t.Errorf("limiter asked for %q, want %q twice", asked, auth.AnonymousID)
			}
		})
	}
}
