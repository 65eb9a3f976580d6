package fcrun

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"

	"ossdirect/shared/credentials"
	"ossdirect/shared/requestid"
)

type (
	eventKey    struct{}
	rawEventKey struct{}
)

// Request converts an FC3 HTTP-trigger event into a server-side
// *http.Request whose context is ctx plus the event (see the package
// documentation for the rules). Errors wrap ErrMalformedEvent. Request does
// not cap the body; Handler does.
func Request(ctx context.Context, ev *events.HTTPTriggerEvent) (*http.Request, error) {
	if ev == nil {
		return nil, errorf(ErrMalformedEvent, "nil HTTP trigger event")
	}
	var body eventBody
	if ev.Body != nil {
		body = eventBody{set: true, raw: []byte(*ev.Body)}
	}
	return newRequest(ctx, ev, &body, -1)
}

// newRequest is Request with the body given apart from ev (whose Body is
// ignored). The body is checked (base64) and measured in passing but not
// decoded into memory: r.Body decodes it as it is read. A body certainly
// over maxBody (> 0) is not checked at all.
func newRequest(ctx context.Context, ev *events.HTTPTriggerEvent, body *eventBody, maxBody int64) (*http.Request, error) {
	hc := ev.TriggerContext.Http
	method := deref(hc.Method)
	if method == "" {
		return nil, errorf(ErrMalformedEvent, "missing requestContext.http.method")
	}
	if !isToken(method) {
		return nil, errorf(ErrMalformedEvent, "invalid method %q", method)
	}

	rawPath, rawQuery, hasQuery := strings.Cut(deref(ev.RawPath), "?")
	if rawPath == "" {
		p := deref(hc.Path)
		if p == "" {
			return nil, errorf(ErrMalformedEvent, "missing rawPath and requestContext.http.path")
		}
		rawPath = (&url.URL{Path: p}).EscapedPath()
	}
	if !strings.HasPrefix(rawPath, "/") {
		return nil, errorf(ErrMalformedEvent, "path %q does not start with /", rawPath)
	}
	if !hasQuery && ev.QueryParameters != nil {
		rawQuery = encodeQuery(*ev.QueryParameters)
	}
	requestURI := rawPath
	if rawQuery != "" {
		requestURI += "?" + rawQuery
	}
	u, err := url.ParseRequestURI(requestURI)
	if err != nil {
		return nil, errorf(ErrMalformedEvent, "bad path or query: %v", err)
	}

	b64 := ev.IsBase64Encoded != nil && *ev.IsBase64Encoded
	size, sizeKnown, err := body.size(b64, maxBody)
	if err != nil {
		if b64 {
			return nil, errorf(ErrMalformedEvent, "body: isBase64Encoded but %v", err)
		}
		return nil, errorf(ErrMalformedEvent, "body: %v", err)
	}

	header := make(http.Header)
	if ev.Headers != nil {
		keys := make([]string, 0, len(*ev.Headers))
		for k := range *ev.Headers {
			keys = append(keys, k)
		}
		sort.Strings(keys) // deterministic when two keys differ only in case
		for _, k := range keys {
			if !isToken(k) {
				return nil, errorf(ErrMalformedEvent, "invalid header name %q", k)
			}
			header.Add(textproto.CanonicalMIMEHeaderKey(k), (*ev.Headers)[k])
		}
	}
	host := header.Get("Host")
	header.Del("Host") // net/http moves Host out of the header map, too
	if host == "" {
		host = deref(ev.TriggerContext.DomainName)
	}
	header.Del("Transfer-Encoding") // the body is complete
	if !sizeKnown {
		size = -1 // over the cap; like a chunked request
		header.Del("Content-Length")
	} else if _, ok := header["Content-Length"]; ok {
		header.Set("Content-Length", strconv.FormatInt(size, 10))
	}

	proto := deref(hc.Protocol)
	major, minor, ok := http.ParseHTTPVersion(proto)
	if !ok {
		proto, major, minor = "HTTP/1.1", 1, 1
	}
	var remote string
	if ip := deref(hc.SourceIp); ip != "" {
		remote = net.JoinHostPort(ip, "0")
	}

	r := &http.Request{
		Method:        method,
		URL:           u,
		Proto:         proto,
		ProtoMajor:    major,
		ProtoMinor:    minor,
		Header:        header,
		Body:          http.NoBody,
		ContentLength: size,
		Host:          host,
		RemoteAddr:    remote,
		RequestURI:    requestURI,
	}
	if size != 0 {
		r.Body = io.NopCloser(body.open(b64))
	}
	return r.WithContext(context.WithValue(ctx, eventKey{}, ev)), nil
}

// encodeQuery rebuilds a raw query from FC's map, keys sorted, one value
// per key (FC has already comma-joined repeated parameters).
func encodeQuery(m map[string]string) string {
	v := make(url.Values, len(m))
	for k, s := range m {
		v[k] = []string{s}
	}
	return v.Encode()
}

// EventFromContext returns the HTTP-trigger event a request was built from.
// Under Handler its Body is nil: the body is only in the request's Body.
func EventFromContext(ctx context.Context) (*events.HTTPTriggerEvent, bool) {
	ev, ok := ctx.Value(eventKey{}).(*events.HTTPTriggerEvent)
	return ev, ok
}

// RawEventFromContext returns the raw event bytes of the invocation (HTTP or
// OSS) as FC delivered them. Callers must not modify them.
func RawEventFromContext(ctx context.Context) (json.RawMessage, bool) {
	raw, ok := ctx.Value(rawEventKey{}).(json.RawMessage)
	return raw, ok
}

// invocationContext adds the raw event and a snapshot of fccontext's
// credentials and request id to ctx. The credentials FC passed with the
// invocation (x-fc-access-key-id, x-fc-access-key-secret,
// x-fc-security-token) are stored with credentials.NewContext, where
// credentials.Invocation finds them; they are snapshotted once per
// invocation because fccontext.FromContext writes to the shared FcContext
// and is not safe for concurrent use. The request id is FC's invocation id
// (the runtime API's x-fc-request-id), the one FC's own invocation log
// shows; requestid.FromContext reads it.
func invocationContext(ctx context.Context, raw []byte) context.Context {
	ctx = context.WithValue(ctx, rawEventKey{}, json.RawMessage(raw))
	if fcc, ok := fccontext.FromContext(ctx); ok {
		if c := fcc.Credentials; c.AccessKeyId != "" && c.AccessKeySecret != "" {
			ctx = credentials.NewContext(ctx, credentials.Value{AccessKeyID: c.AccessKeyId, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken})
		}
		if fcc.RequestID != "" {
			ctx = requestid.NewContext(ctx, fcc.RequestID)
		}
	}
	return ctx
}

// requestID returns the request id invocationContext stored.
func requestID(ctx context.Context) string {
	id, _ := requestid.FromContext(ctx)
	return id
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// isToken reports whether s is a non-empty RFC 9110 token (tchar+), the
// syntax of methods, header names and auth schemes.
func isToken(s string) bool { return httpguts.ValidHeaderFieldName(s) }
