package devstack_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/internal/testsupport/syncbuf"
)

// idleTimeout is the OSS emulator's body idle timeout in these tests;
// patience bounds every wait for a state, far above it, so only a missing
// bound, never a slow machine, trips it.
const (
	idleTimeout = 500 * time.Millisecond
	patience    = 20 * time.Second
	bodySize    = 1 << 20
)

// grantUpload asks the stack's signing function for a grant of method
// ("PUT": presigned-url, "POST": post-signature) for a file of size bytes
// and returns the raw HTTP request that would upload data with it, and
// the key it names.
func grantUpload(t *testing.T, s *devstack.Stack, method string, data []byte) ([]byte, string) {
	t.Helper()
	q := url.Values{"filename": {"big.bin"}, "contentType": {"application/octet-stream"}, "size": {strconv.Itoa(len(data))}}
	fn := "/presigned-url?"
	if method == http.MethodPost {
		fn = "/post-signature?"
	}
	resp, err := http.Get(s.API + fn + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var g struct {
		URL, Host, Key string
		Headers        map[string]string
		Fields         map[string]string
	}
	if err := json.NewDecoder(resp.Body).Decode(&g); err != nil || resp.StatusCode != http.StatusOK || g.Key == "" {
		t.Fatalf("grant: %d %v %+v", resp.StatusCode, err, g)
	}
	var req *http.Request
	if method == http.MethodPut {
		req, _ = http.NewRequest(http.MethodPut, g.URL, bytes.NewReader(data))
		for k, v := range g.Headers {
			req.Header.Set(k, v)
		}
	} else {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range g.Fields {
			mw.WriteField(k, v)
		}
		part, _ := mw.CreateFormFile("file", "big.bin")
		part.Write(data)
		mw.Close()
		req, _ = http.NewRequest(http.MethodPost, g.Host, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
	}
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatal(err)
	}
	return wire.Bytes(), g.Key
}

// emulatorLine waits for the OSS emulator's log line of the request on
// key: it is written when the emulator has finished with the request.
func emulatorLine(t *testing.T, logs *syncbuf.Buffer, key string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range logs.Logged("request", key) {
			if line["component"] == "ossemu" {
				return line
			}
		}
	}
	t.Fatalf("the emulator never logged its request on %s", key)
	return nil
}

// wantNothingStored checks that key is not in the bucket.
func wantNothingStored(t *testing.T, s *devstack.Stack, key string) {
	t.Helper()
	_, err := rootClient(s).HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key)})
	var se *oss.ServiceError
	if !errors.As(err, &se) || se.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD %s: %v, want 404 (nothing stored)", key, err)
	}
}

// wantNoTemporaryFiles checks that the emulator holds no temporary file:
// call it once no upload is in flight (its uploads' temporary files live
// in one folder).
func wantNoTemporaryFiles(t *testing.T, s *devstack.Stack) {
	t.Helper()
	tmp, err := os.ReadDir(filepath.Join(s.Dir, ".ossemu", "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

// TestUploadsThatStallOrHangUpStoreNothing drives the whole stack with
// grants from its signing functions: a presigned PUT and a PostObject
// that send the headers and 20 000 bytes of a 1 MiB body, then either hang
// up (the client went away) or stop sending with the connection open
// (slowloris). Either way nothing is stored and no temporary file is left;
// the stalled client is answered 400 RequestTimeout and disconnected once
// its body has been idle for the emulator's idle timeout.
func TestUploadsThatStallOrHangUpStoreNothing(t *testing.T) {
	t.Parallel()
	logs := &syncbuf.Buffer{}
	s := startWith(t, devstack.Config{OSSBodyIdleTimeout: idleTimeout, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	data := make([]byte, bodySize)
	rand.Read(data)
	// The four uploads run in parallel on one stack: the temporary files
	// are checked once all of them are over (a cleanup of this test runs
	// after its subtests).
	t.Cleanup(func() { wantNoTemporaryFiles(t, s) })
	for _, method := range []string{http.MethodPut, http.MethodPost} {
		for _, stall := range []bool{false, true} {
			name := method + ", the client hangs up"
			if stall {
				name = method + ", the client stops sending"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				wire, key := grantUpload(t, s, method, data)
				ossAddr := strings.TrimPrefix(s.OSS, "http://")
				conn, err := net.Dial("tcp", ossAddr)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				head := bytes.Index(wire, []byte("\r\n\r\n")) + 4
				if _, err := conn.Write(wire[:head+20_000]); err != nil {
					t.Fatal(err)
				}
				if !stall {
					conn.Close()
					line := emulatorLine(t, logs, key)
					if status, _ := line["status"].(float64); status < 400 {
						t.Errorf("the emulator logged %v", line)
					}
					wantNothingStored(t, s, key)
					return
				}
				_ = conn.SetReadDeadline(time.Now().Add(patience))
				answer, err := io.ReadAll(conn) // until the emulator closes the connection
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("the stalled client was still connected after %v (read %q)", patience, answer)
				}
				if !bytes.HasPrefix(answer, []byte("HTTP/1.1 400 ")) || !bytes.Contains(answer, []byte("<Code>RequestTimeout</Code>")) {
					t.Errorf("answer %q, want 400 RequestTimeout", answer)
				}
				emulatorLine(t, logs, key)
				wantNothingStored(t, s, key)
			})
		}
	}
}

// TestSlowUploadThatKeepsSendingIsStored: the emulator's idle timeout
// bounds the gaps in a body, not its duration. With the test hook holding
// the emulator to 128 KiB/s, a 256 KiB upload (presigned PUT, and
// PostObject) lasts over a second, more than twice the idle timeout, and
// is stored whole. The hook makes the floor on the duration, so the check
// holds on any machine.
func TestSlowUploadThatKeepsSendingIsStored(t *testing.T) {
	t.Parallel()
	s := startWith(t, devstack.Config{OSSBodyIdleTimeout: idleTimeout, TestHooks: true})
	const rate, size = 128 << 10, 256 << 10
	req, _ := http.NewRequest(http.MethodPut, s.API+"/_test/bandwidth?bytesPerSecond="+strconv.Itoa(rate), nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("bandwidth hook: %v %v", resp, err)
	}
	for _, method := range []string{http.MethodPut, http.MethodPost} {
		data := make([]byte, size)
		rand.Read(data)
		wire, key := grantUpload(t, s, method, data)
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.OSS, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := conn.Write(wire); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s: %d %s", method, resp.StatusCode, body)
		}
		// The limiter's burst is 16 KiB: the rest comes at the rate.
		if floor := time.Duration(size-16<<10) * time.Second / rate; took < floor || floor <= 2*idleTimeout {
			t.Errorf("%s: took %v, want at least %v, itself over twice the idle timeout %v", method, took, floor, idleTimeout)
		}
		obj, err := rootClient(s).GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key)})
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		got, err := io.ReadAll(obj.Body)
		obj.Body.Close()
		if err != nil || md5.Sum(got) != md5.Sum(data) {
			t.Errorf("%s: stored %d bytes (%v), want the %d sent", method, len(got), err, len(data))
		}
	}
}
