package ossemu

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// idleTimeout is the emulator's BodyIdleTimeout in these tests, and
// patience bounds every wait for a state: far above it, so only a missing
// bound, never a slow machine, trips it.
const (
	idleTimeout = 300 * time.Millisecond
	patience    = 20 * time.Second
)

// TestStalledBodyIsDropped: a client that sends its headers and part of
// its body, then stops sending but keeps the connection open, is answered
// 400 RequestTimeout once the body has been idle for BodyIdleTimeout: the
// connection is closed, nothing is stored, the object already under the
// key is intact and no temporary file remains.
func TestStalledBodyIsDropped(t *testing.T) {
	t.Parallel()
	for _, tc := range append(uploadsOverExisting(t), namedRequest{"PostObject, stalled in the form fields", func(h *harness) *http.Request {
		f := handForm(t, true, rootCreds, time.Now(), nil, map[string]string{"key": existingKey})
		body, ct := multipartBody(sortedFields(f), fileField(randomBytes(50_000), "image/png"), nil)
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/"+testBucket, bytes.NewReader(body[:200]))
		req.Header.Set("Content-Type", ct)
		return req
	}}) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *Config) { c.BodyIdleTimeout = idleTimeout })
			h.seed(existingKey, existingData)
			req := tc.req(h)
			// Send the headers and at most 20 000 bytes of a body announced
			// as 1 MB, then nothing more; the connection stays open.
			part, _ := io.ReadAll(req.Body)
			if len(part) == 0 {
				part = randomBytes(1 << 20)
			}
			conn, err := net.Dial("tcp", h.ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write(stalledRequest(t, req, part[:min(len(part), 20_000)], 1<<20)); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(patience))
			got, err := io.ReadAll(conn) // until the server closes the connection
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("the stalled client was still connected after %v (read %q)", patience, got)
			}
			if !strings.HasPrefix(string(got), "HTTP/1.1 400 ") || !strings.Contains(string(got), "<Code>RequestTimeout</Code>") {
				t.Errorf("answer %q, want 400 RequestTimeout", got)
			}
			if got := h.object(existingKey); !bytes.Equal(got, existingData) {
				t.Errorf("existing object replaced by %d bytes", len(got))
			}
			if files := h.files(testBucket); len(files) != 1 {
				t.Errorf("bucket files: %v", files)
			}
			if left := h.tmpFiles(); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// stalledRequest is req on the wire with body as the start of a body
// announced as announced bytes long.
func stalledRequest(t *testing.T, req *http.Request, body []byte, announced int) []byte {
	t.Helper()
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		t.Fatal(err)
	}
	wire := buf.Bytes()
	from := "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	if !bytes.Contains(wire, []byte(from)) {
		t.Fatalf("no %q in the request", from)
	}
	return bytes.Replace(wire, []byte(from), []byte("\r\nContent-Length: "+strconv.Itoa(announced)+"\r\n"), 1)
}

// TestSlowBodyThatKeepsComingIsStored: the idle timeout bounds the gaps,
// not the whole body. The emulator reads the body slowly (a pause after
// every 4 KiB read, as devstack's bandwidth hook does), so the upload
// lasts several idle timeouts, yet the client always has bytes on the
// wire: it is stored. The pauses make the floor on the duration, so the
// check holds on any machine.
func TestSlowBodyThatKeepsComingIsStored(t *testing.T) {
	t.Parallel()
	cfg := Config{Dir: t.TempDir(), Buckets: []string{testBucket}, Region: testRegion, Credentials: testCreds{}, BodyIdleTimeout: idleTimeout}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const size, chunk, pause = 256 << 10, 4 << 10, 20 * time.Millisecond
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = &pausingBody{ReadCloser: r.Body, chunk: chunk, pause: pause}
		srv.ServeHTTP(w, r)
	}))
	defer ts.Close()
	h := &harness{t: t, srv: srv, ts: ts, dir: cfg.Dir}
	data := randomBytes(size)
	start := time.Now()
	_, err = h.root().PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(existingKey), Body: bytes.NewReader(data)})
	took := time.Since(start)
	if err != nil {
		t.Fatalf("slow PutObject: %v", err)
	}
	if floor := (size/chunk - 1) * pause; took < floor || floor <= 2*idleTimeout {
		t.Fatalf("the upload took %v, want at least %v (and that above twice the idle timeout %v)", took, floor, idleTimeout)
	}
	if got := h.object(existingKey); !bytes.Equal(got, data) {
		t.Errorf("stored %d bytes, want the %d sent", len(got), len(data))
	}
}

// pausingBody reads at most chunk bytes at a time and pauses after each
// read: the server is slow, the client is not.
type pausingBody struct {
	io.ReadCloser
	chunk int
	pause time.Duration
}

func (p *pausingBody) Read(b []byte) (int, error) {
	if len(b) > p.chunk {
		b = b[:p.chunk]
	}
	n, err := p.ReadCloser.Read(b)
	if n > 0 {
		time.Sleep(p.pause)
	}
	return n, err
}

// TestStalledClientsLeaveNoGoroutines: eight clients stall mid-body at
// once; each is dropped after the idle timeout, and the server's
// goroutines go back to what they were before they came. It does not run
// in parallel: it counts the process's goroutines.
func TestStalledClientsLeaveNoGoroutines(t *testing.T) {
	const clients = 8
	h := newHarness(t, func(c *Config) { c.BodyIdleTimeout = idleTimeout })
	baseline := runtime.NumGoroutine()
	conns := make([]net.Conn, clients)
	for i := range conns {
		req := h.signedRequest(http.MethodPut, fmt.Sprintf("stalled/%d.bin", i), nil, nil, false, rootCreds, time.Now())
		c, err := net.Dial("tcp", h.ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write(stalledRequest(t, req, randomBytes(20_000), 1<<20)); err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(patience))
		got, err := io.ReadAll(c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("client %d still connected after %v", i, patience)
		}
		if !bytes.Contains(got, []byte("<Code>RequestTimeout</Code>")) {
			t.Errorf("client %d: answer %q", i, got)
		}
		c.Close()
	}
	for deadline := time.Now().Add(patience); runtime.NumGoroutine() > baseline; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines %v after the clients were dropped, want at most the %d before", runtime.NumGoroutine(), patience, baseline)
		}
	}
	if files := h.files(testBucket); len(files) != 0 {
		t.Errorf("stored %v", files)
	}
	if left := h.tmpFiles(); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
