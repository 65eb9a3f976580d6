package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on what a client may send to a signing function.
const (
	maxRequestBody = 16 << 10 // bytes of a POST JSON body
	maxStringField = 1024     // bytes of any string field
)

// uploadRequest is the HTTP contract's request: GET query or POST JSON.
type uploadRequest struct {
	Profile          string `json:"profile"`
	Filename         string `json:"filename"`
	ContentType      string `json:"contentType"`
	Size             int64  `json:"size"`
	SignatureVersion string `json:"signatureVersion"`
}

var requestFields = []string{"profile", "filename", "contentType", "size", "signatureVersion"}

// parseRequest reads the request from the query (GET) or a JSON body
// (POST). Unknown fields, oversized bodies and over-long strings are
// refused with an error naming the field.
func parseRequest(w http.ResponseWriter, r *http.Request) (uploadRequest, error) {
	var req uploadRequest
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return req, invalid("query", "not a valid query string")
		}
		for name, vs := range q {
			if !slices.Contains(requestFields, name) {
				return req, invalid(name, "unknown parameter; allowed: %s", strings.Join(requestFields, ", "))
			}
			if len(vs) > 1 {
				return req, invalid(name, "given %d times", len(vs))
			}
		}
		req.Profile, req.Filename, req.ContentType, req.SignatureVersion = q.Get("profile"), q.Get("filename"), q.Get("contentType"), q.Get("signatureVersion")
		if s := q.Get("size"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return req, invalid("size", "%q is not a whole number of bytes", truncate(s))
			}
			req.Size = n
		}
	case http.MethodPost:
		if ct := r.Header.Get("Content-Type"); ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || mt != "application/json" {
				return req, &Error{Status: http.StatusUnsupportedMediaType, Code: CodeInvalidArgument, Message: "Content-Type: send application/json"}
			}
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			var tooBig *http.MaxBytesError
			var typeErr *json.UnmarshalTypeError
			switch {
			case errors.As(err, &tooBig):
				return req, &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeRequestTooLarge, Message: "body: larger than 16 KiB"}
			case errors.As(err, &typeErr):
				return req, invalid(typeErr.Field, "wrong type: want %s", typeErr.Type)
			case strings.HasPrefix(err.Error(), "json: unknown field "):
				return req, invalid(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "unknown field; allowed: %s", strings.Join(requestFields, ", "))
			case errors.Is(err, io.EOF):
				return req, invalid("body", "empty; send a JSON object")
			}
			return req, invalid("body", "not a JSON object: %s", truncate(err.Error()))
		}
		if dec.More() {
			return req, invalid("body", "trailing data after the JSON object")
		}
		if req.Size < 0 {
			return req, invalid("size", "must not be negative")
		}
	default:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		return req, &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Message: "method: " + r.Method + " not allowed; use GET or POST"}
	}
	for name, v := range map[string]string{"profile": req.Profile, "filename": req.Filename, "contentType": req.ContentType, "signatureVersion": req.SignatureVersion} {
		if len(v) > maxStringField {
			return req, invalid(name, "longer than %d bytes", maxStringField)
		}
		if !utf8.ValidString(v) {
			return req, invalid(name, "not valid UTF-8")
		}
	}
	switch strings.ToLower(req.SignatureVersion) {
	case "", "v4", "v1":
		req.SignatureVersion = strings.ToLower(req.SignatureVersion)
	default:
		return req, invalid("signatureVersion", "%q not supported; allowed: v4, v1", truncate(req.SignatureVersion))
	}
	return req, nil
}

// truncate keeps client-supplied text short in error messages.
func truncate(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return s
}

func strconvQuote(s string) string { return strconv.Quote(truncate(s)) }
