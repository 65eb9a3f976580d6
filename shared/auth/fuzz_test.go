package auth

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzAuthorization feeds arbitrary Authorization header values through
// the header parsing and through Authenticate in modes jwt (HS256) and
// apikey. It checks that nothing panics, that every error wraps exactly one
// sentinel, that a parsed bearer token is a token68 taken verbatim from the
// header, and that no error repeats the credentials.
func FuzzAuthorization(f *testing.F) {
	clk := newClock()
	jwtAuth := hsAuth(f, clk)
	keyAuth := apiKeyAuth(f)
	valid := mint(f, jwt.SigningMethodHS256, []byte(testSecret), "", claims(clk.Now(), nil), nil)
	for _, s := range []string{
		"", " ", "Bearer", "Bearer ", "bearer x", "BEARER  a.b.c ", "Bearer " + valid, "Bearer " + valid + "=",
		"Basic dXNlcjpwYXNz", "ApiKey " + keyAlice, "apikey  " + keyBob, "\tBearer\ta.b.c",
		"Bearer a b", "Bearer a,b", "Bearer ====", "Bearer a=b", "@@@", "Bearer\x00x", "Bearer é", valid,
		"Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Bearer " + strings.Repeat("a", maxTokenLen+1),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if tok, err := bearerToken(v); err == nil {
			if !isToken68(tok) || len(tok) > maxTokenLen || !strings.Contains(v, tok) {
				t.Fatalf("bearerToken(%q) = %q: not a bounded token68 from the header", v, tok)
			}
			scheme, ok := strings.CutSuffix(trimOWS(v), tok)
			if !ok || !strings.EqualFold(trimOWS(scheme), "Bearer") {
				t.Fatalf("bearerToken(%q) accepted scheme %q", v, scheme)
			}
		} else if !errors.Is(err, ErrInvalidCredentials) && !errors.Is(err, ErrMissingCredentials) {
			t.Fatalf("bearerToken(%q) error %v wraps no sentinel", v, err)
		}

		_, cred, _ := strings.Cut(trimOWS(v), " ")
		cred = trimOWS(cred)
		check := func(mode Mode, sub Subject, err error) {
			if err == nil {
				if sub.ID == "" || !utf8.ValidString(sub.ID) {
					t.Fatalf("%s: Authenticate(%q) = %+v: bad subject", mode, v, sub)
				}
				return
			}
			if !isSentinel(err) {
				t.Fatalf("%s: Authenticate(%q) error %v does not wrap exactly one sentinel", mode, v, err)
			}
			if errors.Is(err, ErrUnavailable) {
				t.Fatalf("%s: Authenticate(%q) = %v without a JWKS", mode, v, err)
			}
			// Short credentials may coincide with words of the message.
			if len(cred) >= 20 && strings.Contains(err.Error(), cred) {
				t.Fatalf("%s: error %q repeats the credentials", mode, err)
			}
			if len(v) >= 20 && strings.Contains(err.Error(), trimOWS(v)) {
				t.Fatalf("%s: error %q repeats the header", mode, err)
			}
		}
		if !httpHeaderValueOK(v) {
			return // net/http would not deliver it
		}
		r := request("Authorization", v)
		sub, err := jwtAuth.Authenticate(r)
		check(ModeJWT, sub, err)
		sub, err = keyAuth.Authenticate(r)
		check(ModeAPIKey, sub, err)
	})
}

// httpHeaderValueOK reports whether v could arrive as a header value:
// net/http refuses CR, LF and NUL.
func httpHeaderValueOK(v string) bool {
	return !strings.ContainsAny(v, "\r\n\x00") && http.Header{"A": {v}}.Get("A") == v
}
