package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"ossdirect/shared/auth"
	"ossdirect/shared/jsonappend"
	"ossdirect/shared/sts"
	"ossdirect/shared/upload"
)

// Error codes of the JSON error body {code, message, requestId}.
const (
	CodeInvalidArgument    = "InvalidArgument"
	CodeUnauthorized       = "Unauthorized"
	CodeForbidden          = "Forbidden"
	CodeNoSuchProfile      = "NoSuchProfile"
	CodeNotFound           = "NotFound"
	CodeMethodNotAllowed   = "MethodNotAllowed"
	CodeRequestTooLarge    = "RequestTooLarge"
	CodeTooManyRequests    = "TooManyRequests"
	CodeServiceUnavailable = "ServiceUnavailable"
	CodeInternalError      = "InternalError"
	CodeNotConfigured      = "NotConfigured"
)

// Error is a refusal as the client sees it: the HTTP status, the code and
// a message that names the field or setting at fault. Its message is safe
// to show: it never holds a credential, a secret or an internal detail
// (those go in Err, which only the log sees). Handlers return an *Error for
// their own refusals; errors of the packages below are translated by
// [Handlers.clientError].
type Error struct {
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration // sent as Retry-After when > 0
	Err        error         // the cause, for logs only
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }
func (e *Error) Unwrap() error { return e.Err }

func invalid(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidArgument, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// errorBody is the JSON every error answers with.
type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
}

// Retry-After of the temporary failures of the packages below.
const (
	retryAuthKeys    = 5 * time.Second // the JWKS, or OSS's callback key, could not be fetched
	retrySTS         = time.Second     // default when STS names no delay
	retryCredentials = time.Second     // signing credentials about to expire
	retryLimiter     = time.Second     // the rate limit could not be checked (Limiter error)
	retryOSS         = 2 * time.Second // OSS did not answer the callback function's own request
)

// clientError is the error table: it turns any error into the *Error the
// client sees. Each error of the packages below that a client may see is
// named here with errors.Is or errors.As, and its message comes from the
// error's own client-safe text (upload.FieldError.Message,
// auth.Error.Message) or from a fixed text here; nothing is cut out of
// error strings. Anything else is a 500 InternalError whose detail only
// goes to the log.
//
//	*Error                                    as is
//	upload.ErrUnknownProfile (*FieldError)    404 NoSuchProfile
//	upload.FieldError (ErrInvalidRequest)     400 InvalidArgument
//	upload.ErrCredentialsExpired              503 ServiceUnavailable, Retry-After 1
//	auth.ErrMissingCredentials, ErrInvalidCredentials, ErrExpired,
//	  ErrWrongAudience, ErrWrongIssuer        401 Unauthorized (+ WWW-Authenticate)
//	auth.ErrUnavailable                       503 ServiceUnavailable, Retry-After 5
//	sts.ErrUnavailable                        503 ServiceUnavailable, Retry-After from STS
//	sts.ErrMisconfigured                      500 InternalError, says the role is misconfigured
//	upload.ErrNoSuchUpload                    404 NotFound naming uploadId
//	upload.ErrObjectExists                    409 FileAlreadyExists naming key
//	upload.ErrCallbackFailed                  502 CallbackFailed (the object is stored), OSS's words
//	upload.ErrPartsRefused                    400 InvalidArgument naming parts, OSS's words
//	(a Limiter error becomes, in authorize,   503 ServiceUnavailable, Retry-After 1)
//	anything else                             500 InternalError
//
// A token for another audience or from another issuer is 401 like the
// other auth failures: it is an invalid token (RFC 6750 §3.1
// "invalid_token"), not a lack of permission.
func (h *Handlers) clientError(err error) *Error {
	var (
		e  *Error
		fe *upload.FieldError
		ae *auth.Error
	)
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, upload.ErrUnknownProfile) && errors.As(err, &fe):
		return &Error{Status: http.StatusNotFound, Code: CodeNoSuchProfile, Message: fe.Message(), Err: err}
	case errors.As(err, &fe):
		return &Error{Status: http.StatusBadRequest, Code: CodeInvalidArgument, Message: fe.Message(), Err: err}
	case errors.Is(err, upload.ErrCredentialsExpired):
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeServiceUnavailable, Message: "signing credentials are about to expire; retry", RetryAfter: retryCredentials, Err: err}
	case errors.Is(err, auth.ErrUnavailable):
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeServiceUnavailable, Message: "authentication keys are unavailable; retry later", RetryAfter: retryAuthKeys, Err: err}
	case errors.Is(err, auth.ErrMissingCredentials), errors.Is(err, auth.ErrInvalidCredentials),
		errors.Is(err, auth.ErrExpired), errors.Is(err, auth.ErrWrongAudience), errors.Is(err, auth.ErrWrongIssuer):
		msg := "authentication failed"
		if errors.As(err, &ae) {
			msg = ae.Message()
		}
		return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: msg, Err: err}
	case errors.Is(err, sts.ErrUnavailable):
		retry := sts.RetryAfter(err)
		if retry <= 0 {
			retry = retrySTS
		}
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeServiceUnavailable, Message: "temporary credentials are unavailable: STS did not issue them; retry later", RetryAfter: retry, Err: err}
	case errors.Is(err, upload.ErrNoSuchUpload):
		return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: "uploadId: no such upload on OSS (completed or aborted); start again", Err: err}
	case errors.Is(err, upload.ErrObjectExists):
		return &Error{Status: http.StatusConflict, Code: "FileAlreadyExists", Message: "key: the object exists and this profile forbids overwriting it", Err: err}
	case errors.Is(err, upload.ErrCallbackFailed):
		return &Error{Status: http.StatusBadGateway, Code: "CallbackFailed", Message: "the object is stored, but its upload callback failed: " + strings.TrimPrefix(err.Error(), upload.ErrCallbackFailed.Error()+": "), Err: err}
	case errors.Is(err, upload.ErrPartsRefused):
		return &Error{Status: http.StatusBadRequest, Code: CodeInvalidArgument, Message: "parts: OSS refused them: " + strings.TrimPrefix(err.Error(), upload.ErrPartsRefused.Error()+": "), Err: err}
	case errors.Is(err, sts.ErrMisconfigured):
		return &Error{Status: http.StatusInternalServerError, Code: CodeInternalError, Message: "temporary credentials could not be issued: the deployment's STS role is misconfigured (details in the function log under this requestId)", Err: err}
	}
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternalError, Message: "internal error", Err: err}
}

// writeError is the one place errors reach the client.
func (h *Handlers) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := h.clientError(err)
	id := requestID(r.Context())
	log := h.log.With("requestId", id, "status", e.Status, "code", e.Code)
	if e.Status >= 500 {
		log.Error("request failed", "err", err)
	} else {
		log.Info("request refused", "reason", e.Message)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	if e.Status == http.StatusUnauthorized {
		if c := h.cfg.Auth.Challenge(); c != "" {
			w.Header().Set("WWW-Authenticate", c)
		}
	}
	writeJSON(w, e.Status, errorBody{Code: e.Code, Message: e.Message, RequestID: id})
}

var (
	jsonContentType = []string{"application/json; charset=utf-8"}
	noStore         = []string{"no-store"}
	answerBuffers   = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}
)

// writeJSON answers status with v as JSON, followed by a newline (as
// json.Encoder writes it), HTML characters unescaped. The answers given on
// every request write their own JSON into a pooled buffer; they must write
// what encoding/json would, which TestAnswersEncodeLikeEncodingJSON checks
// field by field. (A type switch, not an interface: a struct embedding one
// of them would otherwise inherit its appendJSON and lose its own fields.)
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Cache-Control"] = noStore
	bp := answerBuffers.Get().(*[]byte)
	b := (*bp)[:0]
	switch a := v.(type) {
	case *postResponse:
		b = a.appendJSON(b)
	case *presignResponse:
		b = a.appendJSON(b)
	case *stsResponse:
		b = a.appendJSON(b)
	case errorBody:
		b = a.appendJSON(b)
	default:
		answerBuffers.Put(bp)
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		return
	}
	b = append(b, '\n')
	w.WriteHeader(status)
	w.Write(b)
	if cap(b) <= 64<<10 { // keep the pool's buffers small
		*bp = b
		answerBuffers.Put(bp)
	}
}

func (e errorBody) appendJSON(dst []byte) []byte {
	o := jsonappend.NewObject(dst)
	o.String("code", e.Code)
	o.String("message", e.Message)
	o.String("requestId", e.RequestID)
	return o.End()
}
