package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// burst runs n concurrent Authenticate calls with tok, released together,
// and returns their errors.
func burst(a *Authenticator, n int, tok string) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = a.Authenticate(bearer(tok))
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func TestJWKSUnknownKidRefreshesOnceUnderBurst(t *testing.T) {
	t.Parallel()
	k := testKeys()
	clk := newClock()
	keyA := rsaJWK("a", &k.rsaA.PublicKey, nil)
	keyB := rsaJWK("b", &k.rsaB.PublicKey, nil)
	srv := newJWKSServer(t, jwksBody(keyA))
	a := jwksAuth(t, clk, srv.URL, nil)

	// Warm the cache with key a.
	if _, err := a.Authenticate(bearer(mint(t, jwt.SigningMethodRS256, k.rsaA, "a", claims(clk.Now(), nil), nil))); err != nil {
		t.Fatalf("warm-up: %v", err)
	}
	if got := srv.hits.Load(); got != 1 {
		t.Fatalf("JWKS hits after warm-up = %d, want 1", got)
	}

	// The issuer rotates in key b; 50 requests with kid b arrive at once.
	// The fetch is slow so that they pile up behind it.
	srv.serve(http.StatusOK, jwksBody(keyA, keyB))
	srv.setDelay(50 * time.Millisecond)
	clk.Advance(MinJWKSFetchInterval + time.Second)
	tokB := mint(t, jwt.SigningMethodRS256, k.rsaB, "b", claims(clk.Now(), nil), nil)
	for i, err := range burst(a, 50, tokB) {
		if err != nil {
			t.Fatalf("request %d with the rotated-in key: %v", i, err)
		}
	}
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("JWKS hits after a burst of 50 with a new kid = %d, want 2 (one refresh)", got)
	}

	// A kid that never appears: still one fetch per 30s, however many ask.
	clk.Advance(MinJWKSFetchInterval + time.Second)
	tokGhost := mint(t, jwt.SigningMethodRS256, k.rsaB, "ghost", claims(clk.Now(), nil), nil)
	for i, err := range burst(a, 50, tokGhost) {
		if !errors.Is(err, ErrInvalidCredentials) || !strings.Contains(err.Error(), `no key with kid "ghost"`) {
			t.Fatalf("request %d with an unknown kid: %v, want ErrInvalidCredentials naming the kid", i, err)
		}
	}
	if got := srv.hits.Load(); got != 3 {
		t.Fatalf("JWKS hits after a burst of 50 with an unknown kid = %d, want 3 (one more refresh)", got)
	}

	// Within 30s, unknown kids cause no fetch at all.
	clk.Advance(MinJWKSFetchInterval - time.Second)
	if _, err := a.Authenticate(bearer(tokGhost)); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("unknown kid within 30s: %v", err)
	}
	if got := srv.hits.Load(); got != 3 {
		t.Fatalf("JWKS hits for an unknown kid within 30s of a fetch = %d, want 3", got)
	}
}

func TestJWKSRefreshFailureKeepsCachedKeys(t *testing.T) {
	t.Parallel()
	k := testKeys()
	tests := []struct {
		name   string
		status int
		body   []byte
	}{
		{name: "status 500", status: http.StatusInternalServerError, body: []byte("oops")},
		{name: "not JSON", status: http.StatusOK, body: []byte("<html>maintenance</html>")},
		{name: "no usable key", status: http.StatusOK, body: jwksBody(map[string]any{"kty": "oct", "k": "c2VjcmV0"})},
		{name: "oversized", status: http.StatusOK, body: bytes.Repeat([]byte(" "), MaxJWKSBytes+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			logs := &logBuf{}
			srv := newJWKSServer(t, jwksBody(rsaJWK("a", &k.rsaA.PublicKey, nil)))
			a := jwksAuth(t, clk, srv.URL, logs.logger())
			if _, err := a.Authenticate(bearer(mint(t, jwt.SigningMethodRS256, k.rsaA, "a", claims(clk.Now(), nil), nil))); err != nil {
				t.Fatalf("first request: %v", err)
			}

			// The cache is past JWKSRefresh and the JWKS now fails.
			srv.serve(tt.status, tt.body)
			clk.Advance(DefaultJWKSRefresh + time.Minute)
			tok := mint(t, jwt.SigningMethodRS256, k.rsaA, "a", claims(clk.Now(), nil), nil)
			for range 3 {
				got, err := a.Authenticate(bearer(tok))
				checkResult(t, got, err, nil, "user-1", "")
			}
			if got := srv.hits.Load(); got != 2 {
				t.Errorf("JWKS hits = %d, want 2 (failed refreshes are rate-limited too)", got)
			}
			if !strings.Contains(logs.String(), "keeping the cached keys") {
				t.Errorf("log does not report the failed refresh:\n%s", logs)
			}

			// An unknown kid while the JWKS is down: refused, cache kept.
			clk.Advance(MinJWKSFetchInterval + time.Second)
			tokB := mint(t, jwt.SigningMethodRS256, k.rsaB, "b", claims(clk.Now(), nil), nil)
			if _, err := a.Authenticate(bearer(tokB)); !errors.Is(err, ErrInvalidCredentials) {
				t.Fatalf("unknown kid with the JWKS down: %v, want ErrInvalidCredentials", err)
			}
			if got := srv.hits.Load(); got != 3 {
				t.Errorf("JWKS hits = %d, want 3", got)
			}

			// The JWKS recovers with a rotated key: picked up after 30s.
			srv.serve(http.StatusOK, jwksBody(rsaJWK("b", &k.rsaB.PublicKey, nil)))
			clk.Advance(MinJWKSFetchInterval + time.Second)
			tokB = mint(t, jwt.SigningMethodRS256, k.rsaB, "b", claims(clk.Now(), nil), nil)
			got, err := a.Authenticate(bearer(tokB))
			checkResult(t, got, err, nil, "user-1", "")
		})
	}
}

func TestJWKSPeriodicRefresh(t *testing.T) {
	t.Parallel()
	k := testKeys()
	clk := newClock()
	srv := newJWKSServer(t, jwksBody(rsaJWK("a", &k.rsaA.PublicKey, nil)))
	a := newAuth(t, Config{
		Mode: ModeJWT, JWKSURL: srv.URL,
		Now:         clk.Now,
		JWKSRefresh: 2 * time.Minute,
	})
	tok := func() string { return mint(t, jwt.SigningMethodRS256, k.rsaA, "a", claims(clk.Now(), nil), nil) }
	steps := []struct {
		advance  time.Duration
		wantHits int64
	}{
		{0, 1},
		{time.Minute, 1},
		{59 * time.Second, 1},
		{time.Second, 2}, // 2m after the first fetch
		{time.Minute, 2},
		{time.Minute, 3},
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		if _, err := a.Authenticate(bearer(tok())); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := srv.hits.Load(); got != s.wantHits {
			t.Fatalf("step %d: JWKS hits = %d, want %d", i, got, s.wantHits)
		}
	}
}

func TestJWKSUnavailableWithEmptyCache(t *testing.T) {
	t.Parallel()
	k := testKeys()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name    string
		status  int
		body    []byte
		url     string // overrides the server's
		wantMsg string
	}{
		{name: "status 503", status: http.StatusServiceUnavailable, body: []byte("down"), wantMsg: "status 503"},
		{name: "status 404", status: http.StatusNotFound, wantMsg: "status 404"},
		{name: "connection refused", url: closedURL, wantMsg: "GET http://127.0.0.1"},
		{name: "not a key set", status: http.StatusOK, body: []byte(`{"keys": 3}`), wantMsg: "not a JSON key set"},
		{name: "empty key set", status: http.StatusOK, body: jwksBody(), wantMsg: "no usable signing key"},
		{name: "only encryption keys", status: http.StatusOK, body: jwksBody(rsaJWK("a", &k.rsaA.PublicKey, map[string]any{"use": "enc"})), wantMsg: "no usable signing key"},
		{name: "oversized", status: http.StatusOK, body: bytes.Repeat([]byte("x"), MaxJWKSBytes+1), wantMsg: "262145 bytes, larger than 262144 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			srv := newJWKSServer(t, tt.body)
			srv.serve(tt.status, tt.body)
			u := srv.URL + "/.well-known/jwks.json?token=hush"
			if tt.url != "" {
				u = tt.url + "/jwks.json?token=hush"
			}
			a := jwksAuth(t, clk, u, nil)
			tok := mint(t, jwt.SigningMethodRS256, k.rsaA, "a", claims(clk.Now(), nil), nil)

			got, err := a.Authenticate(bearer(tok))
			checkResult(t, got, err, ErrUnavailable, "", tt.wantMsg, "hush", tok)
			hits := srv.hits.Load()

			// Within 30s: same answer, no new fetch.
			clk.Advance(10 * time.Second)
			_, err = a.Authenticate(bearer(tok))
			checkResult(t, Subject{}, err, ErrUnavailable, "", tt.wantMsg)
			if got := srv.hits.Load(); got != hits {
				t.Errorf("JWKS hits = %d within 30s of a failed fetch, want %d", got, hits)
			}

			// The JWKS comes back: the next fetch after 30s succeeds.
			if tt.url == "" {
				srv.serve(http.StatusOK, jwksBody(rsaJWK("a", &k.rsaA.PublicKey, nil)))
				clk.Advance(MinJWKSFetchInterval)
				got, err = a.Authenticate(bearer(tok))
				checkResult(t, got, err, nil, "user-1", "")
			}
		})
	}
}

// TestJWKSOversizedChunked checks the size limit on a response without a
// Content-Length, where only the read limit can catch it.
func TestJWKSOversizedChunked(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte(" "), 32<<10)
		for range 10 {
			_, _ = w.Write(chunk)
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	clk := newClock()
	a := jwksAuth(t, clk, srv.URL, nil)
	tok := mint(t, jwt.SigningMethodRS256, testKeys().rsaA, "a", claims(clk.Now(), nil), nil)
	_, err := a.Authenticate(bearer(tok))
	checkResult(t, Subject{}, err, ErrUnavailable, "", "larger than 262144 bytes")
}

func TestJWKSRedirects(t *testing.T) {
	t.Parallel()
	k := testKeys()
	good := newJWKSServer(t, jwksBody(rsaJWK("a", &k.rsaA.PublicKey, nil)))
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/elsewhere": // another host (another port on loopback)
			http.Redirect(w, r, good.URL+"/jwks", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/jwks", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(jwksBody(rsaJWK("a", &k.rsaA.PublicKey, nil)))
		}
	}))
	t.Cleanup(other.Close)

	tests := []struct {
		name    string
		path    string
		wantErr error
		wantMsg string
	}{
		{name: "same host", path: "/here"},
		{name: "another host", path: "/elsewhere", wantErr: ErrUnavailable, wantMsg: "redirect to another host"},
		{name: "redirect loop", path: "/loop", wantErr: ErrUnavailable, wantMsg: "stopped after 3 redirects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			a := jwksAuth(t, clk, other.URL+tt.path, nil) // nil HTTPClient: the default client
			tok := mint(t, jwt.SigningMethodRS256, k.rsaA, "a", claims(clk.Now(), nil), nil)
			got, err := a.Authenticate(bearer(tok))
			checkResult(t, got, err, tt.wantErr, "user-1", tt.wantMsg)
		})
	}
}

// TestJWKSRequestCancelled checks that a request whose context ends while
// it waits for the fetch gives up, without cancelling the fetch for the
// others.
func TestJWKSRequestCancelled(t *testing.T) {
	t.Parallel()
	k := testKeys()
	clk := newClock()
	srv := newJWKSServer(t, jwksBody(rsaJWK("a", &k.rsaA.PublicKey, nil)))
	srv.setDelay(200 * time.Millisecond)
	a := jwksAuth(t, clk, srv.URL, nil)
	tok := mint(t, jwt.SigningMethodRS256, k.rsaA, "a", claims(clk.Now(), nil), nil)

	r := bearer(tok)
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := a.Authenticate(r.WithContext(ctx))
	checkResult(t, Subject{}, err, ErrUnavailable, "", "request ended")

	// The fetch the cancelled request started still completes.
	got, err := a.Authenticate(bearer(tok))
	checkResult(t, got, err, nil, "user-1", "")
	if h := srv.hits.Load(); h != 1 {
		t.Errorf("JWKS hits = %d, want 1", h)
	}
}

func TestParseJWKS(t *testing.T) {
	t.Parallel()
	k := testKeys()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	a := rsaJWK("a", &k.rsaA.PublicKey, nil)
	many := make([]map[string]any, MaxJWKSKeys+1)
	for i := range many {
		many[i] = rsaJWK(fmt.Sprint("k", i), &k.rsaA.PublicKey, nil)
	}
	hundred := many[:MaxJWKSKeys]

	tests := []struct {
		name        string
		body        []byte
		wantKids    []string
		wantIgnored int
		wantErr     string
	}{
		{name: "standard set", body: standardJWKS(), wantKids: []string{"rsa-a", "rsa-ps", "ec-256", "ec-384"}},
		{name: "100 keys", body: jwksBody(hundred...), wantKids: kidsOf(hundred)},
		{name: "101 keys", body: jwksBody(many...), wantErr: "holds 101 keys, limit 100"},
		{name: "no use, no alg", body: jwksBody(rsaJWK("a", &k.rsaA.PublicKey, map[string]any{"use": nil, "alg": nil})), wantKids: []string{"a"}},
		{name: "padded base64", body: jwksBody(rsaJWK("a", &k.rsaA.PublicKey, map[string]any{"e": "AQAB="})), wantKids: []string{"a"}},
		{name: "use enc ignored", body: jwksBody(a, rsaJWK("b", &k.rsaB.PublicKey, map[string]any{"use": "enc"})), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "key_ops without verify ignored", body: jwksBody(a, rsaJWK("b", &k.rsaB.PublicKey, map[string]any{"use": nil, "key_ops": []string{"encrypt"}})), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "oct key ignored", body: jwksBody(a, map[string]any{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "OKP key ignored", body: jwksBody(a, map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "1024-bit RSA ignored", body: jwksBody(a, rsaJWK("s", &small.PublicKey, nil)), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "RSA bad n ignored", body: jwksBody(a, rsaJWK("b", &k.rsaB.PublicKey, map[string]any{"n": "!!"})), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "RSA even e ignored", body: jwksBody(a, rsaJWK("b", &k.rsaB.PublicKey, map[string]any{"e": "AAI"})), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "RSA huge e ignored", body: jwksBody(a, rsaJWK("b", &k.rsaB.PublicKey, map[string]any{"e": "AQAAAAE"})), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "RSA with alg ES256 ignored", body: jwksBody(a, rsaJWK("b", &k.rsaB.PublicKey, map[string]any{"alg": "ES256"})), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "RSA with alg HS256 ignored", body: jwksBody(a, rsaJWK("b", &k.rsaB.PublicKey, map[string]any{"alg": "HS256"})), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "EC point off the curve ignored", body: jwksBody(a, ecJWK("e", &k.ec256.PublicKey, map[string]any{"y": b64u(make([]byte, 32))})), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "EC short x ignored", body: jwksBody(a, ecJWK("e", &k.ec256.PublicKey, map[string]any{"x": "AAAA"})), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "EC P-521 ignored", body: jwksBody(a, ecJWK("e", &k.ec256.PublicKey, map[string]any{"crv": "P-521"})), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "EC curve and alg disagree ignored", body: jwksBody(a, ecJWK("e", &k.ec256.PublicKey, map[string]any{"alg": "ES384"})), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "member of the wrong type ignored", body: jwksBody(a, map[string]any{"kty": "RSA", "n": 5}), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "kid-less key in a set of several ignored", body: jwksBody(a, rsaJWK("", &k.rsaB.PublicKey, nil)), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "duplicate kid", body: jwksBody(a, rsaJWK("a", &k.rsaB.PublicKey, nil)), wantErr: `two usable keys with kid "a"`},
		{name: "duplicate kid of an ignored key is fine", body: jwksBody(a, rsaJWK("a", &k.rsaB.PublicKey, map[string]any{"use": "enc"})), wantKids: []string{"a"}, wantIgnored: 1},
		{name: "empty", body: jwksBody(), wantErr: "no usable signing key"},
		{name: "two kid-less keys", body: jwksBody(rsaJWK("", &k.rsaA.PublicKey, nil), rsaJWK("", &k.rsaB.PublicKey, nil)), wantErr: "no usable signing key"},
		{name: "no keys member", body: []byte(`{"kty":"RSA"}`), wantErr: `no "keys" array`},
		{name: "keys is null", body: []byte(`{"keys":null}`), wantErr: `no "keys" array`},
		{name: "not JSON", body: []byte(`<html>`), wantErr: "not a JSON key set"},
		{name: "trailing garbage", body: append(jwksBody(a), "x"...), wantErr: "not a JSON key set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			set, ignored, err := parseJWKS(tt.body)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseJWKS error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseJWKS: %v", err)
			}
			var kids []string
			for _, k := range set.keys {
				kids = append(kids, k.kid)
			}
			if fmt.Sprint(kids) != fmt.Sprint(tt.wantKids) {
				t.Errorf("kids = %v, want %v", kids, tt.wantKids)
			}
			if len(ignored) != tt.wantIgnored {
				t.Errorf("ignored = %q, want %d entries", ignored, tt.wantIgnored)
			}
		})
	}
}

func kidsOf(keys []map[string]any) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k["kid"].(string)
	}
	return out
}
