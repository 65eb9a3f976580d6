package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aliyun/fc-runtime-go-sdk/events"

	"ossdirect/internal/testsupport/syncbuf"
	"ossdirect/shared/api"
	"ossdirect/shared/auth"
	"ossdirect/shared/fcrun"
)

// panickingAuth is mode none, except that it panics on a request with an
// X-Panic header: a real handler that panics half-way.
type panickingAuth struct{}

func (panickingAuth) Authenticate(r *http.Request) (auth.Subject, error) {
	if r.Header.Get("X-Panic") != "" {
		panic("authenticator exploded")
	}
	return auth.Subject{ID: auth.AnonymousID, Mode: auth.ModeNone}, nil
}

func (panickingAuth) Challenge() string { return "" }

const panicOrigin = "https://app.example"

// A function binary (fcrun.Handler in front of Handlers.Function, as
// app.Run serves it): a panic is answered 500 InternalError with the
// request id the handler announced and its CORS headers, it is logged, and
// the next invocation is served.
func TestPanicInFunction(t *testing.T) {
	t.Parallel()
	var logs syncbuf.Buffer
	h := newHandlers(t, api.Config{Auth: panickingAuth{}, CORSOrigins: []string{panicOrigin}}).Handler(api.PostSignature)
	fn := fcrun.Handler(h, fcrun.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	invoke := func(header map[string]string) *events.HTTPTriggerResponse {
		t.Helper()
		raw, _ := json.Marshal(map[string]any{
			"version": "v1", "rawPath": "/", "body": "", "isBase64Encoded": false, "headers": header,
			"queryParameters": map[string]string{"profile": "docs", "contentType": "text/plain", "size": "100"},
			"requestContext":  map[string]any{"requestId": "fc-1", "http": map[string]string{"method": "GET", "path": "/"}},
		})
		out, err := fn(context.Background(), raw)
		if err != nil {
			t.Fatalf("invocation failed: %v", err)
		}
		return out.(*events.HTTPTriggerResponse)
	}

	resp := invoke(map[string]string{"origin": panicOrigin, "x-panic": "1"})
	var body struct{ Code, Message, RequestID string }
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || resp.StatusCode != http.StatusInternalServerError ||
		body.Code != api.CodeInternalError || body.RequestID == "" || body.RequestID != resp.Headers["X-Request-Id"] ||
		resp.Headers["Access-Control-Allow-Origin"] != panicOrigin || !strings.HasPrefix(resp.Headers["Content-Type"], "application/json") {
		t.Errorf("panic answer %+v (%v)", resp, err)
	}
	for _, want := range []string{`"msg":"fcrun: handler panicked"`, `"panic":"authenticator exploded"`, `"requestId":"` + body.RequestID + `"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
	if resp := invoke(map[string]string{"origin": panicOrigin}); resp.StatusCode != http.StatusOK {
		t.Errorf("after the panic: %+v", resp)
	}
}

// ossdirect dev (fcrun.Recover in front of the API listener's mux, as
// devstack.Start serves it): the same answer over real HTTP, and the
// server keeps serving.
func TestPanicInDevMux(t *testing.T) {
	t.Parallel()
	var logs syncbuf.Buffer
	h := newHandlers(t, api.Config{Auth: panickingAuth{}, CORSOrigins: []string{panicOrigin}})
	srv := httptest.NewServer(fcrun.Recover(h.Mux(), slog.New(slog.NewJSONHandler(&logs, nil))))
	t.Cleanup(srv.Close)
	url := srv.URL + api.PostSignature.Path() + "?profile=docs&contentType=text/plain&size=100"

	r := call(t, "GET", url, "", "Origin", panicOrigin, "X-Panic", "1")
	e := wantError(t, r, http.StatusInternalServerError, api.CodeInternalError)
	if r.header.Get("Access-Control-Allow-Origin") != panicOrigin {
		t.Errorf("panic answer lost its CORS headers: %v", r.header)
	}
	if !strings.Contains(logs.String(), `"panic":"authenticator exploded"`) || !strings.Contains(logs.String(), `"requestId":"`+e.RequestID+`"`) {
		t.Errorf("panic not logged under its request id:\n%s", logs.String())
	}
	if r := call(t, "GET", url, "", "Origin", panicOrigin); r.status != http.StatusOK {
		t.Errorf("after the panic: %d %s", r.status, r.body)
	}
}
