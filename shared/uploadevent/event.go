// Package uploadevent is the one event a verified upload becomes, whichever
// channel reported it (the OSS upload callback or an OSS ObjectCreated
// event): upload.completed, or upload.rejected when the stored object
// breaks its profile.
//
// The wire form is JSON in the Standard Webhooks payload shape
// (https://www.standardwebhooks.com/, "Payload structure"):
//
//	{"type": "upload.completed", "timestamp": "2025-01-02T03:04:05.678Z",
//	 "data": {"id": "evt_…", "bucket": "…", "key": "…", "size": 123,
//	          "etag": "…", "crc64": "…", "contentType": "image/png",
//	          "width": 64, "height": 48, "subject": "alice", "profile": "images",
//	          "grantId": "…", "source": "callback"}}
//
// upload.rejected adds "violations" (how the object breaks its profile) and
// "action" (keep, delete or quarantine: what was done about it). width and
// height are null for objects that are not images; subject and grantId are
// empty for OSS events, which carry no grant. Every value describes the
// object as OSS stores it (HEAD and its first bytes), never what a client
// or a callback body claimed.
//
// The id is a function of bucket, key and ETag only ([ID]), so every
// delivery of one upload, on either channel or on a retry, has the same id:
// receivers deduplicate on it (it is also the webhook-id header).
//
// What it deliberately does not do: deliver events (shared/webhook), or
// remember which were delivered.
package uploadevent

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"ossdirect/shared/upload"
)

// Event types.
const (
	TypeCompleted = "upload.completed"
	TypeRejected  = "upload.rejected"
)

// Sources: the channel that reported the upload.
const (
	SourceCallback = "callback"
	SourceOSSEvent = "oss-event"
	// SourceReconcile: found by ossdirect reconcile without a delivery record.
	SourceReconcile = "reconcile"
	// SourceConfirm: the uploading client asked for it (POST
	// /callback/confirm), e.g. after 203 CallbackFailed.
	SourceConfirm = "confirm"
)

// Event is one upload event.
type Event struct {
	Type string `json:"type"`
	// Timestamp is when the event was made (UTC; RFC 3339 in JSON).
	Timestamp time.Time `json:"timestamp"`
	Data      Data      `json:"data"`
}

// Data describes the stored object.
type Data struct {
	ID          string `json:"id"`
	Bucket      string `json:"bucket"`
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	ETag        string `json:"etag"`
	CRC64       string `json:"crc64"`
	ContentType string `json:"contentType"`
	Width       *int   `json:"width"`
	Height      *int   `json:"height"`
	Subject     string `json:"subject"`
	Profile     string `json:"profile"`
	GrantID     string `json:"grantId"`
	Source      string `json:"source"`
	// Violations and Action are set for upload.rejected only.
	Violations []string `json:"violations,omitempty"`
	Action     string   `json:"action,omitempty"`
}

// ID is the event id of the upload of bucket/key with etag: "evt_" and the
// hex of the first 16 bytes of SHA-256 over bucket, key and ETag, each
// followed by a NUL byte (neither a bucket name nor an OSS key holds one).
// The ETag is taken without quotes and in upper case, so the ETag header
// ("\"5D41…\""), a listing's and an OSS event's eTag (5D41…) give one id.
func ID(bucket, key, etag string) string {
	h := sha256.New()
	for _, s := range []string{bucket, key, upload.NormalETag(etag)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "evt_" + hex.EncodeToString(h.Sum(nil)[:16])
}

// New returns the event for d at time now: upload.rejected when d has
// violations, else upload.completed. It sets d.ID from bucket, key and
// ETag, and drops Action when there is no violation.
func New(d Data, now time.Time) Event {
	d.ID = ID(d.Bucket, d.Key, d.ETag)
	typ := TypeCompleted
	if len(d.Violations) > 0 {
		typ = TypeRejected
	} else {
		d.Violations, d.Action = nil, ""
	}
	return Event{Type: typ, Timestamp: now.UTC(), Data: d}
}
