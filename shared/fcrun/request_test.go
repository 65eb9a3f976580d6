package fcrun

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"testing"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"

	"ossdirect/shared/credentials"
)

func TestRequestFixtures(t *testing.T) {
	t.Parallel()
	png := "\x89PNG\r\n\x1a\n"
	tests := []struct {
		fixture     string
		method      string
		path        string // decoded URL.Path
		escapedPath string
		rawQuery    string
		requestURI  string
		host        string
		remoteAddr  string
		header      http.Header // subset that must match exactly
		bodyPrefix  string
		bodyLen     int
	}{
		{
			fixture: "http-lower.json", method: "GET", path: "/example", escapedPath: "/example",
			rawQuery: "parameter1=value1&parameter2=value2", requestURI: "/example?parameter1=value1&parameter2=value2",
			host: "oss-upload-post-signature-xkqrtzwbex.cn-hangzhou.fcapp.run", remoteAddr: "203.0.113.7:0",
			header: http.Header{"Accept-Encoding": {"gzip, deflate, br"}, "User-Agent": {"curl/8.5.0"}, "X-Forwarded-Proto": {"https"}},
		},
		{
			fixture: "http-canonical.json", method: "POST", path: "/v1/post-signature", escapedPath: "/v1/post-signature",
			requestURI: "/v1/post-signature", host: "api.example.com", remoteAddr: "198.51.100.23:0",
			header:     http.Header{"Content-Type": {"application/json"}, "Content-Length": {"80"}, "Origin": {"https://www.example.com"}},
			bodyPrefix: `{"profile":"images"`, bodyLen: 80,
		},
		{
			fixture: "http-base64.json", method: "PUT", path: "/files/pixel.png", escapedPath: "/files/pixel.png",
			rawQuery: "overwrite=false", requestURI: "/files/pixel.png?overwrite=false",
			host: "oss-upload-callback-pqmzvtyuae.cn-shanghai.fcapp.run", remoteAddr: "192.0.2.44:0",
			header:     http.Header{"Content-Type": {"image/png"}, "Content-Length": {"70"}},
			bodyPrefix: png, bodyLen: 70,
		},
		{
			fixture: "http-multivalue.json", method: "GET", path: "/search", escapedPath: "/search",
			rawQuery: "empty=&q=hello+world&tag=a%2Cb", requestURI: "/search?empty=&q=hello+world&tag=a%2Cb",
			host: "oss-upload-presigned-url-hbvcxrtyqw.cn-hangzhou.fcapp.run", remoteAddr: "198.51.100.1:0",
			header: http.Header{
				"Accept":          {"text/html,application/json"},
				"Cookie":          {"session=abc123; theme=dark"},
				"X-Forwarded-For": {"198.51.100.1,10.0.0.2"},
				"X-Trace":         {"one,two"},
			},
		},
		{
			fixture: "http-encoded-path.json", method: "POST", path: "/callback/x/中", escapedPath: "/callback%2Fx/%E4%B8%AD",
			rawQuery: "uid=42", requestURI: "/callback%2Fx/%E4%B8%AD?uid=42",
			host: "oss-upload-callback-pqmzvtyuae.cn-hangzhou.fcapp.run", remoteAddr: "100.68.12.201:0",
			header: http.Header{
				"Authorization":     {"hL0Qbm3+mb0BWJ0UsJ2fSXqRQcTn5wMf6c3ue9Z5PRNkb3qJz4Rpb3AvkA+o0uANd7q3YG6hS1lXk7tPC1gf9g=="},
				"X-Oss-Pub-Key-Url": {"aHR0cDovL2dvc3NwdWJsaWMuYWxpY2RuLmNvbS9jYWxsYmFja19wdWJfa2V5X3YxLnBlbQ=="},
				"Content-Type":      {"application/x-www-form-urlencoded"},
			},
			bodyPrefix: "bucket=examplebucket&object=uploads%2F", bodyLen: 129,
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			ev := httpFixture(t, tt.fixture)
			r, err := Request(fcContext(), ev)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", what, got, want)
				}
			}
			check("Method", r.Method, tt.method)
			check("URL.Path", r.URL.Path, tt.path)
			check("URL.EscapedPath()", r.URL.EscapedPath(), tt.escapedPath)
			check("URL.RawQuery", r.URL.RawQuery, tt.rawQuery)
			check("RequestURI", r.RequestURI, tt.requestURI)
			check("URL.RequestURI()", r.URL.RequestURI(), tt.requestURI)
			check("Host", r.Host, tt.host)
			check("RemoteAddr", r.RemoteAddr, tt.remoteAddr)
			check("Proto", r.Proto, "HTTP/1.1")
			if _, _, err := net.SplitHostPort(r.RemoteAddr); err != nil {
				t.Errorf("RemoteAddr not host:port: %v", err)
			}
			if _, ok := r.Header["Host"]; ok {
				t.Error("Host left in the header map")
			}
			for k, want := range tt.header {
				if got := r.Header[k]; !reflect.DeepEqual(got, want) {
					t.Errorf("Header[%s] = %q, want %q", k, got, want)
				}
			}
			body, err := io.ReadAll(r.Body)
			if err != nil {
				t.Fatal(err)
			}
			if len(body) != tt.bodyLen || string(body[:len(tt.bodyPrefix)]) != tt.bodyPrefix {
				t.Errorf("body = %q (%d bytes), want prefix %q and %d bytes", body, len(body), tt.bodyPrefix, tt.bodyLen)
			}
			if r.ContentLength != int64(tt.bodyLen) {
				t.Errorf("ContentLength = %d, want %d", r.ContentLength, tt.bodyLen)
			}
			if got, ok := EventFromContext(r.Context()); !ok || got != ev {
				t.Error("EventFromContext did not return the event")
			}
			if fcc, ok := fccontext.FromContext(r.Context()); !ok || fcc.RequestID != "fc-req-1" {
				t.Error("fccontext lost from the request context")
			}
		})
	}
}

func TestRequestQueryAndCookies(t *testing.T) {
	t.Parallel()
	r, err := Request(context.Background(), httpFixture(t, "http-multivalue.json"))
	if err != nil {
		t.Fatal(err)
	}
	q := r.URL.Query()
	want := map[string][]string{"tag": {"a,b"}, "q": {"hello world"}, "empty": {""}}
	if !reflect.DeepEqual(map[string][]string(q), want) {
		t.Errorf("Query() = %v, want %v (multi-values stay comma-joined)", q, want)
	}
	var names []string
	for _, c := range r.Cookies() {
		names = append(names, c.Name+"="+c.Value)
	}
	if !reflect.DeepEqual(names, []string{"session=abc123", "theme=dark"}) {
		t.Errorf("Cookies() = %v", names)
	}
}

func ptr[T any](v T) *T { return &v }

func minimalEvent() *events.HTTPTriggerEvent {
	ev := &events.HTTPTriggerEvent{Version: ptr("v1"), RawPath: ptr("/a")}
	ev.TriggerContext.Http.Method = ptr("GET")
	ev.TriggerContext.Http.Path = ptr("/a")
	return ev
}

func TestRequestEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(ev *events.HTTPTriggerEvent)
		want   error
		check  func(t *testing.T, r *http.Request)
	}{
		{name: "minimal", modify: func(*events.HTTPTriggerEvent) {}, check: func(t *testing.T, r *http.Request) {
			if r.URL.Path != "/a" || r.RequestURI != "/a" || r.Body != http.NoBody || r.ContentLength != 0 || r.Host != "" || r.RemoteAddr != "" {
				t.Errorf("got %+v", r)
			}
		}},
		{name: "rawPath missing falls back to encoded http.path", modify: func(ev *events.HTTPTriggerEvent) {
			ev.RawPath = nil
			ev.TriggerContext.Http.Path = ptr("/a b/中")
		}, check: func(t *testing.T, r *http.Request) {
			if r.URL.Path != "/a b/中" || r.URL.EscapedPath() != "/a%20b/%E4%B8%AD" || r.RequestURI != "/a%20b/%E4%B8%AD" {
				t.Errorf("path %q escaped %q uri %q", r.URL.Path, r.URL.EscapedPath(), r.RequestURI)
			}
		}},
		{name: "rawPath with query wins over queryParameters", modify: func(ev *events.HTTPTriggerEvent) {
			ev.RawPath = ptr("/a?z=1&a=2&a=3")
			ev.QueryParameters = &map[string]string{"ignored": "x"}
		}, check: func(t *testing.T, r *http.Request) {
			if r.URL.RawQuery != "z=1&a=2&a=3" || r.RequestURI != "/a?z=1&a=2&a=3" {
				t.Errorf("RawQuery %q RequestURI %q", r.URL.RawQuery, r.RequestURI)
			}
		}},
		{name: "rawPath wins over a disagreeing http.path", modify: func(ev *events.HTTPTriggerEvent) {
			ev.RawPath = ptr("/x%2Fy")
			ev.TriggerContext.Http.Path = ptr("/other")
		}, check: func(t *testing.T, r *http.Request) {
			if r.URL.Path != "/x/y" || r.URL.EscapedPath() != "/x%2Fy" {
				t.Errorf("path %q escaped %q", r.URL.Path, r.URL.EscapedPath())
			}
		}},
		{name: "lower-case escapes kept verbatim", modify: func(ev *events.HTTPTriggerEvent) {
			ev.RawPath = ptr("/cb%2fx/%e4%b8%ad")
		}, check: func(t *testing.T, r *http.Request) {
			if r.URL.EscapedPath() != "/cb%2fx/%e4%b8%ad" || r.URL.Path != "/cb/x/中" {
				t.Errorf("path %q escaped %q", r.URL.Path, r.URL.EscapedPath())
			}
		}},
		{name: "host from domainName when no Host header", modify: func(ev *events.HTTPTriggerEvent) {
			ev.TriggerContext.DomainName = ptr("fn.cn-hangzhou.fcapp.run")
		}, check: func(t *testing.T, r *http.Request) {
			if r.Host != "fn.cn-hangzhou.fcapp.run" {
				t.Errorf("Host %q", r.Host)
			}
		}},
		{name: "header keys differing in case are both kept", modify: func(ev *events.HTTPTriggerEvent) {
			ev.Headers = &map[string]string{"x-a": "1", "X-A": "2", "transfer-encoding": "chunked"}
		}, check: func(t *testing.T, r *http.Request) {
			if got := r.Header["X-A"]; !reflect.DeepEqual(got, []string{"2", "1"}) {
				t.Errorf("X-A = %q", got)
			}
			if _, ok := r.Header["Transfer-Encoding"]; ok {
				t.Error("Transfer-Encoding kept")
			}
		}},
		{name: "content-length follows the decoded body", modify: func(ev *events.HTTPTriggerEvent) {
			ev.Body, ev.IsBase64Encoded = ptr("aGk="), ptr(true)
			ev.Headers = &map[string]string{"content-length": "4"}
		}, check: func(t *testing.T, r *http.Request) {
			if r.Header.Get("Content-Length") != "2" || r.ContentLength != 2 {
				t.Errorf("Content-Length %q / %d", r.Header.Get("Content-Length"), r.ContentLength)
			}
		}},
		{name: "HTTP/2 protocol", modify: func(ev *events.HTTPTriggerEvent) {
			ev.TriggerContext.Http.Protocol = ptr("HTTP/2.0")
		}, check: func(t *testing.T, r *http.Request) {
			if r.ProtoMajor != 2 {
				t.Errorf("Proto %q", r.Proto)
			}
		}},
		{name: "IPv6 source", modify: func(ev *events.HTTPTriggerEvent) {
			ev.TriggerContext.Http.SourceIp = ptr("2001:db8::1")
		}, check: func(t *testing.T, r *http.Request) {
			if r.RemoteAddr != "[2001:db8::1]:0" {
				t.Errorf("RemoteAddr %q", r.RemoteAddr)
			}
		}},

		{name: "missing method", modify: func(ev *events.HTTPTriggerEvent) { ev.TriggerContext.Http.Method = nil }, want: ErrMalformedEvent},
		{name: "invalid method", modify: func(ev *events.HTTPTriggerEvent) { ev.TriggerContext.Http.Method = ptr("GE T") }, want: ErrMalformedEvent},
		{name: "missing path", modify: func(ev *events.HTTPTriggerEvent) {
			ev.RawPath, ev.TriggerContext.Http.Path = nil, nil
		}, want: ErrMalformedEvent},
		{name: "relative path", modify: func(ev *events.HTTPTriggerEvent) { ev.RawPath = ptr("a/b") }, want: ErrMalformedEvent},
		{name: "bad percent escape", modify: func(ev *events.HTTPTriggerEvent) { ev.RawPath = ptr("/a%zz") }, want: ErrMalformedEvent},
		{name: "bad base64 body", modify: func(ev *events.HTTPTriggerEvent) {
			ev.Body, ev.IsBase64Encoded = ptr("not base64!"), ptr(true)
		}, want: ErrMalformedEvent},
		{name: "bad header name", modify: func(ev *events.HTTPTriggerEvent) {
			ev.Headers = &map[string]string{"bad header": "x"}
		}, want: ErrMalformedEvent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := minimalEvent()
			tt.modify(ev)
			r, err := Request(context.Background(), ev)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
	if _, err := Request(context.Background(), nil); !errors.Is(err, ErrMalformedEvent) {
		t.Errorf("nil event: err = %v", err)
	}
}

func TestInvocationCredentials(t *testing.T) {
	t.Parallel()
	got, ok := credentials.FromContext(invocationContext(fcContext(), []byte(`{}`)))
	want := credentials.Value{AccessKeyID: "STS.invoke-ak", AccessKeySecret: "invoke-secret", SecurityToken: "invoke-token"}
	if !ok || got != want {
		t.Errorf("from fccontext: %v %v", got, ok)
	}
	if v, err := (credentials.Invocation{}).Retrieve(invocationContext(fcContext(), []byte(`{}`))); err != nil || v != want {
		t.Errorf("credentials.Invocation: %v, %v", v, err)
	}
	if _, ok := credentials.FromContext(invocationContext(context.Background(), []byte(`{}`))); ok {
		t.Error("plain context: ok = true")
	}
	noKey := fccontext.NewContext(context.Background(), &fccontext.FcContext{RequestID: "x"})
	if got, ok := credentials.FromContext(invocationContext(noKey, []byte(`{}`))); ok || got.AccessKeyID != "" {
		t.Error("fccontext without credentials: ok = true")
	}
	noSecret := fccontext.NewContext(context.Background(), &fccontext.FcContext{Credentials: fccontext.Credentials{AccessKeyId: "a"}})
	if _, ok := credentials.FromContext(invocationContext(noSecret, []byte(`{}`))); ok {
		t.Error("fccontext without a secret: ok = true")
	}
	// The snapshot taken by Handler survives later mutation of the FcContext.
	fcc := &fccontext.FcContext{Credentials: fccontext.Credentials{AccessKeyId: "a", AccessKeySecret: "s"}}
	ctx := invocationContext(fccontext.NewContext(context.Background(), fcc), []byte(`{}`))
	fcc.Credentials.AccessKeyId = "changed"
	if got, ok := credentials.FromContext(ctx); !ok || got.AccessKeyID != "a" || got.SecurityToken != "" {
		t.Errorf("snapshot: %v %v", got, ok)
	}
}
