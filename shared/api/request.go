package api

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"ossdirect/shared/strictjson"
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
	Size             int64  `json:"-"`
	SignatureVersion string `json:"signatureVersion"`
	// MD5 is the file's Content-MD5 (base64 of the 16-byte digest), when
	// the client declares it: presigned-url then signs it, so OSS refuses
	// other bytes.
	MD5 string `json:"md5"`
	// SizeJSON is size as the JSON body gave it (nil: absent), so that a
	// declared 0 (an empty file) is told apart from no size at all.
	SizeJSON *int64 `json:"size"`
	// sizeGiven reports that the request declared a size, 0 included.
	sizeGiven bool
}

var requestFields = []string{"profile", "filename", "contentType", "size", "signatureVersion", "md5"}

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
		req.Profile, req.Filename, req.ContentType, req.SignatureVersion, req.MD5 = q.Get("profile"), q.Get("filename"), q.Get("contentType"), q.Get("signatureVersion"), q.Get("md5")
		if s := q.Get("size"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return req, invalid("size", "%q is not a whole number of bytes", truncate(s))
			}
			req.Size, req.sizeGiven = n, true
		}
	case http.MethodPost:
		if err := readJSON(w, r, maxRequestBody, requestFields, &req); err != nil {
			return req, err
		}
		if req.SizeJSON != nil {
			req.Size, req.sizeGiven = *req.SizeJSON, true
		}
		if req.Size < 0 {
			return req, invalid("size", "must not be negative")
		}
	default:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		return req, &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Message: "method: " + r.Method + " not allowed; use GET or POST"}
	}
	for _, f := range [...]struct{ name, v string }{{"profile", req.Profile}, {"filename", req.Filename},
		{"contentType", req.ContentType}, {"signatureVersion", req.SignatureVersion}, {"md5", req.MD5}} {
		name, v := f.name, f.v
		if len(v) > maxStringField {
			return req, invalid(name, "longer than %d bytes", maxStringField)
		}
		if !utf8.ValidString(v) {
			return req, invalid(name, "not valid UTF-8")
		}
	}
	if req.MD5 != "" {
		if d, err := base64.StdEncoding.DecodeString(req.MD5); err != nil || len(d) != md5.Size {
			return req, invalid("md5", "%q is not a Content-MD5 value (base64 of the 16-byte MD5 digest)", truncate(req.MD5))
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

// readJSON reads a POST body of at most limit bytes, sent as
// application/json (or without a Content-Type), into req with decodeStrict.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, fields []string, req any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return &Error{Status: http.StatusUnsupportedMediaType, Code: CodeInvalidArgument, Message: "Content-Type: send application/json"}
		}
	}
	return decodeStrict(http.MaxBytesReader(w, r.Body, limit), fields, req)
}

// decodeStrict reads one JSON object with members named in fields into
// req (a pointer to a struct) the way the query form is read (strictjson):
// names match exactly and none repeats, each refusal naming the member, so
// a gateway and the function cannot read one request two ways.
func decodeStrict(body io.Reader, fields []string, req any) error {
	raw, err := io.ReadAll(body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeRequestTooLarge, Message: fmt.Sprintf("body: larger than %d KiB", tooBig.Limit>>10)}
	case err != nil:
		return invalid("body", "not a JSON object: %s", truncate(err.Error()))
	case len(bytes.TrimSpace(raw)) == 0:
		return invalid("body", "empty; send a JSON object")
	case !strictjson.IsObject(raw):
		return invalid("body", "not a JSON object")
	}
	switch name, problem := strictjson.CheckKeys(raw, fields); problem {
	case strictjson.Unknown:
		return invalid(name, "unknown field; allowed: %s", strings.Join(fields, ", "))
	case strictjson.Repeated:
		return invalid(name, "given twice")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(req); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return invalid(typeErr.Field, "wrong type: want %s", typeErr.Type)
		}
		return invalid("body", "not a JSON object: %s", truncate(err.Error()))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid("body", "trailing data after the JSON object")
	}
	return nil
}

// truncate keeps client-supplied text short in error messages.
func truncate(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return s
}

func strconvQuote(s string) string { return strconv.Quote(truncate(s)) }
