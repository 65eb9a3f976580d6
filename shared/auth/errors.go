package auth

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// Sentinel errors. Every error returned by [Authenticator.Authenticate]
// wraps exactly one of them, so callers branch with errors.Is and map them
// to a status with [Authenticator.HTTPStatus]. The text after the sentinel
// says what is wrong ("expired at 2026-05-01T10:00:00Z", "audience
// [\"x\"] not accepted") but never contains the token, the API key, the
// shared secret or any other credential the client sent.
var (
	// ErrMissingCredentials reports a request that carries no credentials:
	// no Authorization header (jwt) or neither X-Api-Key nor an ApiKey
	// Authorization header (apikey).
	ErrMissingCredentials = errors.New("auth: missing credentials")
	// ErrInvalidCredentials reports credentials that are present but
	// unacceptable: a malformed header or token, a scheme or algorithm that
	// is not accepted, a signature that does not verify, an unknown key id,
	// a missing or invalid sub or exp claim, or an unknown API key.
	ErrInvalidCredentials = errors.New("auth: invalid credentials")
	// ErrExpired reports a correctly signed token used outside its validity
	// window: exp has passed, nbf has not been reached, or iat lies in the
	// future (each with the configured leeway).
	ErrExpired = errors.New("auth: token expired or not yet valid")
	// ErrWrongAudience reports a correctly signed token whose aud claim is
	// missing or does not contain the configured audience.
	ErrWrongAudience = errors.New("auth: wrong audience")
	// ErrWrongIssuer reports a correctly signed token whose iss claim is
	// missing or differs from the configured issuer.
	ErrWrongIssuer = errors.New("auth: wrong issuer")
	// ErrUnavailable reports that no token can be verified because the JWKS
	// could not be fetched and no keys are cached (or the fetched set holds
	// no usable key). It is the server's fault, not the client's.
	ErrUnavailable = errors.New("auth: key set unavailable")
	// ErrConfig reports a Config that [New] cannot use.
	ErrConfig = errors.New("auth: invalid configuration")
)

// HTTPStatus maps an error from [Authenticator.Authenticate] to the HTTP
// status the caller should answer with:
//
//   - nil: 200.
//   - ErrMissingCredentials, ErrInvalidCredentials, ErrExpired,
//     ErrWrongAudience, ErrWrongIssuer: 401 Unauthorized. A token for
//     another audience or from another issuer is an invalid token
//     (RFC 6750 §3.1 "invalid_token"), not a lack of permission, so it is
//     401 like the rest; 403 is left to the authorization layer ("this
//     subject may not use this profile"). Send [Authenticator.Challenge]
//     as WWW-Authenticate with every 401.
//   - ErrUnavailable: 503 Service Unavailable.
//   - anything else: 500.
//
// It does not depend on the Authenticator's state and may be called on a
// nil *Authenticator.
func (a *Authenticator) HTTPStatus(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrMissingCredentials),
		errors.Is(err, ErrInvalidCredentials),
		errors.Is(err, ErrExpired),
		errors.Is(err, ErrWrongAudience),
		errors.Is(err, ErrWrongIssuer):
		return http.StatusUnauthorized
	default:
		return http.StatusInternalServerError
	}
}

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}

// maxEcho bounds how much of a client-supplied, non-secret value (a claim,
// a kid, an alg, a scheme name) an error message repeats.
const maxEcho = 64

// echo shortens a client-supplied, non-secret value for an error message;
// the caller formats it with %q. It never receives credentials.
func echo(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
