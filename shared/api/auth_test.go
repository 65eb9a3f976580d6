package api_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/shared/auth"
)

const (
	testIssuer   = "https://id.example.test/"
	testAudience = "ossdirect-test"
	testSecret   = "hs256-secret-for-tests-only-0123456789abcdef"
)

// claims returns valid claims for sub, changed by edit.
func claims(sub string, edit func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"sub": sub, "iss": testIssuer, "aud": testAudience,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}
	if edit != nil {
		edit(c)
	}
	return c
}

func hs256(t *testing.T, secret string, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rs256(t *testing.T, key *rsa.PrivateKey, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// authCase is one request to the signing functions and what it must get.
type authCase struct {
	name   string
	header []string
	// wantPrefix is the key prefix of a granted request; "" expects 401.
	wantPrefix string
	mentions   []string
}

// runAuthCases asks post-signature and sts-token for a grant with each
// case's headers: a granted request's key lies under the subject's
// directory, a refused one gets 401 with the challenge.
func runAuthCases(t *testing.T, s *devstack.Stack, challenge string, tests []authCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			post := call(t, http.MethodGet, s.API+"/post-signature?profile=docs&filename=a.txt", "", tt.header...)
			sts := call(t, http.MethodGet, s.API+"/sts-token?profile=docs", "", tt.header...)
			if tt.wantPrefix == "" {
				for _, r := range []response{post, sts} {
					wantError(t, r, http.StatusUnauthorized, "Unauthorized", tt.mentions...)
					if got := r.header.Get("WWW-Authenticate"); got != challenge {
						t.Errorf("WWW-Authenticate %q, want %q", got, challenge)
					}
				}
				return
			}
			var g postGrant
			post.decode(t, &g)
			if !strings.HasPrefix(g.Key, tt.wantPrefix) || g.Fields["key"] != g.Key {
				t.Errorf("post-signature key %q, want it under %q", g.Key, tt.wantPrefix)
			}
			var sg stsGrant
			sts.decode(t, &sg)
			if sg.Prefix != tt.wantPrefix {
				t.Errorf("sts-token prefix %q, want %q", sg.Prefix, tt.wantPrefix)
			}
		})
	}
}

func TestAuthJWTHS256(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{Auth: auth.Config{Mode: auth.ModeJWT, JWTSecret: testSecret, Issuer: testIssuer, Audience: testAudience}})
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

	runAuthCases(t, s, `Bearer realm="ossdirect"`, []authCase{
		{name: "valid token", header: bearer(hs256(t, testSecret, claims("alice", nil))), wantPrefix: "docs/alice/"},
		{name: "subject is sanitised into one segment", header: bearer(hs256(t, testSecret, claims("bob/../x", nil))), wantPrefix: "docs/bob~2F..~2Fx/"},
		{name: "expired", header: bearer(hs256(t, testSecret, claims("alice", func(c jwt.MapClaims) {
			c["iat"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
		}))), mentions: []string{"expired"}},
		{name: "wrong signature", header: bearer(hs256(t, "another-secret-of-at-least-32-bytes!!", claims("alice", nil))), mentions: []string{"signature"}},
		{name: "wrong audience", header: bearer(hs256(t, testSecret, claims("alice", func(c jwt.MapClaims) { c["aud"] = "someone-else" }))), mentions: []string{"audience", "someone-else"}},
		{name: "wrong issuer", header: bearer(hs256(t, testSecret, claims("alice", func(c jwt.MapClaims) { c["iss"] = "https://evil.example/" }))), mentions: []string{"issuer", "evil.example"}},
		{name: "no sub claim", header: bearer(hs256(t, testSecret, claims("", func(c jwt.MapClaims) { delete(c, "sub") }))), mentions: []string{"sub"}},
		{name: "alg none", header: bearer(noneToken(t, claims("alice", nil))), mentions: []string{"none"}},
		{name: "token in another scheme", header: []string{"Authorization", "Basic YWxpY2U6cHc="}, mentions: []string{"Basic"}},
		{name: "missing header", mentions: []string{"Authorization"}},
	})
}

func noneToken(t *testing.T, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jwksServer serves a JWK Set holding pub under kid.
func jwksServer(t *testing.T, kid string, pub *rsa.PublicKey) *httptest.Server {
	t.Helper()
	set := map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}}
	body, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAuthJWTWithJWKS(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := jwksServer(t, "k1", &key.PublicKey)
	s := startStack(t, devstack.Config{Auth: auth.Config{Mode: auth.ModeJWT, JWKSURL: srv.URL, Issuer: testIssuer, Audience: testAudience}})
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

	runAuthCases(t, s, `Bearer realm="ossdirect"`, []authCase{
		{name: "valid RS256 token", header: bearer(rs256(t, key, "k1", claims("carol", nil))), wantPrefix: "docs/carol/"},
		{name: "unknown kid", header: bearer(rs256(t, other, "k2", claims("carol", nil))), mentions: []string{"kid", `"k2"`}},
		{name: "known kid, another key", header: bearer(rs256(t, other, "k1", claims("carol", nil))), mentions: []string{"signature"}},
		{name: "HS256 token against a JWKS", header: bearer(hs256(t, testSecret, claims("carol", nil))), mentions: []string{"HS256"}},
	})
}

func TestAuthAPIKey(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{Auth: auth.Config{Mode: auth.ModeAPIKey, APIKeys: map[string]string{
		"key-for-dave-0123456789": "dave", "key-for-erin-0123456789": "erin",
	}}})
	runAuthCases(t, s, "ApiKey", []authCase{
		{name: "valid key in X-Api-Key", header: []string{"X-Api-Key", "key-for-dave-0123456789"}, wantPrefix: "docs/dave/"},
		{name: "valid key in Authorization", header: []string{"Authorization", "ApiKey key-for-erin-0123456789"}, wantPrefix: "docs/erin/"},
		{name: "wrong key", header: []string{"X-Api-Key", "key-for-nobody-000000000"}, mentions: []string{"not recognised"}},
		{name: "key in both places", header: []string{"X-Api-Key", "key-for-dave-0123456789", "Authorization", "ApiKey key-for-dave-0123456789"}, mentions: []string{"both"}},
		{name: "missing key", mentions: []string{"X-Api-Key"}},
	})
}

func TestAuthNone(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{Auth: auth.Config{Mode: auth.ModeNone}})
	runAuthCases(t, s, "", []authCase{
		{name: "no credentials", wantPrefix: "docs/anonymous/"},
		{name: "credentials are ignored", header: []string{"Authorization", "Bearer whatever", "X-Api-Key", "whatever"}, wantPrefix: "docs/anonymous/"},
	})
}
