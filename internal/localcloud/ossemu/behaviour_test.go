package ossemu

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/shared/signing"
)

var requestIDPattern = regexp.MustCompile(`^[0-9A-F]{24}$`)

// TestErrorBody pins the wire shape of errors, including
// SignatureDoesNotMatch's extra elements and HEAD's x-oss-err.
func TestErrorBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.seed(existingKey, existingData)

	req := h.signedRequest(http.MethodPut, "x.txt", []byte("x"), http.Header{"Content-Type": {"text/plain"}}, true,
		signing.Credentials{AccessKeyID: rootAK, AccessKeySecret: "wrong"}, time.Now())
	resp, body := do(t, req)
	e := wantError(t, resp, body, 403, "SignatureDoesNotMatch")
	if !bytes.HasPrefix(body, []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>")) {
		t.Errorf("body does not start with the XML declaration and <Error>: %q", body[:60])
	}
	wantSTS := "PUT\n\ntext/plain\n" + req.Header.Get("Date") + "\n/" + testBucket + "/x.txt"
	if e.StringToSign != wantSTS || e.StringToSignBytes != hexBytes(wantSTS) || e.OSSAccessKeyID != rootAK || e.SignatureProvided == "" {
		t.Errorf("SignatureDoesNotMatch details: %+v", e)
	}
	if !strings.HasPrefix(e.StringToSignBytes, "50 55 54 0A 0A 74 ") || !strings.HasSuffix(e.StringToSignBytes, " 74 78 74 ") {
		t.Errorf("StringToSignBytes = %q, want OSS's upper-case hex, each byte followed by a space", e.StringToSignBytes)
	}
	if e.EC != "0002-00000040" || resp.Header.Get("x-oss-ec") != "0002-00000040" || e.HostID == "" {
		t.Errorf("EC %q header %q HostId %q", e.EC, resp.Header.Get("x-oss-ec"), e.HostID)
	}
	if e.CanonicalRequest != "" {
		t.Errorf("V1 error carries a CanonicalRequest: %q", e.CanonicalRequest)
	}
	if !bytes.Contains(body, []byte("<StringToSign>PUT\n\ntext/plain\n")) {
		t.Errorf("StringToSign's newlines are not written as they are, as OSS does: %s", body)
	}

	// V4: the string to sign holds the canonical request's hash, and the
	// canonical request comes along.
	req = h.signedRequest(http.MethodPut, "x.txt", []byte("x"), http.Header{"Content-Type": {"text/plain"}}, false,
		signing.Credentials{AccessKeyID: rootAK, AccessKeySecret: "wrong"}, time.Now())
	resp, body = do(t, req)
	e = wantError(t, resp, body, 403, "SignatureDoesNotMatch")
	wantCR := "PUT\n/" + testBucket + "/x.txt\n\ncontent-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:" +
		req.Header.Get("x-oss-date") + "\n\n\nUNSIGNED-PAYLOAD"
	if e.CanonicalRequest != wantCR || !strings.HasPrefix(e.StringToSign, signing.AlgorithmV4+"\n") || e.StringToSignBytes != hexBytes(e.StringToSign) {
		t.Errorf("V4 SignatureDoesNotMatch details: %+v", e)
	}

	// HEAD: no body, the error in x-oss-err.
	req = h.signedRequest(http.MethodHead, "missing.txt", nil, nil, false, rootCreds, time.Now())
	resp, body = do(t, req)
	if resp.StatusCode != 404 || len(body) != 0 {
		t.Fatalf("HEAD missing: %d, %d body bytes", resp.StatusCode, len(body))
	}
	raw, err := base64.StdEncoding.DecodeString(resp.Header.Get("x-oss-err"))
	if err != nil {
		t.Fatalf("x-oss-err: %v", err)
	}
	if e := parseError(t, raw); e.Code != "NoSuchKey" || e.RequestID != resp.Header.Get("x-oss-request-id") {
		t.Errorf("x-oss-err = %s", raw)
	}

	// Success responses carry a request id too, different each time.
	ids := map[string]bool{}
	for range 3 {
		resp, _ := do(t, h.signedRequest(http.MethodGet, existingKey, nil, nil, false, rootCreds, time.Now()))
		id := resp.Header.Get("x-oss-request-id")
		if resp.StatusCode != 200 || !requestIDPattern.MatchString(id) || ids[id] {
			t.Errorf("GET: %d, request id %q", resp.StatusCode, id)
		}
		ids[id] = true
	}
}

// TestErrorTable checks every row of the error table.
func TestErrorTable(t *testing.T) {
	t.Parallel()
	codes := regexp.MustCompile(`^[A-Z][A-Za-z]+$`)
	ecs := regexp.MustCompile(`^$|^\d{4}-\d{8}$`)
	for k, s := range errorTable {
		if !codes.MatchString(s.Code) || s.Message == "" || !ecs.MatchString(s.EC) || (s.Status != 203 && (s.Status < 400 || s.Status > 599)) {
			t.Errorf("row %d: %+v", k, s)
		}
	}
}

// GetObject's ranges, conditions and response overrides are in the
// conformance suite (internal/conformance, area Objects), run against this
// emulator by its TestEmulator.

// TestChunkedPut stores a body sent without Content-Length.
func TestChunkedPut(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	data := randomBytes(300_000)
	req := h.signedRequest(http.MethodPut, "chunked.bin", nil, nil, false, rootCreds, time.Now())
	req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data[:1000]), bytes.NewReader(data[1000:])))
	req.ContentLength = -1
	resp, body := do(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if !bytes.Equal(h.object("chunked.bin"), data) {
		t.Fatal("stored bytes differ")
	}
}

// TestCNAMEAddressing signs "/<bucket>/<key>" and sends "/<key>" to a
// custom domain.
func TestCNAMEAddressing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.CNAMEs = map[string]string{"Files.Example.com": "other-bucket"} })
	req, _ := http.NewRequest(http.MethodPut, h.ts.URL+"/dir/c.txt", strings.NewReader("cname"))
	req.Host = "files.example.com:8080"
	sr := &signing.Request{Method: "PUT", Bucket: "other-bucket", Key: "dir/c.txt", Header: req.Header, Region: testRegion}
	if _, err := signing.SignV4(sr, rootCreds, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	m, err := h.srv.store.Stat("other-bucket", "dir/c.txt")
	if err != nil || m.Size != 5 {
		t.Fatalf("stat: %v %v", m, err)
	}
	// The public key path is an object key on a CNAME host (anonymous: 403).
	req, _ = http.NewRequest(http.MethodGet, h.ts.URL+DefaultKeyURLPath+KeyFileName, nil)
	req.Host = "files.example.com"
	resp, body = do(t, req)
	wantError(t, resp, body, 403, "AccessDenied")
}

// TestConcurrentForbidOverwrite races uploads of one key with
// x-oss-forbid-overwrite: exactly one wins.
func TestConcurrentForbidOverwrite(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const n = 8
	var wg sync.WaitGroup
	statuses := make([]int, n)
	bodies := make([][]byte, n)
	for i := range n {
		bodies[i] = bytes.Repeat([]byte{byte('a' + i)}, 200_000)
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := h.signedRequest(http.MethodPut, "race.bin", bodies[i], http.Header{"X-Oss-Forbid-Overwrite": {"true"}}, false, rootCreds, time.Now())
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	winner := -1
	for i, s := range statuses {
		switch s {
		case 200:
			if winner >= 0 {
				t.Fatalf("two uploads won: %v", statuses)
			}
			winner = i
		case 409:
		default:
			t.Fatalf("statuses %v", statuses)
		}
	}
	if winner < 0 || !bytes.Equal(h.object("race.bin"), bodies[winner]) {
		t.Fatalf("statuses %v; stored object is not the winner's", statuses)
	}
}

// TestStoreCommitAtomic races Commit with noOverwrite directly, past any
// HTTP pre-check.
func TestStoreCommitAtomic(t *testing.T) {
	t.Parallel()
	st, err := newFileStore(t.TempDir(), []string{testBucket})
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	staged := make([]*staged, n)
	for i := range n {
		if staged[i], err = st.Stage(strings.NewReader(fmt.Sprint(i)), 10); err != nil {
			t.Fatal(err)
		}
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Commit(staged[i], testBucket, "k", &objectMeta{}, true)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, errExists):
			t.Fatal(err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d commits won", wins)
	}
	if left, _ := os.ReadDir(st.tmp); len(left) != 0 {
		t.Errorf("%d temporary files left", len(left))
	}
}

// TestEncodeKey checks that keys map to safe, distinct file names.
func TestEncodeKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, want string }{
		{"a.txt", "a.txt"},
		{"dir/a.txt", "dir%2Fa.txt"},
		{"..", "%2E."},
		{".hidden", "%2Ehidden"},
		{"a/../../etc/passwd", "a%2F..%2F..%2Fetc%2Fpasswd"},
		{"ü ~", "%C3%BC%20%7E"},
		{"%2F", "%252F"},
	}
	for _, tc := range tests {
		if got := encodeKey(tc.key); got != tc.want {
			t.Errorf("encodeKey(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
	long := strings.Repeat("ü", 200)
	if got := encodeKey(long); len(got) != 65 || got[0] != '~' {
		t.Errorf("long key encodes to %q", got)
	}
}

// TestTruncatedUploads closes the connection mid-body: nothing may be
// stored, the existing object stays, no temporary file remains.
func TestTruncatedUploads(t *testing.T) {
	t.Parallel()
	for _, tc := range uploadsOverExisting(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			done := make(chan struct{}, 1)
			cfg := Config{Dir: t.TempDir(), Buckets: []string{testBucket}, Credentials: testCreds{}}
			srv, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				srv.ServeHTTP(w, r)
				done <- struct{}{}
			}))
			defer ts.Close()
			h := &harness{t: t, srv: srv, ts: ts, dir: cfg.Dir}
			h.seed(existingKey, existingData)
			req := tc.req(h)
			// Send the headers and 20 000 bytes of a body announced as 1 MB, then hang up.
			full, _ := io.ReadAll(req.Body)
			if len(full) == 0 {
				full = randomBytes(1 << 20)
			}
			req.Body = io.NopCloser(bytes.NewReader(full[:20_000]))
			req.ContentLength = 1 << 20
			conn, err := net.Dial("tcp", ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			_ = req.Write(conn) // fails: the body is shorter than announced
			conn.Close()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the handler did not finish")
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

// TestCompletePartOrderRaw sends a CompleteMultipartUpload body the SDK
// would have sorted.
func TestCompletePartOrderRaw(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	send := func(method, key, query string, body []byte) (*http.Response, []byte) {
		r, _ := http.NewRequest(method, h.ts.URL+"/"+testBucket+"/"+key+"?"+query, bytes.NewReader(body))
		sr := &signing.Request{Method: method, Bucket: testBucket, Key: key, Header: r.Header, Query: r.URL.Query(), Region: testRegion}
		if _, err := signing.SignV4(sr, rootCreds, time.Now()); err != nil {
			t.Fatal(err)
		}
		return do(t, r)
	}
	resp, body := send(http.MethodPost, "o.bin", "uploads", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("initiate: %d %s", resp.StatusCode, body)
	}
	id := regexp.MustCompile(`<UploadId>([0-9A-F]+)</UploadId>`).FindSubmatch(body)[1]
	var etags []string
	for n := 1; n <= 2; n++ {
		resp, body = send(http.MethodPut, "o.bin", fmt.Sprintf("partNumber=%d&uploadId=%s", n, id), randomBytes(minPartSize))
		if resp.StatusCode != 200 {
			t.Fatalf("part %d: %d %s", n, resp.StatusCode, body)
		}
		etags = append(etags, resp.Header.Get("ETag"))
	}
	xmlBody := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUpload>
<Part><PartNumber>2</PartNumber><ETag>%s</ETag></Part>
<Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part>
</CompleteMultipartUpload>`, etags[1], etags[0])
	resp, body = send(http.MethodPost, "o.bin", "uploadId="+string(id), []byte(xmlBody))
	wantError(t, resp, body, 400, "InvalidPartOrder")
	resp, body = send(http.MethodPost, "o.bin", "uploadId="+string(id), []byte("<not xml"))
	wantError(t, resp, body, 400, "MalformedXML")
	if files := h.files(testBucket); len(files) != 0 {
		t.Fatalf("stored %v", files)
	}
	// x-oss-complete-all takes every part in order.
	r, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/"+testBucket+"/o.bin?uploadId="+string(id), nil)
	r.Header.Set("x-oss-complete-all", "yes")
	sr := &signing.Request{Method: "POST", Bucket: testBucket, Key: "o.bin", Header: r.Header, Query: r.URL.Query(), Region: testRegion}
	if _, err := signing.SignV4(sr, rootCreds, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, body = do(t, r)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != multipartETag(etags) {
		t.Fatalf("complete-all: %d %s", resp.StatusCode, body)
	}
}

// panickyCreds breaks in the two ways a Credentials implementation can.
type panickyCreds struct{}

func (panickyCreds) Lookup(ak, token string, _ time.Time) (Principal, error) {
	if ak == "panic" {
		panic("lookup exploded")
	}
	return Principal{}, errors.New("database down: token " + token)
}

// TestInternalErrors: bugs and broken dependencies give 500 InternalError,
// never a crash, and the log never carries the token.
func TestInternalErrors(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var mu sync.Mutex
	h := newHarness(t, func(c *Config) {
		c.Credentials = panickyCreds{}
		c.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	})
	for _, ak := range []string{"panic", "other"} {
		creds := signing.Credentials{AccessKeyID: ak, AccessKeySecret: "s", SecurityToken: "secret-token-value"}
		resp, body := do(t, h.signedRequest(http.MethodPut, "k", []byte("x"), nil, false, creds, time.Now()))
		wantError(t, resp, body, 500, "InternalError")
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(logs.String(), "secret-token-value") || strings.Contains(logs.String(), "Authorization") {
		t.Errorf("log leaks the token:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "lookup exploded") {
		t.Errorf("panic not logged:\n%s", logs.String())
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	ok := Config{Dir: t.TempDir(), Buckets: []string{"good-bucket"}, Credentials: StaticCredentials{"a": "b"}}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"no dir", func(c *Config) { c.Dir = "" }},
		{"no credentials", func(c *Config) { c.Credentials = nil }},
		{"bad bucket", func(c *Config) { c.Buckets = []string{"Bad_Bucket"} }},
		{"duplicate bucket", func(c *Config) { c.Buckets = []string{"good-bucket", "good-bucket"} }},
		{"cname to unknown bucket", func(c *Config) { c.CNAMEs = map[string]string{"cdn.example.com": "nope-bucket"} }},
		{"cname on an IP", func(c *Config) { c.CNAMEs = map[string]string{"127.0.0.1": "good-bucket"} }},
		{"key path is a bucket", func(c *Config) { c.KeyURLPath = "/keys-bucket/" }},
		{"key path without slash", func(c *Config) { c.KeyURLPath = "_keys" }},
		{"two wildcards", func(c *Config) { c.CORSOrigins = []string{"http://*.*.example.com"} }},
		{"negative size", func(c *Config) { c.MaxObjectSize = -1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := ok
			tc.edit(&c)
			if _, err := New(c); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New: %v, want ErrInvalidConfig", err)
			}
		})
	}
	if _, err := New(ok); err != nil {
		t.Fatalf("valid config: %v", err)
	}
}

func TestStaticCredentials(t *testing.T) {
	t.Parallel()
	c := StaticCredentials{"ak": "sk"}
	if p, err := c.Lookup("ak", "", time.Now()); err != nil || p.Secret != "sk" || p.Allowed != nil {
		t.Errorf("Lookup(ak) = %+v, %v", p, err)
	}
	if _, err := c.Lookup("nope", "", time.Now()); !errors.Is(err, ErrUnknownAccessKey) {
		t.Errorf("unknown: %v", err)
	}
	if _, err := c.Lookup("ak", "tok", time.Now()); !errors.Is(err, ErrInvalidSecurityToken) {
		t.Errorf("token: %v", err)
	}
}

// TestHandCopiedFile serves a file dropped into a bucket folder.
func TestHandCopiedFile(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	data := []byte("dropped by hand")
	if err := os.WriteFile(h.dir+"/"+testBucket+"/hand.txt", data, 0o644); err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, h.signedRequest(http.MethodGet, "hand.txt", nil, nil, false, rootCreds, time.Now()))
	sum := md5.Sum(data)
	if resp.StatusCode != 200 || !bytes.Equal(body, data) || resp.Header.Get("ETag") != quotedETag(sum[:]) {
		t.Fatalf("%d %q %v", resp.StatusCode, body, resp.Header)
	}
}

// TestCompleteHonoursInitiateForbidOverwrite: an object created while the
// upload ran is not replaced when Initiate forbade overwriting.
func TestCompleteHonoursInitiateForbidOverwrite(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	c := h.root()
	key := "guarded.bin"
	init, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), ForbidOverwrite: oss.Ptr("true")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: init.UploadId, PartNumber: 1, Body: strings.NewReader("part")})
	if err != nil {
		t.Fatal(err)
	}
	h.put(key, []byte("meanwhile"))
	complete := &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: init.UploadId,
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: []oss.UploadPart{{PartNumber: 1, ETag: part.ETag}}}}
	_, err = c.CompleteMultipartUpload(ctx, complete)
	if se := sdkError(t, err); se.StatusCode != 409 || se.Code != "FileAlreadyExists" {
		t.Fatalf("complete: %d %s", se.StatusCode, se.Code)
	}
	if got := h.object(key); string(got) != "meanwhile" {
		t.Fatalf("object = %q", got)
	}
	// The upload survives a refused Complete.
	if _, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: init.UploadId}); err != nil {
		t.Fatalf("ListParts after refused complete: %v", err)
	}
}
