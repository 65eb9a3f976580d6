package ossemu

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"ossdirect/shared/signing"
)

const (
	testBucket = "test-bucket"
	testRegion = "cn-hangzhou"

	rootAK = "LTAI5tRootKey0001"
	rootSK = "root-secret-0001"

	stsAK           = "STS.NTmpKey0001"
	stsSK           = "sts-secret-0001"
	stsToken        = "CAIS-good-token"
	stsExpiredToken = "CAIS-expired-token"
	// stsPrefix is where the STS principal may write.
	stsPrefix = "users/alice/"
)

// testCreds knows a root key and an STS key whose token restricts it to
// stsPrefix with upload actions (plus GetObject), like a session policy.
type testCreds struct{}

func (testCreds) Lookup(ak, token string, _ time.Time) (Principal, error) {
	switch ak {
	case rootAK:
		if token != "" {
			return Principal{}, ErrInvalidSecurityToken
		}
		return Principal{Secret: rootSK}, nil
	case stsAK:
		switch token {
		case stsToken:
			return Principal{Secret: stsSK, Allowed: func(action, resource string) bool {
				ok := slices.Contains([]string{"oss:PutObject", "oss:AbortMultipartUpload", "oss:ListParts", "oss:GetObject"}, action)
				return ok && strings.HasPrefix(resource, "acs:oss:*:*:"+testBucket+"/"+stsPrefix)
			}}, nil
		case stsExpiredToken:
			return Principal{}, fmt.Errorf("%w: token %s expired", ErrSecurityTokenExpired, token)
		}
		return Principal{}, ErrInvalidSecurityToken
	}
	return Principal{}, fmt.Errorf("%w: %q", ErrUnknownAccessKey, ak)
}

type harness struct {
	t   *testing.T
	srv *Server
	ts  *httptest.Server
	dir string
}

// newHarness starts an emulator serving testBucket on loopback.
func newHarness(t *testing.T, opts ...func(*Config)) *harness {
	t.Helper()
	cfg := Config{
		Dir:         t.TempDir(),
		Buckets:     []string{testBucket, "other-bucket"},
		Region:      testRegion,
		Credentials: testCreds{},
		CORSOrigins: []string{"http://app.example.com", "http://*.dev.example.com"},
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &harness{t: t, srv: srv, ts: ts, dir: cfg.Dir}
}

// client returns an official SDK client for the emulator.
func (h *harness) client(v1 bool, ak, sk, token string) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(ak, sk, token)).
		WithRegion(testRegion).
		WithEndpoint(h.ts.URL).
		WithRetryMaxAttempts(1)
	if v1 {
		cfg = cfg.WithSignatureVersion(oss.SignatureVersionV1)
	}
	return oss.NewClient(cfg)
}

func (h *harness) root() *oss.Client { return h.client(false, rootAK, rootSK, "") }

// put stores an object with the root key and returns its content.
func (h *harness) put(key string, data []byte) {
	h.t.Helper()
	_, err := h.root().PutObject(context.Background(), &oss.PutObjectRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), Body: bytes.NewReader(data)})
	if err != nil {
		h.t.Fatalf("put %s: %v", key, err)
	}
}

// files lists the object files of bucket (nothing else lives there).
func (h *harness) files(bucket string) []string {
	h.t.Helper()
	ents, err := os.ReadDir(filepath.Join(h.dir, bucket))
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// tmpFiles lists leftover temporary files.
func (h *harness) tmpFiles() []string {
	h.t.Helper()
	ents, err := os.ReadDir(filepath.Join(h.dir, ".ossemu", "tmp"))
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// object reads an object's bytes from disk (nil when absent).
func (h *harness) object(key string) []byte {
	b, err := os.ReadFile(filepath.Join(h.dir, testBucket, encodeKey(key)))
	if err != nil {
		return nil
	}
	return b
}

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// ossError is the parsed XML error body.
type ossError struct {
	Code              string
	Message           string
	RequestID         string `xml:"RequestId"`
	HostID            string `xml:"HostId"`
	EC                string
	OSSAccessKeyID    string `xml:"OSSAccessKeyId"`
	SignatureProvided string
	StringToSign      string
	StringToSignBytes string
	CanonicalRequest  string
}

// do sends req and returns the response with its body read.
func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// parseError decodes an error body.
func parseError(t *testing.T, body []byte) ossError {
	t.Helper()
	var e ossError
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e
}

// wantError checks a response's status and error code.
func wantError(t *testing.T, resp *http.Response, body []byte, status int, code string) ossError {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, status, body)
	}
	e := parseError(t, body)
	if e.Code != code {
		t.Fatalf("code = %q, want %q; body %s", e.Code, code, body)
	}
	if e.RequestID == "" || e.RequestID != resp.Header.Get("x-oss-request-id") {
		t.Fatalf("RequestId %q vs header %q", e.RequestID, resp.Header.Get("x-oss-request-id"))
	}
	return e
}

// sdkError extracts the SDK's service error.
func sdkError(t *testing.T, err error) *oss.ServiceError {
	t.Helper()
	var se *oss.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *oss.ServiceError", err, err)
	}
	return se
}

// wantSDKError checks that err is the SDK's service error with status and
// code, and returns it.
func wantSDKError(t *testing.T, err error, status int, code string) *oss.ServiceError {
	t.Helper()
	se := sdkError(t, err)
	if se.StatusCode != status || se.Code != code {
		t.Fatalf("%d %s (%s), want %d %s", se.StatusCode, se.Code, se.Message, status, code)
	}
	return se
}

// signedRequest builds a raw request to bucket/key signed with V4 (or V1)
// by shared/signing at t.
func (h *harness) signedRequest(method, key string, body []byte, header http.Header, v1 bool, creds signing.Credentials, t time.Time) *http.Request {
	h.t.Helper()
	u := h.ts.URL + "/" + testBucket + "/" + key
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	sr := &signing.Request{Method: method, Bucket: testBucket, Key: key, Header: req.Header, Query: req.URL.Query(), Region: testRegion}
	if v1 {
		_, err = signing.SignV1(sr, creds, t)
	} else {
		_, err = signing.SignV4(sr, creds, t)
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return req
}

func staticProvider(ak, sk, token string) credentials.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(ak, sk, token)
}

var rootCreds = signing.Credentials{AccessKeyID: rootAK, AccessKeySecret: rootSK}

// namedRequest is a request a test builds against its harness.
type namedRequest struct {
	name string
	req  func(h *harness) *http.Request
}

// uploadsOverExisting are a PutObject and a PostObject (50 000 bytes) of
// existingKey, for tests that break an upload mid-body and check the
// object already there survives.
func uploadsOverExisting(t *testing.T) []namedRequest {
	return []namedRequest{
		{"PutObject", func(h *harness) *http.Request {
			return h.signedRequest(http.MethodPut, existingKey, nil, nil, false, rootCreds, time.Now())
		}},
		{"PostObject", func(h *harness) *http.Request {
			f := handForm(t, true, rootCreds, time.Now(), nil, map[string]string{"key": existingKey})
			return h.postRequest(sortedFields(f), fileField(randomBytes(50_000), "image/png"), nil)
		}},
	}
}
