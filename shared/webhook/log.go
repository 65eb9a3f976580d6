package webhook

import (
	"context"
	"log/slog"

	"ossdirect/shared/uploadevent"
)

// Log is the sink used when no receiver is configured: each event becomes
// one Info record "upload event" with the event's type, timestamp and data
// as attributes. It never fails.
type Log struct{ Logger *slog.Logger }

// Deliver logs e.
func (l Log) Deliver(ctx context.Context, e uploadevent.Event) error {
	if l.Logger == nil {
		return nil
	}
	d := e.Data
	attrs := []any{"eventId", d.ID, "type", e.Type, "timestamp", e.Timestamp, "source", d.Source, "bucket", d.Bucket, "key", d.Key,
		"size", d.Size, "etag", d.ETag, "crc64", d.CRC64, "contentType", d.ContentType, "subject", d.Subject, "profile", d.Profile, "grantId", d.GrantID}
	if d.Width != nil && d.Height != nil {
		attrs = append(attrs, "width", *d.Width, "height", *d.Height)
	}
	if len(d.Violations) > 0 {
		attrs = append(attrs, "violations", d.Violations, "action", d.Action)
	}
	l.Logger.InfoContext(ctx, "upload event", attrs...)
	return nil
}
