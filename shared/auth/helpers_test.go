package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// t0 is the fake "now" every test starts at.
var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

const (
	testSecret   = "0123456789abcdef0123456789abcdef" // 32 bytes
	testIssuer   = "https://issuer.example"
	testAudience = "ossdirect"
)

// sentinels are every error Authenticate may wrap.
var sentinels = []error{ErrMissingCredentials, ErrInvalidCredentials, ErrExpired, ErrWrongAudience, ErrWrongIssuer, ErrUnavailable}

// isSentinel reports whether err wraps exactly one of the sentinels.
func isSentinel(err error) bool {
	n := 0
	for _, s := range sentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	return n == 1
}

// clock is a settable Now for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuf collects log output from concurrent goroutines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuf) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// keys are generated once per test binary.
type testKeyPairs struct {
	rsaA, rsaB, rsaPS    *rsa.PrivateKey
	ec256, ec256b, ec384 *ecdsa.PrivateKey
}

var testKeys = sync.OnceValue(func() testKeyPairs {
	gen := func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	}
	ec := func(c elliptic.Curve) *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	}
	return testKeyPairs{rsaA: gen(), rsaB: gen(), rsaPS: gen(), ec256: ec(elliptic.P256()), ec256b: ec(elliptic.P256()), ec384: ec(elliptic.P384())}
})

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// rsaJWK is the JWK of pub; extra members are added or override.
func rsaJWK(kid string, pub *rsa.PublicKey, extra map[string]any) map[string]any {
	m := map[string]any{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
		"n": b64u(pub.N.Bytes()), "e": b64u(big.NewInt(int64(pub.E)).Bytes()),
	}
	if kid == "" {
		delete(m, "kid")
	}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// ecJWK is the JWK of pub.
func ecJWK(kid string, pub *ecdsa.PublicKey, extra map[string]any) map[string]any {
	b, err := pub.Bytes()
	if err != nil {
		panic(err)
	}
	size := (len(b) - 1) / 2
	crv, alg := "P-256", "ES256"
	if size == 48 {
		crv, alg = "P-384", "ES384"
	}
	m := map[string]any{
		"kty": "EC", "use": "sig", "alg": alg, "kid": kid, "crv": crv,
		"x": b64u(b[1 : 1+size]), "y": b64u(b[1+size:]),
	}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func jwksBody(keys ...map[string]any) []byte {
	if keys == nil {
		keys = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		panic(err)
	}
	return b
}

// standardJWKS holds one key of each supported kind, each with a kid.
func standardJWKS() []byte {
	k := testKeys()
	return jwksBody(
		rsaJWK("rsa-a", &k.rsaA.PublicKey, nil),
		rsaJWK("rsa-ps", &k.rsaPS.PublicKey, map[string]any{"alg": "PS256"}),
		ecJWK("ec-256", &k.ec256.PublicKey, nil),
		ecJWK("ec-384", &k.ec384.PublicKey, nil),
	)
}

// jwksServer is a loopback JWKS endpoint whose answer tests can change; it
// counts the requests it receives.
type jwksServer struct {
	*httptest.Server
	hits atomic.Int64

	mu     sync.Mutex
	body   []byte
	status int
	delay  time.Duration
}

func newJWKSServer(t testing.TB, body []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{body: body, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		body, status, delay := s.body, s.status, s.delay
		s.mu.Unlock()
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func (s *jwksServer) setDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// claims returns standard valid claims at now, with overrides; a nil value
// deletes the claim.
func claims(now time.Time, over map[string]any) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub": "user-1",
		"iss": testIssuer,
		"aud": testAudience,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(),
	}
	for k, v := range over {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// mint signs c with method and key; a non-empty kid goes in the header,
// and so do the header overrides.
func mint(t testing.TB, method jwt.SigningMethod, key any, kid string, c jwt.MapClaims, header map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("minting a token: %v", err)
	}
	return s
}

// rawToken signs an arbitrary header and payload (JSON text) with HS256,
// for payloads golang-jwt would not produce.
func rawToken(t testing.TB, header, payload string, secret []byte) string {
	t.Helper()
	in := b64u([]byte(header)) + "." + b64u([]byte(payload))
	sig, err := jwt.SigningMethodHS256.Sign(in, secret)
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + b64u(sig)
}

// newAuth builds an Authenticator, failing the test on error.
func newAuth(t testing.TB, cfg Config) *Authenticator {
	t.Helper()
	a, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func hsAuth(t testing.TB, clk *clock) *Authenticator {
	return newAuth(t, Config{
		Mode: ModeJWT, JWTSecret: testSecret, Issuer: testIssuer, Audience: testAudience,
		Now: clk.Now,
	})
}

func jwksAuth(t testing.TB, clk *clock, url string, log *slog.Logger) *Authenticator {
	return newAuth(t, Config{
		Mode: ModeJWT, JWKSURL: url, Issuer: testIssuer, Audience: testAudience,
		Now:    clk.Now,
		Logger: log,
	})
}

// request builds a GET with the given header name/value pairs.
func request(kv ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://fn.example/post-signature?profile=images", nil)
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header.Add(kv[i], kv[i+1])
	}
	return r
}

func bearer(tok string) *http.Request { return request("Authorization", "Bearer "+tok) }

// checkResult compares Authenticate's outcome with the wanted sentinel (nil
// for success), subject and message fragment, and checks that the error
// never repeats a secret.
func checkResult(t *testing.T, got Subject, err error, wantErr error, wantSub, wantMsg string, secrets ...string) {
	t.Helper()
	if wantErr == nil {
		if err != nil {
			t.Fatalf("Authenticate: unexpected error %v", err)
		}
		if got.ID != wantSub {
			t.Fatalf("subject = %q, want %q", got.ID, wantSub)
		}
		return
	}
	if !errors.Is(err, wantErr) {
		t.Fatalf("Authenticate error = %v, want %v", err, wantErr)
	}
	if !isSentinel(err) {
		t.Errorf("error %v wraps more or fewer than one sentinel", err)
	}
	if got != (Subject{}) {
		t.Errorf("subject = %+v on error, want zero", got)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *Error", err)
	}
	if wantMsg != "" && (!strings.Contains(err.Error(), wantMsg) || !strings.Contains(e.Message(), wantMsg)) {
		t.Errorf("error %q (message %q) does not contain %q", err, e.Message(), wantMsg)
	}
	for _, s := range secrets {
		if s != "" && (strings.Contains(err.Error(), s) || strings.Contains(e.Message(), s)) {
			t.Errorf("error %q repeats a secret", err)
		}
	}
}
