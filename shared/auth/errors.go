package auth

import (
	"fmt"
	"unicode/utf8"
)

// Sentinel errors. Every error returned by [Authenticator.Authenticate]
// is an [*Error] whose Kind is exactly one of them, so callers branch with
// errors.Is and show the client [Error.Message]. The reason after the
// sentinel says what is wrong ("expired at 2026-05-01T10:00:00Z", "audience
// [\"x\"] not accepted") but never contains the token, the API key, the
// shared secret or any other credential the client sent.
//
// The HTTP layer (shared/api) maps them to statuses: ErrUnavailable is the
// server's fault (503); the others are 401, a token for another audience or
// from another issuer included, because it is an invalid token (RFC 6750
// §3.1 "invalid_token"), not a lack of permission; 403 is left to the
// authorization layer.
var (
	// ErrMissingCredentials reports a request that carries no credentials:
	// no Authorization header (jwt) or neither X-Api-Key nor an ApiKey
	// Authorization header (apikey).
	ErrMissingCredentials error = &sentinel{"missing credentials"}
	// ErrInvalidCredentials reports credentials that are present but
	// unacceptable: a malformed header or token, a scheme or algorithm that
	// is not accepted, a signature that does not verify, an unknown key id,
	// a missing or invalid sub or exp claim, or an unknown API key.
	ErrInvalidCredentials error = &sentinel{"invalid credentials"}
	// ErrExpired reports a correctly signed token used outside its validity
	// window: exp has passed, nbf has not been reached, or iat lies in the
	// future (each with the configured leeway).
	ErrExpired error = &sentinel{"token expired or not yet valid"}
	// ErrWrongAudience reports a correctly signed token whose aud claim is
	// missing or does not contain the configured audience.
	ErrWrongAudience error = &sentinel{"wrong audience"}
	// ErrWrongIssuer reports a correctly signed token whose iss claim is
	// missing or differs from the configured issuer.
	ErrWrongIssuer error = &sentinel{"wrong issuer"}
	// ErrUnavailable reports that no token can be verified because the JWKS
	// could not be fetched and no keys are cached (or the fetched set holds
	// no usable key). It is the server's fault, not the client's.
	ErrUnavailable error = &sentinel{"key set unavailable"}
	// ErrConfig reports a Config that [New] cannot use.
	ErrConfig error = &sentinel{"invalid configuration"}
)

// sentinel is the type of the package's sentinel errors: what failed,
// without the package prefix its Error adds.
type sentinel struct{ what string }

func (s *sentinel) Error() string { return "auth: " + s.what }

// Error is an authentication failure. Its text and [Error.Message] never
// contain a credential.
type Error struct {
	// Kind is the sentinel: ErrMissingCredentials, ErrInvalidCredentials,
	// ErrExpired, ErrWrongAudience, ErrWrongIssuer, ErrUnavailable or
	// ErrConfig.
	Kind error
	// Reason says what exactly is wrong, e.g. "API key not recognised".
	Reason string
}

// Error returns e.g. "auth: invalid credentials: API key not recognised".
func (e *Error) Error() string { return e.Kind.Error() + ": " + e.Reason }

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

// Message is what a client may be told: the failure and its reason without
// the package prefix, e.g. "invalid credentials: API key not recognised".
// For ErrUnavailable and ErrConfig, which are the server's fault, the
// reason is for logs; the HTTP layer answers with a fixed message.
func (e *Error) Message() string {
	if s, ok := e.Kind.(*sentinel); ok {
		return s.what + ": " + e.Reason
	}
	return e.Reason
}

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Reason: fmt.Sprintf(format, args...)}
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
