package auth

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// authenticateJWT implements mode jwt.
func (a *Authenticator) authenticateJWT(r *http.Request) (Subject, error) {
	v, ok, err := singleHeader(r.Header, "Authorization")
	if err != nil {
		return Subject{}, err
	}
	if !ok {
		return Subject{}, errorf(ErrMissingCredentials, "no Authorization header (want Authorization: Bearer <token>)")
	}
	tok, err := bearerToken(v)
	if err != nil {
		return Subject{}, err
	}

	var claims jwt.RegisteredClaims
	var keyErr error
	token, err := a.parser.ParseWithClaims(tok, &claims, func(t *jwt.Token) (any, error) {
		k, err := a.keyFor(r, t)
		keyErr = err
		return k, err
	})
	if err != nil {
		if keyErr != nil {
			return Subject{}, keyErr
		}
		return Subject{}, a.explain(err, token, &claims)
	}

	sub := claims.Subject
	switch {
	case sub == "":
		return Subject{}, errorf(ErrInvalidCredentials, "token has no sub claim")
	case len(sub) > MaxSubjectLen:
		return Subject{}, errorf(ErrInvalidCredentials, "sub claim is %d bytes, limit %d", len(sub), MaxSubjectLen)
	case !utf8.ValidString(sub) || strings.ContainsRune(sub, utf8.RuneError):
		// encoding/json turns invalid UTF-8 and lone surrogate escapes into
		// U+FFFD, so U+FFFD is how invalid input shows up here.
		return Subject{}, errorf(ErrInvalidCredentials, "sub claim is not valid UTF-8")
	}
	return Subject{ID: sub, Mode: ModeJWT}, nil
}

// keyFor is the jwt.Keyfunc. t.Method is already one of a.algs.
func (a *Authenticator) keyFor(r *http.Request, t *jwt.Token) (any, error) {
	if _, ok := t.Header["crit"]; ok {
		// RFC 7515 §4.1.11: extensions listed in crit must be understood,
		// and this verifier understands none.
		return nil, errorf(ErrInvalidCredentials, "token has a crit header; no critical extensions are supported")
	}
	if a.secret != nil {
		return a.secret, nil
	}
	var kid string
	if raw, ok := t.Header["kid"]; ok {
		s, isString := raw.(string)
		switch {
		case !isString:
			return nil, errorf(ErrInvalidCredentials, "kid header is not a string")
		case len(s) > maxKidLen:
			return nil, errorf(ErrInvalidCredentials, "kid header is longer than %d bytes", maxKidLen)
		}
		kid = s
	}
	return a.jwks.key(r.Context(), kid, t.Method.Alg())
}

// explain turns a golang-jwt error into one of this package's errors with
// a message that says what is wrong. token and claims are what the parser
// decoded before it failed (token may be nil).
func (a *Authenticator) explain(err error, token *jwt.Token, c *jwt.RegisteredClaims) error {
	alg := ""
	if token != nil {
		alg, _ = token.Header["alg"].(string)
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return errorf(ErrInvalidCredentials, "malformed token: %v", unwrapJWT(err, jwt.ErrTokenMalformed))

	case errors.Is(err, jwt.ErrTokenUnverifiable), // alg missing or unknown to golang-jwt
		errors.Is(err, jwt.ErrTokenSignatureInvalid) && !slices.Contains(a.algs, alg):
		return a.algError(alg)

	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return errorf(ErrInvalidCredentials, "%s signature does not verify", alg)

	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		return a.explainClaims(err, c)
	}
	return errorf(ErrInvalidCredentials, "token refused: %v", err)
}

// algError explains a refused alg header value. A symmetric alg against a
// JWKS is the algorithm-confusion attack (the RSA public key used as an
// HMAC secret), so it gets its own message.
func (a *Authenticator) algError(alg string) error {
	want := strings.Join(a.algs, ", ")
	switch {
	case alg == "":
		return errorf(ErrInvalidCredentials, "token has no alg header (want %s)", want)
	case a.jwks != nil && strings.HasPrefix(strings.ToUpper(alg), "HS"):
		return errorf(ErrInvalidCredentials, "algorithm %q not accepted: symmetric algorithms are never accepted with a JWKS (want %s)", echo(alg), want)
	}
	return errorf(ErrInvalidCredentials, "algorithm %q not accepted (want %s)", echo(alg), want)
}

// explainClaims reports the first failed claim check, in the order exp,
// nbf, iat, aud, iss. The signature has been verified.
func (a *Authenticator) explainClaims(err error, c *jwt.RegisteredClaims) error {
	now := a.now().UTC()
	ts := func(t *jwt.NumericDate) string { return t.UTC().Format(time.RFC3339) }
	switch {
	case c.ExpiresAt == nil:
		return errorf(ErrInvalidCredentials, "token has no exp claim")
	case errors.Is(err, jwt.ErrTokenExpired):
		return errorf(ErrExpired, "token expired at %s (now %s, leeway %v)", ts(c.ExpiresAt), now.Format(time.RFC3339), a.leeway)
	case errors.Is(err, jwt.ErrTokenNotValidYet) && c.NotBefore != nil:
		return errorf(ErrExpired, "token not valid before %s (now %s, leeway %v)", ts(c.NotBefore), now.Format(time.RFC3339), a.leeway)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued) && c.IssuedAt != nil:
		return errorf(ErrExpired, "token issued in the future, at %s (now %s, leeway %v)", ts(c.IssuedAt), now.Format(time.RFC3339), a.leeway)
	case a.audience != "" && !slices.Contains(c.Audience, a.audience):
		if len(c.Audience) == 0 || (len(c.Audience) == 1 && c.Audience[0] == "") {
			return errorf(ErrWrongAudience, "token has no aud claim")
		}
		return errorf(ErrWrongAudience, "audience %s not accepted", quoteList(c.Audience))
	case a.issuer != "" && c.Issuer != a.issuer:
		if c.Issuer == "" {
			return errorf(ErrWrongIssuer, "token has no iss claim")
		}
		return errorf(ErrWrongIssuer, "issuer %q not accepted", echo(c.Issuer))
	}
	return errorf(ErrInvalidCredentials, "token refused: %v", err)
}

// unwrapJWT drops golang-jwt's sentinel prefix from err's message.
func unwrapJWT(err, sentinel error) string {
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), sentinel.Error()), ": ")
}

// quoteList formats token audiences for a message: at most 4, each shortened.
func quoteList(l []string) string {
	const maxItems = 4
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range l {
		if i == maxItems {
			fmt.Fprintf(&b, " …%d more", len(l)-maxItems)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%q", echo(s))
	}
	b.WriteByte(']')
	return b.String()
}
