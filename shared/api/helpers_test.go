package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"ossdirect/internal/localcloud/devstack"
)

// testProfiles are the profiles most tests run against: a callback
// profile with server-chosen names and a type list, a plain one, and two
// where the client names its files (any type, or a type list).
const testProfiles = `{
  "images": {"prefix": "images/{sub}/{yyyy}/{mm}/", "naming": "uuid", "minSize": 10, "maxSize": 65536,
             "contentTypes": ["image/png", "image/jpeg"], "expires": "10m", "callback": true},
  "docs":   {"prefix": "docs/{sub}/", "naming": "uuid", "maxSize": 65536, "contentTypes": ["text/plain", "application/pdf"]},
  "client": {"prefix": "client/{sub}/", "naming": "client", "maxSize": 65536},
  "pics":   {"prefix": "pics/{sub}/", "naming": "client", "maxSize": 65536, "contentTypes": ["image/png", "image/jpeg"]}
}`

// httpClient is every test's client: plain net/http with a timeout.
var httpClient = &http.Client{Timeout: 15 * time.Second}

// startStack starts a local stack on free loopback ports with its data in
// a temporary folder; cfg.Profiles defaults to testProfiles.
func startStack(t testing.TB, cfg devstack.Config) *devstack.Stack {
	t.Helper()
	cfg.Addr, cfg.OSSAddr, cfg.STSAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.Dir = t.TempDir()
	if cfg.Profiles == "" {
		cfg.Profiles = testProfiles
	}
	s, err := devstack.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Every request has been answered by now. A connection dialled but
		// never used (its transport found an idle one first) holds Shutdown
		// for 5 s: close this side's, and only log when the stack's own STS
		// client left one (devstack.Stack.Close waits for it).
		httpClient.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		switch err := s.Close(ctx); {
		case errors.Is(err, context.DeadlineExceeded):
			t.Logf("closing the stack: %v (a connection that never carried a request)", err)
		case err != nil:
			t.Errorf("closing the stack: %v", err)
		}
	})
	return s
}

// response is an HTTP answer, read completely.
type response struct {
	status int
	header http.Header
	body   []byte
}

// send does req and reads the whole answer.
func send(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", req.Method, req.URL, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// call sends method to url with body (none when "") and the header
// name/value pairs.
func call(t *testing.T, method, url, body string, header ...string) response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return send(t, req)
}

// postJSON POSTs v as application/json.
func postJSON(t *testing.T, url string, v any, header ...string) response {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return call(t, http.MethodPost, url, string(b), append([]string{"Content-Type", "application/json"}, header...)...)
}

// decode unmarshals the body of a 200 answer into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body: %s", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// errorBody is the functions' JSON error.
type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
}

// wantError checks an error answer: its status, its JSON code, that the
// message mentions each of mentions (the field and the allowed values), and
// that the requestId is the X-Request-Id header.
func wantError(t *testing.T, r response, status int, code string, mentions ...string) errorBody {
	t.Helper()
	var e errorBody
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %s: %v", r.body, err)
	}
	if e.Code != code {
		t.Errorf("code %q, want %q (message %q)", e.Code, code, e.Message)
	}
	for _, m := range mentions {
		if !strings.Contains(e.Message, m) {
			t.Errorf("message %q does not mention %q", e.Message, m)
		}
	}
	if id := r.header.Get("X-Request-Id"); e.RequestID == "" || e.RequestID != id {
		t.Errorf("requestId %q, X-Request-Id %q: want equal and non-empty", e.RequestID, id)
	}
	return e
}

// ossError is the OSS emulator's XML error.
type ossError struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// wantOSSError checks an OSS XML error answer.
func wantOSSError(t *testing.T, r response, status int, code string) {
	t.Helper()
	var e ossError
	if err := xml.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("status %d, body %q: not an OSS error: %v", r.status, r.body, err)
	}
	if r.status != status || e.Code != code {
		t.Fatalf("OSS answered %d %s (%s), want %d %s", r.status, e.Code, e.Message, status, code)
	}
}

// postGrant is post-signature's answer.
type postGrant struct {
	Host       string            `json:"host"`
	Method     string            `json:"method"`
	Key        string            `json:"key"`
	Dir        string            `json:"dir"`
	URL        string            `json:"url"`
	Expire     int64             `json:"expire"`
	Expiration string            `json:"expiration"`
	Fields     map[string]string `json:"fields"`
}

// presignGrant is presigned-url's answer.
type presignGrant struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Key     string            `json:"key"`
	// ContentLength is the size the URL is signed for, 0 if any.
	ContentLength int64  `json:"contentLength"`
	Expire        int64  `json:"expire"`
	Expiration    string `json:"expiration"`
}

// stsGrant is sts-token's answer.
type stsGrant struct {
	AccessKeyID     string            `json:"AccessKeyId"`
	AccessKeySecret string            `json:"AccessKeySecret"`
	SecurityToken   string            `json:"SecurityToken"`
	Expiration      string            `json:"Expiration"`
	Bucket          string            `json:"bucket"`
	Region          string            `json:"region"`
	Endpoint        string            `json:"endpoint"`
	Prefix          string            `json:"prefix"`
	Headers         map[string]string `json:"headers"`
}

// callbackAnswer is the callback function's JSON, which OSS hands to the
// uploading client.
type callbackAnswer struct {
	Status   string `json:"Status"`
	Key      string `json:"key"`
	URL      string `json:"url"`
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	Width    *int   `json:"width"`
	Height   *int   `json:"height"`
}

// field is one form field, in the order a client sends it.
type field struct{ name, value string }

// sortedFields returns every field of a grant, in name order.
func sortedFields(m map[string]string) []field {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]field, 0, len(names))
	for _, n := range names {
		out = append(out, field{n, m[n]})
	}
	return out
}

// postObject POSTs a PostObject form to host: fields in order, then the
// file part last, as browsers' FormData and wx.uploadFile send it.
func postObject(t *testing.T, host string, fields []field, filename, contentType string, data []byte) response {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := w.WriteField(f.name, f.value); err != nil {
			t.Fatal(err)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+filename+`"`)
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, host, &b)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return send(t, req)
}

// putObject PUTs data to a presigned URL with exactly the given headers.
func putObject(t *testing.T, url string, headers map[string]string, data []byte) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return send(t, req)
}

// ossClient is the official Go SDK pointed at the stack's OSS emulator,
// path style, V4, without retries.
func ossClient(s *devstack.Stack, provider credentials.CredentialsProvider) *oss.Client {
	return oss.NewClient(oss.LoadDefaultConfig().WithCredentialsProvider(provider).
		WithRegion(s.Region).WithEndpoint(s.OSS).WithUsePathStyle(true).
		WithSignatureVersion(oss.SignatureVersionV4).WithRetryMaxAttempts(1))
}

// rootClient is the SDK as the stack's root identity.
func rootClient(s *devstack.Stack) *oss.Client {
	return ossClient(s, credentials.NewStaticCredentialsProvider(devstack.DevAccessKeyID, devstack.DevAccessKeySecret))
}

// stored returns the object's bytes, or false when it does not exist.
func stored(t *testing.T, s *devstack.Stack, key string) ([]byte, bool) {
	t.Helper()
	res, err := rootClient(s).GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key)})
	var se *oss.ServiceError
	if errors.As(err, &se) && se.StatusCode == http.StatusNotFound {
		return nil, false
	}
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, true
}

// wantStored checks that key holds exactly want.
func wantStored(t *testing.T, s *devstack.Stack, key string, want []byte) {
	t.Helper()
	got, ok := stored(t, s, key)
	if !ok {
		t.Fatalf("object %s not stored", key)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("object %s holds %d bytes %q…, want the %d uploaded", key, len(got), got[:min(len(got), 16)], len(want))
	}
}

// wantNotStored checks that key does not exist.
func wantNotStored(t *testing.T, s *devstack.Stack, key string) {
	t.Helper()
	if _, ok := stored(t, s, key); ok {
		t.Fatalf("object %s was stored by a refused upload", key)
	}
}

// pngBytes encodes a w×h PNG (the emulator reads its size for the
// callback's imageInfo variables).
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, 0, color.RGBA{R: uint8(x * 40), A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
