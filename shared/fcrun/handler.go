package fcrun

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aliyun/fc-runtime-go-sdk/events"

	"ossdirect/shared/requestid"
)

// Handler returns the FC event handler that Start's runtime loop calls for
// each invocation (exported for tests; it also fits fc.Start, which passes
// a []byte parameter as is). It takes the raw event bytes as read from the
// runtime API, never modifies them, and dispatches:
//
//   - an object with "requestContext" (HTTP trigger) is converted with
//     Request, served by h into a buffer and returned as an
//     *events.HTTPTriggerResponse (see Response); a panic in h is logged
//     and answered with 500 {"code":"InternalError","message":"internal
//     error","requestId":…}, the id being the X-Request-Id h had set, else
//     the invocation's; the instance keeps serving;
//   - an object with "events" (OSS trigger) is decoded into an
//     events.OssEvent and passed to opts.Events; the result is nil (the
//     SDK posts the JSON null) or the handler's error;
//   - anything else is an error wrapping ErrMalformedEvent or
//     ErrUnknownEvent.
//
// The context h and opts.Events get ends answerReserve before the
// invocation's deadline, so a handler that gives up when its context ends
// (an STS or key fetch that hangs) still has its answer posted before FC
// declares the invocation timed out.
func Handler(h http.Handler, opts Options) func(context.Context, []byte) (any, error) {
	log, maxBody := opts.logger(), opts.maxBody()
	return func(ctx context.Context, raw []byte) (any, error) {
		if dl, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, dl.Add(-answerReserve(time.Until(dl))))
			defer cancel()
		}
		// One pass over the event, which may be FC's maximum (a 32 MB body
		// is a 43 MB event): the body stays a slice of raw (eventBody),
		// everything else is small.
		var env envelope
		if err := json.Unmarshal(raw, &env); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformedEvent, err)
		}
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return nil, errorf(ErrMalformedEvent, "event is JSON null")
		}
		isHTTP, isOSS := env.RequestContext != nil, env.Events != nil
		switch {
		case isHTTP && isOSS:
			return nil, errorf(ErrUnknownEvent, "has both requestContext and events")
		case isHTTP:
			resp, err := serveEvent(invocationContext(ctx, raw), h, &env, log, maxBody)
			if err != nil {
				return nil, err // an untyped nil, not a nil *HTTPTriggerResponse
			}
			return resp, nil
		case isOSS:
			return nil, dispatchOSS(invocationContext(ctx, raw), opts.Events, raw, log)
		default:
			return nil, ErrUnknownEvent
		}
	}
}

// answerReserve is how long before the invocation's deadline the
// handler's context ends, given the time left: a tenth of it, at least
// 50 ms and at most 1 s (a 10 s function's handler has 9 s). That is the
// time left for turning the answer into the invocation's result and
// posting it to the runtime API.
func answerReserve(left time.Duration) time.Duration {
	return min(max(left/10, 50*time.Millisecond), time.Second)
}

// envelope is one decoding of an event of either kind: the fields of
// events.HTTPTriggerEvent, with the body kept in place (eventBody), and
// whether "requestContext" (HTTP) or "events" (OSS) is present.
type envelope struct {
	Version         *string            `json:"version"`
	RawPath         *string            `json:"rawPath"`
	Body            eventBody          `json:"body"`
	IsBase64Encoded *bool              `json:"isBase64Encoded"`
	Headers         *map[string]string `json:"headers"`
	QueryParameters *map[string]string `json:"queryParameters"`
	RequestContext  json.RawMessage    `json:"requestContext"`
	Events          json.RawMessage    `json:"events"`
}

func serveEvent(ctx context.Context, h http.Handler, env *envelope, log *slog.Logger, maxBody int64) (*events.HTTPTriggerResponse, error) {
	ev := &events.HTTPTriggerEvent{
		Version: env.Version, RawPath: env.RawPath, IsBase64Encoded: env.IsBase64Encoded,
		Headers: env.Headers, QueryParameters: env.QueryParameters,
	}
	if err := json.Unmarshal(env.RequestContext, &ev.TriggerContext); err != nil {
		return nil, fmt.Errorf("%w: HTTP trigger event: requestContext: %w", ErrMalformedEvent, err)
	}
	if _, ok := requestid.FromContext(ctx); !ok {
		// No invocation id from the runtime: the trigger's own id.
		if id := deref(ev.TriggerContext.RequestId); id != "" {
			ctx = requestid.NewContext(ctx, id)
		}
	}
	r, err := newRequest(ctx, ev, &env.Body, maxBody)
	if err != nil {
		return nil, err
	}
	rec := newRecorder(r.Method)
	if maxBody > 0 {
		r.Body = http.MaxBytesReader(rec, r.Body, maxBody)
	}
	if v, stack := recovered(func() { h.ServeHTTP(rec, r) }); stack != nil {
		return panicResponse(ctx, log, v, stack, rec, r), nil
	}
	resp := rec.result()
	if n := len(rec.sent.Values("Set-Cookie")); n > 1 {
		log.WarnContext(ctx, "fcrun: FC allows one Set-Cookie header; extra cookies dropped",
			"kept", 1, "dropped", n-1, "path", r.URL.Path)
	}
	return resp, nil
}

// panicResponse is the answer to an invocation whose handler panicked
// with v: a 500 JSON error (see writeInternalError) naming the request id.
// The panic is logged, except http.ErrAbortHandler. What the handler had
// written is discarded; its headers are kept only if it had not started
// its response.
func panicResponse(ctx context.Context, log *slog.Logger, v any, stack []byte, rec *recorder, r *http.Request) *events.HTTPTriggerResponse {
	id := answerID(ctx, r, rec.header)
	if v != http.ErrAbortHandler {
		logPanic(ctx, log, v, stack, r, id)
	}
	out := newRecorder(r.Method)
	if rec.sent == nil {
		out.header = rec.header
	}
	writeInternalError(out, id)
	return out.result()
}

func dispatchOSS(ctx context.Context, fn func(context.Context, *events.OssEvent) error, raw []byte, log *slog.Logger) (err error) {
	var probe struct {
		Events json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return fmt.Errorf("%w: OSS event: %w", ErrMalformedEvent, err)
	}
	if b := bytes.TrimSpace(probe.Events); len(b) == 0 || b[0] != '[' {
		return errorf(ErrMalformedEvent, "OSS event: events is not an array")
	}
	var ev events.OssEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return fmt.Errorf("%w: OSS event: %w", ErrMalformedEvent, err)
	}
	if fn == nil {
		return ErrNoEventsHandler
	}
	if v, stack := recovered(func() { err = fn(ctx, &ev) }); stack != nil {
		logPanic(ctx, log, v, stack, nil, requestID(ctx))
		return errorf(ErrPanic, "OSS event handler: %v", v)
	}
	return err
}

// recorder buffers a response the way net/http would send it: headers are
// snapshotted at WriteHeader, 1xx codes are ignored, HEAD bodies are
// dropped, and 204/304 refuse bodies.
type recorder struct {
	method string
	header http.Header // what the handler sees
	sent   http.Header // snapshot at WriteHeader; nil until then
	status int
	body   bytes.Buffer
}

func newRecorder(method string) *recorder {
	return &recorder{method: method, header: make(http.Header)}
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code)) // as net/http does
	}
	if r.sent != nil || code < 200 {
		return // superfluous call, or an informational response FC cannot send
	}
	r.status = code
	r.sent = r.header.Clone()
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.sent == nil {
		r.WriteHeader(http.StatusOK)
	}
	if r.status == http.StatusNoContent || r.status == http.StatusNotModified {
		return 0, http.ErrBodyNotAllowed
	}
	if r.method == http.MethodHead {
		return len(p), nil
	}
	return r.body.Write(p)
}

func (r *recorder) result() *events.HTTPTriggerResponse {
	if r.sent == nil {
		r.WriteHeader(http.StatusOK)
	}
	h := r.sent
	if _, typed := h["Content-Type"]; !typed && h.Get("Content-Encoding") == "" && r.body.Len() > 0 {
		h.Set("Content-Type", http.DetectContentType(r.body.Bytes()))
	}
	return Response(r.status, h, r.body.Bytes())
}

// droppedResponseHeaders are headers FC's HTTP trigger owns or refuses in a
// function response (FC doc "HTTP Trigger Overview"); x-fc-* is dropped too.
var droppedResponseHeaders = map[string]bool{
	"Connection":        true,
	"Content-Length":    true,
	"Date":              true,
	"Keep-Alive":        true,
	"Proxy-Connection":  true,
	"Server":            true,
	"Trailer":           true,
	"Transfer-Encoding": true,
	"Upgrade":           true,
}

// Response converts a recorded response (status, headers, body) into the
// HTTPTriggerResponse FC expects. Status 0 means 200. Header names are
// canonicalised and repeated values joined with ", ", except Set-Cookie,
// which keeps only its first value (FC allows one value per header).
// Headers FC owns are dropped. The body is base64-encoded unless the
// content type is textual and the body is valid UTF-8; an empty
// Content-Type is decided by UTF-8 validity alone.
func Response(status int, header http.Header, body []byte) *events.HTTPTriggerResponse {
	if status == 0 {
		status = http.StatusOK
	}
	keys := make([]string, 0, len(header))
	for k := range header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	merged := make(map[string][]string, len(keys))
	for _, k := range keys {
		ck := http.CanonicalHeaderKey(k)
		if droppedResponseHeaders[ck] || strings.HasPrefix(ck, "X-Fc-") {
			continue
		}
		merged[ck] = append(merged[ck], header[k]...)
	}
	out := make(map[string]string, len(merged))
	for k, vs := range merged {
		switch {
		case len(vs) == 0:
		case k == "Set-Cookie":
			out[k] = vs[0]
		default:
			out[k] = strings.Join(vs, ", ")
		}
	}

	resp := &events.HTTPTriggerResponse{StatusCode: status, Headers: out}
	switch {
	case len(body) == 0:
	case utf8.Valid(body) && textual(out["Content-Type"]):
		resp.Body = string(body)
	default:
		resp.Body = base64.StdEncoding.EncodeToString(body)
		resp.IsBase64Encoded = true
	}
	return resp
}

// textual reports whether a body of content type ct may be sent as text.
// An empty ct is treated as text (the caller checks UTF-8 validity).
func textual(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, _, _ = strings.Cut(strings.ToLower(ct), ";")
		mt = strings.TrimSpace(mt)
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript",
		"application/ecmascript", "application/x-www-form-urlencoded",
		"application/x-ndjson", "application/graphql":
		return true
	}
	return false
}
