package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ossdirect/shared/auth"
	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

// Presigned multipart (docs/MULTIPART.md): operations of the presigned-url
// function that start a multipart upload, sign its parts' URLs with each
// part's exact size, list what OSS has, and complete or abort it, so that
// clients without STS or an SDK (mini-programs, plain browsers, Uppy)
// upload big files with every limit checked by the server before the
// object exists.

// MultipartStore is what the presigned-url function asks OSS, with its own
// credentials (ossclient.Client); errors wrap upload.ErrNoSuchUpload,
// ErrObjectExists, ErrCallbackFailed or ErrPartsRefused where OSS says so.
type MultipartStore interface {
	Initiate(ctx context.Context, key, contentType string, forbidOverwrite bool) (string, error)
	ListParts(ctx context.Context, key, uploadID string) ([]upload.Part, error)
	Complete(ctx context.Context, key, uploadID string, parts []upload.Part, callback string, forbidOverwrite bool) ([]byte, string, error)
	Abort(ctx context.Context, key, uploadID string) error
	// Head says what OSS has at key (upload.ErrObjectNotFound if nothing).
	Head(ctx context.Context, key string) (upload.Object, error)
}

// The multipart operations' paths, after the presigned-url function's own.
const (
	MultipartCreatePath   = "/multipart/create"
	MultipartSignPath     = "/multipart/sign"
	MultipartListPath     = "/multipart/list"
	MultipartCompletePath = "/multipart/complete"
	MultipartAbortPath    = "/multipart/abort"
)

// partContentType is the Content-Type every part URL signs (and its
// headers say to send): V4 covers Content-Type whenever a request carries
// one, and wx.request always sends one (application/json unless told
// otherwise), so an unsigned type would make OSS refuse mini-programs'
// parts. OSS ignores a part's type; the object's is set at initiate.
const partContentType = "application/octet-stream"

// maxSignBatch is how many part URLs one sign request may ask for.
const maxSignBatch = 100

// multipartRequest is every operation's body; each reads its own members
// (multipartFields) and refuses the others.
type multipartRequest struct {
	Profile     string `json:"profile"`
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	PartSize    int64  `json:"partSize"`

	Key         string          `json:"key"`
	UploadID    string          `json:"uploadId"`
	Token       string          `json:"token"`
	PartNumbers []int           `json:"partNumbers"`
	Parts       []multipartPart `json:"parts"`
}

type multipartPart struct {
	PartNumber int    `json:"partNumber"`
	ETag       string `json:"etag"`
	Size       int64  `json:"size,omitempty"`
}

var (
	bound          = []string{"key", "uploadId", "token"}
	createFields   = []string{"profile", "filename", "contentType", "size", "partSize"}
	signFields     = append([]string{"partNumbers"}, bound...)
	completeFields = append([]string{"parts"}, bound...)
)

type createResponse struct {
	Key        string `json:"key"`
	UploadID   string `json:"uploadId"`
	PartSize   int64  `json:"partSize"`
	PartCount  int    `json:"partCount"`
	Token      string `json:"token"`
	Expire     int64  `json:"expire"`
	Expiration string `json:"expiration"`
	// Callback is the upload's callback parameter (profiles with a
	// callback): what POST /callback/confirm takes if complete answers
	// 502 CallbackFailed.
	Callback string `json:"callback,omitempty"`
}

type signedPart struct {
	PartNumber    int               `json:"partNumber"`
	URL           string            `json:"url"`
	Method        string            `json:"method"`
	Headers       map[string]string `json:"headers"`
	ContentLength int64             `json:"contentLength"`
}

type signResponse struct {
	Parts      []signedPart `json:"parts"`
	Expire     int64        `json:"expire"`
	Expiration string       `json:"expiration"`
}

type listResponse struct {
	Parts []multipartPart `json:"parts"`
}

// multipartCall reads an operation's body (only fields), authenticates the
// caller and takes a token from its bucket, and checks the multipart
// store is configured.
func (h *Handlers) multipartCall(w http.ResponseWriter, r *http.Request, fields []string) (multipartRequest, auth.Subject, error) {
	var req multipartRequest
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		return req, auth.Subject{}, &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Message: "method: " + r.Method + " not allowed; use POST"}
	}
	sub, err := h.authorize(r)
	if err != nil {
		return req, sub, err
	}
	if h.cfg.Multipart == nil {
		return req, sub, &Error{Status: http.StatusNotImplemented, Code: CodeNotConfigured, Message: "multipart: no OSS client configured for presigned multipart uploads"}
	}
	if err := readJSON(w, r, maxRequestBody*16, fields, &req); err != nil {
		return req, sub, err
	}
	for name, v := range map[string]string{"profile": req.Profile, "filename": req.Filename, "contentType": req.ContentType, "key": req.Key, "uploadId": req.UploadID, "token": req.Token} {
		if len(v) > maxStringField*2 {
			return req, sub, invalid(name, "longer than %d bytes", maxStringField*2)
		}
	}
	return req, sub, nil
}

// token verifies the request's token and that it is the caller's, for
// this upload, and returns it with its profile.
func (h *Handlers) token(req multipartRequest, sub auth.Subject) (upload.MultipartToken, upload.Profile, error) {
	for _, f := range []struct{ name, v string }{{"key", req.Key}, {"uploadId", req.UploadID}, {"token", req.Token}} {
		if f.v == "" {
			return upload.MultipartToken{}, upload.Profile{}, invalid(f.name, "required: the %s create answered", f.name)
		}
	}
	forbidden := func(msg string, err error) error {
		return &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: msg, Err: err}
	}
	t, err := upload.ParseMultipartToken(req.Token, h.cfg.GrantSecrets, h.now())
	switch {
	case errors.Is(err, upload.ErrTokenExpired):
		return t, upload.Profile{}, forbidden("token: expired; start the upload again", err)
	case err != nil:
		return t, upload.Profile{}, forbidden("token: not issued by this deployment", err)
	case t.Subject != sub.ID:
		return t, upload.Profile{}, forbidden("token: issued to another caller", nil)
	case t.UploadID != req.UploadID || t.Key != req.Key:
		return t, upload.Profile{}, forbidden("token: issued for another upload (uploadId and key must be the ones create answered)", nil)
	}
	p, err := h.cfg.Profiles.Lookup(t.Profile)
	if err != nil {
		return t, p, forbidden("token: its profile "+strconv.Quote(t.Profile)+" is no longer configured", err)
	}
	return t, p, nil
}

// multipartCreate starts an upload: the profile's rules decide the key,
// content type and size (size is required), OSS starts it, and the answer
// carries the token the other operations need.
func (h *Handlers) multipartCreate(w http.ResponseWriter, r *http.Request) {
	req, sub, err := h.multipartCall(w, r, createFields)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	partSize, count, err := upload.PlanParts(req.Size, req.PartSize)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	now := h.now()
	g, err := h.grant(uploadRequest{Profile: req.Profile, Filename: req.Filename, ContentType: req.ContentType, Size: req.Size}, sub, modeExact, time.Time{}, now, false)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if g.Key == "" {
		h.writeError(w, r, invalid("filename", "required: this profile lets the client name the file, and a multipart upload is for one key"))
		return
	}
	contentType := g.ContentType
	if contentType == "" {
		contentType = req.ContentType
	}
	b, err := upload.NewBinding(g, sub.ID, false, h.cfg.Rand)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	uploadID, err := h.cfg.Multipart.Initiate(r.Context(), g.Key, contentType, g.ForbidOverwrite)
	if err != nil {
		h.writeError(w, r, h.multipartError(err))
		return
	}
	exp := now.Add(upload.MultipartTTL).Truncate(time.Second)
	t := upload.MultipartToken{GrantID: b.ID, UploadID: uploadID, Key: g.Key, Subject: sub.ID, Profile: g.Profile, Size: req.Size, PartSize: partSize, Expires: exp.Unix()}
	h.log.InfoContext(r.Context(), "multipart upload started", "key", g.Key, "uploadId", uploadID, "profile", g.Profile, "subject", sub.ID, "size", req.Size, "partSize", partSize, "partCount", count)
	resp := createResponse{Key: g.Key, UploadID: uploadID, PartSize: partSize, PartCount: count,
		Token: t.Sign(h.cfg.GrantSecrets[0]), Expire: exp.Unix(), Expiration: exp.UTC().Format(time.RFC3339)}
	if g.Callback {
		resp.Callback = h.callbackParam(t.Binding())
	}
	writeJSON(w, http.StatusOK, resp)
}

// multipartSign presigns UploadPart URLs (V4) for a batch of parts, each
// with its exact Content-Length signed.
func (h *Handlers) multipartSign(w http.ResponseWriter, r *http.Request) {
	req, sub, err := h.multipartCall(w, r, signFields)
	var t upload.MultipartToken
	var p upload.Profile
	if err == nil {
		t, p, err = h.token(req, sub)
	}
	if err == nil {
		err = checkPartNumbers("partNumbers", req.PartNumbers, t.PartCount(), maxSignBatch)
	}
	var creds signing.Credentials
	var credsExp time.Time
	if err == nil {
		creds, credsExp, err = h.signingCredentials(r)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	now := h.now()
	ttl := time.Duration(p.Expires)
	if !credsExp.IsZero() {
		ttl = min(ttl, credsExp.Sub(now))
	}
	if ttl < time.Second {
		h.writeError(w, r, upload.ErrCredentialsExpired)
		return
	}
	resp := signResponse{Parts: make([]signedPart, 0, len(req.PartNumbers))}
	base := h.objectURL(t.Key) + "?"
	// One request, its part number and length changed per part (PresignV4
	// keeps nothing of it); every part sends the same headers.
	query := map[string][]string{"partNumber": {""}, "uploadId": {t.UploadID}}
	header := http.Header{"Content-Length": {""}, "Content-Type": {partContentType}}
	sr := &signing.Request{Method: http.MethodPut, Bucket: h.cfg.Bucket, Key: t.Key, Region: h.cfg.Region,
		Query: query, Header: header, AdditionalHeaders: []string{"content-length"}}
	var send map[string]string
	var expires time.Time
	for _, n := range req.PartNumbers {
		length := t.PartLength(n)
		query["partNumber"][0] = strconv.Itoa(n)
		header["Content-Length"][0] = strconv.FormatInt(length, 10)
		ps, err := signing.PresignV4(sr, creds, now, ttl)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if send == nil {
			send = make(map[string]string, len(ps.SignedHeaders))
			for k, v := range ps.SignedHeaders {
				if !strings.EqualFold(k, "Content-Length") {
					send[k] = v
				}
			}
		}
		expires = ps.Expiration
		resp.Parts = append(resp.Parts, signedPart{PartNumber: n, URL: base + ps.RawQuery, Method: http.MethodPut, Headers: send, ContentLength: length})
	}
	resp.Expire, resp.Expiration = expires.Unix(), expires.UTC().Format(time.RFC3339)
	writeJSON(w, http.StatusOK, resp)
}

// multipartList answers the parts OSS has, for a client resuming.
func (h *Handlers) multipartList(w http.ResponseWriter, r *http.Request) {
	req, sub, err := h.multipartCall(w, r, bound)
	var t upload.MultipartToken
	if err == nil {
		t, _, err = h.token(req, sub)
	}
	var parts []upload.Part
	if err == nil {
		parts, err = h.cfg.Multipart.ListParts(r.Context(), t.Key, t.UploadID)
	}
	if err != nil {
		h.writeError(w, r, h.multipartError(err))
		return
	}
	resp := listResponse{Parts: make([]multipartPart, len(parts))}
	for i, pt := range parts {
		resp.Parts[i] = multipartPart{PartNumber: pt.Number, ETag: pt.ETag, Size: pt.Size}
	}
	writeJSON(w, http.StatusOK, resp)
}

// multipartComplete checks the client's parts against what OSS has, the
// declared size and the profile, then completes the upload with the
// grant's callback.
func (h *Handlers) multipartComplete(w http.ResponseWriter, r *http.Request) {
	req, sub, err := h.multipartCall(w, r, completeFields)
	var t upload.MultipartToken
	var p upload.Profile
	if err == nil {
		t, p, err = h.token(req, sub)
	}
	var parts []upload.Part
	if err == nil {
		parts, err = h.checkParts(r.Context(), t, req.Parts)
		if errors.Is(err, upload.ErrNoSuchUpload) {
			// Gone: completed by an earlier complete whose answer the
			// client lost (or aborted). The object says which.
			if obj, herr := h.cfg.Multipart.Head(r.Context(), t.Key); herr == nil && obj.Size == t.Size {
				writeJSON(w, http.StatusOK, completedAnswer{Status: "OK", Key: t.Key, URL: h.objectURL(t.Key), Size: obj.Size, ETag: obj.ETag, CompletedBefore: true})
				return
			}
		}
	}
	if err == nil && p.MaxSize > 0 && t.Size > p.MaxSize {
		// The profile changed since create: what was started breaks it.
		if aerr := h.cfg.Multipart.Abort(r.Context(), t.Key, t.UploadID); aerr != nil && !errors.Is(aerr, upload.ErrNoSuchUpload) {
			h.log.WarnContext(r.Context(), "could not abort a multipart upload that breaks its profile", "key", t.Key, "uploadId", t.UploadID, "err", aerr)
		}
		err = &Error{Status: http.StatusForbidden, Code: CodeProfileViolation,
			Message: fmt.Sprintf("size: %d bytes is over profile %q's maximum of %d bytes; the upload was aborted", t.Size, p.Name, p.MaxSize)}
	}
	if err != nil {
		h.writeError(w, r, h.multipartError(err))
		return
	}
	callback := ""
	if p.Callback {
		if h.cfg.CallbackURL == "" || len(h.cfg.GrantSecrets) == 0 {
			h.writeError(w, r, &Error{Status: http.StatusNotImplemented, Code: CodeNotConfigured, Message: "profile " + strconv.Quote(p.Name) + " needs upload callbacks but CALLBACK_URL or GRANT_SECRET is not set"})
			return
		}
		callback = h.callbackParam(t.Binding())
	}
	answer, etag, err := h.cfg.Multipart.Complete(r.Context(), t.Key, t.UploadID, parts, callback, p.ForbidOverwrite)
	if err != nil {
		h.writeError(w, r, h.multipartError(err))
		return
	}
	h.log.InfoContext(r.Context(), "multipart upload completed", "key", t.Key, "uploadId", t.UploadID, "profile", p.Name, "size", t.Size, "etag", etag)
	if answer != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(answer)
		return
	}
	writeJSON(w, http.StatusOK, completedAnswer{Status: "OK", Key: t.Key, URL: h.objectURL(t.Key), Size: t.Size, ETag: etag})
}

// completedAnswer is complete's answer for a profile without a callback,
// and for an upload completed before (CompletedBefore: an earlier complete
// whose answer was lost; its callback's answer is not repeated).
type completedAnswer struct {
	Status          string `json:"Status"`
	Key             string `json:"key"`
	URL             string `json:"url"`
	Size            int64  `json:"size"`
	ETag            string `json:"etag"`
	CompletedBefore bool   `json:"completedBefore,omitempty"`
}

// multipartAbort aborts the upload; one already gone is not an error.
func (h *Handlers) multipartAbort(w http.ResponseWriter, r *http.Request) {
	req, sub, err := h.multipartCall(w, r, bound)
	var t upload.MultipartToken
	if err == nil {
		t, _, err = h.token(req, sub)
	}
	if err == nil {
		if err = h.cfg.Multipart.Abort(r.Context(), t.Key, t.UploadID); errors.Is(err, upload.ErrNoSuchUpload) {
			err = nil
		}
	}
	if err != nil {
		h.writeError(w, r, h.multipartError(err))
		return
	}
	h.log.InfoContext(r.Context(), "multipart upload aborted", "key", t.Key, "uploadId", t.UploadID)
	w.WriteHeader(http.StatusNoContent)
}

// checkPartNumbers checks a list of part numbers: 1…most of them, each in
// 1…count, none twice.
func checkPartNumbers(field string, ns []int, count, most int) error {
	if len(ns) == 0 || len(ns) > most {
		return invalid(field, "give 1 to %d part numbers (got %d)", most, len(ns))
	}
	seen := make(map[int]bool, len(ns))
	for _, n := range ns {
		if n < 1 || n > count {
			return invalid(field, "%d is outside 1…%d (the upload's parts)", n, count)
		}
		if seen[n] {
			return invalid(field, "%d is given twice", n)
		}
		seen[n] = true
	}
	return nil
}

// checkParts checks the client's parts for complete against what OSS
// lists (ErrNoSuchUpload when the upload is gone): every part 1…count
// once, each with the ETag OSS has for it, the sizes OSS has adding up to
// the declared size. It returns them in part order.
func (h *Handlers) checkParts(ctx context.Context, t upload.MultipartToken, given []multipartPart) ([]upload.Part, error) {
	have, err := h.cfg.Multipart.ListParts(ctx, t.Key, t.UploadID)
	if err != nil {
		return nil, err
	}
	count := t.PartCount()
	if len(given) != count {
		return nil, invalid("parts", "the upload has %d parts; %d given (complete needs all of them)", count, len(given))
	}
	ns := make([]int, len(given))
	for i, pt := range given {
		ns[i] = pt.PartNumber
	}
	if err := checkPartNumbers("parts", ns, count, upload.MaxParts); err != nil {
		return nil, err
	}
	stored := make(map[int]upload.Part, len(have))
	for _, pt := range have {
		stored[pt.Number] = pt
	}
	parts := make([]upload.Part, count)
	var total int64
	for _, pt := range given {
		s, ok := stored[pt.PartNumber]
		switch {
		case !ok:
			return nil, invalid("parts", "part %d is not on OSS; send it, then complete again", pt.PartNumber)
		case upload.NormalETag(s.ETag) != upload.NormalETag(pt.ETag):
			return nil, invalid("parts", "part %d: ETag %s is not the one OSS has; send the part again or list the parts", pt.PartNumber, strconvQuote(pt.ETag))
		case s.Size != t.PartLength(pt.PartNumber):
			return nil, invalid("parts", "part %d has %d bytes on OSS, not %d", pt.PartNumber, s.Size, t.PartLength(pt.PartNumber))
		}
		total += s.Size
		parts[pt.PartNumber-1] = upload.Part{Number: pt.PartNumber, ETag: s.ETag, Size: s.Size}
	}
	if total != t.Size {
		return nil, invalid("parts", "the parts hold %d bytes; %d were declared", total, t.Size)
	}
	return parts, nil
}

// multipartError is err as the multipart operations answer it: what the
// error table (clientError) names as is, any other failure of an OSS call
// a 503 to retry.
func (h *Handlers) multipartError(err error) error {
	var e *Error
	var fe *upload.FieldError
	switch {
	case errors.As(err, &e), errors.As(err, &fe), errors.Is(err, upload.ErrNoSuchUpload), errors.Is(err, upload.ErrObjectExists),
		errors.Is(err, upload.ErrCallbackFailed), errors.Is(err, upload.ErrPartsRefused):
		return err
	}
	return &Error{Status: http.StatusServiceUnavailable, Code: CodeServiceUnavailable, Message: "OSS could not be reached for the multipart upload; retry later", RetryAfter: time.Second, Err: err}
}
