package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

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

// Error is an error with the HTTP status and code the client gets.
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

// classify turns any error into an *Error: known errors of the packages
// below keep their meaning, anything else becomes a 500 whose detail only
// goes to the log.
func (h *Handlers) classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var fe *upload.FieldError
	switch {
	case errors.Is(err, upload.ErrUnknownProfile):
		reason := errMessage(err)
		if errors.As(err, &fe) { // Lookup's error already names the field and the profiles
			reason = fe.Reason
		}
		return &Error{Status: http.StatusNotFound, Code: CodeNoSuchProfile, Message: "profile: " + reason + "; allowed: " + strings.Join(h.cfg.Profiles.Names(), ", "), Err: err}
	case errors.As(err, &fe):
		msg := fe.Field + ": " + fe.Reason
		if len(fe.Allowed) > 0 {
			msg += "; allowed: " + strings.Join(fe.Allowed, ", ")
		}
		return &Error{Status: http.StatusBadRequest, Code: CodeInvalidArgument, Message: msg, Err: err}
	case errors.Is(err, upload.ErrInvalidRequest):
		return &Error{Status: http.StatusBadRequest, Code: CodeInvalidArgument, Message: errMessage(err), Err: err}
	case errors.Is(err, sts.ErrUnavailable):
		retry := sts.RetryAfter(err)
		if retry <= 0 {
			retry = time.Second
		}
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeServiceUnavailable, Message: "temporary credentials are unavailable; retry later", RetryAfter: retry, Err: err}
	case errors.Is(err, sts.ErrMisconfigured):
		return &Error{Status: http.StatusInternalServerError, Code: CodeInternalError, Message: "temporary credentials could not be issued: the deployment's STS role is misconfigured (details in the function log under this requestId)", Err: err}
	case errors.Is(err, upload.ErrCredentialsExpired):
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeServiceUnavailable, Message: "signing credentials are about to expire; retry", RetryAfter: time.Second, Err: err}
	}
	if status := h.cfg.Auth.HTTPStatus(err); status != http.StatusInternalServerError && status != http.StatusOK {
		code := CodeUnauthorized
		msg := errMessage(err)
		switch status {
		case http.StatusForbidden:
			code = CodeForbidden
		case http.StatusServiceUnavailable:
			code, msg = CodeServiceUnavailable, "authentication keys are unavailable; retry later"
		}
		return &Error{Status: status, Code: code, Message: msg, RetryAfter: retryIf(status), Err: err}
	}
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternalError, Message: "internal error", Err: err}
}

func retryIf(status int) time.Duration {
	if status == http.StatusServiceUnavailable {
		return 5 * time.Second
	}
	return 0
}

// errMessage strips the "package: " prefixes Go errors carry, for clients.
func errMessage(err error) string {
	msg := err.Error()
	for _, p := range []string{"upload: ", "auth: ", "api: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	return msg
}

// writeError is the one place errors reach the client.
func (h *Handlers) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := h.classify(err)
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
