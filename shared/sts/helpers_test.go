package sts_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ossdirect/internal/localcloud/stsemu"
	"ossdirect/shared/credentials"
	"ossdirect/shared/sts"
)

const (
	rootID     = "LTAI5tStsClientTestRoot"
	rootSecret = "sts-client-test-root-secret-0123456789"
	testRole   = "acs:ram::1234567890123456:role/oss-uploader"
	// signerToken is a security token given to Static signers in tests
	// that never reach the emulator (which refuses role chaining), to
	// check it never shows up in errors or logs.
	signerToken = "CAISsigner-token-must-not-leak-0123456789"

	// aliceUploads is the shape of policy upload.Grant.SessionPolicy emits
	// for bucket "bucket" and directory "uploads/alice/".
	aliceUploads = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:AbortMultipartUpload","oss:ListParts"],"Resource":["acs:oss:*:*:bucket/uploads/alice/*"]}]}`
	bobUploads   = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:AbortMultipartUpload","oss:ListParts"],"Resource":["acs:oss:*:*:bucket/uploads/bob/*"]}]}`
)

// emu is a loopback STS emulator behind an optional wrapping handler.
type emu struct {
	srv   *httptest.Server
	auth  *stsemu.Authority
	calls atomic.Int64 // requests that reached the wrapper
}

// startEmu starts the emulator with the given clock (nil: time.Now). wrap,
// if not nil, wraps the emulator's handler, to inject failures.
func startEmu(t *testing.T, now func() time.Time, wrap func(next http.Handler) http.Handler) *emu {
	t.Helper()
	auth, err := stsemu.NewAuthority(stsemu.AuthorityConfig{AccessKeyID: rootID, AccessKeySecret: rootSecret, Now: now})
	if err != nil {
		t.Fatalf("NewAuthority: %v", err)
	}
	server, err := stsemu.New(stsemu.Config{Authority: auth})
	if err != nil {
		t.Fatalf("stsemu.New: %v", err)
	}
	var h http.Handler = server
	if wrap != nil {
		h = wrap(server)
	}
	e := &emu{auth: auth}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.calls.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// newClient returns a Client for e signed with the root identity; mutate
// may change the config first.
func newClient(t *testing.T, e *emu, logs *logBuffer, mutate func(*sts.Config)) *sts.Client {
	t.Helper()
	cfg := sts.Config{
		RoleARN:     testRole,
		Endpoint:    e.srv.URL,
		Credentials: credentials.NewStatic(rootID, rootSecret, ""),
	}
	if logs != nil {
		cfg.Logger = newTestLogger(logs)
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := sts.New(cfg)
	if err != nil {
		t.Fatalf("sts.New: %v", err)
	}
	return c
}

// startBlockedEmu starts an STS endpoint that never answers: each request
// blocks until the client gives up or the test ends.
func startBlockedEmu(t *testing.T) *emu {
	t.Helper()
	stop := make(chan struct{})
	e := startEmu(t, nil, func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		})
	})
	t.Cleanup(func() { close(stop) }) // runs before the server closes
	return e
}

// newTestLogger logs everything, debug included, to logs.
func newTestLogger(logs *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// inject answers every request with status, headers and body instead of
// the emulator.
func inject(status int, header map[string]string, body string) func(http.Handler) http.Handler {
	return func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range header {
				w.Header().Set(k, v)
			}
			if _, ok := header["Content-Type"]; !ok {
				w.Header().Set("Content-Type", "application/json;charset=utf-8")
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		})
	}
}

// stsError is a POP gateway error body.
func stsError(code, message string) string {
	return `{"RequestId":"7A1B2C3D-REQ","HostId":"sts.aliyuncs.com","Code":"` + code + `","Message":"` + message +
		`","Recommend":"https://api.aliyun.com/troubleshoot?q=` + code + `"}`
}

// offsetClock is the wall clock shifted by an adjustable offset. The SDK
// stamps requests with the real time, so the emulator's clock must stay
// within its 15-minute skew window of it.
type offsetClock struct{ off atomic.Int64 }

func (c *offsetClock) Now() time.Time           { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *offsetClock) Set(offset time.Duration) { c.off.Store(int64(offset)) }

// logBuffer collects log output; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// stsErr returns the *sts.Error in err's chain.
func stsErr(t *testing.T, err error) *sts.Error {
	t.Helper()
	var e *sts.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not an *sts.Error", err, err)
	}
	return e
}

// assertNoLeak fails if any secret appears in the texts.
func assertNoLeak(t *testing.T, texts []string, secrets ...string) {
	t.Helper()
	for _, text := range texts {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("secret %q leaked in %q", s, text)
			}
		}
	}
}
