package ossemu

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/xml"
	"io"
	"net/http"
	"ossdirect/internal/testsupport/postform"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/shared/policy"
	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

// testProfiles are the upload profiles the PostObject tests grant from.
const testProfiles = `{
  "images": {"prefix": "users/{sub}/", "maxSize": 1000, "minSize": 10,
             "contentTypes": ["image/png", "image/jpeg"]},
  "docs":   {"prefix": "users/{sub}/docs/", "naming": "client", "maxSize": 1000,
             "contentTypes": ["text/plain", "application/pdf"], "forbidOverwrite": false},
  "v1imgs": {"prefix": "users/{sub}/v1/", "maxSize": 1000, "signatureVersion": "v1",
             "contentTypes": ["image/png"]}
}`

// The form helpers are postform's; these names keep the tables short.
type (
	field    = postform.Field
	formFile = postform.File
)

var (
	fileField     = postform.FileField
	multipartBody = postform.Body
	sortedFields  = postform.Sorted
)

// postRequest builds a PostObject request to the test bucket (path style).
func (h *harness) postRequest(fields []field, file *formFile, after []field) *http.Request {
	body, ct := multipartBody(fields, file, after)
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/"+testBucket, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	return req
}

// grant compiles a PostObject form from testProfiles, the way the product's
// post-signature function does. rnd fixes the UUID (nil: random).
func grant(t *testing.T, profile string, req upload.Request, creds signing.Credentials, version string, now time.Time, rnd io.Reader) (map[string]string, *upload.Grant) {
	t.Helper()
	ps, err := upload.ParseProfiles([]byte(testProfiles))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ps.Lookup(profile)
	if err != nil {
		t.Fatal(err)
	}
	g, err := p.Grant(req, now, upload.GrantOptions{Bucket: testBucket, Rand: rnd})
	if err != nil {
		t.Fatalf("Grant: %v", err)
	}
	pf, err := g.PostForm(creds, version, testRegion, now)
	if err != nil {
		t.Fatalf("PostForm: %v", err)
	}
	return pf.Fields, g
}

// handForm signs a hand-built policy (conditions from build) and returns
// the auth fields plus extra.
func handForm(t testing.TB, v4 bool, creds signing.Credentials, now time.Time, build func(*policy.Builder), extra map[string]string) map[string]string {
	t.Helper()
	b := policy.New(now.Add(10 * time.Minute))
	if build != nil {
		build(b)
	}
	p, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := p.Base64()
	if err != nil {
		t.Fatal(err)
	}
	return postform.Signed(enc, creds, now, testRegion, v4, extra)
}

var stsCreds = signing.Credentials{AccessKeyID: stsAK, AccessKeySecret: stsSK, SecurityToken: stsToken}

func zeroUUID() io.Reader { return bytes.NewReader(make([]byte, 16)) }

// TestPostObjectGrants posts forms compiled from upload Grants, as the
// product does: V4 and V1, root and STS credentials, both namings.
func TestPostObjectGrants(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	png := append([]byte("\x89PNG\r\n\x1a\n"), randomBytes(300)...)
	tests := []struct {
		name      string
		profile   string
		req       upload.Request
		creds     signing.Credentials
		version   string
		addKey    bool // client naming: the client appends its file name
		wantKey   string
		wantType  string
		fileCT    string
		extraForm map[string]string
	}{
		{name: "v4 uuid root", profile: "images", req: upload.Request{Subject: "alice", Filename: "cat.png"}, creds: rootCreds,
			wantKey: "users/alice/00000000-0000-4000-8000-000000000000.png", wantType: "image/png"},
		{name: "v1 uuid root", profile: "images", req: upload.Request{Subject: "carol", Filename: "cat.png"}, creds: rootCreds, version: upload.SignatureV1,
			wantKey: "users/carol/00000000-0000-4000-8000-000000000000.png", wantType: "image/png"},
		{name: "v4 uuid sts", profile: "images", req: upload.Request{Subject: "alice", Filename: "dog.jpg", Size: 308}, creds: stsCreds,
			wantKey: "users/alice/00000000-0000-4000-8000-000000000000.jpg", wantType: "image/jpeg"},
		{name: "v1 uuid sts", profile: "v1imgs", req: upload.Request{Subject: "alice", Filename: "x.png"}, creds: stsCreds,
			wantKey: "users/alice/v1/00000000-0000-4000-8000-000000000000.png", wantType: "image/png"},
		{name: "v4 client naming", profile: "docs", req: upload.Request{Subject: "dave"}, creds: rootCreds, addKey: true,
			wantKey: "users/dave/docs/photo.png", wantType: "text/plain", fileCT: "image/png",
			extraForm: map[string]string{"Content-Type": "text/plain", "x-oss-meta-origin": "form", "Content-Disposition": "attachment"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fields, _ := grant(t, tc.profile, tc.req, tc.creds, tc.version, time.Now(), zeroUUID())
			if tc.addKey {
				fields["key"] = fields["key"] + "users/dave/docs/${filename}"
			}
			for k, v := range tc.extraForm {
				fields[k] = v
			}
			ct := tc.fileCT
			if ct == "" {
				ct = "application/octet-stream"
			}
			resp, body := do(t, h.postRequest(sortedFields(fields), fileField(png, ct), nil))
			if resp.StatusCode != http.StatusOK || len(body) != 0 {
				t.Fatalf("PostObject: %d %s", resp.StatusCode, body)
			}
			sum := md5.Sum(png)
			if resp.Header.Get("ETag") != quotedETag(sum[:]) || resp.Header.Get("x-oss-hash-crc64ecma") == "" {
				t.Errorf("headers: %v", resp.Header)
			}
			if got := h.object(tc.wantKey); !bytes.Equal(got, png) {
				t.Fatalf("object %s: %d bytes; bucket holds %v", tc.wantKey, len(got), h.files(testBucket))
			}
			head, err := h.root().HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(tc.wantKey)})
			if err != nil {
				t.Fatal(err)
			}
			if got := oss.ToString(head.ContentType); got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
			if tc.extraForm["x-oss-meta-origin"] != "" && (head.Metadata["origin"] != "form" || head.Headers.Get("Content-Disposition") != "attachment") {
				t.Errorf("stored metadata: %v %v", head.Metadata, head.Headers)
			}
		})
	}
}

// TestPostObjectFields covers the form features beyond what grants use.
func TestPostObjectFields(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.CNAMEs = map[string]string{"files.example.com": testBucket} })
	data := []byte("hello, form")
	now := time.Now()
	anyKey := func(b *policy.Builder) { b.StartsWith("key", "") }
	tests := []struct {
		name       string
		v4         bool
		extra      map[string]string
		fileCT     string
		upper      bool   // send every field name upper-cased
		host       string // CNAME host: POST /
		wantStatus int
		wantType   string
		check      func(t *testing.T, resp *http.Response, body []byte)
	}{
		{name: "default status 204", v4: true, extra: map[string]string{"key": "f/204.txt"}, wantStatus: 204, wantType: "text/x-file"},
		{name: "status 200", v4: true, extra: map[string]string{"key": "f/200.txt", "success_action_status": "200"}, wantStatus: 200, wantType: "text/x-file"},
		{name: "invalid status is 204", extra: map[string]string{"key": "f/299.txt", "success_action_status": "299"}, wantStatus: 204, wantType: "text/x-file"},
		{name: "status 201 xml", v4: true, extra: map[string]string{"key": "f/201.txt", "success_action_status": "201"}, wantStatus: 201, wantType: "text/x-file",
			check: func(t *testing.T, resp *http.Response, body []byte) {
				var pr struct {
					Bucket, Location, Key, ETag string
				}
				if err := xml.Unmarshal(body, &pr); err != nil || pr.Bucket != testBucket || pr.Key != "f/201.txt" || pr.ETag != resp.Header.Get("ETag") || !strings.HasSuffix(pr.Location, "/"+testBucket+"/f/201.txt") {
					t.Errorf("PostResponse %s (%v)", body, err)
				}
			}},
		{name: "x-oss-content-type wins", v4: true, extra: map[string]string{"key": "f/ct1", "Content-Type": "text/plain", "x-oss-content-type": "image/webp"}, wantStatus: 204, wantType: "image/webp"},
		{name: "content-type field beats part", v4: true, extra: map[string]string{"key": "f/ct2", "Content-Type": "text/plain"}, wantStatus: 204, wantType: "text/plain"},
		{name: "no content type at all", v4: true, extra: map[string]string{"key": "f/ct3"}, fileCT: "-", wantStatus: 204, wantType: "application/octet-stream"},
		{name: "upper-case field names", v4: true, upper: true, extra: map[string]string{"key": "f/upper", "Success_Action_Status": "200"}, wantStatus: 200, wantType: "text/x-file"},
		{name: "v1 field names any case", upper: true, extra: map[string]string{"key": "f/upper-v1"}, wantStatus: 204, wantType: "text/x-file"},
		{name: "cname POST /", v4: true, host: "files.example.com", extra: map[string]string{"key": "f/cname.txt"}, wantStatus: 204, wantType: "text/x-file"},
		{name: "metadata and headers stored", v4: true, extra: map[string]string{"key": "f/meta", "x-oss-meta-a": "1", "X-Oss-Meta-B": "two",
			"Cache-Control": "max-age=60", "Content-Encoding": "identity", "Expires": "Thu, 01 Dec 2094 16:00:00 GMT", "Content-Disposition": "inline"},
			wantStatus: 204, wantType: "text/x-file",
			check: func(t *testing.T, _ *http.Response, _ []byte) {
				head, err := h.root().HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("f/meta")})
				if err != nil {
					t.Fatal(err)
				}
				if head.Metadata["a"] != "1" || head.Metadata["b"] != "two" || oss.ToString(head.CacheControl) != "max-age=60" ||
					oss.ToString(head.ContentEncoding) != "identity" || oss.ToString(head.ContentDisposition) != "inline" || head.Headers.Get("Expires") == "" {
					t.Errorf("HeadObject: %v", head.Headers)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fields := handForm(t, tc.v4, rootCreds, now, anyKey, tc.extra)
			list := sortedFields(fields)
			if tc.upper {
				for i := range list {
					list[i].Name = strings.ToUpper(list[i].Name)
				}
			}
			ct := tc.fileCT
			switch ct {
			case "":
				ct = "text/x-file"
			case "-":
				ct = ""
			}
			req := h.postRequest(list, fileField(data, ct), nil)
			if tc.host != "" {
				req.URL.Path = "/"
				req.Host = tc.host
			}
			resp, body := do(t, req)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.wantStatus, body)
			}
			key := tc.extra["key"]
			if got := h.object(key); !bytes.Equal(got, data) {
				t.Fatalf("object %s = %q", key, got)
			}
			m, err := h.srv.store.Stat(testBucket, key)
			if err != nil || m.ContentType != tc.wantType {
				t.Errorf("stored type %v, want %q (%v)", m, tc.wantType, err)
			}
			if tc.check != nil {
				tc.check(t, resp, body)
			}
		})
	}
}
