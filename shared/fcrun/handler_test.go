package fcrun

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aliyun/fc-runtime-go-sdk/events"

	"ossdirect/shared/credentials"
)

// echoed is what echoHandler reports about the request it saw.
type echoed struct {
	Method     string              `json:"method"`
	Path       string              `json:"path"`
	RawPath    string              `json:"escapedPath"`
	RequestURI string              `json:"requestURI"`
	Query      map[string][]string `json:"query"`
	Header     http.Header         `json:"header"`
	Host       string              `json:"host"`
	RemoteAddr string              `json:"remoteAddr"`
	Body       []byte              `json:"body"`
	AK         string              `json:"ak"`
	HasEvent   bool                `json:"hasEvent"`
	HasRaw     bool                `json:"hasRaw"`
	Deadline   bool                `json:"deadline"`
}

func echoHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		creds, _ := credentials.FromContext(r.Context())
		ak := creds.AccessKeyID
		_, hasEvent := EventFromContext(r.Context())
		_, hasRaw := RawEventFromContext(r.Context())
		_, deadline := r.Context().Deadline()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(echoed{
			Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), RequestURI: r.RequestURI,
			Query: r.URL.Query(), Header: r.Header, Host: r.Host, RemoteAddr: r.RemoteAddr, Body: body,
			AK: ak, HasEvent: hasEvent, HasRaw: hasRaw, Deadline: deadline,
		})
	})
	return mux
}

func invoke(t *testing.T, fn func(context.Context, []byte) (any, error), raw string) *events.HTTPTriggerResponse {
	t.Helper()
	out, err := fn(fcContext(), json.RawMessage(raw))
	if err != nil {
		t.Fatalf("handler error: %v", err)
	}
	resp, ok := out.(*events.HTTPTriggerResponse)
	if !ok {
		t.Fatalf("result is %T, want *events.HTTPTriggerResponse", out)
	}
	// What the SDK does with the result: it must marshal.
	if _, err := json.Marshal(resp); err != nil {
		t.Fatal(err)
	}
	return resp
}

func decodeEcho(t *testing.T, resp *events.HTTPTriggerResponse) echoed {
	t.Helper()
	if resp.StatusCode != http.StatusOK || resp.IsBase64Encoded || resp.Headers["Content-Type"] != "application/json" {
		t.Fatalf("response %+v", resp)
	}
	var e echoed
	if err := json.Unmarshal([]byte(resp.Body), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestHandlerRoundTrip sends every HTTP fixture through Handler into an echo
// handler and checks that what the handler saw matches the event.
func TestHandlerRoundTrip(t *testing.T) {
	t.Parallel()
	fn := Handler(echoHandler(), Options{Logger: discardLogger()})
	for _, name := range []string{"http-lower.json", "http-canonical.json", "http-base64.json", "http-multivalue.json", "http-encoded-path.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw := readFixture(t, name)
			ev := httpFixture(t, name)
			e := decodeEcho(t, invoke(t, fn, string(raw)))
			if e.Method != *ev.TriggerContext.Http.Method || e.RawPath != *ev.RawPath || e.Path != *ev.TriggerContext.Http.Path {
				t.Errorf("method/path: %+v", e)
			}
			wantBody := []byte(*ev.Body)
			if *ev.IsBase64Encoded {
				wantBody, _ = base64.StdEncoding.DecodeString(*ev.Body)
			}
			if string(e.Body) != string(wantBody) {
				t.Errorf("body = %q, want %q", e.Body, wantBody)
			}
			for k, v := range *ev.Headers {
				if strings.EqualFold(k, "host") {
					if e.Host != v {
						t.Errorf("Host = %q, want %q", e.Host, v)
					}
					continue
				}
				if got := e.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			for k, v := range *ev.QueryParameters {
				if got := e.Query[k]; len(got) != 1 || got[0] != v {
					t.Errorf("query %s = %q, want [%q]", k, got, v)
				}
			}
			if e.AK != "STS.invoke-ak" || !e.HasEvent || !e.HasRaw {
				t.Errorf("context: ak=%q hasEvent=%v hasRaw=%v", e.AK, e.HasEvent, e.HasRaw)
			}
		})
	}
}

func TestHandlerMalformed(t *testing.T) {
	t.Parallel()
	var called atomic.Int32
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called.Add(1) })
	fn := Handler(h, Options{Logger: discardLogger(), Events: func(context.Context, *events.OssEvent) error {
		called.Add(1)
		return nil
	}})
	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"garbage", `{"requestContext": {`, ErrMalformedEvent},
		{"not JSON at all", "\x00\x01binary", ErrMalformedEvent},
		{"empty", ``, ErrMalformedEvent},
		{"JSON null", `null`, ErrMalformedEvent},
		{"JSON array", `[{"requestContext":{}}]`, ErrMalformedEvent},
		{"JSON string", `"hello"`, ErrMalformedEvent},
		{"neither kind", `{"version":"v1","rawPath":"/"}`, ErrUnknownEvent},
		{"empty object", `{}`, ErrUnknownEvent},
		{"both kinds", `{"requestContext":{"http":{"method":"GET","path":"/"}},"events":[]}`, ErrUnknownEvent},
		{"HTTP without method", `{"rawPath":"/","requestContext":{}}`, ErrMalformedEvent},
		{"HTTP requestContext null", `{"rawPath":"/","requestContext":null}`, ErrMalformedEvent},
		{"HTTP wrong field type", `{"rawPath":42,"requestContext":{"http":{"method":"GET"}}}`, ErrMalformedEvent},
		{"HTTP bad base64", `{"rawPath":"/","body":"%%%","isBase64Encoded":true,"requestContext":{"http":{"method":"GET"}}}`, ErrMalformedEvent},
		{"OSS events not an array", `{"events":{"eventName":"x"}}`, ErrMalformedEvent},
		{"OSS events null", `{"events":null}`, ErrMalformedEvent},
		{"OSS bad eventTime", `{"events":[{"eventTime":"yesterday"}]}`, ErrMalformedEvent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := fn(context.Background(), json.RawMessage(tt.raw))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if out != nil {
				t.Errorf("result = %v, want nil", out)
			}
		})
	}
	t.Cleanup(func() {
		if n := called.Load(); n != 0 {
			t.Errorf("handlers called %d times for malformed events", n)
		}
	})
}

func TestHandlerPanic(t *testing.T) {
	t.Parallel()
	log, logs := testLogger()
	fn := Handler(echoHandler(), Options{Logger: log})
	ev := minimalEvent()
	ev.RawPath = ptr("/panic")
	raw, _ := json.Marshal(ev)

	resp := invoke(t, fn, string(raw))
	if resp.StatusCode != http.StatusInternalServerError || resp.Headers["Content-Type"] != "application/json" {
		t.Fatalf("panic response %+v", resp)
	}
	var body struct{ Code, Message, RequestID string }
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body.Code != "InternalError" || body.RequestID != "fc-req-1" || resp.Headers["X-Request-Id"] != "fc-req-1" {
		t.Errorf("panic response %+v (%v)", resp, err)
	}
	for _, want := range []string{`"msg":"fcrun: handler panicked"`, `"panic":"boom"`, `"requestId":"fc-req-1"`, `"path":"/panic"`, `"stack":"goroutine`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	// The next invocation is served normally.
	e := decodeEcho(t, invoke(t, fn, string(readFixture(t, "http-lower.json"))))
	if e.Path != "/example" {
		t.Errorf("after panic: %+v", e)
	}
}

// A handler that announced its own request id (as shared/api does) and
// CORS headers before panicking keeps them, so a browser can read the 500
// and the id matches the handler's logs.
func TestHandlerPanicKeepsRequestID(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "api-id-1")
		w.Header().Set("Access-Control-Allow-Origin", "https://app.example")
		w.Header().Set("Content-Length", "99")
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		w.Header().Del("Content-Length")
		_, _ = w.Write([]byte("ok"))
	})
	log, logs := testLogger()
	fn := Handler(h, Options{Logger: log})
	ev := minimalEvent()
	ev.RawPath = ptr("/panic")
	raw, _ := json.Marshal(ev)
	resp := invoke(t, fn, string(raw))
	want := events.HTTPTriggerResponse{StatusCode: 500, Headers: map[string]string{
		"Content-Type": "application/json", "Cache-Control": "no-store", "X-Request-Id": "api-id-1",
		"Access-Control-Allow-Origin": "https://app.example",
	}, Body: `{"code":"InternalError","message":"internal error","requestId":"api-id-1"}`}
	if !reflect.DeepEqual(*resp, want) {
		t.Errorf("panic response\n got %+v\nwant %+v", *resp, want)
	}
	for _, want := range []string{`"requestId":"api-id-1"`, `"fcRequestId":"fc-req-1"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	raw, _ = json.Marshal(minimalEvent())
	if resp := invoke(t, fn, string(raw)); resp.StatusCode != 200 || resp.Body != "ok" {
		t.Errorf("after panic: %+v", resp)
	}
}

func TestHandlerPanicAfterWrite(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Partial", "1")
		_, _ = w.Write([]byte("half a response"))
		panic(http.ErrAbortHandler) // not logged, still a 500
	})
	log, logs := testLogger()
	raw, _ := json.Marshal(minimalEvent())
	resp := invoke(t, Handler(h, Options{Logger: log}), string(raw))
	if resp.StatusCode != 500 || resp.Headers["X-Partial"] != "" || strings.Contains(resp.Body, "half") {
		t.Errorf("response %+v", resp)
	}
	if logs.String() != "" {
		t.Errorf("ErrAbortHandler logged: %s", logs)
	}
}

func TestHandlerOSS(t *testing.T) {
	t.Parallel()
	raw := readFixture(t, "oss-created.json")
	var got *events.OssEvent
	var gotAK string
	var gotRaw bool
	fn := Handler(http.NotFoundHandler(), Options{Logger: discardLogger(), Events: func(ctx context.Context, ev *events.OssEvent) error {
		got = ev
		creds, _ := credentials.FromContext(ctx)
		gotAK = creds.AccessKeyID
		_, gotRaw = RawEventFromContext(ctx)
		return nil
	}})
	out, err := fn(fcContext(), raw)
	if err != nil || out != nil {
		t.Fatalf("out=%v err=%v", out, err)
	}
	if b, _ := json.Marshal(out); string(b) != "null" {
		t.Errorf("SDK would post %s", b)
	}
	if got == nil || len(got.Events) != 2 {
		t.Fatalf("event %+v", got)
	}
	r := got.Events[0]
	if *r.EventName != "ObjectCreated:PostObject" || *r.Oss.Bucket.Name != "examplebucket" ||
		*r.Oss.Object.Key != "uploads/u-42/2026/11/3f2a.png" || *r.Oss.Object.Size != 29203 ||
		r.EventTime.UnixMilli() != 1795422481512 {
		t.Errorf("record %+v", r)
	}
	if gotAK != "STS.invoke-ak" || !gotRaw {
		t.Errorf("context: ak=%q raw=%v", gotAK, gotRaw)
	}
}

func TestHandlerOSSErrors(t *testing.T) {
	t.Parallel()
	raw := readFixture(t, "oss-created.json")
	errDown := errors.New("sink down")
	tests := []struct {
		name   string
		events func(context.Context, *events.OssEvent) error
		want   error
	}{
		{"nil Events", nil, ErrNoEventsHandler},
		{"handler error", func(context.Context, *events.OssEvent) error { return errDown }, errDown},
		{"handler panic", func(context.Context, *events.OssEvent) error { panic("oss boom") }, ErrPanic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fn := Handler(http.NotFoundHandler(), Options{Logger: discardLogger(), Events: tt.events})
			if _, err := fn(context.Background(), raw); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestHandlerMaxBody(t *testing.T) {
	t.Parallel()
	ev := minimalEvent()
	ev.TriggerContext.Http.Method = ptr("POST")
	ev.Body = ptr(strings.Repeat("x", 11))
	raw, _ := json.Marshal(ev)
	if resp := invoke(t, Handler(echoHandler(), Options{MaxBody: 10}), string(raw)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("over the cap: status %d", resp.StatusCode)
	}
	if resp := invoke(t, Handler(echoHandler(), Options{MaxBody: 11}), string(raw)); resp.StatusCode != http.StatusOK {
		t.Errorf("at the cap: status %d", resp.StatusCode)
	}
	if resp := invoke(t, Handler(echoHandler(), Options{MaxBody: -1}), string(raw)); resp.StatusCode != http.StatusOK {
		t.Errorf("no cap: status %d", resp.StatusCode)
	}
}

func TestHandlerResponses(t *testing.T) {
	t.Parallel()
	bin := []byte{0x89, 'P', 'N', 'G', 0, 0xff, 0xfe}
	tests := []struct {
		name   string
		method string
		h      http.HandlerFunc
		want   events.HTTPTriggerResponse
	}{
		{"nothing written", "GET", func(http.ResponseWriter, *http.Request) {},
			events.HTTPTriggerResponse{StatusCode: 200, Headers: map[string]string{}}},
		{"text sniffed", "GET", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) },
			events.HTTPTriggerResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"}, Body: "hello"}},
		{"binary sniffed is base64", "GET", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(bin) },
			events.HTTPTriggerResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/octet-stream"}, Body: base64.StdEncoding.EncodeToString(bin), IsBase64Encoded: true}},
		{"sniffing suppressed", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.Header()["Content-Type"] = nil
			_, _ = w.Write([]byte("hi"))
		}, events.HTTPTriggerResponse{StatusCode: 200, Headers: map[string]string{}, Body: "hi"}},
		{"headers after WriteHeader ignored", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			w.Header().Set("X-Late", "1")
			w.WriteHeader(500)
			_, _ = w.Write([]byte(`{"ok":true}`))
		}, events.HTTPTriggerResponse{StatusCode: 201, Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"ok":true}`}},
		{"1xx ignored", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusAccepted)
		}, events.HTTPTriggerResponse{StatusCode: 202, Headers: map[string]string{}}},
		{"HEAD drops the body", "HEAD", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			if n, err := w.Write([]byte("body")); n != 4 || err != nil {
				panic("HEAD write failed")
			}
		}, events.HTTPTriggerResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/plain"}}},
		{"204 refuses a body", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNoContent)
			if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrBodyNotAllowed) {
				panic("204 accepted a body")
			}
		}, events.HTTPTriggerResponse{StatusCode: 204, Headers: map[string]string{}}},
		{"multi-value headers", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Add("Vary", "Origin")
			w.Header().Add("Vary", "Accept-Encoding")
			w.Header().Add("Set-Cookie", "a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT")
			w.Header().Add("Set-Cookie", "b=2")
			w.Header().Set("Content-Length", "0")
			w.Header().Set("X-Fc-Request-Id", "spoofed")
			w.Header().Set("Date", "now")
			w.Header().Set("Server", "mine")
			w.Header().Set("Connection", "close")
		}, events.HTTPTriggerResponse{StatusCode: 200, Headers: map[string]string{
			"Vary":       "Origin, Accept-Encoding",
			"Set-Cookie": "a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT",
		}}},
		{"invalid status panics into 500", "GET", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(42) },
			events.HTTPTriggerResponse{StatusCode: 500, Headers: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store", "X-Request-Id": "fc-req-1"},
				Body: `{"code":"InternalError","message":"internal error","requestId":"fc-req-1"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := minimalEvent()
			ev.TriggerContext.Http.Method = ptr(tt.method)
			raw, _ := json.Marshal(ev)
			got := invoke(t, Handler(tt.h, Options{Logger: discardLogger()}), string(raw))
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestHandlerSetCookieWarning(t *testing.T) {
	t.Parallel()
	log, logs := testLogger()
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
	})
	raw, _ := json.Marshal(minimalEvent())
	resp := invoke(t, Handler(h, Options{Logger: log}), string(raw))
	if resp.Headers["Set-Cookie"] != "a=1" {
		t.Errorf("Set-Cookie %q", resp.Headers["Set-Cookie"])
	}
	if !strings.Contains(logs.String(), `"dropped":1`) {
		t.Errorf("no warning logged: %s", logs)
	}
}

func TestResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		header  http.Header
		body    string
		wantB64 bool
	}{
		{"json", 200, http.Header{"Content-Type": {"application/json; charset=utf-8"}}, `{"a":"中"}`, false},
		{"problem+json", 400, http.Header{"Content-Type": {"application/problem+json"}}, `{}`, false},
		{"svg+xml", 200, http.Header{"Content-Type": {"image/svg+xml"}}, `<svg/>`, false},
		{"form", 200, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, `a=1`, false},
		{"text/html", 200, http.Header{"Content-Type": {"text/html"}}, `<p>hi</p>`, false},
		{"non-UTF-8 text is base64", 200, http.Header{"Content-Type": {"text/plain; charset=gbk"}}, "\xc4\xe3\xba\xc3", true},
		{"octet-stream text is base64", 200, http.Header{"Content-Type": {"application/octet-stream"}}, "plain", true},
		{"image is base64", 200, http.Header{"Content-Type": {"image/png"}}, "\x89PNG", true},
		{"unparsable content type, textual prefix", 200, http.Header{"Content-Type": {"text/plain; =bad"}}, "ok", false},
		{"no content type, UTF-8", 0, http.Header{}, "ok", false},
		{"no content type, binary", 0, nil, "\xff\x00", true},
		{"empty body never base64", 200, http.Header{"Content-Type": {"image/png"}}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Response(tt.status, tt.header, []byte(tt.body))
			if got.IsBase64Encoded != tt.wantB64 {
				t.Fatalf("IsBase64Encoded = %v, want %v", got.IsBase64Encoded, tt.wantB64)
			}
			body := got.Body
			if got.IsBase64Encoded {
				b, err := base64.StdEncoding.DecodeString(got.Body)
				if err != nil {
					t.Fatal(err)
				}
				body = string(b)
			}
			if body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			wantStatus := tt.status
			if wantStatus == 0 {
				wantStatus = 200
			}
			if got.StatusCode != wantStatus || got.Headers == nil {
				t.Errorf("status %d headers %v", got.StatusCode, got.Headers)
			}
		})
	}
	// Non-canonical keys are canonicalised and merged.
	got := Response(200, http.Header{"x-a": {"1"}, "X-A": {"2"}}, nil)
	if got.Headers["X-A"] != "2, 1" || len(got.Headers) != 1 {
		t.Errorf("merged headers %v", got.Headers)
	}
}
