package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/aliyun/fc-runtime-go-sdk/events"

	"ossdirect/shared/callback"
	"ossdirect/shared/upload"
)

const maxCallbackBody = 64 << 10

// callbackResponse is what the callback function answers OSS with; OSS
// passes it on to the uploading client as the upload's response body.
type callbackResponse struct {
	Status   string `json:"Status"`
	Key      string `json:"key"`
	URL      string `json:"url"`
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	Width    *int   `json:"width"`
	Height   *int   `json:"height"`
}

// callback verifies an OSS upload callback: its RSA signature, with the
// public key fetched only from an allow-listed URL, then that the object lies
// in a profile's directory (the subject's own, when the callback names one).
// OSS waits at most 5 s and never retries; a refusal reaches the uploading
// client as 203 CallbackFailed while the object stays stored.
func (h *Handlers) callback(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		h.writeError(w, r, &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Message: "method: OSS callbacks are POST"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallbackBody))
	if err != nil {
		h.writeError(w, r, &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeRequestTooLarge, Message: "body: larger than 64 KiB"})
		return
	}
	if err := h.verifyCallback(r, body); err != nil {
		h.writeError(w, r, err)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		h.writeError(w, r, invalid("body", "not URL-encoded callback variables"))
		return
	}
	ev, err := h.checkObject(form.Get("bucket"), form.Get("object"), form.Get("subject"), form.Get("profile"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	size, _ := strconv.ParseInt(form.Get("size"), 10, 64)
	resp := callbackResponse{Status: "OK", Key: ev.key, URL: h.objectURL(ev.key), Size: size, MimeType: form.Get("mimeType"),
		Width: optInt(form.Get("width")), Height: optInt(form.Get("height"))}
	h.log.Info("upload verified", "requestId", requestID(r.Context()), "source", "callback", "bucket", h.cfg.Bucket,
		"key", ev.key, "profile", ev.profile, "size", size, "mimeType", resp.MimeType, "etag", form.Get("etag"),
		"crc64", form.Get("crc64"), "ossRequestId", form.Get("reqId"))
	writeJSON(w, http.StatusOK, resp)
}

func optInt(s string) *int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return nil
	}
	return &n
}

func (h *Handlers) verifyCallback(r *http.Request, body []byte) error {
	forbidden := func(msg string, err error) error {
		return &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: msg, Err: err}
	}
	in, err := callback.FromRequest(r, body)
	if err != nil {
		return forbidden("callback: not a signed OSS callback", err)
	}
	// A missing or undecodable signature is refused before any key fetch.
	if _, err := callback.DecodeAuthorization(in.Authorization); err != nil {
		return forbidden("callback: not a signed OSS callback", err)
	}
	keyURL, err := in.KeyURL(h.cfg.KeyURLPrefixes)
	if err != nil {
		return forbidden("callback: public key URL not allowed", err)
	}
	pem, err := h.keys.Get(r.Context(), keyURL)
	switch {
	case errors.Is(err, callback.ErrKeyRefused):
		// The allowed host has no key there: a forged callback naming a
		// path of its choosing, not an outage (no retry, no ERROR log).
		return forbidden("callback: public key not served at the given URL", err)
	case err != nil:
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeServiceUnavailable, Message: "callback: public key unavailable", Err: err}
	}
	if err := callback.VerifyPEM(in, pem, h.cfg.KeyURLPrefixes); err != nil {
		return forbidden("callback: signature does not verify", err)
	}
	return nil
}

type verifiedObject struct{ key, profile string }

// checkObject accepts an object of the configured bucket whose key lies in a
// profile's directory; with a profile and subject named (by the grant's
// pinned callback variables), in that profile's directory for that subject.
func (h *Handlers) checkObject(bucket, key, subject, profile string) (verifiedObject, error) {
	if bucket != h.cfg.Bucket {
		return verifiedObject{}, &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: "bucket: " + strconvQuote(bucket) + " is not this deployment's bucket"}
	}
	if err := upload.ValidateKey(key); err != nil {
		var fe *upload.FieldError
		if !errors.As(err, &fe) {
			return verifiedObject{}, err
		}
		return verifiedObject{}, invalid("object", "%s", fe.Message())
	}
	for _, name := range h.cfg.Profiles.Names() {
		if profile != "" && name != profile {
			continue
		}
		p, _ := h.cfg.Profiles.Lookup(name)
		if prefixPattern(p.Prefix, subject).MatchString(key) {
			return verifiedObject{key: key, profile: name}, nil
		}
	}
	return verifiedObject{}, &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: "object: " + strconvQuote(key) + " is outside every upload profile's directory"}
}

// prefixPattern turns a prefix template into a regexp matching the keys it
// allows. {sub} matches the sanitised subject when one is given, any
// sanitised subject otherwise.
func prefixPattern(template, subject string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	sub := `[A-Za-z0-9._~-]+`
	if subject != "" {
		if s, err := upload.SanitizeSubject(subject); err == nil {
			sub = regexp.QuoteMeta(s)
		}
	}
	for rest := template; rest != ""; {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		b.WriteString(regexp.QuoteMeta(rest[:i]))
		switch rest[i : j+1] {
		case "{sub}":
			b.WriteString(sub)
		case "{yyyy}":
			b.WriteString(`[0-9]{4}`)
		case "{mm}", "{dd}":
			b.WriteString(`[0-9]{2}`)
		default:
			b.WriteString(regexp.QuoteMeta(rest[i : j+1]))
		}
		rest = rest[j+1:]
	}
	return regexp.MustCompile(b.String())
}

// HandleOSSEvent processes an OSS trigger event (ObjectCreated:*): each
// record of this bucket inside a profile's directory is logged as a verified
// upload; others are logged and skipped. Forwarding comes with the callback
// issue.
func (h *Handlers) HandleOSSEvent(ctx context.Context, ev *events.OssEvent) error {
	if ev == nil || len(ev.Events) == 0 {
		return errors.New("api: OSS event without records")
	}
	for _, rec := range ev.Events {
		if rec == nil || rec.Oss == nil || rec.Oss.Bucket == nil || rec.Oss.Object == nil || rec.Oss.Bucket.Name == nil || rec.Oss.Object.Key == nil {
			h.log.Warn("OSS event record without bucket or key: skipped")
			continue
		}
		name := ""
		if rec.EventName != nil {
			name = *rec.EventName
		}
		key := *rec.Oss.Object.Key
		obj, err := h.checkObject(*rec.Oss.Bucket.Name, key, "", "")
		if err != nil {
			h.log.Warn("OSS event skipped", "event", name, "bucket", *rec.Oss.Bucket.Name, "key", key, "reason", h.clientError(err).Message)
			continue
		}
		var size int64
		if rec.Oss.Object.Size != nil {
			size = int64(*rec.Oss.Object.Size)
		}
		h.log.InfoContext(ctx, "upload verified", "source", "oss-event", "event", name, "bucket", h.cfg.Bucket, "key", obj.key, "profile", obj.profile, "size", size)
	}
	return nil
}
