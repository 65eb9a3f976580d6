package fakefc

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxRequestBody is FC's synchronous request body limit.
const maxRequestBody = 32 << 20

// HTTP translates req into an FC3 HTTP-trigger event (see HTTPEvent),
// invokes the function with it and translates the returned
// HTTPTriggerResponse back (see HTTPResponse). The x-fc-request-id header
// and requestContext.requestId are the same id. A function error (posted to
// /error) is returned as an *ErrorPayload error; a result that is not an
// HTTPTriggerResponse is an error too. req's body is consumed.
func (r *Runtime) HTTP(ctx context.Context, req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.seq++
	id := fmt.Sprintf("fakefc-http-%d-%s", r.seq, randomHex(6))
	r.mu.Unlock()
	payload, err := httpEvent(req, id, time.Now())
	if err != nil {
		return nil, err
	}
	res, err := r.Invoke(ctx, payload, map[string]string{"x-fc-request-id": id})
	if err != nil {
		return nil, err
	}
	if res.Error != nil {
		return nil, res.Error
	}
	resp, err := HTTPResponse(res.Body)
	if err != nil {
		return nil, err
	}
	resp.Request = req
	return resp, nil
}

// HTTPEvent translates req (a client request from http.NewRequest or a
// server request from httptest.NewRequest) into the JSON of an FC3
// HTTP-trigger event, in the shape of reference/fc3.md §3.4:
//
//   - rawPath is req.URL.EscapedPath() (URL-encoded); requestContext.http.path
//     the decoded path;
//   - headers use lower-case keys, repeated values joined with ","; host
//     comes from req.Host or req.URL.Host; content-length is added for a
//     non-empty body;
//   - queryParameters is a map, repeated values joined with ",";
//   - the body is base64 with isBase64Encoded true unless the content type
//     is textual and the body valid UTF-8;
//   - sourceIp is req.RemoteAddr's host, else 127.0.0.1.
//
// req's body is read (up to FC's 32 MB) and replaced by a re-readable copy.
func HTTPEvent(req *http.Request) ([]byte, error) {
	return httpEvent(req, "fakefc-http-"+randomHex(8), time.Now())
}

type httpTriggerEvent struct {
	Version         string            `json:"version"`
	RawPath         string            `json:"rawPath"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	Headers         map[string]string `json:"headers"`
	QueryParameters map[string]string `json:"queryParameters"`
	RequestContext  requestContext    `json:"requestContext"`
}

type requestContext struct {
	AccountID    string      `json:"accountId"`
	DomainName   string      `json:"domainName"`
	DomainPrefix string      `json:"domainPrefix"`
	HTTP         httpContext `json:"http"`
	RequestID    string      `json:"requestId"`
	Time         string      `json:"time"`
	TimeEpoch    string      `json:"timeEpoch"`
}

type httpContext struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

func httpEvent(req *http.Request, requestID string, now time.Time) ([]byte, error) {
	if req == nil || req.URL == nil {
		return nil, errors.New("fakefc: nil request or URL")
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(req.Body, maxRequestBody+1))
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("fakefc: read request body: %w", err)
		}
		if len(b) > maxRequestBody {
			return nil, errors.New("fakefc: request body over FC's 32 MB limit")
		}
		body = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}

	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	headers := make(map[string]string, len(req.Header)+2)
	for k, vs := range req.Header {
		k = strings.ToLower(k)
		if prev, ok := headers[k]; ok {
			vs = append([]string{prev}, vs...)
		}
		headers[k] = strings.Join(vs, ",")
	}
	if host != "" {
		headers["host"] = host
	}
	if len(body) > 0 {
		headers["content-length"] = strconv.Itoa(len(body))
	}
	query := map[string]string{}
	for k, vs := range req.URL.Query() {
		query[k] = strings.Join(vs, ",")
	}

	ev := httpTriggerEvent{
		Version:         "v1",
		RawPath:         req.URL.EscapedPath(),
		Headers:         headers,
		QueryParameters: query,
		RequestContext: requestContext{
			AccountID:    AccountID,
			DomainName:   hostOnly(host),
			DomainPrefix: strings.SplitN(hostOnly(host), ".", 2)[0],
			HTTP: httpContext{
				Method:    req.Method,
				Path:      req.URL.Path,
				Protocol:  req.Proto,
				SourceIP:  "127.0.0.1",
				UserAgent: req.UserAgent(),
			},
			RequestID: requestID,
			Time:      now.UTC().Format("2006-01-02T15:04:05Z"),
			TimeEpoch: strconv.FormatInt(now.UnixMilli(), 10),
		},
	}
	if ev.RequestContext.HTTP.Method == "" {
		ev.RequestContext.HTTP.Method = http.MethodGet
	}
	if ev.RawPath == "" {
		ev.RawPath, ev.RequestContext.HTTP.Path = "/", "/"
	}
	if ev.RequestContext.HTTP.Protocol == "" {
		ev.RequestContext.HTTP.Protocol = "HTTP/1.1"
	}
	if ip, _, err := net.SplitHostPort(req.RemoteAddr); err == nil && ip != "" {
		ev.RequestContext.HTTP.SourceIP = ip
	}
	if len(body) > 0 {
		if utf8.Valid(body) && textual(req.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return json.Marshal(ev)
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// textual reports whether a request body of content type ct is sent as
// text. FC's exact rule is not documented (fc3.md §3.4); this mirrors
// fcrun's response rule.
func textual(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded":
		return true
	}
	return false
}

// HTTPResponse translates the JSON result of an HTTP-triggered invocation
// (an HTTPTriggerResponse: statusCode, headers, isBase64Encoded, body) into
// an *http.Response. A result without a numeric statusCode is an error.
func HTTPResponse(payload []byte) (*http.Response, error) {
	var out struct {
		StatusCode      *int              `json:"statusCode"`
		Headers         map[string]string `json:"headers"`
		IsBase64Encoded bool              `json:"isBase64Encoded"`
		Body            string            `json:"body"`
	}
	if err := json.Unmarshal(payload, &out); err != nil {
		return nil, fmt.Errorf("fakefc: result is not an HTTPTriggerResponse: %w (%.200s)", err, payload)
	}
	if out.StatusCode == nil {
		return nil, fmt.Errorf("fakefc: result has no statusCode: %.200s", payload)
	}
	code := *out.StatusCode
	if code < 100 || code > 999 {
		return nil, fmt.Errorf("fakefc: result has invalid statusCode %d", code)
	}
	body := []byte(out.Body)
	if out.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(out.Body)
		if err != nil {
			return nil, fmt.Errorf("fakefc: result body: isBase64Encoded but %w", err)
		}
		body = b
	}
	header := make(http.Header, len(out.Headers))
	keys := make([]string, 0, len(out.Headers))
	for k := range out.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		header.Add(k, out.Headers[k])
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", code, http.StatusText(code)),
		StatusCode:    code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
	}, nil
}
