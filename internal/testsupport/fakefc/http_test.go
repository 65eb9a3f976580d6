package fakefc

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/events"

	"ossdirect/shared/fcrun"
)

// keyTree returns the object keys of a JSON document, recursively, as
// dotted paths (the shape of an event, without its values).
func keyTree(t *testing.T, doc []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, child := range m {
			p := prefix + k
			if prefix == "headers." || prefix == "queryParameters." {
				continue // values, not shape
			}
			out = append(out, p)
			walk(p+".", child)
		}
	}
	walk("", v)
	sort.Strings(out)
	return out
}

// TestHTTPEventShape checks that HTTPEvent produces exactly the fields of
// the documented event (fcrun's hand-written fixture of the FC doc example).
func TestHTTPEventShape(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "fcrun", "testdata", "http-lower.json"))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "http://fn-abc.cn-hangzhou.fcapp.run/example?parameter1=value1", nil)
	got, err := HTTPEvent(req)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := keyTree(t, got), keyTree(t, fixture); !reflect.DeepEqual(g, w) {
		t.Errorf("event keys\n got %v\nwant %v", g, w)
	}
}

// TestHTTPEventThroughFcrun converts requests to events with HTTPEvent and
// back with fcrun.Request, and checks what a handler would see.
func TestHTTPEventThroughFcrun(t *testing.T) {
	t.Parallel()
	bin := []byte{0, 1, 2, 0xff, 0xfe}
	tests := []struct {
		name        string
		req         func() *http.Request
		escapedPath string
		query       map[string][]string
		header      http.Header
		host        string
		body        []byte
		b64         bool
	}{
		{
			name: "client request with encoded path and multi-values",
			req: func() *http.Request {
				r, _ := http.NewRequest("POST", "http://fn.example.com:8080/callback%2Fx/%E4%B8%AD?a=1&a=2&b=x%20y", strings.NewReader("k=v&x=%2F"))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Add("X-Multi", "one")
				r.Header.Add("X-Multi", "two")
				r.Header.Set("Cookie", "a=1; b=2")
				return r
			},
			escapedPath: "/callback%2Fx/%E4%B8%AD",
			query:       map[string][]string{"a": {"1,2"}, "b": {"x y"}},
			header:      http.Header{"X-Multi": {"one,two"}, "Cookie": {"a=1; b=2"}, "Content-Length": {"9"}, "Content-Type": {"application/x-www-form-urlencoded"}},
			host:        "fn.example.com:8080",
			body:        []byte("k=v&x=%2F"),
		},
		{
			name: "server request with binary body",
			req: func() *http.Request {
				r := httptest.NewRequest("PUT", "/files/a.bin", bytes.NewReader(bin))
				r.Header.Set("Content-Type", "application/octet-stream")
				r.RemoteAddr = "192.0.2.9:51234"
				return r
			},
			escapedPath: "/files/a.bin",
			query:       map[string][]string{},
			header:      http.Header{"Content-Type": {"application/octet-stream"}},
			host:        "example.com",
			body:        bin,
			b64:         true,
		},
		{
			name: "invalid UTF-8 with a text type is base64",
			req: func() *http.Request {
				r := httptest.NewRequest("POST", "/t", strings.NewReader("\xc4\xe3"))
				r.Header.Set("Content-Type", "text/plain; charset=gbk")
				return r
			},
			escapedPath: "/t",
			query:       map[string][]string{},
			host:        "example.com",
			body:        []byte("\xc4\xe3"),
			b64:         true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := tt.req()
			raw, err := HTTPEvent(req)
			if err != nil {
				t.Fatal(err)
			}
			var ev events.HTTPTriggerEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			if *ev.IsBase64Encoded != tt.b64 {
				t.Errorf("isBase64Encoded = %v", *ev.IsBase64Encoded)
			}
			for k := range *ev.Headers {
				if k != strings.ToLower(k) {
					t.Errorf("header key %q not lower-case", k)
				}
			}
			r, err := fcrun.Request(context.Background(), &ev)
			if err != nil {
				t.Fatal(err)
			}
			if r.Method != req.Method || r.URL.EscapedPath() != tt.escapedPath || r.Host != tt.host {
				t.Errorf("method %q path %q host %q", r.Method, r.URL.EscapedPath(), r.Host)
			}
			if q := r.URL.Query(); !reflect.DeepEqual(map[string][]string(q), tt.query) {
				t.Errorf("query %v, want %v", q, tt.query)
			}
			for k, want := range tt.header {
				if got := r.Header[k]; !reflect.DeepEqual(got, want) {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			body, _ := io.ReadAll(r.Body)
			if !bytes.Equal(body, tt.body) {
				t.Errorf("body %q, want %q", body, tt.body)
			}
			// HTTPEvent leaves req's body re-readable.
			if again, _ := io.ReadAll(req.Body); !bytes.Equal(again, tt.body) {
				t.Errorf("request body after HTTPEvent: %q", again)
			}
		})
	}
}

func TestHTTPResponse(t *testing.T) {
	t.Parallel()
	for _, body := range [][]byte{[]byte(`{"ok":true}`), {0x89, 'P', 0, 0xff}} {
		ct := "application/json"
		if body[0] == 0x89 {
			ct = "image/png"
		}
		h := http.Header{"Content-Type": {ct}, "Vary": {"Origin", "Accept"}, "Set-Cookie": {"a=1"}}
		payload, err := json.Marshal(fcrun.Response(201, h, body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := HTTPResponse(payload)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 201 || resp.Status != "201 Created" || !bytes.Equal(got, body) ||
			resp.Header.Get("Content-Type") != ct || resp.Header.Get("Vary") != "Origin, Accept" ||
			resp.Header.Get("Set-Cookie") != "a=1" || resp.ContentLength != int64(len(body)) {
			t.Errorf("response %+v body %q", resp, got)
		}
	}
	for name, payload := range map[string]string{
		"not JSON":      `{"statusCode":`,
		"a string":      `"hello"`,
		"null":          `null`,
		"no statusCode": `{"headers":{},"body":"x"}`,
		"bad status":    `{"statusCode":42}`,
		"bad base64":    `{"statusCode":200,"isBase64Encoded":true,"body":"%%"}`,
	} {
		if _, err := HTTPResponse([]byte(payload)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestHTTPEventRequestID(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 8, 15, 44, 512e6, time.UTC)
	raw, err := httpEvent(httptest.NewRequest("GET", "/", nil), "req-1", now)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.HTTPTriggerEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	c := ev.TriggerContext
	if *c.RequestId != "req-1" || *c.Time != "2026-11-23T08:15:44Z" || *c.TimeEpoch != "1795421744512" ||
		*c.DomainName != "example.com" || *c.DomainPrefix != "example" || *c.Http.SourceIp != "192.0.2.1" {
		t.Errorf("requestContext %s", raw)
	}
}
