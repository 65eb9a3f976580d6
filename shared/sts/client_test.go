package sts_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"ossdirect/internal/localcloud/stsemu"
	"ossdirect/internal/testsupport/credenv"
	"ossdirect/shared/credentials"
	"ossdirect/shared/sts"
)

func TestCredentialsSuccess(t *testing.T) {
	t.Parallel()
	e := startEmu(t, nil, nil)
	logs := &logBuffer{}
	c := newClient(t, e, logs, func(cfg *sts.Config) { cfg.Duration = 20 * time.Minute })

	before := time.Now().Truncate(time.Second)
	got, err := c.Credentials(context.Background(), "alice@example.com", "images", []byte(aliceUploads))
	if err != nil {
		t.Fatalf("Credentials: %v", err)
	}
	after := time.Now()
	if !strings.HasPrefix(got.AccessKeyID, "STS.") || got.AccessKeySecret == "" || got.SecurityToken == "" {
		t.Fatalf("incomplete credentials: %v", got)
	}
	if lo, hi := before.Add(20*time.Minute), after.Add(20*time.Minute); got.Expiry.Before(lo) || got.Expiry.After(hi) {
		t.Errorf("Expiration = %v, want within [%v, %v]", got.Expiry, lo, hi)
	}

	id, err := e.auth.Lookup(got.AccessKeyID, got.SecurityToken, time.Time{})
	if err != nil {
		t.Fatalf("Authority.Lookup: %v", err)
	}
	if id.AccessKeySecret != got.AccessKeySecret {
		t.Error("the returned secret is not the one the authority derives for the access key")
	}
	if id.RoleARN != testRole {
		t.Errorf("RoleARN = %q, want %q", id.RoleARN, testRole)
	}
	if want := sts.RoleSessionName("alice@example.com"); id.SessionName != want {
		t.Errorf("SessionName = %q, want %q", id.SessionName, want)
	}
	if !id.Expiration.Equal(got.Expiry) {
		t.Errorf("token expiration %v, response expiration %v", id.Expiration, got.Expiry)
	}
	if !strings.Contains(logs.String(), got.AccessKeyID) {
		t.Errorf("the debug log does not name the issued access key:\n%s", logs)
	}
	assertNoLeak(t, []string{logs.String(), got.String(), fmt.Sprint(got)}, rootSecret, got.AccessKeySecret, got.SecurityToken)

	for _, tc := range []struct {
		action, key string
		want        bool
	}{
		{"oss:PutObject", "uploads/alice/2026/cat.png", true},
		{"oss:ListParts", "uploads/alice/2026/cat.png", true},
		{"oss:PutObject", "uploads/bob/cat.png", false},
		{"oss:PutObject", "cat.png", false},
		{"oss:GetObject", "uploads/alice/2026/cat.png", false},
		{"oss:DeleteObject", "uploads/alice/2026/cat.png", false},
	} {
		if got := id.Allows(tc.action, stsemu.OSSResource("bucket", tc.key)); got != tc.want {
			t.Errorf("Allows(%s, %s) = %v, want %v", tc.action, tc.key, got, tc.want)
		}
	}
}

func TestCredentialsCache(t *testing.T) {
	t.Parallel()
	e := startEmu(t, nil, nil)
	c := newClient(t, e, nil, nil)
	ctx := context.Background()

	first, err := c.Credentials(ctx, "alice", "images", []byte(aliceUploads))
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Credentials(ctx, "alice", "images", []byte(aliceUploads))
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Error("second call returned different credentials")
	}
	if n := e.calls.Load(); n != 1 {
		t.Fatalf("STS calls = %d, want 1 (cache hit)", n)
	}

	// Every part of the key matters.
	for i, k := range []struct{ subject, profile, policy string }{
		{"alice", "docs", aliceUploads},
		{"alice", "images", bobUploads},
		{"bob", "images", aliceUploads},
	} {
		got, err := c.Credentials(ctx, k.subject, k.profile, []byte(k.policy))
		if err != nil {
			t.Fatal(err)
		}
		if got.AccessKeyID == first.AccessKeyID {
			t.Errorf("%+v: got alice/images's cached credentials", k)
		}
		if n, want := e.calls.Load(), int64(i+2); n != want {
			t.Errorf("%+v: STS calls = %d, want %d", k, n, want)
		}
	}
}

func TestCredentialsReuseWindow(t *testing.T) {
	t.Parallel()
	const duration = 15 * time.Minute
	for _, tc := range []struct {
		name  string
		reuse time.Duration // 0: default
		left  time.Duration // effective reuse window
	}{
		{"default 5m", 0, 5 * time.Minute},
		{"1m", time.Minute, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := &offsetClock{}
			e := startEmu(t, clock.Now, nil)
			c := newClient(t, e, nil, func(cfg *sts.Config) {
				cfg.Duration, cfg.Reuse, cfg.Now = duration, tc.reuse, clock.Now
			})
			get := func() credentials.Value {
				t.Helper()
				creds, err := c.Credentials(context.Background(), "alice", "images", []byte(aliceUploads))
				if err != nil {
					t.Fatal(err)
				}
				return creds
			}

			first := get()
			clock.Set(duration - tc.left - 30*time.Second) // still outside the reuse window
			if got := get(); got != first || e.calls.Load() != 1 {
				t.Fatalf("before the reuse window: calls = %d, same = %v; want a cache hit", e.calls.Load(), got == first)
			}
			clock.Set(duration - tc.left + 30*time.Second) // inside: less than Reuse left
			second := get()
			if second.AccessKeyID == first.AccessKeyID || e.calls.Load() != 2 {
				t.Fatalf("inside the reuse window: calls = %d, refreshed = %v; want a new STS call",
					e.calls.Load(), second.AccessKeyID != first.AccessKeyID)
			}
			if left := second.Expiry.Sub(clock.Now()); left < tc.left {
				t.Errorf("refreshed credentials have %v left, want at least %v", left, tc.left)
			}
			if got := get(); got != second || e.calls.Load() != 2 {
				t.Errorf("after refresh: calls = %d; want the refreshed credentials from the cache", e.calls.Load())
			}
		})
	}
}

func TestCredentialsSingleflight(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	e := startEmu(t, nil, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-release // hold the first call until every caller is waiting
			next.ServeHTTP(w, r)
		})
	})
	c := newClient(t, e, nil, nil)

	const callers = 100
	var started, done sync.WaitGroup
	results := make([]credentials.Value, callers)
	errs := make([]error, callers)
	started.Add(callers)
	done.Add(callers)
	for i := range callers {
		go func() {
			defer done.Done()
			started.Done()
			results[i], errs[i] = c.Credentials(context.Background(), "alice", "images", []byte(aliceUploads))
		}()
	}
	started.Wait()
	for e.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let stragglers reach the shared call; the count holds either way
	close(release)
	done.Wait()

	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if results[i] != results[0] {
			t.Fatalf("caller %d got different credentials", i)
		}
	}
	if n := e.calls.Load(); n != 1 {
		t.Errorf("STS calls = %d, want exactly 1", n)
	}
}

func TestCredentialsDistinctSubjects(t *testing.T) {
	t.Parallel()
	e := startEmu(t, nil, nil)
	c := newClient(t, e, nil, nil)

	subjects := []string{"alice@example.com", "alice_example.com", "bob"}
	var wg sync.WaitGroup
	got := make([]credentials.Value, len(subjects))
	errs := make([]error, len(subjects))
	for i, s := range subjects {
		wg.Go(func() { got[i], errs[i] = c.Credentials(context.Background(), s, "images", []byte(aliceUploads)) })
	}
	wg.Wait()
	seen := map[string]string{}
	for i, s := range subjects {
		if errs[i] != nil {
			t.Fatalf("%s: %v", s, errs[i])
		}
		id, err := e.auth.Lookup(got[i].AccessKeyID, got[i].SecurityToken, time.Time{})
		if err != nil {
			t.Fatalf("%s: Lookup: %v", s, err)
		}
		if other, dup := seen[id.SessionName]; dup {
			t.Errorf("%s and %s share session name %q", s, other, id.SessionName)
		}
		seen[id.SessionName] = s
	}
	if n := e.calls.Load(); n != int64(len(subjects)) {
		t.Errorf("STS calls = %d, want %d", n, len(subjects))
	}
}

func TestCredentialsUnavailable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		wrap           func(http.Handler) http.Handler
		wantCode       string
		wantStatus     int
		wantRetryAfter time.Duration // 0: any positive value
	}{
		{
			name:           "503 with Retry-After",
			wrap:           inject(503, map[string]string{"Retry-After": "7"}, stsError("ServiceUnavailable", "The request has failed due to a temporary failure of the server.")),
			wantCode:       "ServiceUnavailable",
			wantStatus:     503,
			wantRetryAfter: 7 * time.Second,
		},
		{
			name:           "Throttling.User flow control",
			wrap:           inject(400, nil, stsError("Throttling.User", "Request was denied due to user flow control.")),
			wantCode:       "Throttling.User",
			wantStatus:     400,
			wantRetryAfter: 2 * time.Second,
		},
		{
			name:       "429 Throttling",
			wrap:       inject(429, nil, stsError("Throttling", "Request was denied due to request throttling.")),
			wantCode:   "Throttling",
			wantStatus: 429,
		},
		{
			name:       "flow control message under another code",
			wrap:       inject(400, nil, stsError("Denied", "Request was denied due to user flow control.")),
			wantCode:   "Denied",
			wantStatus: 400,
		},
		{
			name:           "500 InternalError",
			wrap:           inject(500, nil, stsError("InternalError", "The request processing has failed due to some unknown error.")),
			wantCode:       "InternalError",
			wantStatus:     500,
			wantRetryAfter: time.Second,
		},
		{
			name:       "502 HTML from a proxy",
			wrap:       inject(502, map[string]string{"Content-Type": "text/html"}, "<html><body>502 Bad Gateway</body></html>"),
			wantStatus: 502,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			logs := &logBuffer{}
			e := startEmu(t, nil, tc.wrap)
			c := newClient(t, e, logs, func(cfg *sts.Config) { cfg.Credentials = credentials.NewStatic(rootID, rootSecret, signerToken) })

			_, err := c.Credentials(context.Background(), "alice", "images", []byte(aliceUploads))
			if !errors.Is(err, sts.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			t.Logf("err: %v", err)
			se := stsErr(t, err)
			if se.Code != tc.wantCode || se.StatusCode != tc.wantStatus {
				t.Errorf("Code, StatusCode = %q, %d; want %q, %d", se.Code, se.StatusCode, tc.wantCode, tc.wantStatus)
			}
			if tc.wantRetryAfter != 0 && se.RetryAfter != tc.wantRetryAfter {
				t.Errorf("RetryAfter = %v, want %v", se.RetryAfter, tc.wantRetryAfter)
			}
			if se.RetryAfter <= 0 || sts.RetryAfter(err) != se.RetryAfter {
				t.Errorf("RetryAfter = %v, sts.RetryAfter = %v; want equal and positive", se.RetryAfter, sts.RetryAfter(err))
			}
			assertNoLeak(t, []string{err.Error(), logs.String()}, rootSecret, signerToken)

			// Failures are not cached.
			_, _ = c.Credentials(context.Background(), "alice", "images", []byte(aliceUploads))
			if n := e.calls.Load(); n != 2 {
				t.Errorf("STS calls = %d, want 2 (no negative caching)", n)
			}
		})
	}
}

func TestCredentialsUnreachable(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(http.NotFoundHandler())
	endpoint := dead.URL
	dead.Close()

	logs := &logBuffer{}
	c, err := sts.New(sts.Config{RoleARN: testRole, Endpoint: endpoint, Credentials: credentials.NewStatic(rootID, rootSecret, signerToken),
		Logger: newTestLogger(logs)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Credentials(context.Background(), "alice", "images", []byte(aliceUploads))
	if !errors.Is(err, sts.ErrUnavailable) || sts.RetryAfter(err) <= 0 {
		t.Fatalf("err = %v (RetryAfter %v), want ErrUnavailable with a RetryAfter", err, sts.RetryAfter(err))
	}
	t.Logf("err: %v", err)
	// The request URL carries the signer's token and signature in its query.
	assertNoLeak(t, []string{err.Error(), logs.String()}, rootSecret, signerToken, "SecurityToken=", "Signature=")
}

func TestCredentialsTimeout(t *testing.T) {
	t.Parallel()

	t.Run("Timeout", func(t *testing.T) {
		t.Parallel()
		e := startBlockedEmu(t)
		c := newClient(t, e, nil, func(cfg *sts.Config) { cfg.Timeout = 100 * time.Millisecond })
		_, err := c.Credentials(context.Background(), "alice", "images", []byte(aliceUploads))
		if !errors.Is(err, sts.ErrUnavailable) || sts.RetryAfter(err) <= 0 {
			t.Fatalf("err = %v, want ErrUnavailable with a RetryAfter", err)
		}
		if e.calls.Load() != 1 {
			t.Errorf("STS calls = %d, want 1", e.calls.Load())
		}
	})

	t.Run("caller deadline", func(t *testing.T) {
		t.Parallel()
		e := startBlockedEmu(t)
		c := newClient(t, e, nil, nil) // 5s call timeout: the caller's deadline comes first
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := c.Credentials(ctx, "alice", "images", []byte(aliceUploads))
		if !errors.Is(err, sts.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrUnavailable and context.DeadlineExceeded", err)
		}
	})

	t.Run("canceled before the call", func(t *testing.T) {
		t.Parallel()
		e := startEmu(t, nil, nil)
		c := newClient(t, e, nil, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Credentials(ctx, "alice", "images", []byte(aliceUploads))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if n := e.calls.Load(); n != 0 {
			t.Errorf("STS calls = %d, want 0", n)
		}
	})
}

func TestCredentialsMisconfigured(t *testing.T) {
	t.Parallel()
	const wrongSecret = "wrong-secret-must-not-leak-987654321"
	for _, tc := range []struct {
		name     string
		wrap     func(http.Handler) http.Handler
		mutate   func(*sts.Config)
		wantCode string
	}{
		{
			name:     "NoPermission",
			wrap:     inject(403, nil, stsError("NoPermission", "You are not authorized to do this action. You should be authorized by RAM.")),
			wantCode: "NoPermission",
		},
		{
			name:     "EntityNotExist.Role",
			wrap:     inject(404, nil, stsError("EntityNotExist.Role", "The role not exists: acs:ram::1234567890123456:role/oss-uploader.")),
			wantCode: "EntityNotExist.Role",
		},
		{
			name:     "InvalidParameter.RoleArn from the emulator",
			mutate:   func(cfg *sts.Config) { cfg.RoleARN = "acs:ram::1234567890123456:role/bad*name" },
			wantCode: "InvalidParameter.RoleArn",
		},
		{
			name:     "SignatureDoesNotMatch from the emulator",
			mutate:   func(cfg *sts.Config) { cfg.Credentials = credentials.NewStatic(rootID, wrongSecret, "") },
			wantCode: "SignatureDoesNotMatch",
		},
		{
			name:     "InvalidAccessKeyId.NotFound from the emulator",
			mutate:   func(cfg *sts.Config) { cfg.Credentials = credentials.NewStatic("LTAI5tUnknownKey", wrongSecret, "") },
			wantCode: "InvalidAccessKeyId.NotFound",
		},
		{
			// A SignatureDoesNotMatch message echoes the string to sign,
			// which holds the signer's security token.
			name: "SignatureDoesNotMatch echoing secrets",
			wrap: inject(400, nil, stsError("SignatureDoesNotMatch",
				"Specified signature is not matched with our calculation. server string to sign is:POST&%2F&SecurityToken%3D"+signerToken+" key "+wrongSecret)),
			mutate:   func(cfg *sts.Config) { cfg.Credentials = credentials.NewStatic(rootID, wrongSecret, signerToken) },
			wantCode: "SignatureDoesNotMatch",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			logs := &logBuffer{}
			e := startEmu(t, nil, tc.wrap)
			c := newClient(t, e, logs, tc.mutate)
			_, err := c.Credentials(context.Background(), "alice", "images", []byte(aliceUploads))
			if !errors.Is(err, sts.ErrMisconfigured) {
				t.Fatalf("err = %v, want ErrMisconfigured", err)
			}
			if errors.Is(err, sts.ErrUnavailable) {
				t.Errorf("err = %v also matches ErrUnavailable", err)
			}
			t.Logf("err: %v", err)
			se := stsErr(t, err)
			if se.Code != tc.wantCode || se.StatusCode < 400 || se.StatusCode > 499 || se.RequestID == "" {
				t.Errorf("Code, StatusCode, RequestID = %q, %d, %q; want %q, 4xx, non-empty", se.Code, se.StatusCode, se.RequestID, tc.wantCode)
			}
			if se.RetryAfter != 0 {
				t.Errorf("RetryAfter = %v, want 0", se.RetryAfter)
			}
			if !strings.Contains(logs.String(), tc.wantCode) {
				t.Errorf("log does not name the code %s:\n%s", tc.wantCode, logs)
			}
			texts := []string{err.Error(), logs.String()}
			assertNoLeak(t, texts, rootSecret, wrongSecret, signerToken)
			for _, text := range texts {
				if strings.Contains(text, "string to sign is") {
					t.Errorf("string to sign leaked in %q", text)
				}
			}
		})
	}
}

func TestCredentialsSigner(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		signer  credentials.Provider
		wantErr error
	}{
		{"failing", providerFunc(func(context.Context) (credentials.Value, error) {
			return credentials.Value{}, errors.New("no credentials configured")
		}), sts.ErrMisconfigured},
		{"empty", credentials.NewStatic("", "", ""), sts.ErrMisconfigured},
		{"empty value", providerFunc(func(context.Context) (credentials.Value, error) {
			return credentials.Value{}, nil
		}), sts.ErrMisconfigured},
		{"transient", providerFunc(func(context.Context) (credentials.Value, error) {
			return credentials.Value{}, errors.Join(sts.ErrUnavailable, errors.New("metadata service down"))
		}), sts.ErrUnavailable},
		{"canceled", providerFunc(func(ctx context.Context) (credentials.Value, error) {
			return credentials.Value{}, fmt.Errorf("credentials: default chain: %w", context.Canceled)
		}), sts.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := startEmu(t, nil, nil)
			c := newClient(t, e, nil, func(cfg *sts.Config) { cfg.Credentials = tc.signer })
			_, err := c.Credentials(context.Background(), "alice", "images", []byte(aliceUploads))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if n := e.calls.Load(); n != 0 {
				t.Errorf("STS calls = %d, want 0", n)
			}
		})
	}

	t.Run("asked for every call", func(t *testing.T) {
		t.Parallel()
		e := startEmu(t, nil, nil)
		var asked int
		var mu sync.Mutex
		c := newClient(t, e, nil, func(cfg *sts.Config) {
			cfg.Credentials = providerFunc(func(context.Context) (credentials.Value, error) {
				mu.Lock()
				defer mu.Unlock()
				asked++
				return credentials.Value{AccessKeyID: rootID, AccessKeySecret: rootSecret}, nil
			})
		})
		for _, s := range []string{"alice", "bob", "alice"} {
			if _, err := c.Credentials(context.Background(), s, "images", []byte(aliceUploads)); err != nil {
				t.Fatal(err)
			}
		}
		if asked != 2 {
			t.Errorf("signer asked %d times, want 2 (once per STS call)", asked)
		}
	})
}

type providerFunc func(context.Context) (credentials.Value, error)

func (f providerFunc) Retrieve(ctx context.Context) (credentials.Value, error) { return f(ctx) }

// Not parallel: it sets environment variables. credentials-go's default
// chain, as Function Compute's environment feeds it, signs AssumeRole.
func TestDefaultChainSignsAssumeRole(t *testing.T) {
	credenv.Isolate(t)
	for k, v := range map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID":     rootID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET": rootSecret,
	} {
		t.Setenv(k, v)
	}
	e := startEmu(t, nil, nil)
	c := newClient(t, e, nil, func(cfg *sts.Config) { cfg.Credentials = credentials.NewDefaultChain() })
	got, err := c.Credentials(context.Background(), "alice", "images", []byte(aliceUploads))
	if err != nil {
		t.Fatalf("Credentials: %v", err)
	}
	if _, err := e.auth.Lookup(got.AccessKeyID, got.SecurityToken, time.Time{}); err != nil {
		t.Errorf("issued credentials do not verify: %v", err)
	}
}

func TestCredentialsInvalidArgument(t *testing.T) {
	t.Parallel()
	e := startEmu(t, nil, nil)
	c := newClient(t, e, nil, nil)
	for _, tc := range []struct {
		name, subject string
		policy        []byte
	}{
		{"empty subject", "", []byte(aliceUploads)},
		{"nil policy", "alice", nil},
		{"empty policy", "alice", []byte{}},
		{"policy not JSON", "alice", []byte(`{"Version":"1",`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Credentials(context.Background(), tc.subject, "images", tc.policy)
			if !errors.Is(err, sts.ErrInvalidArgument) {
				t.Errorf("err = %v, want ErrInvalidArgument", err)
			}
		})
	}
	t.Cleanup(func() {
		if n := e.calls.Load(); n != 0 {
			t.Errorf("STS calls = %d, want 0", n)
		}
	})
}

func TestNewConfig(t *testing.T) {
	t.Parallel()
	valid := func() sts.Config {
		return sts.Config{RoleARN: testRole, Endpoint: "sts.cn-hangzhou.aliyuncs.com", Credentials: credentials.NewStatic("id", "secret", "")}
	}
	for _, tc := range []struct {
		name   string
		mutate func(*sts.Config)
		ok     bool
	}{
		{"defaults", func(*sts.Config) {}, true},
		{"https URL", func(c *sts.Config) { c.Endpoint = "https://sts.cn-hangzhou.aliyuncs.com/" }, true},
		{"http loopback", func(c *sts.Config) { c.Endpoint = "http://127.0.0.1:9100" }, true},
		{"host:port", func(c *sts.Config) { c.Endpoint = "127.0.0.1:9100" }, true},
		{"IPv6", func(c *sts.Config) { c.Endpoint = "http://[::1]:9100" }, true},
		{"1h", func(c *sts.Config) { c.Duration = time.Hour }, true},
		{"all knobs", func(c *sts.Config) {
			c.Duration, c.Timeout, c.Reuse, c.MaxEntries = 30*time.Minute, time.Second, 10*time.Minute, 5
		}, true},
		{"no role", func(c *sts.Config) { c.RoleARN = "" }, false},
		{"bad role", func(c *sts.Config) { c.RoleARN = "acs:ram::acct:role/x" }, false},
		{"no endpoint", func(c *sts.Config) { c.Endpoint = "" }, false},
		{"ftp endpoint", func(c *sts.Config) { c.Endpoint = "ftp://sts.aliyuncs.com" }, false},
		{"endpoint with path", func(c *sts.Config) { c.Endpoint = "https://sts.aliyuncs.com/v1" }, false},
		{"endpoint with query", func(c *sts.Config) { c.Endpoint = "https://sts.aliyuncs.com/?a=b" }, false},
		{"endpoint with user", func(c *sts.Config) { c.Endpoint = "https://u:p@sts.aliyuncs.com" }, false},
		{"endpoint bad port", func(c *sts.Config) { c.Endpoint = "sts.aliyuncs.com:99999" }, false},
		{"duration too short", func(c *sts.Config) { c.Duration = 10 * time.Minute }, false},
		{"duration too long", func(c *sts.Config) { c.Duration = 2 * time.Hour }, false},
		{"duration fraction", func(c *sts.Config) { c.Duration = 20*time.Minute + time.Millisecond }, false},
		{"no credentials", func(c *sts.Config) { c.Credentials = nil }, false},
		{"negative timeout", func(c *sts.Config) { c.Timeout = -time.Second }, false},
		{"reuse not below duration", func(c *sts.Config) { c.Reuse = 15 * time.Minute }, false},
		{"negative reuse", func(c *sts.Config) { c.Reuse = -time.Minute }, false},
		{"negative max entries", func(c *sts.Config) { c.MaxEntries = -1 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid()
			tc.mutate(&cfg)
			c, err := sts.New(cfg)
			if tc.ok {
				if err != nil || c == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, sts.ErrMisconfigured) {
				t.Fatalf("New: err = %v, want ErrMisconfigured", err)
			}
		})
	}
}
