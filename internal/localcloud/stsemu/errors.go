package stsemu

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by the Go API of this package wraps
// exactly one of them, so callers branch with errors.Is. Messages say which
// rule failed but never contain a secret, a token or a signature.
var (
	// ErrInvalidToken reports a security token that is missing, malformed,
	// oversized, forged (its MAC does not verify under this authority's
	// root secret) or issued for another access key ID.
	ErrInvalidToken = errors.New("stsemu: invalid security token")
	// ErrTokenExpired reports a genuine security token used at or after its
	// expiration.
	ErrTokenExpired = errors.New("stsemu: security token expired")
	// ErrInvalidPolicy reports a session policy that fails the grammar
	// check (STS code InvalidParameter.PolicyGrammar).
	ErrInvalidPolicy = errors.New("stsemu: invalid policy")
	// ErrPolicyTooLarge reports a session policy longer than
	// [MaxPolicySize] characters (STS code InvalidParameter.PolicySize).
	ErrPolicyTooLarge = errors.New("stsemu: policy too large")
	// ErrInvalidArgument reports a bad argument to the Go API: an empty root
	// identity, a malformed role ARN or session name, a duration out of
	// range, an invalid server configuration.
	ErrInvalidArgument = errors.New("stsemu: invalid argument")
)

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
