package conformance

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	stsapi "github.com/alibabacloud-go/sts-20150401/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	osscreds "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

// Run runs the suite against target: one subtest per area (PostObject,
// PresignedPut, HeaderSigned, STS, Multipart, Callback, CORS, Objects,
// Errors), each with named cases run in parallel. Every key it writes
// starts with target.Prefix; when the suite ends it deletes every object
// and aborts every multipart upload under that prefix, then calls
// target.Cleanup.
func Run(t *testing.T, target Target) {
	t.Helper()
	s, err := newSuite(target)
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	t.Logf("conformance: target %s, bucket %s, prefix %s", s.target.Name, s.target.Bucket, s.prefix)
	t.Cleanup(func() {
		s.deleteAll(t)
		if target.Cleanup != nil {
			target.Cleanup()
		}
	})
	t.Run("PostObject", s.testPostObject)
	t.Run("PresignedPut", s.testPresignedPut)
	t.Run("HeaderSigned", s.testHeaderSigned)
	t.Run("STS", s.testSTS)
	t.Run("Multipart", s.testMultipart)
	t.Run("Callback", s.testCallback)
	t.Run("CORS", s.testCORS)
	t.Run("Objects", s.testObjects)
	t.Run("Errors", s.testErrors)
}

// suite is one run against one target.
type suite struct {
	target Target
	prefix string
	scheme string
	host   string
	style  signing.AddressStyle
	root   signing.Credentials
	client *oss.Client
	http   *http.Client
}

func newSuite(target Target) (*suite, error) {
	switch {
	case target.Endpoint == "", target.Bucket == "", target.Region == "", target.AccessKeyID == "", target.AccessKeySecret == "":
		return nil, errors.New("Target needs Endpoint, Bucket, Region, AccessKeyID and AccessKeySecret")
	case target.Prefix != "" && (!strings.HasSuffix(target.Prefix, "/") || strings.HasPrefix(target.Prefix, "/")):
		return nil, fmt.Errorf("Target.Prefix %q must end with \"/\" and not start with one", target.Prefix)
	}
	if target.Name == "" {
		target.Name = "target"
	}
	target.Region = signing.RegionID(target.Region)
	s := &suite{target: target, prefix: target.Prefix}
	if s.prefix == "" {
		s.prefix = newRunPrefix(time.Now())
	}
	var err error
	if s.scheme, s.host, err = target.host(); err != nil || s.host == "" {
		return nil, fmt.Errorf("Target.Endpoint %q is not a URL", target.Endpoint)
	}
	s.style = signing.VirtualHosted
	if target.PathStyle {
		s.style = signing.PathStyle
	}
	s.root = signing.Credentials{AccessKeyID: target.AccessKeyID, AccessKeySecret: target.AccessKeySecret}
	s.client = s.sdk(s.root, false)
	s.http = &http.Client{
		Timeout:       2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s, nil
}

// sdk returns an official SDK client signing with c (V1 when v1 is set).
func (s *suite) sdk(c signing.Credentials, v1 bool, extra ...func(*oss.Config) *oss.Config) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(osscreds.NewStaticCredentialsProvider(c.AccessKeyID, c.AccessKeySecret, c.SecurityToken)).
		WithRegion(s.target.Region).
		WithEndpoint(s.target.Endpoint).
		WithUsePathStyle(s.target.PathStyle).
		WithRetryMaxAttempts(1)
	if v1 {
		cfg = cfg.WithSignatureVersion(oss.SignatureVersionV1)
	}
	for _, e := range extra {
		cfg = e(cfg)
	}
	return oss.NewClient(cfg)
}

// objectURL is the URL of key in the target bucket.
func (s *suite) objectURL(key, rawQuery string) string {
	return signing.ObjectURL(s.scheme, s.host, s.target.Bucket, key, s.style, rawQuery)
}

// bucketURL is where PostObject forms go.
func (s *suite) bucketURL(bucket string) string {
	return signing.ObjectURL(s.scheme, s.host, bucket, "", s.style, "")
}

// do sends req (no redirects followed) and reads the whole answer.
func (s *suite) do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, redactURL(req.URL), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", req.Method, redactURL(req.URL), err)
	}
	return resp, body
}

// redactURL drops the query (signatures, tokens) from u for messages.
func redactURL(u *url.URL) string {
	c := *u
	if c.RawQuery != "" {
		c.RawQuery = "…"
	}
	return c.String()
}

// brief is what failure messages show of an answer's body: an OSS
// error's Code and Message only (its StringToSign may hold a security
// token), or the first 200 bytes of anything else with tokens cut out.
func brief(body []byte) string {
	var e ossError
	if xml.Unmarshal(body, &e) == nil && e.Code != "" {
		return fmt.Sprintf("<Error> Code %q, Message %q, RequestId %q", e.Code, e.Message, e.RequestID)
	}
	s := string(body[:min(len(body), 200)])
	if i := strings.Index(strings.ToLower(s), "token"); i >= 0 {
		s = s[:i] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// ossError is OSS's XML error body.
type ossError struct {
	XMLName           xml.Name `xml:"Error"`
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

// checkError asserts an error answer: status, Code, the XML body and the
// fields the product relies on (RequestId equal to x-oss-request-id,
// HostId; for SignatureDoesNotMatch the StringToSign and the access key
// id). what describes the rule exercised, for the failure message.
func checkError(t *testing.T, what string, resp *http.Response, body []byte, status int, code string) ossError {
	t.Helper()
	if resp.StatusCode != status {
		if resp.StatusCode < 300 {
			t.Fatalf("the target ACCEPTED (HTTP %d) a request OSS refuses with %d %s; rule not enforced: %s", resp.StatusCode, status, code, what)
		}
		t.Fatalf("HTTP %d, want %d %s (%s); body %s", resp.StatusCode, status, code, what, brief(body))
	}
	var e ossError
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body is not OSS's <Error> XML (%v): %s", err, brief(body))
	}
	if e.Code != code {
		t.Fatalf("Code = %q, want %q (%s); Message %q", e.Code, code, what, e.Message)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/xml" {
		t.Errorf("Content-Type = %q, want application/xml", ct)
	}
	if id := resp.Header.Get("x-oss-request-id"); e.RequestID == "" || e.RequestID != id {
		t.Errorf("RequestId %q, x-oss-request-id %q: want the same, non-empty", e.RequestID, id)
	}
	if e.HostID == "" {
		t.Errorf("HostId is empty")
	}
	if code == "SignatureDoesNotMatch" && (e.StringToSign == "" || e.OSSAccessKeyID == "" || e.SignatureProvided == "") {
		t.Errorf("SignatureDoesNotMatch without StringToSign/OSSAccessKeyId/SignatureProvided: %s", brief(body))
	}
	return e
}

// checkSDKError asserts that err is OSS's service error with status and
// code.
func checkSDKError(t *testing.T, what string, err error, status int, code string) *oss.ServiceError {
	t.Helper()
	if err == nil {
		t.Fatalf("the target ACCEPTED a request OSS refuses with %d %s; rule not enforced: %s", status, code, what)
	}
	var se *oss.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("%s: error %v (%T) is not an OSS service error", what, err, err)
	}
	if se.StatusCode != status || se.Code != code {
		t.Fatalf("%s: got %d %s (%s), want %d %s", what, se.StatusCode, se.Code, se.Message, status, code)
	}
	if se.RequestID == "" {
		t.Errorf("%s: no request id", what)
	}
	return se
}

// caseEnv is one case's corner of the bucket: its own prefix.
type caseEnv struct {
	t      *testing.T
	s      *suite
	prefix string
}

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

// newCase gives t a prefix of its own under the run's prefix.
func (s *suite) newCase(t *testing.T) *caseEnv {
	slug := strings.Trim(slugRe.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	return &caseEnv{t: t, s: s, prefix: s.prefix + slug + "/"}
}

// key is name under the case's prefix.
func (c *caseEnv) key(name string) string { return c.prefix + name }

// put stores data at key with the root credentials and returns its ETag.
func (c *caseEnv) put(key string, data []byte, contentType string) string {
	c.t.Helper()
	req := &oss.PutObjectRequest{Bucket: oss.Ptr(c.s.target.Bucket), Key: oss.Ptr(key), Body: bytes.NewReader(data)}
	if contentType != "" {
		req.ContentType = oss.Ptr(contentType)
	}
	res, err := c.s.client.PutObject(context.Background(), req)
	if err != nil {
		c.t.Fatalf("seeding %s: %v", key, err)
	}
	return oss.ToString(res.ETag)
}

// get returns key's bytes, or nil when it does not exist.
func (c *caseEnv) get(key string) []byte {
	c.t.Helper()
	res, err := c.s.client.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(c.s.target.Bucket), Key: oss.Ptr(key)})
	var se *oss.ServiceError
	if errors.As(err, &se) && se.Code == "NoSuchKey" {
		return nil
	}
	if err != nil {
		c.t.Fatalf("GetObject %s: %v", key, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return b
}

// head returns key's metadata.
func (c *caseEnv) head(key string) *oss.HeadObjectResult {
	c.t.Helper()
	res, err := c.s.client.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(c.s.target.Bucket), Key: oss.Ptr(key)})
	if err != nil {
		c.t.Fatalf("HeadObject %s: %v", key, err)
	}
	return res
}

// list returns the keys under the case's prefix.
func (c *caseEnv) list() []string {
	c.t.Helper()
	keys, err := c.s.listKeys(c.prefix)
	if err != nil {
		c.t.Fatalf("listing %s: %v", c.prefix, err)
	}
	return keys
}

func (s *suite) listKeys(prefix string) ([]string, error) {
	var keys []string
	p := s.client.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(s.target.Bucket), Prefix: oss.Ptr(prefix)})
	for p.HasNext() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			keys = append(keys, oss.ToString(o.Key))
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// deleteAll deletes every object and aborts every multipart upload under
// the run's prefix.
func (s *suite) deleteAll(t *testing.T) {
	ctx := context.Background()
	up := s.client.NewListMultipartUploadsPaginator(&oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(s.target.Bucket), Prefix: oss.Ptr(s.prefix)})
	aborted := 0
	for up.HasNext() {
		page, err := up.NextPage(ctx)
		if err != nil {
			t.Errorf("cleanup: listing multipart uploads under %s: %v", s.prefix, err)
			break
		}
		for _, u := range page.Uploads {
			_, err := s.client.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(s.target.Bucket), Key: u.Key, UploadId: u.UploadId})
			var se *oss.ServiceError
			if err != nil && !(errors.As(err, &se) && se.Code == "NoSuchUpload") {
				t.Errorf("cleanup: aborting %s: %v", oss.ToString(u.Key), err)
			}
			aborted++
		}
	}
	keys, err := s.listKeys(s.prefix)
	if err != nil {
		t.Errorf("cleanup: listing %s: %v", s.prefix, err)
		return
	}
	for _, k := range keys {
		if _, err := s.client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(k)}); err != nil {
			t.Errorf("cleanup: deleting %s: %v", k, err)
		}
	}
	if left, err := s.listKeys(s.prefix); err != nil || len(left) != 0 {
		t.Errorf("cleanup: %d objects left under %s (%v)", len(left), s.prefix, err)
	}
	t.Logf("conformance: cleanup deleted %d objects and aborted %d uploads under %s", len(keys), aborted, s.prefix)
}

// signedRequest builds a request for key signed in the Authorization
// header (V4, or V1 when v1) by shared/signing at at.
func (c *caseEnv) signedRequest(method, key string, body []byte, header http.Header, query url.Values, v1 bool, creds signing.Credentials, at time.Time) *http.Request {
	c.t.Helper()
	req, err := http.NewRequest(method, c.s.objectURL(key, query.Encode()), bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	sr := &signing.Request{Method: method, Bucket: c.s.target.Bucket, Key: key, Header: req.Header, Query: query, Region: c.s.target.Region}
	if v1 {
		_, err = signing.SignV1(sr, creds, at)
	} else {
		_, err = signing.SignV4(sr, creds, at)
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return req
}

// presign presigns method on key with shared/signing (V4 unless v1),
// returning the URL and the headers the client must send.
func (c *caseEnv) presign(method, key string, header http.Header, additional []string, creds signing.Credentials, v1 bool, at time.Time, expires time.Duration) (string, map[string]string) {
	c.t.Helper()
	r := &signing.Request{Method: method, Bucket: c.s.target.Bucket, Key: key, Header: header, AdditionalHeaders: additional, Region: c.s.target.Region}
	var p *signing.Presigned
	var err error
	if v1 {
		p, err = signing.PresignV1(r, creds, at.Add(expires))
	} else {
		p, err = signing.PresignV4(r, creds, at, expires)
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return c.s.objectURL(key, p.RawQuery), p.SignedHeaders
}

// request builds a plain request with headers.
func (c *caseEnv) request(method, rawURL string, body []byte, headers map[string]string) *http.Request {
	c.t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return req
}

// sessionCreds returns temporary credentials whose session policy is the
// one the product's sts-token function asks for: upload actions under
// dir (a folder under the case's prefix).
func (c *caseEnv) sessionCreds(dir string, expired bool) signing.Credentials {
	c.t.Helper()
	sts := c.s.target.STS
	if sts == nil {
		c.t.Skip("no STS configured for this target (live: set " + EnvSTSRoleARN + ")")
	}
	g := &upload.Grant{Profile: "conformance", Bucket: c.s.target.Bucket, Dir: dir, Key: dir}
	pol, err := g.SessionPolicy("")
	if err != nil {
		c.t.Fatalf("session policy: %v", err)
	}
	ctx := context.Background()
	var creds signing.Credentials
	switch {
	case expired && sts.Expired == nil:
		c.t.Skip("the target cannot hand out an expired STS token (STS.Expired is nil; a real one needs 15 minutes to expire)")
	case expired:
		creds, err = sts.Expired(ctx, string(pol))
	case sts.AssumeRole != nil:
		creds, err = sts.AssumeRole(ctx, string(pol))
	default:
		creds, err = assumeRole(ctx, sts, c.s.root, string(pol))
	}
	if err != nil {
		c.t.Fatalf("AssumeRole: %v", err)
	}
	return creds
}

// ownClient is the STS SDK's HTTP client for one call (dara.HttpClient).
type ownClient struct{ c *http.Client }

// Call implements dara.HttpClient; the SDK's per-request transport is not used.
func (o ownClient) Call(req *http.Request, _ *http.Transport) (*http.Response, error) {
	return o.c.Do(req)
}

// assumeRole calls AssumeRole with the official STS SDK.
func assumeRole(_ context.Context, sts *STS, root signing.Credentials, sessionPolicy string) (signing.Credentials, error) {
	endpoint, protocol := sts.Endpoint, "https"
	if rest, ok := strings.CutPrefix(endpoint, "http://"); ok {
		endpoint, protocol = rest, "http"
	} else if rest, ok := strings.CutPrefix(endpoint, "https://"); ok {
		endpoint = rest
	}
	client, err := stsapi.NewClient(&openapi.Config{
		AccessKeyId:     tea.String(root.AccessKeyID),
		AccessKeySecret: tea.String(root.AccessKeySecret),
		Endpoint:        tea.String(strings.TrimSuffix(endpoint, "/")),
		Protocol:        tea.String(protocol),
		// The SDK's default HTTP client is shared by every SDK client and
		// races when calls run in parallel (tea's dara.DoRequest sets its
		// Timeout under a lock that http.Client.Do does not take; seen with
		// -race): each call gets its own, as shared/sts does.
		HttpClient: ownClient{&http.Client{Timeout: 30 * time.Second}},
	})
	if err != nil {
		return signing.Credentials{}, err
	}
	resp, err := client.AssumeRole(&stsapi.AssumeRoleRequest{
		RoleArn:         tea.String(sts.RoleARN),
		RoleSessionName: tea.String("ossdirect-conformance"),
		DurationSeconds: tea.Int64(900),
		Policy:          tea.String(sessionPolicy),
	})
	if err != nil {
		var se *tea.SDKError
		if errors.As(err, &se) {
			return signing.Credentials{}, fmt.Errorf("STS %s: %s", tea.StringValue(se.Code), tea.StringValue(se.Message))
		}
		return signing.Credentials{}, err
	}
	if resp.Body == nil || resp.Body.Credentials == nil {
		return signing.Credentials{}, errors.New("AssumeRole answered without credentials")
	}
	cr := resp.Body.Credentials
	return signing.Credentials{
		AccessKeyID:     tea.StringValue(cr.AccessKeyId),
		AccessKeySecret: tea.StringValue(cr.AccessKeySecret),
		SecurityToken:   tea.StringValue(cr.SecurityToken),
	}, nil
}
