package policy

import "errors"

// Sentinel errors. Every error this package returns wraps exactly one of
// them; test with errors.Is. Parse and Evaluate errors are also
// [*Violation] values (use errors.As) that carry OSS's code and message.
var (
	// ErrInvalidPolicy reports a malformed policy document, whether parsed
	// or built. OSS code InvalidPolicyDocument.
	ErrInvalidPolicy = errors.New("policy: invalid policy document")
	// ErrExpired reports a request made after the policy's expiration.
	// OSS code AccessDenied.
	ErrExpired = errors.New("policy: expired")
	// ErrConditionFailed reports a form that does not satisfy a condition.
	// OSS code AccessDenied.
	ErrConditionFailed = errors.New("policy: condition failed")
	// ErrEntityTooLarge reports a file larger than content-length-range
	// allows. OSS code EntityTooLarge. It does not match ErrConditionFailed.
	ErrEntityTooLarge = errors.New("policy: entity too large")
	// ErrEntityTooSmall reports a file smaller than content-length-range
	// allows. OSS code EntityTooSmall. It does not match ErrConditionFailed.
	ErrEntityTooSmall = errors.New("policy: entity too small")
)

// OSS error codes carried by [Violation.Code].
const (
	CodeAccessDenied          = "AccessDenied"
	CodeEntityTooLarge        = "EntityTooLarge"
	CodeEntityTooSmall        = "EntityTooSmall"
	CodeInvalidPolicyDocument = "InvalidPolicyDocument"
)

// OSS error messages used verbatim (reference §1, §3: WEB 42976, WEB
// 0006-00000227).
const (
	// MessageExpired is OSS's message for an expired policy.
	MessageExpired = "Invalid according to Policy: Policy expired."
	// MessageConditionFailedPrefix starts OSS's message for a failed
	// condition; the condition follows as rendered by [Condition.String].
	MessageConditionFailedPrefix = "Invalid according to Policy: Policy Condition failed: "
	// MessageSimpleCondition is OSS's message for an exact-match object
	// without exactly one property.
	MessageSimpleCondition = "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."
	// messageInvalidPrefix starts every other InvalidPolicyDocument message.
	// OSS's own wording for those cases is not documented.
	messageInvalidPrefix = "Invalid Policy: "
)

// Violation is the error returned by [Parse], [ParseBase64] and
// [Policy.Evaluate]. It carries what an OSS-compatible server needs to
// write its XML error body.
type Violation struct {
	// Code is the OSS error code: CodeAccessDenied, CodeEntityTooLarge,
	// CodeEntityTooSmall or CodeInvalidPolicyDocument.
	Code string
	// Message is the OSS error message, e.g.
	// `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a"]`.
	Message string
	// EC is OSS's detailed error code (e.g. "0006-00000227") when the
	// reference documents one for this case, else "".
	EC string
	// Condition is the failed condition, or nil for expiry and parse errors.
	Condition *Condition
	// Err is the Go error: a sentinel of this package wrapped with detail.
	Err error
}

// Error returns the lower-case Go message ("policy: …"), not the OSS one.
func (v *Violation) Error() string { return v.Err.Error() }

// Unwrap returns v.Err, so errors.Is finds the sentinel.
func (v *Violation) Unwrap() error { return v.Err }
