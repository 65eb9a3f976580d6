package auth

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestAuthenticateHS256(t *testing.T) {
	t.Parallel()
	clk := newClock()
	a := hsAuth(t, clk)
	now := clk.Now()
	secret := []byte(testSecret)
	hs := func(over map[string]any) string {
		return mint(t, jwt.SigningMethodHS256, secret, "", claims(now, over), nil)
	}
	valid := hs(nil)
	k := testKeys()

	tests := []struct {
		name    string
		req     *http.Request
		wantErr error
		wantSub string
		wantMsg string
	}{
		{name: "valid", req: bearer(valid), wantSub: "user-1"},
		{name: "scheme is case-insensitive", req: request("Authorization", "bEaReR "+valid), wantSub: "user-1"},
		{name: "extra white space", req: request("Authorization", " \tBearer   "+valid+"  "), wantSub: "user-1"},
		{name: "audience in a list", req: bearer(hs(map[string]any{"aud": []string{"other", testAudience}})), wantSub: "user-1"},
		{name: "expired within leeway", req: bearer(hs(map[string]any{"exp": now.Add(-20 * time.Second).Unix(), "iat": now.Add(-time.Hour).Unix(), "nbf": nil})), wantSub: "user-1"},
		{name: "no nbf and no iat", req: bearer(hs(map[string]any{"nbf": nil, "iat": nil})), wantSub: "user-1"},
		{name: "sub of 256 bytes", req: bearer(hs(map[string]any{"sub": strings.Repeat("é", 128)})), wantSub: strings.Repeat("é", 128)},

		{name: "expired", req: bearer(hs(map[string]any{"exp": now.Add(-time.Minute).Unix(), "iat": now.Add(-time.Hour).Unix(), "nbf": nil})),
			wantErr: ErrExpired, wantMsg: "token expired at 2026-05-01T09:59:00Z"},
		{name: "nbf in the future", req: bearer(hs(map[string]any{"nbf": now.Add(2 * time.Minute).Unix()})),
			wantErr: ErrExpired, wantMsg: "not valid before 2026-05-01T10:02:00Z"},
		{name: "iat in the future", req: bearer(hs(map[string]any{"iat": now.Add(2 * time.Minute).Unix(), "nbf": nil})),
			wantErr: ErrExpired, wantMsg: "issued in the future"},
		{name: "no exp", req: bearer(hs(map[string]any{"exp": nil})), wantErr: ErrInvalidCredentials, wantMsg: "no exp claim"},
		{name: "wrong signature", req: bearer(mint(t, jwt.SigningMethodHS256, []byte("another-secret-of-32-bytes-......"), "", claims(now, nil), nil)),
			wantErr: ErrInvalidCredentials, wantMsg: "signature does not verify"},
		{name: "tampered payload", req: bearer(tamper(t, valid)), wantErr: ErrInvalidCredentials, wantMsg: "signature does not verify"},
		{name: "wrong audience", req: bearer(hs(map[string]any{"aud": "x"})), wantErr: ErrWrongAudience, wantMsg: `audience ["x"] not accepted`},
		{name: "no audience", req: bearer(hs(map[string]any{"aud": nil})), wantErr: ErrWrongAudience, wantMsg: "no aud claim"},
		{name: "wrong issuer", req: bearer(hs(map[string]any{"iss": "https://evil.example"})), wantErr: ErrWrongIssuer, wantMsg: `issuer "https://evil.example" not accepted`},
		{name: "no issuer", req: bearer(hs(map[string]any{"iss": nil})), wantErr: ErrWrongIssuer, wantMsg: "no iss claim"},
		{name: "expired beats wrong audience", req: bearer(hs(map[string]any{"aud": "x", "exp": now.Add(-time.Hour).Unix(), "iat": now.Add(-2 * time.Hour).Unix(), "nbf": nil})),
			wantErr: ErrExpired},

		{name: "missing header", req: request(), wantErr: ErrMissingCredentials},
		{name: "token in query is ignored", req: httptestRequestWithQuery(valid), wantErr: ErrMissingCredentials},
		{name: "empty header", req: request("Authorization", "  "), wantErr: ErrMissingCredentials},
		{name: "scheme only", req: request("Authorization", "Bearer"), wantErr: ErrInvalidCredentials, wantMsg: "no token"},
		{name: "scheme and space", req: request("Authorization", "Bearer "), wantErr: ErrInvalidCredentials, wantMsg: "no token"},
		{name: "basic scheme", req: request("Authorization", "Basic dXNlcjpwYXNz"), wantErr: ErrInvalidCredentials, wantMsg: `scheme "Basic" not accepted`},
		{name: "garbage", req: request("Authorization", "@@@ !!!"), wantErr: ErrInvalidCredentials, wantMsg: "does not start with a scheme"},
		{name: "token without scheme", req: request("Authorization", valid), wantErr: ErrInvalidCredentials, wantMsg: "(unrecognised)"},
		{name: "two tokens", req: request("Authorization", "Bearer "+valid+" "+valid), wantErr: ErrInvalidCredentials, wantMsg: "token68"},
		{name: "two headers", req: request("Authorization", "Bearer "+valid, "Authorization", "Bearer "+valid), wantErr: ErrInvalidCredentials, wantMsg: "sent 2 times"},
		{name: "not a jwt", req: request("Authorization", "Bearer abc.def"), wantErr: ErrInvalidCredentials, wantMsg: "malformed token"},
		{name: "bad base64", req: request("Authorization", "Bearer a+b.c.d"), wantErr: ErrInvalidCredentials, wantMsg: "malformed token"},
		{name: "oversized token", req: bearer(strings.Repeat("a", maxTokenLen+1)), wantErr: ErrInvalidCredentials, wantMsg: "longer than"},
		{name: "alg none", req: bearer(mint(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", claims(now, nil), nil)),
			wantErr: ErrInvalidCredentials, wantMsg: `algorithm "none" not accepted`},
		{name: "alg HS384 with the secret", req: bearer(mint(t, jwt.SigningMethodHS384, secret, "", claims(now, nil), nil)),
			wantErr: ErrInvalidCredentials, wantMsg: `algorithm "HS384" not accepted (want HS256)`},
		{name: "RS256 token", req: bearer(mint(t, jwt.SigningMethodRS256, k.rsaA, "rsa-a", claims(now, nil), nil)),
			wantErr: ErrInvalidCredentials, wantMsg: `algorithm "RS256" not accepted`},
		{name: "unknown alg", req: bearer(rawToken(t, `{"alg":"XX999","typ":"JWT"}`, `{"sub":"u","exp":9999999999}`, secret)),
			wantErr: ErrInvalidCredentials, wantMsg: `algorithm "XX999" not accepted`},
		{name: "no alg", req: bearer(rawToken(t, `{"typ":"JWT"}`, `{"sub":"u","exp":9999999999}`, secret)),
			wantErr: ErrInvalidCredentials, wantMsg: "no alg header"},
		{name: "crit header", req: bearer(mint(t, jwt.SigningMethodHS256, secret, "", claims(now, nil), map[string]any{"crit": []string{"b64"}, "b64": false})),
			wantErr: ErrInvalidCredentials, wantMsg: "crit"},

		{name: "sub missing", req: bearer(hs(map[string]any{"sub": nil})), wantErr: ErrInvalidCredentials, wantMsg: "no sub claim"},
		{name: "sub empty", req: bearer(hs(map[string]any{"sub": ""})), wantErr: ErrInvalidCredentials, wantMsg: "no sub claim"},
		{name: "sub too long", req: bearer(hs(map[string]any{"sub": strings.Repeat("x", 257)})), wantErr: ErrInvalidCredentials, wantMsg: "257 bytes, limit 256"},
		{name: "sub not a string", req: bearer(hs(map[string]any{"sub": 42})), wantErr: ErrInvalidCredentials, wantMsg: "malformed token"},
		{name: "sub with invalid UTF-8", req: bearer(rawToken(t, `{"alg":"HS256"}`,
			`{"sub":"a`+"\xff"+`b","exp":`+itoa(now.Add(time.Hour).Unix())+`,"iss":"`+testIssuer+`","aud":"`+testAudience+`"}`, secret)),
			wantErr: ErrInvalidCredentials, wantMsg: "not valid UTF-8"},
		{name: "sub with a lone surrogate", req: bearer(rawToken(t, `{"alg":"HS256"}`,
			`{"sub":"a\ud800b","exp":`+itoa(now.Add(time.Hour).Unix())+`,"iss":"`+testIssuer+`","aud":"`+testAudience+`"}`, secret)),
			wantErr: ErrInvalidCredentials, wantMsg: "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := a.Authenticate(tt.req)
			checkResult(t, got, err, tt.wantErr, tt.wantSub, tt.wantMsg, testSecret, valid, bearerPart(tt.req))
			if err == nil && got.Mode != ModeJWT {
				t.Errorf("mode = %q, want %q", got.Mode, ModeJWT)
			}
		})
	}
}

func TestAuthenticateJWKS(t *testing.T) {
	t.Parallel()
	clk := newClock()
	srv := newJWKSServer(t, standardJWKS())
	a := jwksAuth(t, clk, srv.URL, nil)
	now := clk.Now()
	k := testKeys()
	c := func(over map[string]any) jwt.MapClaims { return claims(now, over) }

	// The algorithm-confusion attack: HS256 with the server's RSA public
	// key (in each encoding an attacker might guess) as the HMAC secret.
	pkix, err := x509.MarshalPKIXPublicKey(&k.rsaA.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.rsaA.PublicKey)})

	tests := []struct {
		name    string
		token   string
		wantErr error
		wantSub string
		wantMsg string
	}{
		{name: "RS256 valid", token: mint(t, jwt.SigningMethodRS256, k.rsaA, "rsa-a", c(nil), nil), wantSub: "user-1"},
		{name: "PS256 valid", token: mint(t, jwt.SigningMethodPS256, k.rsaPS, "rsa-ps", c(nil), nil), wantSub: "user-1"},
		{name: "ES256 valid", token: mint(t, jwt.SigningMethodES256, k.ec256, "ec-256", c(map[string]any{"sub": "ec-user"}), nil), wantSub: "ec-user"},
		{name: "ES384 valid", token: mint(t, jwt.SigningMethodES384, k.ec384, "ec-384", c(nil), nil), wantSub: "user-1"},

		{name: "RS256 expired", token: mint(t, jwt.SigningMethodRS256, k.rsaA, "rsa-a", c(map[string]any{"exp": now.Add(-time.Hour).Unix(), "iat": now.Add(-2 * time.Hour).Unix(), "nbf": nil}), nil),
			wantErr: ErrExpired, wantMsg: "expired at 2026-05-01T09:00:00Z"},
		{name: "ES256 nbf in the future", token: mint(t, jwt.SigningMethodES256, k.ec256, "ec-256", c(map[string]any{"nbf": now.Add(time.Hour).Unix()}), nil),
			wantErr: ErrExpired, wantMsg: "not valid before"},
		{name: "RS256 wrong audience", token: mint(t, jwt.SigningMethodRS256, k.rsaA, "rsa-a", c(map[string]any{"aud": "someone-else"}), nil),
			wantErr: ErrWrongAudience, wantMsg: `"someone-else"`},
		{name: "RS256 wrong issuer", token: mint(t, jwt.SigningMethodRS256, k.rsaA, "rsa-a", c(map[string]any{"iss": "https://other.example"}), nil),
			wantErr: ErrWrongIssuer, wantMsg: `"https://other.example"`},
		{name: "RS256 wrong signature", token: mint(t, jwt.SigningMethodRS256, k.rsaB, "rsa-a", c(nil), nil),
			wantErr: ErrInvalidCredentials, wantMsg: "RS256 signature does not verify"},
		{name: "ES256 wrong signature", token: mint(t, jwt.SigningMethodES256, k.ec256b, "ec-256", c(nil), nil),
			wantErr: ErrInvalidCredentials, wantMsg: "ES256 signature does not verify"},
		{name: "RS256 sub missing", token: mint(t, jwt.SigningMethodRS256, k.rsaA, "rsa-a", c(map[string]any{"sub": nil}), nil),
			wantErr: ErrInvalidCredentials, wantMsg: "no sub claim"},
		{name: "RS256 sub too long", token: mint(t, jwt.SigningMethodRS256, k.rsaA, "rsa-a", c(map[string]any{"sub": strings.Repeat("s", 300)}), nil),
			wantErr: ErrInvalidCredentials, wantMsg: "300 bytes"},

		{name: "confusion: HS256 with PEM public key", token: mint(t, jwt.SigningMethodHS256, pemKey, "rsa-a", c(nil), nil),
			wantErr: ErrInvalidCredentials, wantMsg: "symmetric algorithms are never accepted with a JWKS"},
		{name: "confusion: HS256 with PKCS1 PEM", token: mint(t, jwt.SigningMethodHS256, pkcs1, "rsa-a", c(nil), nil),
			wantErr: ErrInvalidCredentials, wantMsg: `algorithm "HS256" not accepted`},
		{name: "confusion: HS256 with DER", token: mint(t, jwt.SigningMethodHS256, pkix, "rsa-a", c(nil), nil),
			wantErr: ErrInvalidCredentials, wantMsg: `algorithm "HS256" not accepted`},
		{name: "confusion: HS256 with modulus", token: mint(t, jwt.SigningMethodHS256, k.rsaA.N.Bytes(), "", c(nil), nil),
			wantErr: ErrInvalidCredentials, wantMsg: `algorithm "HS256" not accepted`},
		{name: "alg none", token: mint(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "rsa-a", c(nil), nil),
			wantErr: ErrInvalidCredentials, wantMsg: `algorithm "none" not accepted`},
		{name: "RS384 not accepted", token: mint(t, jwt.SigningMethodRS384, k.rsaA, "rsa-a", c(nil), nil),
			wantErr: ErrInvalidCredentials, wantMsg: `algorithm "RS384" not accepted`},
		{name: "ES256 token naming an RSA key", token: mint(t, jwt.SigningMethodES256, k.ec256, "rsa-a", c(nil), nil),
			wantErr: ErrInvalidCredentials, wantMsg: `key "rsa-a" cannot verify ES256 tokens`},
		{name: "ES384 token naming a P-256 key", token: mint(t, jwt.SigningMethodES384, k.ec384, "ec-256", c(nil), nil),
			wantErr: ErrInvalidCredentials, wantMsg: "cannot verify ES384"},
		{name: "RS256 token naming a PS256-only key", token: mint(t, jwt.SigningMethodRS256, k.rsaPS, "rsa-ps", c(nil), nil),
			wantErr: ErrInvalidCredentials, wantMsg: "cannot verify RS256"},
		{name: "no kid with several keys", token: mint(t, jwt.SigningMethodRS256, k.rsaA, "", c(nil), nil),
			wantErr: ErrInvalidCredentials, wantMsg: "no kid header but the key set holds 4 keys"},
		{name: "kid not a string", token: mint(t, jwt.SigningMethodRS256, k.rsaA, "", c(nil), map[string]any{"kid": 7}),
			wantErr: ErrInvalidCredentials, wantMsg: "kid header is not a string"},
		{name: "unknown kid", token: mint(t, jwt.SigningMethodRS256, k.rsaA, "nope", c(nil), nil),
			wantErr: ErrInvalidCredentials, wantMsg: `no key with kid "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := a.Authenticate(bearer(tt.token))
			checkResult(t, got, err, tt.wantErr, tt.wantSub, tt.wantMsg, tt.token)
		})
	}
}

// TestJWKSSingleKey covers the kid rules of a set with one key: a token
// without a kid uses it, and a key without a kid serves any kid.
func TestJWKSSingleKey(t *testing.T) {
	t.Parallel()
	k := testKeys()
	tests := []struct {
		name     string
		keyKid   string
		tokenKid string
		wantErr  error
	}{
		{name: "key and token without kid", keyKid: "", tokenKid: ""},
		{name: "key with kid, token without", keyKid: "a", tokenKid: ""},
		{name: "key without kid, token with", keyKid: "", tokenKid: "zz"},
		{name: "matching kid", keyKid: "a", tokenKid: "a"},
		{name: "different kid", keyKid: "a", tokenKid: "b", wantErr: ErrInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			srv := newJWKSServer(t, jwksBody(rsaJWK(tt.keyKid, &k.rsaA.PublicKey, nil)))
			a := jwksAuth(t, clk, srv.URL, nil)
			tok := mint(t, jwt.SigningMethodRS256, k.rsaA, tt.tokenKid, claims(clk.Now(), nil), nil)
			got, err := a.Authenticate(bearer(tok))
			checkResult(t, got, err, tt.wantErr, "user-1", "")
		})
	}
}

// tamper replaces the sub "user-1" in tok's payload with "admin", keeping
// the signature.
func tamper(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	p, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = b64u([]byte(strings.Replace(string(p), `"user-1"`, `"admin"`, 1)))
	return strings.Join(parts, ".")
}

func httptestRequestWithQuery(tok string) *http.Request {
	r := request()
	q := r.URL.Query()
	q.Set("access_token", tok)
	r.URL.RawQuery = q.Encode()
	return r
}

// bearerPart returns the credential part of r's Authorization header, for
// the "error never repeats it" check; short values are skipped, since a
// message may legitimately contain a short word that happens to match.
func bearerPart(r *http.Request) string {
	_, rest, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if rest = strings.TrimSpace(rest); len(rest) < 20 {
		return ""
	}
	return rest
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
