package upload

import (
	"errors"
	"strings"
)

// Sentinel errors; test with errors.Is. Request errors are [*FieldError]
// values that match both their specific sentinel and [ErrInvalidRequest];
// configuration errors are [*ProfileError] values matching
// [ErrInvalidProfile].
var (
	// ErrInvalidProfile reports an invalid profile configuration.
	ErrInvalidProfile = errors.New("upload: invalid profile")
	// ErrInvalidRequest matches every error caused by the client's request
	// (unknown profile, bad name, disallowed type or size, bad subject).
	ErrInvalidRequest = errors.New("upload: invalid request")
	// ErrUnknownProfile reports a request for a profile that does not exist.
	ErrUnknownProfile = errors.New("upload: unknown profile")
	// ErrContentTypeNotAllowed reports a content type or file extension the
	// profile does not allow, or that disagree with each other.
	ErrContentTypeNotAllowed = errors.New("upload: content type not allowed")
	// ErrSizeNotAllowed reports a declared size outside the profile's range.
	ErrSizeNotAllowed = errors.New("upload: size not allowed")
	// ErrInvalidName reports an unsafe or malformed file name or key.
	ErrInvalidName = errors.New("upload: invalid name")
	// ErrInvalidSubject reports a subject that cannot be used in a prefix.
	ErrInvalidSubject = errors.New("upload: invalid subject")
	// ErrCredentialsExpired reports signing credentials that expire before
	// a grant could start.
	ErrCredentialsExpired = errors.New("upload: credentials expired")
	// ErrGrantExpired reports compiling a grant at or after its expiration.
	ErrGrantExpired = errors.New("upload: grant expired")
	// ErrInvalidOption reports a bad argument from the calling server code
	// (bucket, credentials, region, signature version): a server fault.
	ErrInvalidOption = errors.New("upload: invalid option")
	// ErrCallbackRequired reports a grant whose profile requires an upload
	// callback compiled without Grant.CallbackParam.
	ErrCallbackRequired = errors.New("upload: callback required")
	// ErrSessionPolicyTooLarge reports a session policy over
	// [MaxSessionPolicyLength] bytes.
	ErrSessionPolicyTooLarge = errors.New("upload: session policy too large")
)

// ProfileError reports one invalid setting of a profile configuration.
// It matches [ErrInvalidProfile].
type ProfileError struct {
	// Profile is the profile's name, or "" for document-level errors.
	Profile string
	// Field is the JSON field at fault, e.g. "maxSize", or "" when the
	// error concerns the whole profile or document.
	Field string
	// Reason says what is wrong, e.g. "must be > 0".
	Reason string
}

// Error returns e.g. `upload: profile "images": maxSize: must be > 0`.
func (e *ProfileError) Error() string {
	var b strings.Builder
	b.WriteString("upload: ")
	if e.Profile != "" {
		b.WriteString("profile " + quote(e.Profile) + ": ")
	} else {
		b.WriteString("profiles: ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns [ErrInvalidProfile].
func (e *ProfileError) Unwrap() error { return ErrInvalidProfile }

// FieldError reports a problem with one field of a client request. It
// matches Err and [ErrInvalidRequest].
type FieldError struct {
	// Field is the request field at fault: "profile", "subject",
	// "filename", "contentType" or "size".
	Field string
	// Reason says what is wrong, e.g. `"text/html" not allowed`.
	Reason string
	// Allowed lists the allowed values when that helps the client.
	Allowed []string
	// Err is the specific sentinel, e.g. [ErrContentTypeNotAllowed].
	Err error
}

// Error returns e.g.
// `upload: contentType: "text/html" not allowed; allowed: image/png, image/jpeg`.
func (e *FieldError) Error() string { return "upload: " + e.Message() }

// Message is what the client may be told: the error without the package
// prefix, naming the field, e.g.
// `contentType: "text/html" not allowed; allowed: image/png, image/jpeg`.
func (e *FieldError) Message() string {
	s := e.Field + ": " + e.Reason
	if len(e.Allowed) > 0 {
		s += "; allowed: " + strings.Join(e.Allowed, ", ")
	}
	return s
}

// Unwrap returns Err and [ErrInvalidRequest].
func (e *FieldError) Unwrap() []error { return []error{e.Err, ErrInvalidRequest} }
