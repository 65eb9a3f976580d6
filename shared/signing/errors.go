package signing

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps one of them,
// so callers branch with errors.Is.
var (
	// ErrInvalidArgument reports a request that cannot be signed or verified
	// as given (missing field, malformed header, expiry out of range).
	ErrInvalidArgument = errors.New("signing: invalid argument")
	// ErrSignatureMismatch reports that a recomputed signature differs from
	// the provided one. The error is a *MismatchError carrying the expected
	// string to sign.
	ErrSignatureMismatch = errors.New("signing: signature does not match")
	// ErrRequestTimeTooSkewed reports a header-signed request whose time is
	// more than MaxSkew away from the verifier's clock.
	ErrRequestTimeTooSkewed = errors.New("signing: request time too skewed")
	// ErrExpired reports a presigned URL used after its expiry.
	ErrExpired = errors.New("signing: request has expired")
)

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}

// MismatchError is returned (wrapped as ErrSignatureMismatch) when a
// signature does not verify. It carries what the verifier signed, which is
// what OSS returns in its SignatureDoesNotMatch error and what a user needs
// to find the difference. It never carries a secret.
type MismatchError struct {
	// StringToSign is the string the verifier signed.
	StringToSign string
	// CanonicalRequest is the V4 canonical request (empty for V1 and POST).
	CanonicalRequest string
	// Provided is the signature that was presented.
	Provided string
}

func (e *MismatchError) Error() string { return ErrSignatureMismatch.Error() }

// Is makes errors.Is(err, ErrSignatureMismatch) true.
func (e *MismatchError) Is(target error) bool { return target == ErrSignatureMismatch }
