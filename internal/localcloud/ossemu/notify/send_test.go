package notify

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ossdirect/shared/callback"
)

// testKey is one 2048-bit key for all tests (key generation is slow).
var testKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, 2048)
})

const testKeyURL = "https://emu.example/callback_pub_key.pem"

func newSender(t *testing.T) (*Sender, []byte) {
	t.Helper()
	key, err := testKey()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return &Sender{Key: key, PubKeyURL: testKeyURL}, pemKey
}

// received is what a test application server saw.
type received struct {
	header     http.Header
	host       string
	requestURI string
	method     string
	body       []byte
	in         callback.Input
	inErr      error
}

// recorder is an application server that records each request and answers
// with status and body.
type recorder struct {
	mu     sync.Mutex
	got    []received
	status int
	answer string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	in, err := callback.FromRequest(r, body)
	rec.mu.Lock()
	rec.got = append(rec.got, received{
		header: r.Header.Clone(), host: r.Host, requestURI: r.RequestURI, method: r.Method,
		body: body, in: in, inErr: err,
	})
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rec.status)
	_, _ = io.WriteString(w, rec.answer)
}

func (rec *recorder) requests() []received {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]received(nil), rec.got...)
}

func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestSendSignedRequest(t *testing.T) {
	t.Parallel()
	date := time.Date(2026, 3, 1, 8, 30, 0, 0, time.FixedZone("CST", 8*3600))
	soonio := Object{
		Bucket: "soonio", Key: "local/var/www/zhuye.png", Size: 5385, MimeType: "application/octet-stream",
		RequestID: "5C06A3B67B8B5A3DA422299D", Image: ImageInfo{Width: 256, Height: 256, Format: "png"},
	}
	tests := []struct {
		name     string
		path     string // appended to the server URL
		host     string // callbackHost
		body     string
		bodyType string
		vars     map[string]string
		obj      Object
		wantBody string
		wantMD5  string
		wantHost string // "" = the server's own host:port
		wantURI  string
	}{
		{
			name: "form body", path: "/callback",
			body: "bucket=${bucket}&object=${object}&mimeType=${mimeType}&u=${x:uid}", vars: map[string]string{"x:uid": "42"},
			obj:      Object{Bucket: "bkt", Key: "dir/a.txt", MimeType: "text/plain", RequestID: "RID1"},
			wantBody: "bucket=bkt&object=dir%2Fa.txt&mimeType=text%2Fplain&u=42", wantURI: "/callback",
		},
		{
			name: "soonio capture: Content-MD5 equals the one OSS sent", path: "/api/any",
			body: "filename=${object}&size=${size}&mimeType=${mimeType}&height=${imageInfo.height}&width=${imageInfo.width}", bodyType: BodyTypeJSON,
			obj:      soonio,
			wantBody: `filename="local/var/www/zhuye.png"&size=5385&mimeType="application/octet-stream"&height=256&width=256`,
			wantMD5:  "nbXlrGfwFyDIgSJjs1PBHA==", wantURI: "/api/any",
		},
		{
			name: "encoded path and raw query are signed as sent", path: "/cb%2Fx/%E4%B8%AD%E6%96%87/a%20b?uid=42&token=a%2Bb&sp=a%20b",
			body: `{"o":${object}}`, bodyType: BodyTypeJSON, obj: Object{Key: "中文.png", RequestID: "RID3"},
			wantBody: `{"o":"中文.png"}`, wantURI: "/cb%2Fx/%E4%B8%AD%E6%96%87/a%20b?uid=42&token=a%2Bb&sp=a%20b",
		},
		{
			name: "callbackHost sets the Host header; empty path is /", path: "",
			host: "app.example.com:8080", body: "${size}", obj: Object{Size: 1},
			wantBody: "1", wantHost: "app.example.com:8080", wantURI: "/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{status: 200, answer: `{"Status":"OK"}`}
			srv := serve(t, rec)
			s, pemKey := newSender(t)
			s.Now = func() time.Time { return date }
			spec := &Spec{URLs: []string{srv.URL + tt.path}, Host: tt.host, Body: tt.body, BodyType: tt.bodyType, Vars: tt.vars}

			got, err := s.Send(t.Context(), spec, tt.obj)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if string(got) != `{"Status":"OK"}` {
				t.Errorf("Send returned %q, want the server's answer", got)
			}
			reqs := rec.requests()
			if len(reqs) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if string(r.body) != tt.wantBody {
				t.Errorf("body = %s, want %s", r.body, tt.wantBody)
			}
			sum := md5.Sum(r.body)
			wantMD5 := base64.StdEncoding.EncodeToString(sum[:])
			if tt.wantMD5 != "" && tt.wantMD5 != wantMD5 {
				t.Fatalf("test vector: body md5 %s != %s", wantMD5, tt.wantMD5)
			}
			wantType := BodyTypeForm
			if tt.bodyType != "" {
				wantType = tt.bodyType
			}
			wantHost := tt.wantHost
			if wantHost == "" {
				wantHost = strings.TrimPrefix(srv.URL, "http://")
			}
			checks := []struct{ what, got, want string }{
				{"method", r.method, http.MethodPost},
				{"request URI", r.requestURI, tt.wantURI},
				{"Host", r.host, wantHost},
				{"Content-Type", r.header.Get("Content-Type"), wantType},
				{"Content-Length", r.header.Get("Content-Length"), fmt.Sprint(len(tt.wantBody))},
				{"Content-MD5", r.header.Get("Content-MD5"), wantMD5},
				{"Date", r.header.Get("Date"), "Sun, 01 Mar 2026 00:30:00 GMT"},
				{"User-Agent", r.header.Get("User-Agent"), "aliyun-oss-callback"},
				{"x-oss-pub-key-url", r.header.Get("X-Oss-Pub-Key-Url"), base64.StdEncoding.EncodeToString([]byte(testKeyURL))},
				{"x-oss-bucket", r.header.Get("X-Oss-Bucket"), tt.obj.Bucket},
				{"x-oss-request-id", r.header.Get("X-Oss-Request-Id"), tt.obj.RequestID},
				{"x-oss-signature-version", r.header.Get("X-Oss-Signature-Version"), "1.0"},
				{"x-oss-tag", r.header.Get("X-Oss-Tag"), "CALLBACK"},
				{"Accept-Encoding", r.header.Get("Accept-Encoding"), ""},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			if _, ok := r.header["X-Oss-Additional-Headers"]; !ok {
				t.Errorf("x-oss-additional-headers missing")
			}

			if r.inErr != nil {
				t.Fatalf("callback.FromRequest: %v", r.inErr)
			}
			if err := callback.VerifyPEM(r.in, pemKey, []string{"https://emu.example/"}); err != nil {
				t.Errorf("VerifyPEM with the emulator's prefix allowed: %v", err)
			}
			if err := callback.VerifyPEM(r.in, pemKey, nil); !errors.Is(err, callback.ErrKeyURLNotAllowed) {
				t.Errorf("VerifyPEM with OSS's default allow-list: err = %v, want ErrKeyURLNotAllowed", err)
			}
			tampered := r.in
			tampered.Body = append(bytes.Clone(r.in.Body), ' ')
			if err := callback.VerifyPEM(tampered, pemKey, []string{"https://emu.example/"}); !errors.Is(err, callback.ErrSignatureMismatch) {
				t.Errorf("VerifyPEM of a changed body: err = %v, want ErrSignatureMismatch", err)
			}
		})
	}
}

// TestSendTLS sends to an https URL through a caller-supplied client.
func TestSendTLS(t *testing.T) {
	t.Parallel()
	rec := &recorder{status: 200, answer: `{"ok":true}`}
	srv := httptest.NewTLSServer(rec)
	t.Cleanup(srv.Close)
	s, pemKey := newSender(t)
	s.Client = srv.Client()
	got, err := s.Send(t.Context(), &Spec{URLs: []string{srv.URL + "/cb?a=1"}, Body: "o=${object}"}, Object{Key: "k"})
	if err != nil || string(got) != `{"ok":true}` {
		t.Fatalf("Send = %q, %v", got, err)
	}
	if err := callback.VerifyPEM(rec.requests()[0].in, pemKey, []string{"https://emu.example/"}); err != nil {
		t.Fatalf("VerifyPEM: %v", err)
	}
}

// TestSendWireHeaderNames reads the raw request and checks that
// authorization and the x-oss-* headers use OSS's lower-case names.
func TestSendWireHeaderNames(t *testing.T) {
	t.Parallel()
	head := make(chan string, 1)
	url := rawServer(t, func(conn net.Conn, br *bufio.Reader) {
		var b strings.Builder
		for {
			line, err := br.ReadString('\n')
			b.WriteString(line)
			if err != nil || line == "\r\n" {
				break
			}
		}
		head <- b.String()
		_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
	})
	s, _ := newSender(t)
	if _, err := s.Send(t.Context(), &Spec{URLs: []string{url}, Body: "a"}, Object{Bucket: "b", RequestID: "r"}); err != nil {
		t.Fatal(err)
	}
	h := <-head
	for _, name := range []string{"authorization", "x-oss-pub-key-url", "x-oss-bucket", "x-oss-request-id", "x-oss-signature-version", "x-oss-tag", "x-oss-additional-headers"} {
		if !strings.Contains(h, "\r\n"+name+": ") {
			t.Errorf("request head lacks %q:\n%s", name+": ", h)
		}
	}
}

// rawServer accepts connections on loopback and hands each to handle.
func rawServer(t *testing.T, handle func(net.Conn, *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				handle(conn, bufio.NewReader(conn))
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/cb"
}

// closedURL returns a loopback URL nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr + "/cb"
}

func TestSendFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		handler     http.HandlerFunc
		raw         func(net.Conn, *bufio.Reader) // instead of handler
		closed      bool                          // a URL nothing listens on
		timeout     time.Duration
		maxResponse int64
		wantMsg     string
		wantStatus  int
		wantTimeout bool // Err is a timeout
	}{
		{
			name:    "502",
			handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) },
			wantMsg: "Error status : 502.", wantStatus: 502,
		},
		{
			name: "500 with a JSON body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(500)
				_, _ = io.WriteString(w, `{"error":"x"}`)
			},
			wantMsg: "Error status : 500.", wantStatus: 500,
		},
		{
			name:    "204 is not 200",
			handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) },
			wantMsg: "Error status : 204.", wantStatus: 204,
		},
		{
			name: "redirect is not followed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/cb" {
					panic("redirect followed to " + r.URL.Path)
				}
				http.Redirect(w, r, "/elsewhere", http.StatusMovedPermanently)
			},
			wantMsg: "Error status : 301.", wantStatus: 301,
		},
		{
			name:    "200 not JSON",
			handler: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "OK") },
			wantMsg: "Response body is not valid json format.", wantStatus: 200,
		},
		{
			name:    "200 empty body",
			handler: func(w http.ResponseWriter, r *http.Request) {},
			wantMsg: "Response body is not valid json format.", wantStatus: 200,
		},
		{
			name:    "200 truncated JSON",
			handler: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"a":`) },
			wantMsg: "Response body is not valid json format.", wantStatus: 200,
		},
		{
			name: "slow server",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body) // lets the server notice the client hanging up
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
			},
			timeout: time.Second, // ample for the request to arrive on a loaded machine
			wantMsg: "Cost too long time.", wantTimeout: true,
		},
		{
			name: "slow body after the headers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, `{"a":`)
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
			},
			timeout: time.Second, // ample for the request to arrive on a loaded machine
			wantMsg: "Cost too long time.", wantStatus: 200, wantTimeout: true,
		},
		{
			name: "oversized with Content-Length",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, `{"a":"0123456789"}`)
			},
			maxResponse: 17,
			wantMsg:     "Error Status : 400.User server return too long content-length value.", wantStatus: 200,
		},
		{
			name: "oversized chunked",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, `{"a":`)
				w.(http.Flusher).Flush()
				_, _ = io.WriteString(w, `"0123456789"}`)
			},
			maxResponse: 17,
			wantMsg:     "Error Status : 400.User server return too long content-length value.", wantStatus: 200,
		},
		{
			name:    "connection refused",
			closed:  true,
			wantMsg: "Error Status : -1.OSS can not connect to your callbackUrl, please check it.",
		},
		{
			name: "invalid Content-Length",
			raw: func(conn net.Conn, br *bufio.Reader) {
				_, _ = http.ReadRequest(br)
				_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n{}")
			},
			wantMsg: "Error Status : -1.OSS can not connect to your callbackUrl, please check it.",
		},
		{
			name: "connection closed mid-body",
			raw: func(conn net.Conn, br *bufio.Reader) {
				_, _ = http.ReadRequest(br)
				_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}")
			},
			wantMsg: "Error Status : -1.OSS can not connect to your callbackUrl, please check it.", wantStatus: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			var url string
			switch {
			case tt.closed:
				url = closedURL(t)
			case tt.raw != nil:
				url = rawServer(t, func(c net.Conn, br *bufio.Reader) { hits.Add(1); tt.raw(c, br) })
			default:
				srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					tt.handler(w, r)
				}))
				url = srv.URL + "/cb"
			}
			s, _ := newSender(t)
			s.Timeout, s.MaxResponse = tt.timeout, tt.maxResponse

			got, err := s.Send(t.Context(), &Spec{URLs: []string{url}, Body: "a=${object}"}, Object{Key: "k"})
			if got != nil {
				t.Errorf("Send returned %q on failure", got)
			}
			if !errors.Is(err, ErrCallbackFailed) {
				t.Fatalf("err = %v, want ErrCallbackFailed", err)
			}
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("err %T is not a *Failure", err)
			}
			if f.Message != tt.wantMsg || f.Status != tt.wantStatus || f.URL != url {
				t.Errorf("Failure = {Message: %q, Status: %d, URL: %q}, want {%q, %d, %q}", f.Message, f.Status, f.URL, tt.wantMsg, tt.wantStatus, url)
			}
			var ne net.Error
			if isTimeout := errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout(); isTimeout != tt.wantTimeout {
				t.Errorf("timeout error = %v, want %v (%v)", isTimeout, tt.wantTimeout, err)
			}
			// A timed-out request may not have reached the handler yet on a
			// loaded machine; what matters is that it is never retried.
			if n := hits.Load(); !tt.closed && (n > 1 || n == 0 && !tt.wantTimeout) {
				t.Errorf("server saw %d requests, want exactly 1 (no retry)", n)
			}
		})
	}
}

func TestSendMultipleURLs(t *testing.T) {
	t.Parallel()
	status := func(code int, answer string) *recorder { return &recorder{status: code, answer: answer} }
	tests := []struct {
		name     string
		servers  []*recorder // nil entry: a URL nothing listens on
		wantBody string
		wantMsg  string // of the Failure when all fail
		wantHits []int
	}{
		{
			name:     "second URL after a refused connection",
			servers:  []*recorder{nil, status(200, `{"n":2}`)},
			wantBody: `{"n":2}`, wantHits: []int{0, 1},
		},
		{
			name:     "second URL after a 500",
			servers:  []*recorder{status(500, `{}`), status(200, `{"n":2}`), status(200, `{"n":3}`)},
			wantBody: `{"n":2}`, wantHits: []int{1, 1, 0},
		},
		{
			name:     "first success stops",
			servers:  []*recorder{status(200, `{"n":1}`), status(200, `{"n":2}`)},
			wantBody: `{"n":1}`, wantHits: []int{1, 0},
		},
		{
			name:    "all fail: the last failure is reported",
			servers: []*recorder{status(503, ``), status(200, `not json`), status(502, ``)},
			wantMsg: "Error status : 502.", wantHits: []int{1, 1, 1},
		},
		{
			name:    "all fail, last refused",
			servers: []*recorder{status(503, ``), nil},
			wantMsg: MsgConnect, wantHits: []int{1, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var urls []string
			for _, rec := range tt.servers {
				if rec == nil {
					urls = append(urls, closedURL(t))
					continue
				}
				urls = append(urls, serve(t, rec).URL+"/cb")
			}
			var logs bytes.Buffer
			s, _ := newSender(t)
			s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			got, err := s.Send(t.Context(), &Spec{URLs: urls, Body: "a"}, Object{})
			if tt.wantMsg == "" {
				if err != nil || string(got) != tt.wantBody {
					t.Fatalf("Send = %q, %v; want %q", got, err, tt.wantBody)
				}
			} else {
				var f *Failure
				if !errors.As(err, &f) || f.Message != tt.wantMsg || f.URL != urls[len(urls)-1] {
					t.Fatalf("Send = %q, %v; want a Failure %q from the last URL", got, err, tt.wantMsg)
				}
			}
			for i, rec := range tt.servers {
				if rec == nil {
					continue
				}
				if n := len(rec.requests()); n != tt.wantHits[i] {
					t.Errorf("server %d saw %d requests, want %d", i, n, tt.wantHits[i])
				}
			}
			if strings.Contains(logs.String(), "authorization") || strings.Contains(logs.String(), "Authorization") {
				t.Errorf("logs mention the signature:\n%s", logs.String())
			}
		})
	}
}

// TestSendGivenClientNeverFollowsRedirects checks that a caller's client
// that would follow redirects is not allowed to.
func TestSendGivenClientNeverFollowsRedirects(t *testing.T) {
	t.Parallel()
	var followed atomic.Bool
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/target" {
			followed.Store(true)
			_, _ = io.WriteString(w, `{}`)
			return
		}
		http.Redirect(w, r, "/target", http.StatusFound)
	}))
	s, _ := newSender(t)
	s.Client = &http.Client{} // follows redirects by default
	_, err := s.Send(t.Context(), &Spec{URLs: []string{srv.URL + "/cb"}, Body: "a"}, Object{})
	var f *Failure
	if !errors.As(err, &f) || f.Message != "Error status : 302." {
		t.Fatalf("err = %v, want Failure \"Error status : 302.\"", err)
	}
	if followed.Load() {
		t.Fatal("redirect was followed")
	}
	if s.Client.CheckRedirect != nil {
		t.Fatal("Send modified the caller's client")
	}
}

func TestSendContextCanceled(t *testing.T) {
	t.Parallel()
	first := &recorder{status: 500}
	second := &recorder{status: 200, answer: `{}`}
	srv1, srv2 := serve(t, first), serve(t, second)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s, _ := newSender(t)
	_, err := s.Send(ctx, &Spec{URLs: []string{srv1.URL, srv2.URL}, Body: "a"}, Object{})
	if !errors.Is(err, ErrCallbackFailed) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrCallbackFailed and context.Canceled", err)
	}
	if n := len(first.requests()) + len(second.requests()); n != 0 {
		t.Fatalf("servers saw %d requests after cancellation", n)
	}
}

func TestSendRefusesBadInput(t *testing.T) {
	t.Parallel()
	rec := &recorder{status: 200, answer: `{}`}
	srv := serve(t, rec)
	good := &Spec{URLs: []string{srv.URL}, Body: "a"}
	s, _ := newSender(t)
	tests := []struct {
		name    string
		sender  *Sender
		spec    *Spec
		wantErr error
	}{
		{"nil sender", nil, good, ErrBadSender},
		{"no key", &Sender{PubKeyURL: testKeyURL}, good, ErrBadSender},
		{"no key URL", &Sender{Key: s.Key}, good, ErrBadSender},
		{"nil spec", s, nil, ErrInvalidArgument},
		{"no URLs", s, &Spec{Body: "a"}, ErrInvalidArgument},
		{"six URLs", s, &Spec{URLs: []string{srv.URL, srv.URL, srv.URL, srv.URL, srv.URL, srv.URL}, Body: "a"}, ErrInvalidArgument},
		{"bad URL", s, &Spec{URLs: []string{"ftp://e.example/"}, Body: "a"}, ErrInvalidArgument},
		{"bad host", s, &Spec{URLs: []string{srv.URL}, Host: "a b", Body: "a"}, ErrInvalidArgument},
		{"empty body", s, &Spec{URLs: []string{srv.URL}}, ErrInvalidArgument},
		{"malformed body", s, &Spec{URLs: []string{srv.URL}, Body: "${"}, ErrInvalidArgument},
		{"bad body type", s, &Spec{URLs: []string{srv.URL}, Body: "a", BodyType: "text/xml"}, ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.sender.Send(t.Context(), tt.spec, Object{})
			if got != nil || !errors.Is(err, tt.wantErr) {
				t.Fatalf("Send = %q, %v; want %v", got, err, tt.wantErr)
			}
			if errors.Is(err, ErrCallbackFailed) {
				t.Fatalf("configuration error reported as callback failure: %v", err)
			}
		})
	}
	if n := len(rec.requests()); n != 0 {
		t.Fatalf("server saw %d requests for refused input", n)
	}
}

// TestSendSchemelessURL checks that a hand-built Spec may use OSS's
// "host:port/path" form.
func TestSendSchemelessURL(t *testing.T) {
	t.Parallel()
	rec := &recorder{status: 200, answer: `{}`}
	srv := serve(t, rec)
	s, _ := newSender(t)
	if _, err := s.Send(t.Context(), &Spec{URLs: []string{strings.TrimPrefix(srv.URL, "http://") + "/cb"}, Body: "a"}, Object{}); err != nil {
		t.Fatal(err)
	}
	if uri := rec.requests()[0].requestURI; uri != "/cb" {
		t.Fatalf("request URI = %q", uri)
	}
}
