package notify

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, so callers branch with errors.Is and never on message text.
var (
	// ErrInvalidArgument reports a callback or callback-var parameter that
	// OSS would refuse with 400 InvalidArgument, or a Spec that Render or
	// Send cannot use. The error is an *ArgumentError carrying the
	// OSS-style message.
	ErrInvalidArgument = errors.New("notify: invalid argument")
	// ErrCallbackFailed reports that no callback URL answered acceptably.
	// The error is a *Failure carrying the message OSS would put in its
	// 203 CallbackFailed response.
	ErrCallbackFailed = errors.New("notify: callback failed")
	// ErrBadSender reports a Sender that cannot sign callbacks: no key, a
	// key crypto/rsa refuses, or no public key URL. It is a configuration
	// error of the emulator, not a fault of the request.
	ErrBadSender = errors.New("notify: sender misconfigured")
)

// ArgumentError is the error Parse (and Render or Send, for a hand-built
// Spec) returns for an unacceptable callback. It wraps ErrInvalidArgument.
type ArgumentError struct {
	// Message says what is wrong, in the style of OSS's error messages; the
	// emulator puts it in the <Message> element of its 400 InvalidArgument
	// response. It is not OSS's verbatim text (OSS does not publish those
	// strings) but names the same field and rule.
	Message string
	// EC is the OSS error code documented for this condition (for example
	// "0007-00000005" for too many URLs), or "" when OSS documents none.
	EC string
}

// Error implements error.
func (e *ArgumentError) Error() string {
	return "notify: invalid argument: " + e.Message
}

// Unwrap returns ErrInvalidArgument.
func (e *ArgumentError) Unwrap() error { return ErrInvalidArgument }

// argErr builds an *ArgumentError; format follows fmt.Sprintf.
func argErr(ec, format string, args ...any) *ArgumentError {
	return &ArgumentError{Message: fmt.Sprintf(format, args...), EC: ec}
}

// EC values OSS documents for callback argument errors
// (https://www.alibabacloud.com/help/en/oss/support/0007-000000NN).
const (
	ecBadBase64   = "0007-00000002" // callback is not Base64
	ecBadURL      = "0007-00000004" // callbackUrl invalid
	ecTooManyURLs = "0007-00000005" // more than 5 URLs
	ecEmptyBody   = "0007-00000011" // callbackBody empty
	ecBadBodyType = "0007-00000012" // callbackBodyType invalid
)

// OSS's words for callback failures. Sources: the GO2 SDK's integration and
// mock tests for "Error status : 301." (captured from real OSS), and the
// OSS help page "HTTP status code 203"
// (https://www.alibabacloud.com/help/en/oss/support/http-status-code-203)
// for the others. OSS's own capitalisation differs between them ("status"
// vs "Status"); each is kept as published.
const (
	// MsgStatusFormat is the format of the message for a non-200 answer;
	// the argument is the HTTP status code.
	MsgStatusFormat = "Error status : %d."
	// MsgTimeout is the message for an exchange that took longer than the
	// timeout (5 s at OSS).
	MsgTimeout = "Cost too long time."
	// MsgNotJSON is the message for a 200 answer whose body is not JSON.
	MsgNotJSON = "Response body is not valid json format."
	// MsgTooLong is the message for a 200 answer whose body is larger than
	// the limit.
	MsgTooLong = "Error Status : 400.User server return too long content-length value."
	// MsgConnect is the message for a URL that could not be reached at all
	// (connection refused, DNS failure, TLS failure, broken response).
	MsgConnect = "Error Status : -1.OSS can not connect to your callbackUrl, please check it."
)

// Failure is the error Send returns when every callback URL failed. It
// wraps ErrCallbackFailed, and also Err when that is set, so
// errors.Is(err, context.Canceled) works.
type Failure struct {
	// Message is OSS's wording for the last failure (one of the Msg
	// constants), which the emulator returns in its 203 CallbackFailed
	// error.
	Message string
	// URL is the last callback URL tried.
	URL string
	// Status is the HTTP status of the last answer, or 0 when none arrived.
	Status int
	// Err is the underlying transport or context error, or nil when the
	// server answered and the answer was refused.
	Err error
}

// Error implements error.
func (f *Failure) Error() string {
	msg := "notify: callback failed: " + f.URL + ": " + f.Message
	if f.Err != nil {
		msg += " (" + f.Err.Error() + ")"
	}
	return msg
}

// Unwrap returns ErrCallbackFailed and, when set, Err.
func (f *Failure) Unwrap() []error {
	if f.Err == nil {
		return []error{ErrCallbackFailed}
	}
	return []error{ErrCallbackFailed, f.Err}
}
