package auth

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

func benchAuthenticate(b *testing.B, a *Authenticator, tok string) {
	b.Helper()
	r := bearer(tok)
	if _, err := a.Authenticate(r); err != nil { // also warms the JWKS cache
		b.Fatalf("Authenticate: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticateHS256(b *testing.B) {
	clk := newClock()
	tok := mint(b, jwt.SigningMethodHS256, []byte(testSecret), "", claims(clk.Now(), nil), nil)
	benchAuthenticate(b, hsAuth(b, clk), tok)
}

func BenchmarkAuthenticateRS256(b *testing.B) {
	clk := newClock()
	srv := newJWKSServer(b, standardJWKS())
	tok := mint(b, jwt.SigningMethodRS256, testKeys().rsaA, "rsa-a", claims(clk.Now(), nil), nil)
	benchAuthenticate(b, jwksAuth(b, clk, srv.URL, nil), tok)
}

func BenchmarkAuthenticateES256(b *testing.B) {
	clk := newClock()
	srv := newJWKSServer(b, standardJWKS())
	tok := mint(b, jwt.SigningMethodES256, testKeys().ec256, "ec-256", claims(clk.Now(), nil), nil)
	benchAuthenticate(b, jwksAuth(b, clk, srv.URL, nil), tok)
}

func BenchmarkAuthenticateAPIKey(b *testing.B) {
	a := apiKeyAuth(b)
	r := request("X-Api-Key", keyAlice)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}
