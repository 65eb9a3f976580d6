// Package requestid carries the id of the request being served through a
// context, and stamps it on every log record written with that context.
//
// In Function Compute the id is FC's own invocation id (the runtime API's
// x-fc-request-id, the id in FC's "FC Invoke Start RequestId: …" log line
// and in the x-fc-request-id response header clients see); shared/fcrun
// puts it into the request context, shared/api reads it and invents one
// only when there is none (plain HTTP, the local stack). Passing it in the
// context rather than in a header means a client cannot choose it.
//
// What it deliberately does not do: generate ids, or read any header.
package requestid

import (
	"context"
	"log/slog"
)

// Key is the log attribute (and JSON field) name of the request id.
const Key = "requestId"

type ctxKey struct{}

// NewContext returns a copy of ctx carrying id.
func NewContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the id NewContext stored in ctx; ok is false when
// there is none or it is empty.
func FromContext(ctx context.Context) (id string, ok bool) {
	id, _ = ctx.Value(ctxKey{}).(string)
	return id, id != ""
}

// LogHandler wraps h so that every record logged with a context carrying a
// request id gets a Key attribute, unless the record (or a logger derived
// with With) already has one. Records logged without such a context are
// passed through unchanged.
func LogHandler(h slog.Handler) slog.Handler {
	if lh, ok := h.(*logHandler); ok {
		return lh
	}
	return &logHandler{next: h}
}

type logHandler struct {
	next slog.Handler
	has  bool // a Key attribute was added with WithAttrs
}

func (l *logHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return l.next.Enabled(ctx, level)
}

func (l *logHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := FromContext(ctx); ok && !l.has && !recordHas(r) {
		r = r.Clone()
		r.AddAttrs(slog.String(Key, id))
	}
	return l.next.Handle(ctx, r)
}

func (l *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	has := l.has
	for _, a := range as {
		has = has || a.Key == Key
	}
	return &logHandler{next: l.next.WithAttrs(as), has: has}
}

// WithGroup keeps stamping: the id then lands inside the group.
func (l *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{next: l.next.WithGroup(name), has: l.has}
}

func recordHas(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == Key
		return !found
	})
	return found
}
