package ossemu

import (
	"strings"
	"time"
)

// Event is OSS's event notification for an object a request created: the
// facts of one ObjectCreated record (OSS "Event notification" message
// format; reference/fc3.md §3.5 for the FC trigger's rendering of it,
// which is left to the consumer).
type Event struct {
	// Name is the event name without the "oss:" prefix:
	// "ObjectCreated:PutObject", "ObjectCreated:PostObject",
	// "ObjectCreated:CompleteMultipartUpload" or "ObjectCreated:CopyObject".
	Name   string
	Region string // the emulator's region id, e.g. "cn-hangzhou"
	Bucket string
	Key    string
	// Size is the object's size in bytes; DeltaSize the change in the
	// bucket's storage: Size for a new object, Size minus the replaced
	// object's size for an overwrite.
	Size, DeltaSize int64
	// ETag is the object's ETag as OSS puts it in events: the ETag header
	// without its quotes (upper-case MD5 hex, "<hex>-N" for a multipart
	// object). The official SDK reports the quoted header value.
	ETag        string
	ContentType string
	// RequestID is the creating request's x-oss-request-id.
	RequestID string
	// SourceIP is the uploader's address (the request's remote address).
	SourceIP string
	// Time is when the request arrived (the object's Last-Modified), UTC.
	Time time.Time
}

// created records that rq's operation stored m, replacing an object of
// prevSize bytes (-1: none), for the event sent when the request ends
// (emit).
func (s *Server) created(rq *request, m *objectMeta, prevSize int64) {
	delta := m.Size
	if prevSize >= 0 {
		delta -= prevSize
	}
	rq.created = &Event{
		Name:        "ObjectCreated:" + rq.op,
		Region:      s.cfg.Region,
		Bucket:      rq.bucket,
		Key:         rq.key,
		Size:        m.Size,
		DeltaSize:   delta,
		ETag:        strings.Trim(m.ETag, `"`),
		ContentType: m.ContentType,
		RequestID:   rq.id,
		SourceIP:    clientIP(rq.r),
		Time:        rq.now,
	}
}

// emit hands the event of the object rq created, if any, to Config.Events.
// ServeHTTP defers it, so it also runs when the request failed after
// storing its object (a failed upload callback) or panicked.
func (s *Server) emit(rq *request) {
	if rq.created == nil || s.cfg.Events == nil {
		return
	}
	rq.log.Debug("object created event", "event", rq.created.Name, "bucket", rq.created.Bucket, "key", rq.created.Key)
	s.cfg.Events(*rq.created)
}
