package sts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/alibabacloud-go/tea/tea"
)

// Sentinel errors; test with errors.Is. Errors from a failed STS call are
// [*Error] values matching ErrUnavailable or ErrMisconfigured.
var (
	// ErrUnavailable reports that STS could not issue credentials right
	// now: throttling, a 5xx answer, a timeout or a network failure. The
	// [*Error] carries a RetryAfter.
	ErrUnavailable = errors.New("sts: unavailable")
	// ErrMisconfigured reports a deployment problem: an invalid Config, a
	// role that cannot be assumed (NoPermission, EntityNotExist.Role,
	// InvalidParameter*), a rejected signature or access key, or a credentials
	// provider without credentials.
	ErrMisconfigured = errors.New("sts: misconfigured")
	// ErrInvalidArgument reports a bad argument to Client.Credentials: an
	// empty subject, or a session policy that is empty or not JSON.
	ErrInvalidArgument = errors.New("sts: invalid argument")
)

// Retry-After values used when STS does not send a Retry-After header.
const (
	// retryAfterThrottled is suggested after a throttling answer.
	retryAfterThrottled = 2 * time.Second
	// retryAfterDefault is suggested after any other transient failure.
	retryAfterDefault = 1 * time.Second
	// maxRetryAfter caps a Retry-After header sent by STS.
	maxRetryAfter = time.Minute
	// maxMessageLength caps the STS message kept in an Error.
	maxMessageLength = 512
)

// Error describes a failed STS call. Kind is ErrUnavailable or
// ErrMisconfigured; errors.Is matches it (and, for a caller that gave up
// waiting, the context's error as well).
//
// Nothing in an Error is secret: it is meant for logs. It is not meant for
// the HTTP client, which should get a generic message.
type Error struct {
	// Kind is ErrUnavailable or ErrMisconfigured.
	Kind error
	// Code is the STS error code, such as "NoPermission" or
	// "Throttling.User"; empty when STS gave no answer.
	Code string
	// StatusCode is the HTTP status of STS's answer; 0 when there was none.
	StatusCode int
	// RequestID is STS's request id, when known.
	RequestID string
	// Message is the detail: STS's message (cut before any "string to
	// sign" and scrubbed of the signer's secrets) or the transport error.
	Message string
	// RetryAfter is how long to wait before trying again, for
	// ErrUnavailable: STS's Retry-After header when it sent one (capped at
	// a minute), otherwise 2s after throttling and 1s after other failures.
	// Zero for ErrMisconfigured.
	RetryAfter time.Duration

	// cause is an underlying error safe to expose (a context error or a
	// transport error with the request URL removed), or nil.
	cause error
}

// Error returns "sts: unavailable: Code (HTTP status, request id id): message"
// with the parts that are known.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
	} else {
		b.WriteString("sts: error")
	}
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	switch {
	case e.StatusCode != 0 && e.RequestID != "":
		fmt.Fprintf(&b, " (HTTP %d, request id %s)", e.StatusCode, e.RequestID)
	case e.StatusCode != 0:
		fmt.Fprintf(&b, " (HTTP %d)", e.StatusCode)
	case e.RequestID != "":
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns Kind and the underlying cause, if any.
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{e.Kind, e.cause}
	}
	return []error{e.Kind}
}

// RetryAfter returns the RetryAfter of the [*Error] in err's chain, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// unavailable returns an ErrUnavailable error with the default RetryAfter.
func unavailable(msg string, cause error) *Error {
	return &Error{Kind: ErrUnavailable, Message: msg, RetryAfter: retryAfterDefault, cause: cause}
}

// misconfigured returns an ErrMisconfigured error.
func misconfigured(msg string) *Error {
	return &Error{Kind: ErrMisconfigured, Message: msg}
}

// transientCodes are STS codes other than throttling that a retry, possibly
// with freshly read signer credentials, can cure.
var transientCodes = map[string]bool{
	"InternalError":                true,
	"ServiceUnavailable":           true,
	"SignatureNonceUsed":           true,
	"InvalidSecurityToken.Expired": true,
}

// sdkErrorBody is the POP gateway's error body, as the SDK keeps it in
// SDKError.Data.
type sdkErrorBody struct {
	RequestID string `json:"RequestId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
}

// answer is what the HTTP layer saw of STS's last error answer.
type answer struct {
	status     int           // HTTP status, 0 if there was no answer
	retryAfter time.Duration // parsed Retry-After header, 0 if none
}

// classify turns an error from the SDK into an *Error. ans is STS's error
// answer as seen on the wire; secrets are the signer's secret and token,
// scrubbed from every message.
func classify(err error, ans answer, secrets ...string) *Error {
	var se *tea.SDKError
	if errors.As(err, &se) {
		return classifySDK(se, ans.retryAfter, secrets)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		e := unavailable("timed out", context.DeadlineExceeded)
		if errors.Is(err, context.Canceled) {
			e = unavailable("canceled", context.Canceled)
		}
		return e
	}
	// A *url.Error's text includes the request URL, whose query carries
	// the signer's AccessKeyId, SecurityToken and the signature: keep only
	// the inner error.
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return unavailable("timed out", ue.Err)
		}
		return unavailable(redact(ue.Err.Error(), secrets), ue.Err)
	}
	// Anything else is an unreadable answer (not JSON, cut short) or a
	// failure inside the SDK. Its text is scrubbed, not kept as a cause. A
	// 4xx answer that is not STS's JSON (say, a 404 page because Endpoint
	// names another service) is a deployment problem; the rest is treated
	// as transient.
	msg := "unreadable answer: " + redact(err.Error(), secrets)
	if ans.status >= 400 && ans.status < 500 && ans.status != 429 {
		e := misconfigured(msg)
		e.StatusCode = ans.status
		return e
	}
	e := unavailable(msg, nil)
	e.StatusCode = ans.status
	if ans.retryAfter > 0 {
		e.RetryAfter = min(ans.retryAfter, maxRetryAfter)
	}
	return e
}

func classifySDK(se *tea.SDKError, retryAfter time.Duration, secrets []string) *Error {
	e := &Error{Code: tea.StringValue(se.Code), StatusCode: tea.IntValue(se.StatusCode)}
	msg := tea.StringValue(se.Message)
	var body sdkErrorBody
	if data := tea.StringValue(se.Data); data != "" && json.Unmarshal([]byte(data), &body) == nil {
		e.RequestID = body.RequestID
		if body.Message != "" {
			msg = body.Message // without the SDK's "code: 403, ... request id: ..." wrapping
		}
		if e.Code == "" {
			e.Code = body.Code
		}
	}
	e.Message = redact(msg, secrets)

	throttled := strings.HasPrefix(e.Code, "Throttling") ||
		strings.Contains(strings.ToLower(msg), "flow control") ||
		e.StatusCode == 429 || e.StatusCode == 503
	switch {
	case throttled:
		e.Kind = ErrUnavailable
		e.RetryAfter = retryAfterThrottled
	case e.StatusCode >= 500 || transientCodes[e.Code]:
		e.Kind = ErrUnavailable
		e.RetryAfter = retryAfterDefault
	default:
		// 4xx answers and errors the SDK raises itself (no status), such
		// as InvalidCredentials.
		e.Kind = ErrMisconfigured
	}
	if e.Kind == ErrUnavailable && retryAfter > 0 {
		e.RetryAfter = min(retryAfter, maxRetryAfter)
	}
	return e
}

// redact cuts s before any "string to sign" (SignatureDoesNotMatch echoes
// the canonical request, which includes the signer's security token),
// replaces every non-empty secret with "[redacted]" and caps the length.
func redact(s string, secrets []string) string {
	if i := strings.Index(strings.ToLower(s), "string to sign"); i >= 0 {
		head := strings.TrimSpace(s[:i])
		if strings.HasSuffix(strings.ToLower(head), "server") {
			head = strings.TrimSpace(head[:len(head)-len("server")])
		}
		s = head + " [string to sign redacted]"
	}
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	if len(s) > maxMessageLength {
		s = strings.ToValidUTF8(s[:maxMessageLength], "") + "…"
	}
	return s
}
