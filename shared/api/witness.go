package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image sizes of the types browsers show
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"strings"

	"github.com/gabriel-vasile/mimetype"

	"ossdirect/shared/upload"
)

// ObjectStore is what the callback function asks OSS, with its own
// credentials (ossclient.Client in production and on the local stack).
// A missing object is upload.ErrObjectNotFound.
type ObjectStore interface {
	Head(ctx context.Context, key string) (upload.Object, error)
	FirstBytes(ctx context.Context, key string, n int) ([]byte, error)
	Delete(ctx context.Context, key string) error
	Move(ctx context.Context, key, dst string) error
	// Claim writes body to key unless key exists; it returns nil when it
	// did, else what key holds.
	Claim(ctx context.Context, key string, body []byte) ([]byte, error)
	Put(ctx context.Context, key string, body []byte) error
}

// witnessBytes is how much of an object is read to sniff its type and
// read an image's size (mimetype needs 3 KiB; image headers are small).
const witnessBytes = 64 << 10

// CodeProfileViolation: the stored object breaks its profile and was
// deleted or quarantined.
const CodeProfileViolation = "ProfileViolation"

// witnessed is an upload as OSS has it, judged against its profile.
type witnessed struct {
	obj           upload.Object
	width, height *int
	violations    []string // how it breaks its profile
	action        string   // what was done about them (upload.Violation*), "" if nothing
	warnings      []string // reported, nothing to undo (an overwrite)
}

// witness reads key from OSS — the object, not the callback body, says
// what was uploaded — checks it against p (the action p.OnViolation
// prescribes is left to act, run by the event's delivery once its claim is
// written), and records the upload when p forbids overwriting so a later
// upload over it is reported. A missing object is a 403; OSS failures are
// 503.
func (h *Handlers) witness(ctx context.Context, p upload.Profile, key string) (*witnessed, error) {
	if h.cfg.Objects == nil {
		return nil, &Error{Status: http.StatusNotImplemented, Code: CodeNotConfigured, Message: "callback: no object store configured to verify uploads"}
	}
	obj, err := h.cfg.Objects.Head(ctx, key)
	switch {
	case errors.Is(err, upload.ErrObjectNotFound):
		return nil, &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: "object: " + strconvQuote(key) + " does not exist in the bucket", Err: err}
	case err != nil:
		return nil, unavailableErr("read the object", err)
	}
	w := &witnessed{obj: obj}
	image := strings.HasPrefix(strings.ToLower(obj.ContentType), "image/")
	if p.Sniff || image {
		head, err := h.cfg.Objects.FirstBytes(ctx, key, witnessBytes)
		if err != nil {
			return nil, unavailableErr("read the object", err)
		}
		if p.Sniff {
			w.obj.Sniffed = mimetype.Detect(head).String()
		}
		if c, _, err := imageConfig(head); err == nil {
			w.width, w.height = &c.Width, &c.Height
		}
	}
	w.violations = p.Check(w.obj)
	if len(w.violations) > 0 {
		w.action = p.OnViolation
		return w, nil
	}
	if p.ForbidOverwrite {
		record := upload.ReservedPrefix + "uploads/" + key
		prev, err := h.cfg.Objects.Claim(ctx, record, []byte(obj.ETag))
		switch {
		case err != nil:
			h.log.WarnContext(ctx, "could not record the upload; an overwrite of it would go unreported", "key", key, "err", err)
		case prev != nil && string(prev) != obj.ETag:
			w.warnings = append(w.warnings, fmt.Sprintf("it replaced an earlier upload (ETag %s) although profile %q forbids overwriting: "+
				"credentials that OSS cannot hold to forbid-overwrite (STS) were used; protect the bucket with OSS overwrite protection", prev, p.Name))
			if err := h.cfg.Objects.Put(ctx, record, []byte(obj.ETag)); err != nil {
				h.log.WarnContext(ctx, "could not update the upload record", "key", key, "err", err)
			}
		}
	}
	return w, nil
}

// act returns what must be done about an upload that broke its profile
// (delete it or move it to quarantine), nil when nothing is (kept, or no
// violation). deliverOnce runs it.
func (h *Handlers) act(w *witnessed) func(context.Context) error {
	if len(w.violations) == 0 || w.action == upload.ViolationKeep {
		return nil
	}
	key := w.obj.Key
	return func(ctx context.Context) error {
		if w.action == upload.ViolationQuarantine {
			if err := h.cfg.Objects.Move(ctx, key, h.cfg.QuarantinePrefix+key); err != nil && !errors.Is(err, upload.ErrObjectNotFound) {
				return unavailableErr("quarantine the object", err)
			}
			return nil
		}
		if err := h.cfg.Objects.Delete(ctx, key); err != nil {
			return unavailableErr("delete the object", err)
		}
		return nil
	}
}

// unavailableErr is the 503 for an OSS request of the witness that failed.
func unavailableErr(what string, err error) error {
	return &Error{Status: http.StatusServiceUnavailable, Code: CodeServiceUnavailable, Message: "callback: could not " + what + " in OSS; retry later", RetryAfter: retryOSS, Err: err}
}

// refusal is the answer for an object that broke its profile and was
// deleted or quarantined (nil when it was kept or broke nothing).
func (w *witnessed) refusal(p upload.Profile) error {
	if len(w.violations) == 0 || w.action == upload.ViolationKeep {
		return nil
	}
	done := "it was deleted"
	if w.action == upload.ViolationQuarantine {
		done = "it was moved to quarantine"
	}
	return &Error{Status: http.StatusForbidden, Code: CodeProfileViolation,
		Message: fmt.Sprintf("object: %s breaks profile %q: %s; %s", strconvQuote(w.obj.Key), p.Name, strings.Join(w.violations, "; "), done)}
}

// logWitnessed logs what the witness found, at Info when all is well.
func (h *Handlers) logWitnessed(ctx context.Context, source string, p upload.Profile, w *witnessed, extra ...any) {
	attrs := append([]any{"source", source, "bucket", h.cfg.Bucket, "key", w.obj.Key, "profile", p.Name, "size", w.obj.Size,
		"contentType", w.obj.ContentType, "etag", w.obj.ETag, "crc64", w.obj.CRC64}, extra...)
	switch {
	case len(w.violations) > 0:
		h.log.WarnContext(ctx, "upload breaks its profile", append(attrs, "violations", w.violations, "action", w.action)...)
	case len(w.warnings) > 0:
		h.log.WarnContext(ctx, "upload verified with warnings", append(attrs, "warnings", w.warnings)...)
	default:
		h.log.InfoContext(ctx, "upload verified", attrs...)
	}
}

func imageConfig(b []byte) (image.Config, string, error) {
	return image.DecodeConfig(bytes.NewReader(b))
}
