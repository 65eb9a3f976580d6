package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/events"

	"ossdirect/shared/callback"
	"ossdirect/shared/upload"
	"ossdirect/shared/uploadevent"
)

const maxCallbackBody = 64 << 10

// callbackResponse is what the callback function answers OSS with; OSS
// passes it on to the uploading client as the upload's response body. Every
// value comes from OSS's own view of the object (HEAD, its first bytes),
// never from the callback body.
type callbackResponse struct {
	Status     string   `json:"Status"`
	Key        string   `json:"key"`
	URL        string   `json:"url"`
	Size       int64    `json:"size"`
	MimeType   string   `json:"mimeType"`
	ETag       string   `json:"etag"`
	CRC64      string   `json:"crc64"`
	Width      *int     `json:"width"`
	Height     *int     `json:"height"`
	Violations []string `json:"violations,omitempty"` // kept although it breaks its profile (onViolation: keep)
	Warnings   []string `json:"warnings,omitempty"`
}

// callback verifies an OSS upload callback and the upload it reports:
//  1. OSS's RSA signature, with the public key fetched only from an
//     allow-listed URL;
//  2. the grant binding in the body (upload.ParseBinding: an HMAC under
//     GRANT_SECRET over the grant's id, subject, profile, key or prefix and
//     expiry), so only uploads of grants this deployment issued, within
//     GRANT_GRACE of their expiry, are honoured;
//  3. that the object lies in this bucket, within the grant's key or
//     prefix, and in its profile's directory;
//  4. the object itself (HEAD, first bytes): it must exist, and its size,
//     type, ETag and CRC-64 are what the answer and the log carry; a profile
//     violation is handled per onViolation.
//
// OSS waits at most 5 s and never retries; a refusal reaches the uploading
// client as 203 CallbackFailed.
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
	b, err := upload.ParseBinding(form.Get, h.cfg.GrantSecrets, h.now(), h.cfg.GrantGrace)
	if err != nil {
		h.writeError(w, r, bindingError(err, h.cfg.GrantGrace))
		return
	}
	seen, _, _, err := h.boundUpload(r.Context(), uploadevent.SourceCallback, b, form.Get("bucket"), form.Get("object"), "object", false, "ossRequestId", form.Get("reqId"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.callbackAnswer(seen))
}

// boundUpload is what the callback and confirm do once a grant binding b
// is verified: the object (bucket, key; field names key in errors) must
// lie in this bucket, in b's profile directory for b's subject and within
// b's key or directory; then it is witnessed, logged (with attrs),
// reported from source within the callback's budget (await: see
// deliverWithinBudget) and, if it broke its profile, deleted or
// quarantined — answered with the refusal.
func (h *Handlers) boundUpload(ctx context.Context, source string, b upload.Binding, bucket, key, field string, await bool, attrs ...any) (*witnessed, uploadevent.Event, bool, error) {
	ev, err := h.checkObject(bucket, key, field, b.Subject, b.Profile)
	if err == nil && !b.Covers(ev.key) {
		err = &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: field + ": " + strconvQuote(ev.key) + " is outside its grant's key or directory"}
	}
	if err != nil {
		return nil, uploadevent.Event{}, false, err
	}
	p, _ := h.cfg.Profiles.Lookup(ev.profile)
	seen, err := h.witness(ctx, p, ev.key)
	if err != nil {
		return nil, uploadevent.Event{}, false, err
	}
	h.logWitnessed(ctx, source, p, seen, append([]any{"grantId", b.ID, "subject", b.Subject}, attrs...)...)
	e := h.event(source, p, seen, b.Subject, b.ID)
	delivered, err := h.deliverWithinBudget(ctx, e, h.act(seen), await)
	if err == nil {
		err = seen.refusal(p)
	}
	return seen, e, delivered, err
}

// callbackAnswer is the answer for a witnessed upload that was kept.
func (h *Handlers) callbackAnswer(seen *witnessed) callbackResponse {
	return callbackResponse{Status: "OK", Key: seen.obj.Key, URL: h.objectURL(seen.obj.Key), Size: seen.obj.Size,
		MimeType: seen.obj.ContentType, ETag: seen.obj.ETag, CRC64: seen.obj.CRC64, Width: seen.width, Height: seen.height,
		Violations: seen.violations, Warnings: seen.warnings}
}

// event is the upload event for what the witness saw.
func (h *Handlers) event(source string, p upload.Profile, w *witnessed, subject, grantID string) uploadevent.Event {
	return uploadevent.New(uploadevent.Data{Bucket: h.cfg.Bucket, Key: w.obj.Key, Size: w.obj.Size, ETag: w.obj.ETag, CRC64: w.obj.CRC64,
		ContentType: w.obj.ContentType, Width: w.width, Height: w.height, Subject: subject, Profile: p.Name, GrantID: grantID,
		Source: source, Violations: w.violations, Action: w.action}, h.now())
}

// deliverWithinBudget applies act (the witness's onViolation action, nil
// for none) and delivers e on the paths a client waits on (the callback,
// confirm), waiting at most CallbackBudget: OSS waits 5 s for the answer
// and the object is stored whatever the receiver does, so a delivery that
// does not succeed in time is logged and left to the durable path (the OSS
// event, which FC retries; reconcile). delivered reports that the event
// reached the receiver, now or earlier; the error is act's only: the
// upload could not be deleted or quarantined. When another invocation
// holds the event, await says to wait (within the budget) for its
// delivery to be recorded, so that delivered is accurate (confirm); the
// callback does not wait, to answer OSS at once.
func (h *Handlers) deliverWithinBudget(ctx context.Context, e uploadevent.Event, act func(context.Context) error, await bool) (delivered bool, _ error) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.CallbackBudget)
	defer cancel()
	err := h.deliverOnce(ctx, e, act)
	if errors.Is(err, errHeldElsewhere) && await {
		if h.awaitDelivered(ctx, e.Data.ID) == nil {
			return true, nil
		}
	}
	var actErr *Error
	switch {
	case err == nil:
		return h.cfg.Events != nil, nil
	case errors.As(err, &actErr):
		return false, actErr
	case errors.Is(err, errHeldElsewhere):
		h.log.InfoContext(ctx, "event being delivered by another invocation", "eventId", e.Data.ID, "key", e.Data.Key)
	default:
		h.log.WarnContext(ctx, "event not delivered within the callback's budget; left for the OSS event's delivery",
			"eventId", e.Data.ID, "key", e.Data.Key, "budget", h.cfg.CallbackBudget, "err", err)
	}
	return false, nil
}

// bindingError is the refusal of a callback whose grant binding fails.
func bindingError(err error, grace time.Duration) error {
	msg := "callback: not from a grant of this deployment (no grant binding)"
	switch {
	case errors.Is(err, upload.ErrBindingSignature):
		msg = "callback: its grant binding does not verify"
	case errors.Is(err, upload.ErrBindingExpired):
		msg = "callback: its grant expired more than " + grace.String() + " before the upload ended"
	}
	return &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: msg, Err: err}
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
	pub, err := h.keys.PublicKey(r.Context(), keyURL)
	switch {
	case errors.Is(err, callback.ErrKeyRefused):
		// The allowed host has no key there: a forged callback naming a
		// path of its choosing, not an outage (no retry, no ERROR log).
		return forbidden("callback: public key not served at the given URL", err)
	case errors.Is(err, callback.ErrBadPublicKey):
		return forbidden("callback: the key at the given URL is not an RSA public key", err)
	case err != nil:
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeServiceUnavailable, Message: "callback: public key unavailable", RetryAfter: retryAuthKeys, Err: err}
	}
	if err := callback.Verify(in, pub); err != nil {
		return forbidden("callback: signature does not verify", err)
	}
	return nil
}

type verifiedObject struct{ key, profile string }

// checkObject (field: what the request calls the key, for errors) accepts
// an object of the configured bucket whose key lies in a
// profile's directory; with a profile and subject named (by the grant's
// pinned callback variables), in that profile's directory for that subject.
func (h *Handlers) checkObject(bucket, key, field, subject, profile string) (verifiedObject, error) {
	if bucket != h.cfg.Bucket {
		return verifiedObject{}, &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: "bucket: " + strconvQuote(bucket) + " is not this deployment's bucket"}
	}
	if err := upload.ValidateKey(key); err != nil {
		var fe *upload.FieldError
		if !errors.As(err, &fe) {
			return verifiedObject{}, err
		}
		return verifiedObject{}, invalid(field, "%s", fe.Message())
	}
	sub := ""
	if subject != "" {
		sub, _ = upload.SanitizeSubject(subject)
	}
	for _, name := range h.cfg.Profiles.Names() {
		if profile != "" && name != profile {
			continue
		}
		if m := h.dirs[name].FindStringSubmatch(key); m != nil && (subject == "" || allEqual(m[1:], sub)) {
			return verifiedObject{key: key, profile: name}, nil
		}
	}
	return verifiedObject{}, &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: field + ": " + strconvQuote(key) + " is outside every upload profile's directory"}
}

// allEqual reports whether every s in ss is want (vacuously true).
func allEqual(ss []string, want string) bool {
	for _, s := range ss {
		if s != want {
			return false
		}
	}
	return true
}

// witnessEvent is what the OSS-event path and reconcile do with an object
// of a profile's directory before delivering: witness it, log what was
// found (with attrs), and build its event and the onViolation action to
// run while delivering it (see act). The witness's refusals (see refusal)
// and OSS failures are returned.
func (h *Handlers) witnessEvent(ctx context.Context, source string, obj verifiedObject, attrs ...any) (uploadevent.Event, func(context.Context) error, error) {
	p, _ := h.cfg.Profiles.Lookup(obj.profile)
	seen, err := h.witness(ctx, p, obj.key)
	if err != nil {
		return uploadevent.Event{}, nil, err
	}
	h.logWitnessed(ctx, source, p, seen, attrs...)
	return h.event(source, p, seen, "", ""), h.act(seen), nil
}

// refusal reports whether err is the witness refusing the object (a 4xx,
// such as an object deleted since it was named), as opposed to a failure
// worth retrying.
func refusal(err error) (*Error, bool) {
	var e *Error
	return e, errors.As(err, &e) && e.Status < 500
}

// HandleOSSEvent processes an OSS trigger event (ObjectCreated:*): each
// record of this bucket inside a profile's directory is witnessed like a
// callback's upload (HEAD, the profile's limits, onViolation), logged and
// delivered as an upload event (source "oss-event"); others are logged and
// skipped. Events carry no grant binding: the profile comes from the key's
// directory, and subject and grantId are empty. An OSS failure or an event
// not delivered (the sink's retries spent or the invocation's deadline
// reached) is returned, so FC's asynchronous retry takes over: this is the
// durable path.
func (h *Handlers) HandleOSSEvent(ctx context.Context, ev *events.OssEvent) error {
	if ev == nil || len(ev.Events) == 0 {
		return errors.New("api: OSS event without records")
	}
	var errs []error
	for _, rec := range ev.Events {
		if rec == nil || rec.Oss == nil || rec.Oss.Bucket == nil || rec.Oss.Object == nil || rec.Oss.Bucket.Name == nil || rec.Oss.Object.Key == nil {
			h.log.WarnContext(ctx, "OSS event record without bucket or key: skipped")
			continue
		}
		name := ""
		if rec.EventName != nil {
			name = *rec.EventName
		}
		key := *rec.Oss.Object.Key
		obj, err := h.checkObject(*rec.Oss.Bucket.Name, key, "object", "", "")
		if err != nil {
			h.log.WarnContext(ctx, "OSS event skipped", "event", name, "bucket", *rec.Oss.Bucket.Name, "key", key, "reason", h.clientError(err).Message)
			continue
		}
		ue, act, err := h.witnessEvent(ctx, uploadevent.SourceOSSEvent, obj, "event", name)
		if e, refused := refusal(err); refused {
			// Gone: if its witness deleted or moved it and the delivery
			// failed, its event is kept in the claim.
			etag := ""
			if rec.Oss.Object.ETag != nil {
				etag = *rec.Oss.Object.ETag
			}
			stored, found, serr := h.storedEvent(ctx, uploadevent.ID(h.cfg.Bucket, key, etag))
			if serr != nil {
				errs = append(errs, fmt.Errorf("api: OSS event %s for %s: reading its event record: %w", name, key, serr))
				continue
			}
			if !found {
				h.log.WarnContext(ctx, "OSS event refused", "event", name, "key", key, "reason", e.Message)
				continue
			}
			h.log.InfoContext(ctx, "object gone; delivering the event kept from its witness", "event", name, "key", key, "eventId", stored.Data.ID, "type", stored.Type)
			ue, act = stored, nil
		} else if err != nil {
			errs = append(errs, fmt.Errorf("api: OSS event %s for %s: %w", name, key, err))
			continue
		}
		err = h.deliverOnce(ctx, ue, act)
		if errors.Is(err, errHeldElsewhere) {
			// The callback (or another retry) is delivering it: wait for
			// its record, and let FC retry if it never comes.
			err = h.awaitDelivered(ctx, ue.Data.ID)
		}
		if err != nil {
			h.log.WarnContext(ctx, "event not delivered; failing the invocation so FC retries it", "eventId", ue.Data.ID, "key", key, "err", err)
			errs = append(errs, fmt.Errorf("api: OSS event %s for %s: event %s not delivered: %w", name, key, ue.Data.ID, err))
		}
	}
	return errors.Join(errs...)
}
