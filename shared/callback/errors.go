package callback

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, so callers branch with errors.Is. Messages say which rule failed but
// never contain the signature, the authorization value or key material.
var (
	// ErrBadAuthorization reports a missing, repeated, oversized or
	// non-base64 authorization header.
	ErrBadAuthorization = errors.New("callback: bad authorization header")
	// ErrBadKeyURL reports a missing, repeated, oversized or non-base64
	// x-oss-pub-key-url header.
	ErrBadKeyURL = errors.New("callback: bad public key url header")
	// ErrKeyURLNotAllowed reports a public key URL that does not match the
	// allow-list. The message names the rule it broke.
	ErrKeyURLNotAllowed = errors.New("callback: public key url not allowed")
	// ErrBadKeyURLPrefix reports an allow-list entry that is not a valid
	// prefix. It is a configuration error, not a bad request.
	ErrBadKeyURLPrefix = errors.New("callback: invalid public key url prefix")
	// ErrBadPath reports a request path that cannot be decoded (bad
	// percent-escape) or a request without a URL.
	ErrBadPath = errors.New("callback: bad request path")
	// ErrBadPublicKey reports a PEM block or key that is not an acceptable
	// RSA public key (wrong type, non-RSA, size outside 512..8192 bits).
	ErrBadPublicKey = errors.New("callback: bad public key")
	// ErrSignatureMismatch reports a well-formed signature that does not
	// verify under the given key for the given request.
	ErrSignatureMismatch = errors.New("callback: signature does not match")
	// ErrSign reports that Sign could not produce a signature (nil key, key
	// refused by crypto/rsa, undecodable path).
	ErrSign = errors.New("callback: cannot sign")

	// ErrKeyRefused: the public key host answered, and not with a key
	// (3xx, 4xx, too large). Asking again soon will not help.
	ErrKeyRefused = errors.New("callback: public key not served")

	// ErrKeyUnavailable: the public key host did not answer usefully (a
	// transport error, a timeout, 5xx); the callback may succeed later.
	ErrKeyUnavailable = errors.New("callback: public key unavailable")
)

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
