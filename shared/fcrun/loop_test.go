package fcrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/fccontext"
)

// fakeAPI is a minimal FC runtime API (the SDK's protocol) for the loop's
// unit tests: /next hands out queued invocations, results are collected.
type fakeAPI struct {
	t       *testing.T
	srv     *httptest.Server
	queue   chan apiInvocation
	results chan apiResult
	polls   atomic.Int64
	// failPolls answers that many /next polls with 500 first.
	failPolls atomic.Int64
	// writeErr receives the error of writing each event (nil: all written).
	writeErr chan error
}

type apiInvocation struct {
	header  map[string]string
	payload []byte
	chunked bool // no Content-Length
}

type apiResult struct {
	id, kind    string // kind: "response" or "error"
	contentType string
	userAgent   string
	body        []byte
}

func newFakeAPI(t *testing.T) *fakeAPI {
	a := &fakeAPI{
		t:        t,
		queue:    make(chan apiInvocation, 8),
		results:  make(chan apiResult, 8),
		writeErr: make(chan error, 8),
	}
	const prefix = "/" + runtimeAPIVersion + "/runtime/invocation/"
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"next", func(w http.ResponseWriter, r *http.Request) {
		a.polls.Add(1)
		if a.failPolls.Add(-1) >= 0 {
			http.Error(w, "not yet", http.StatusInternalServerError)
			return
		}
		select {
		case inv := <-a.queue:
			for k, v := range inv.header {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/json")
			if !inv.chunked {
				w.Header().Set("Content-Length", strconv.Itoa(len(inv.payload)))
			}
			w.WriteHeader(http.StatusOK)
			_, err := w.Write(inv.payload)
			if err == nil {
				err = http.NewResponseController(w).Flush()
			}
			a.writeErr <- err
		case <-r.Context().Done():
		}
	})
	for _, kind := range []string{"response", "error"} {
		mux.HandleFunc("POST "+prefix+"{id}/"+kind, func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			a.results <- apiResult{id: r.PathValue("id"), kind: kind, contentType: r.Header.Get("Content-Type"), userAgent: r.UserAgent(), body: body}
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected runtime API call %s %s", r.Method, r.URL)
		http.NotFound(w, r)
	})
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

// run starts the loop against the fake with fn and the given event limit;
// it is stopped at cleanup.
func (a *fakeAPI) run(fn eventFunc, limit int64) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	c := newRuntimeClient(a.srv.Listener.Addr().String(), limit)
	go func() { done <- runLoop(ctx, c, fn) }()
	a.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				a.t.Errorf("runLoop returned %v", err)
			}
		case <-time.After(5 * time.Second):
			a.t.Error("runLoop did not return after cancel")
		}
	})
}

// invoke queues an event with the usual headers (plus extra) and returns
// its result.
func (a *fakeAPI) invoke(id string, payload []byte, extra map[string]string, chunked bool) apiResult {
	a.t.Helper()
	h := map[string]string{
		hdrRequestID:       id,
		hdrDeadlineMS:      strconv.FormatInt(time.Now().Add(10*time.Second).UnixMilli(), 10),
		hdrFunctionTimeout: "10",
	}
	for k, v := range extra {
		h[k] = v
	}
	a.queue <- apiInvocation{header: h, payload: payload, chunked: chunked}
	select {
	case res := <-a.results:
		if res.id != id {
			a.t.Fatalf("result for %q, want %q", res.id, id)
		}
		if res.contentType != "application/json" || res.userAgent != "aliyun-fc-go/"+runtime.Version() {
			a.t.Errorf("result posted with Content-Type %q, User-Agent %q", res.contentType, res.userAgent)
		}
		return res
	case <-time.After(10 * time.Second):
		a.t.Fatalf("no result for %s", id)
		return apiResult{}
	}
}

func decodeError(t *testing.T, res apiResult) map[string]any {
	t.Helper()
	if res.kind != "error" {
		t.Fatalf("posted to /%s: %s, want /error", res.kind, res.body)
	}
	var m map[string]any
	if err := json.Unmarshal(res.body, &m); err != nil {
		t.Fatalf("error payload %s: %v", res.body, err)
	}
	return m
}

func httpEventJSON(method, path, body string) []byte {
	b, _ := json.Marshal(map[string]any{
		"version": "v1", "rawPath": path, "body": body, "isBase64Encoded": false,
		"headers": map[string]string{"Content-Type": "text/plain"},
		"requestContext": map[string]any{
			"requestId": "trigger-id",
			"http":      map[string]string{"method": method, "path": path, "sourceIp": "192.0.2.1"},
		},
	})
	return b
}

func TestLoopSuccessErrorPanic(t *testing.T) {
	a := newFakeAPI(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("loop boom") })
	log, logs := testLogger()
	a.run(Handler(mux, Options{Logger: log}), minEventLimit)

	res := a.invoke("req-ok", httpEventJSON("POST", "/echo", "hello"), nil, false)
	var resp struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	if res.kind != "response" || json.Unmarshal(res.body, &resp) != nil || resp.StatusCode != 200 || resp.Body != "hello" {
		t.Fatalf("success: /%s %s", res.kind, res.body)
	}

	// A handler error (here a malformed event) goes to /error as the SDK
	// posts it: {"errorMessage","errorType"} with the Go type name.
	m := decodeError(t, a.invoke("req-bad", []byte(`{"hello":"world"}`), nil, false))
	if m["errorType"] != "errorString" || !strings.Contains(m["errorMessage"].(string), "neither an HTTP trigger event") || len(m) != 2 {
		t.Errorf("error payload %v", m)
	}
	m = decodeError(t, a.invoke("req-garbage", []byte(`{"requestContext":`), nil, false))
	if m["errorType"] != "wrapErrors" || !strings.Contains(m["errorMessage"].(string), "fcrun: malformed event") {
		t.Errorf("error payload %v", m)
	}

	// A panic is recovered by fcrun's one recovery and answered with the
	// 500 body; the loop keeps serving.
	res = a.invoke("req-panic", httpEventJSON("GET", "/panic", ""), nil, false)
	if res.kind != "response" || json.Unmarshal(res.body, &resp) != nil || resp.StatusCode != 500 ||
		resp.Body != `{"code":"InternalError","message":"internal error","requestId":"req-panic"}` {
		t.Fatalf("panic: /%s %s", res.kind, res.body)
	}
	if !strings.Contains(logs.String(), `"panic":"loop boom"`) {
		t.Errorf("panic not logged:\n%s", logs)
	}
	if res := a.invoke("req-after", httpEventJSON("POST", "/echo", "again"), nil, false); res.kind != "response" {
		t.Fatalf("after panic: /%s %s", res.kind, res.body)
	}
}

// OSS events: nil result posts JSON null.
func TestLoopNullResult(t *testing.T) {
	a := newFakeAPI(t)
	a.run(func(context.Context, []byte) (any, error) { return nil, nil }, minEventLimit)
	if res := a.invoke("req-null", []byte(`{}`), nil, false); res.kind != "response" || string(res.body) != "null" {
		t.Fatalf("/%s %s", res.kind, res.body)
	}
}

func TestLoopLifecycleInvocations(t *testing.T) {
	a := newFakeAPI(t)
	called := false
	a.run(func(context.Context, []byte) (any, error) { called = true; return nil, nil }, minEventLimit)
	for typ, name := range map[string]string{"1": "initializer", "2": "prestop", "3": "prefreeze"} {
		m := decodeError(t, a.invoke("req-life-"+typ, nil, map[string]string{hdrFunctionType: typ}, false))
		if m["errorMessage"] != "no "+name+" handler registered" || m["errorType"] != "errorString" {
			t.Errorf("type %s: %v", typ, m)
		}
	}
	// Type 0 and unknown types are ordinary invocations.
	for _, typ := range []string{"0", "7", "x"} {
		if res := a.invoke("req-type-"+typ, []byte(`{}`), map[string]string{hdrFunctionType: typ}, false); res.kind != "response" {
			t.Errorf("type %s: /%s %s", typ, res.kind, res.body)
		}
	}
	if !called {
		t.Error("handler never called")
	}
}

func TestLoopContext(t *testing.T) {
	a := newFakeAPI(t)
	type seen struct {
		deadline time.Time
		ok       bool
		fcc      fccontext.FcContext
		raw      string
	}
	got := make(chan seen, 1)
	a.run(func(ctx context.Context, raw []byte) (any, error) {
		var s seen
		s.deadline, s.ok = ctx.Deadline()
		if fcc, ok := fccontext.FromContext(ctx); ok {
			s.fcc = *fcc
		}
		s.raw = string(raw)
		got <- s
		return "ok", nil
	}, minEventLimit)
	deadline := time.Now().Add(7 * time.Second).Truncate(time.Millisecond)
	baggage := "eyJrIjoidiJ9" // base64 {"k":"v"}
	res := a.invoke("req-ctx", []byte(`{"x":1}`), map[string]string{
		hdrDeadlineMS: strconv.FormatInt(deadline.UnixMilli(), 10), hdrFunctionTimeout: "7",
		hdrAccessKeyID: "STS.ak", hdrAccessKeySecret: "sk", hdrSecurityToken: "tok",
		hdrFunctionName: "fn", hdrFunctionHandler: "main", hdrFunctionMemory: "256",
		hdrServiceName: "svc", hdrServiceLogProj: "proj", hdrServiceLogStore: "store",
		hdrQualifier: "LATEST", hdrVersionID: "3", hdrRegion: "cn-hangzhou", hdrAccountID: "123",
		hdrRetryCount: "2", hdrSpanContext: "span", hdrSpanBaggages: baggage, hdrJaegerEndpoint: "jaeger",
	}, false)
	if res.kind != "response" || string(res.body) != `"ok"` {
		t.Fatalf("/%s %s", res.kind, res.body)
	}
	s := <-got
	if !s.ok || !s.deadline.Equal(deadline) {
		t.Errorf("deadline %v (%v), want %v", s.deadline, s.ok, deadline)
	}
	want := fccontext.FcContext{
		RequestID:   "req-ctx",
		Credentials: fccontext.Credentials{AccessKeyId: "STS.ak", AccessKeySecret: "sk", SecurityToken: "tok"},
		Function:    fccontext.Function{Name: "fn", Handler: "main", Memory: "256", Timeout: 7},
		Service:     fccontext.Service{Name: "svc", LogProject: "proj", LogStore: "store", Qualifier: "LATEST", VersionId: "3"},
		Region:      "cn-hangzhou", AccountId: "123", RetryCount: 2,
		Tracing: fccontext.Tracing{OpenTracingSpanContext: "span", OpenTracingSpanBaggages: map[string]string{"k": "v"}, JaegerEndpoint: "jaeger"},
	}
	s.fcc = fccontext.FcContext{RequestID: s.fcc.RequestID, Credentials: s.fcc.Credentials, Function: s.fcc.Function,
		Service: s.fcc.Service, Region: s.fcc.Region, AccountId: s.fcc.AccountId, RetryCount: s.fcc.RetryCount, Tracing: s.fcc.Tracing}
	gotJSON, _ := json.Marshal(s.fcc)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("fccontext\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if s.raw != `{"x":1}` {
		t.Errorf("raw %q", s.raw)
	}
}

// Headers the SDK cannot parse: nothing is posted (as with the SDK) and the
// loop goes on.
func TestLoopUnparsableHeaders(t *testing.T) {
	a := newFakeAPI(t)
	a.run(func(context.Context, []byte) (any, error) { return 1, nil }, minEventLimit)
	a.queue <- apiInvocation{header: map[string]string{hdrRequestID: "req-nodeadline", hdrFunctionTimeout: "1"}, payload: []byte(`{}`)}
	select {
	case res := <-a.results:
		t.Fatalf("result posted: /%s %s", res.kind, res.body)
	case <-time.After(300 * time.Millisecond):
	}
	if res := a.invoke("req-next", []byte(`{}`), nil, false); res.kind != "response" {
		t.Fatalf("/%s %s", res.kind, res.body)
	}
}

func TestLoopEventWithoutContentLength(t *testing.T) {
	a := newFakeAPI(t)
	got := make(chan []byte, 2)
	a.run(func(_ context.Context, raw []byte) (any, error) { got <- raw; return len(raw), nil }, minEventLimit)
	for _, n := range []int{0, 100, 5<<20 + 17} {
		payload := bytes.Repeat([]byte("abcdefg"), n/7+1)[:n]
		res := a.invoke("req-chunked-"+strconv.Itoa(n), payload, nil, true)
		if res.kind != "response" || string(res.body) != strconv.Itoa(n) {
			t.Fatalf("%d bytes: /%s %s", n, res.kind, res.body)
		}
		if raw := <-got; !bytes.Equal(raw, payload) {
			t.Errorf("%d bytes: handler got %d different bytes", n, len(raw))
		}
	}
}

func TestLoopOversizeEvent(t *testing.T) {
	const limit = 64 << 10
	a := newFakeAPI(t)
	called := atomic.Bool{}
	a.run(func(context.Context, []byte) (any, error) { called.Store(true); return nil, nil }, limit)
	// At the limit: served.
	if res := a.invoke("req-at-limit", bytes.Repeat([]byte(" "), limit), nil, false); res.kind != "response" {
		t.Fatalf("/%s %s", res.kind, res.body)
	}
	<-a.writeErr
	called.Store(false)

	// With Content-Length: refused before a byte of the body is read; the
	// connection is dropped, so the runtime API cannot write it all.
	big := bytes.Repeat([]byte("x"), 64<<20)
	m := decodeError(t, a.invoke("req-big", big, nil, false))
	if !strings.Contains(m["errorMessage"].(string), "fcrun: event too large: 67108864 bytes, limit 65536") || m["errorType"] != "wrapError" {
		t.Errorf("error payload %v", m)
	}
	if err := <-a.writeErr; err == nil {
		t.Error("the whole oversize event was read")
	}
	// Without Content-Length: read no further than the limit.
	m = decodeError(t, a.invoke("req-big-chunked", big, nil, true))
	if !strings.Contains(m["errorMessage"].(string), "fcrun: event too large: over 65536 bytes (no Content-Length)") {
		t.Errorf("error payload %v", m)
	}
	if err := <-a.writeErr; err == nil {
		t.Error("the whole oversize chunked event was read")
	}
	if called.Load() {
		t.Error("handler called for an oversize event")
	}
	if res := a.invoke("req-small", []byte(`{}`), nil, false); res.kind != "response" {
		t.Fatalf("after oversize: /%s %s", res.kind, res.body)
	}
}

func TestEventLimit(t *testing.T) {
	for _, tc := range []struct{ maxBody, want int64 }{
		{DefaultMaxBody, minEventLimit},
		{16 << 10, minEventLimit},
		{32 << 20, noCapEventLimit},
		{20 << 20, 120<<20 + eventOverhead},
		{1 << 40, noCapEventLimit},
		{-1, noCapEventLimit},
	} {
		if got := eventLimit(tc.maxBody); got != tc.want {
			t.Errorf("eventLimit(%d) = %d, want %d", tc.maxBody, got, tc.want)
		}
	}
	// FC's largest event (a 32 MB body, base64) fits the smallest limit.
	if base64Len := int64((32<<20+2)/3*4) + eventOverhead; base64Len > minEventLimit {
		t.Errorf("minEventLimit %d below a 32 MB base64 event (%d)", minEventLimit, base64Len)
	}
}

// A failing /next is retried (with a backoff) until it succeeds.
func TestLoopRetriesNext(t *testing.T) {
	a := newFakeAPI(t)
	a.failPolls.Store(3)
	a.run(func(context.Context, []byte) (any, error) { return "ok", nil }, minEventLimit)
	if res := a.invoke("req-retry", []byte(`{}`), nil, false); res.kind != "response" {
		t.Fatalf("/%s %s", res.kind, res.body)
	}
	if n := a.polls.Load(); n < 4 {
		t.Errorf("%d polls, want ≥ 4 (3 failed)", n)
	}
}

// Invocations are served concurrently, one goroutine each, like the SDK:
// the loop polls again while a handler runs.
func TestLoopConcurrent(t *testing.T) {
	a := newFakeAPI(t)
	first, release := make(chan struct{}), make(chan struct{})
	a.run(func(_ context.Context, raw []byte) (any, error) {
		if string(raw) == `"first"` {
			close(first)
			<-release
		}
		return string(raw), nil
	}, minEventLimit)
	a.queue <- apiInvocation{header: map[string]string{hdrRequestID: "req-1", hdrDeadlineMS: "1", hdrFunctionTimeout: "1"}, payload: []byte(`"first"`)}
	<-first
	if res := a.invoke("req-2", []byte(`"second"`), nil, false); res.kind != "response" || string(res.body) != `"\"second\""` {
		t.Fatalf("second while first runs: /%s %s", res.kind, res.body)
	}
	close(release)
	select {
	case res := <-a.results:
		if res.id != "req-1" || res.kind != "response" {
			t.Errorf("first: %s /%s %s", res.id, res.kind, res.body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("first never answered")
	}
}
