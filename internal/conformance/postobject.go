package conformance

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/shared/policy"
	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

func png(n int) []byte { return bytes.Repeat([]byte{0x89}, n) }

// quotedMD5 is OSS's ETag of a simple upload: the quoted upper-case MD5.
func quotedMD5(data []byte) string {
	sum := md5.Sum(data)
	return `"` + strings.ToUpper(hex.EncodeToString(sum[:])) + `"`
}

func (s *suite) testPostObject(t *testing.T) {
	t.Run("accepted", s.postAccepted)
	t.Run("refused", func(t *testing.T) { s.runRefusals(t, s.postRefusals()) })
}

// postAccepted posts forms compiled from upload grants (as the product
// does) and hand-built ones, one per policy condition kind that passes.
func (s *suite) postAccepted(t *testing.T) {
	data := append([]byte("\x89PNG\r\n\x1a\n"), png(300)...)
	tests := []struct {
		name     string
		form     func(c *caseEnv) (fields map[string]string, wantKey string)
		fileCT   string
		wantType string
		check    func(c *caseEnv, key string)
	}{
		{name: "v4 grant, uuid naming (exact bucket, eq key, eq content-type, content-length-range)", fileCT: "application/octet-stream", wantType: "image/png",
			form: func(c *caseEnv) (map[string]string, string) {
				f, g := c.grant("images", upload.Request{Subject: "alice", Filename: "cat.png"}, s.root, "", time.Now(), zeroUUID())
				return f, g.Key
			}},
		{name: "v1 grant, uuid naming", fileCT: "application/octet-stream", wantType: "image/png",
			form: func(c *caseEnv) (map[string]string, string) {
				f, g := c.grant("images", upload.Request{Subject: "carol", Filename: "cat.png"}, s.root, upload.SignatureV1, time.Now(), zeroUUID())
				return f, g.Key
			}},
		{name: "v4 grant, client naming (starts-with key, in content-type, metadata)", fileCT: "image/png", wantType: "text/plain",
			form: func(c *caseEnv) (map[string]string, string) {
				f, g := c.grant("docs", upload.Request{Subject: "dave"}, s.root, "", time.Now(), nil)
				f["key"] = g.Dir + "${filename}"
				f["Content-Type"] = "text/plain"
				f["x-oss-meta-origin"] = "form"
				f["Content-Disposition"] = "attachment"
				return f, g.Dir + "photo.png"
			},
			check: func(c *caseEnv, key string) {
				head := c.head(key)
				if head.Metadata["origin"] != "form" || oss.ToString(head.ContentDisposition) != "attachment" {
					c.t.Errorf("stored metadata %v, Content-Disposition %q", head.Metadata, oss.ToString(head.ContentDisposition))
				}
			}},
		{name: "v4 hand policy, not-in content-type passes", fileCT: "text/plain", wantType: "text/plain",
			form: func(c *caseEnv) (map[string]string, string) {
				f := c.handForm(true, s.root, time.Now(), func(b *policy.Builder) { b.NotIn("content-type", "text/html", "image/svg+xml") },
					map[string]string{"Content-Type": "text/plain"})
				return f, f["key"]
			}},
		{name: "v4 hand policy, eq on metadata passes", fileCT: "text/plain", wantType: "text/plain",
			form: func(c *caseEnv) (map[string]string, string) {
				f := c.handForm(true, s.root, time.Now(), func(b *policy.Builder) { b.Eq("x-oss-meta-owner", "alice") },
					map[string]string{"x-oss-meta-owner": "alice"})
				return f, f["key"]
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := s.newCase(t)
			fields, key := tc.form(c)
			resp, body := s.do(t, c.postRequest(sortedFields(fields), fileField(data, tc.fileCT), nil))
			if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
				t.Fatalf("PostObject: HTTP %d, want 200 or 204: %s", resp.StatusCode, brief(body))
			}
			if got := resp.Header.Get("ETag"); got != quotedMD5(data) {
				t.Errorf("ETag = %s, want %s", got, quotedMD5(data))
			}
			if resp.Header.Get("x-oss-request-id") == "" {
				t.Error("no x-oss-request-id")
			}
			if got := c.get(key); !bytes.Equal(got, data) {
				t.Fatalf("object %s: %d bytes stored, want the %d posted; prefix holds %v", key, len(got), len(data), c.list())
			}
			if got := oss.ToString(c.head(key).ContentType); got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
			if tc.check != nil {
				tc.check(c, key)
			}
		})
	}
}

// postRefusals are the PostObject forms OSS refuses. Moved from the
// emulator's TestRejections (internal/localcloud/ossemu/reject_test.go),
// plus the exact, eq and not-in refusals.
func (s *suite) postRefusals() []refusal {
	root := s.root
	imagesGrant := func(c *caseEnv, subject string, creds signing.Credentials, now time.Time) map[string]string {
		f, _ := c.grant("images", upload.Request{Subject: subject, Filename: "cat.png"}, creds, "", now, zeroUUID())
		return f
	}
	docsGrant := func(c *caseEnv, now time.Time) map[string]string {
		f, _ := c.grant("docs", upload.Request{Subject: "dave"}, root, "", now, nil)
		return f
	}
	post := func(c *caseEnv, f map[string]string, data []byte) *http.Request {
		return c.postRequest(sortedFields(f), fileField(data, "image/png"), nil)
	}
	return []refusal{
		{name: "post expired policy", rule: "policy expiration", status: 403, code: "AccessDenied", msg: "Invalid according to Policy: Policy expired.",
			req: func(c *caseEnv) *http.Request {
				f := imagesGrant(c, "alice", root, time.Now().Add(-time.Hour))
				f["key"] = c.key("users/alice/late.png")
				return post(c, f, png(100))
			}},
		{name: "post tampered policy", rule: "the V4 signature covers the policy", status: 403, code: "SignatureDoesNotMatch",
			req: func(c *caseEnv) *http.Request {
				f := imagesGrant(c, "alice", root, time.Now())
				other := c.handForm(true, root, time.Now(), nil, nil)
				f["policy"] = other["policy"] // a looser policy under the original signature
				f["key"] = c.key("users/alice/anything.png")
				return post(c, f, png(100))
			}},
		{name: "post tampered v4 signature", rule: "x-oss-signature", status: 403, code: "SignatureDoesNotMatch",
			req: func(c *caseEnv) *http.Request {
				f := imagesGrant(c, "bob", root, time.Now())
				sig := []byte(f["x-oss-signature"])
				sig[0] ^= 1
				f["x-oss-signature"] = string(sig)
				return post(c, f, png(100))
			}},
		{name: "post tampered v1 signature", rule: "Signature (V1)", status: 403, code: "SignatureDoesNotMatch",
			req: func(c *caseEnv) *http.Request {
				f, _ := c.grant("images", upload.Request{Subject: "bob", Filename: "cat.png"}, root, upload.SignatureV1, time.Now(), nil)
				f["Signature"] = base64.StdEncoding.EncodeToString(make([]byte, 20))
				return post(c, f, png(100))
			}},
		{name: "post key outside starts-with", rule: `policy condition ["starts-with", "$key", …]`, status: 403, code: "AccessDenied", msg: `["starts-with", "$key", "`,
			req: func(c *caseEnv) *http.Request {
				f := docsGrant(c, time.Now())
				f["key"] = c.key("users/eve/docs/x.txt")
				f["Content-Type"] = "text/plain"
				return c.postRequest(sortedFields(f), fileField([]byte("text"), "text/plain"), nil)
			}},
		{name: "post size too big", rule: `policy condition ["content-length-range", 10, 1000]`, status: 400, code: "EntityTooLarge",
			req: func(c *caseEnv) *http.Request { return post(c, imagesGrant(c, "bob", root, time.Now()), png(1001)) }},
		{name: "post size far too big", rule: `policy condition ["content-length-range", 10, 1000]`, status: 400, code: "EntityTooLarge",
			req: func(c *caseEnv) *http.Request { return post(c, imagesGrant(c, "bob", root, time.Now()), png(3<<20)) }},
		{name: "post size too small", rule: `policy condition ["content-length-range", 10, 1000]`, status: 400, code: "EntityTooSmall",
			req: func(c *caseEnv) *http.Request { return post(c, imagesGrant(c, "bob", root, time.Now()), png(9)) }},
		{name: "post content type not in list", rule: `policy condition ["in", "$content-type", […]]`, status: 403, code: "AccessDenied",
			msg: `["in", "$content-type", ["text/plain", "application/pdf"]]`,
			req: func(c *caseEnv) *http.Request {
				f := docsGrant(c, time.Now())
				f["key"] = c.key("users/dave/docs/page.html")
				f["Content-Type"] = "text/html"
				return c.postRequest(sortedFields(f), fileField([]byte("<b>x</b>"), "text/html"), nil)
			}},
		{name: "post content type in not-in list", rule: `policy condition ["not-in", "$content-type", […]]`, status: 403, code: "AccessDenied",
			req: func(c *caseEnv) *http.Request {
				f := c.handForm(true, root, time.Now(), func(b *policy.Builder) { b.NotIn("content-type", "text/html", "image/svg+xml") },
					map[string]string{"Content-Type": "text/html"})
				return c.postRequest(sortedFields(f), fileField([]byte("<b>x</b>"), "text/html"), nil)
			}},
		{name: "post metadata not eq", rule: `policy condition ["eq", "$x-oss-meta-owner", "alice"]`, status: 403, code: "AccessDenied",
			req: func(c *caseEnv) *http.Request {
				f := c.handForm(true, root, time.Now(), func(b *policy.Builder) { b.Eq("x-oss-meta-owner", "alice") },
					map[string]string{"x-oss-meta-owner": "mallory"})
				return post(c, f, png(100))
			}},
		{name: "post exact condition not met", rule: `policy condition {"content-disposition": "attachment"}`, status: 403, code: "AccessDenied",
			req: func(c *caseEnv) *http.Request {
				f := c.handForm(true, root, time.Now(), func(b *policy.Builder) { b.Exact("content-disposition", "attachment") },
					map[string]string{"Content-Disposition": "inline"})
				return post(c, f, png(100))
			}},
		{name: "post pinned content type overridden", rule: "policy condition on $content-type against x-oss-content-type", status: 403, code: "AccessDenied",
			req: func(c *caseEnv) *http.Request {
				f := imagesGrant(c, "bob", root, time.Now())
				f["x-oss-content-type"] = "text/html"
				return post(c, f, png(100))
			}},
		{name: "post missing file", rule: "one file per form", status: 400, code: "IncorrectNumberOfFilesInPOSTRequest",
			req: func(c *caseEnv) *http.Request {
				return c.postRequest(sortedFields(imagesGrant(c, "bob", root, time.Now())), nil, nil)
			}},
		{name: "post missing key", rule: "the key field is required", status: 400, code: "IncorrectNumberOfFilesInPOSTRequest",
			req: func(c *caseEnv) *http.Request {
				f := imagesGrant(c, "bob", root, time.Now())
				delete(f, "key")
				return post(c, f, png(100))
			}},
		{name: "post file not last", rule: "the file is the last field", status: 400, code: "InvalidArgument", ec: "0006-00000103",
			req: func(c *caseEnv) *http.Request {
				f := imagesGrant(c, "bob", root, time.Now())
				return c.postRequest(sortedFields(f), fileField(png(100), "image/png"), []field{{Name: "x-oss-meta-late", Value: "1"}})
			}},
		{name: "post field names over 8 KB", rule: "form field names at most 8 KB", status: 400, code: "FieldItemTooLong",
			req: func(c *caseEnv) *http.Request {
				f := imagesGrant(c, "bob", root, time.Now())
				f["x-oss-meta-"+strings.Repeat("n", 8<<10)] = "v"
				return post(c, f, png(100))
			}},
		{name: "post field values over 2 MB", rule: "form field values at most 2 MB", status: 400, code: "FieldItemTooLong",
			req: func(c *caseEnv) *http.Request {
				f := imagesGrant(c, "bob", root, time.Now())
				f["x-oss-meta-big"] = strings.Repeat("v", 2<<20)
				return post(c, f, png(100))
			}},
		{name: "post forbid-overwrite conflict", rule: "x-oss-forbid-overwrite: true on an existing key", status: 409, code: "FileAlreadyExists",
			req: func(c *caseEnv) *http.Request { return post(c, imagesGrant(c, "alice", root, time.Now()), png(100)) }},
		{name: "post bad forbid-overwrite value", rule: "x-oss-forbid-overwrite is true or false", status: 400, code: "InvalidArgument", ec: "0006-00000117",
			req: func(c *caseEnv) *http.Request {
				return post(c, c.handForm(true, root, time.Now(), nil, map[string]string{"x-oss-forbid-overwrite": "yes"}), png(100))
			}},
		{name: "post unknown access key", rule: "the access key id must exist", status: 403, code: "InvalidAccessKeyId",
			msg: "The OSS Access Key Id you provided does not exist in our records.",
			req: func(c *caseEnv) *http.Request {
				return post(c, c.handForm(true, signing.Credentials{AccessKeyID: "LTAInobody", AccessKeySecret: "x"}, time.Now(), nil, nil), png(100))
			}},
		{name: "post wrong secret v1", rule: "Signature (V1) with the right secret", status: 403, code: "SignatureDoesNotMatch",
			req: func(c *caseEnv) *http.Request {
				return post(c, c.handForm(false, signing.Credentials{AccessKeyID: root.AccessKeyID, AccessKeySecret: "wrong"}, time.Now(), nil, nil), png(100))
			}},
		{name: "post v4 date in the future", rule: "x-oss-date within 15 minutes", status: 403, code: "RequestTimeTooSkewed",
			req: func(c *caseEnv) *http.Request {
				return post(c, c.handForm(true, root, time.Now().Add(time.Hour), nil, nil), png(100))
			}},
		{name: "post v4 date over 7 days old", rule: "x-oss-date at most 7 days old", status: 403, code: "AccessDenied", msg: "Request has expired.",
			req: func(c *caseEnv) *http.Request {
				return post(c, c.handForm(true, root, time.Now().Add(-8*24*time.Hour), nil, nil), png(100))
			}},
		{name: "post v4 credential date mismatch", rule: "x-oss-date on the credential's date", status: 400, code: "InvalidArgument",
			req: func(c *caseEnv) *http.Request {
				f := c.handForm(true, root, time.Now(), nil, nil)
				f["x-oss-date"] = signing.FormatV4Date(time.Now().Add(-48 * time.Hour))
				return post(c, f, png(100))
			}},
		{name: "post v4 missing signature field", rule: "x-oss-signature is required", status: 400, code: "InvalidArgument",
			req: func(c *caseEnv) *http.Request {
				f := c.handForm(true, root, time.Now(), nil, nil)
				delete(f, "x-oss-signature")
				return post(c, f, png(100))
			}},
		{name: "post v1 missing signature", rule: "OSSAccessKeyId, policy and Signature together", status: 400, code: "InvalidArgument",
			req: func(c *caseEnv) *http.Request {
				f := c.handForm(false, root, time.Now(), nil, nil)
				delete(f, "Signature")
				return post(c, f, png(100))
			}},
		{name: "post invalid policy document", rule: "simple conditions have one property", status: 400, code: "InvalidPolicyDocument",
			req: func(c *caseEnv) *http.Request {
				enc := base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2099-01-01T00:00:00.000Z","conditions":[{"a":"b","c":"d"}]}`))
				f := map[string]string{"key": c.key("x"), "policy": enc, "OSSAccessKeyId": root.AccessKeyID, "Signature": signing.PostSignatureV1(root.AccessKeySecret, enc)}
				return post(c, f, png(100))
			}},
		{name: "post sts token outside its session policy", rule: "the STS session policy (oss:PutObject under users/alice/)", status: 403, code: "AccessDenied",
			req: func(c *caseEnv) *http.Request {
				creds := c.sessionCreds(c.key("users/alice/"), false)
				return post(c, imagesGrant(c, "bob", creds, time.Now()), png(100))
			}},
		{name: "post sts expired token", rule: "an expired STS token", status: 403, code: "SecurityTokenExpired",
			req: func(c *caseEnv) *http.Request {
				creds := c.sessionCreds(c.key("users/alice/"), true)
				f := imagesGrant(c, "alice", creds, time.Now())
				f["key"] = c.key("users/alice/x.png")
				return post(c, f, png(100))
			}},
		{name: "post anonymous", rule: "a private bucket refuses unsigned forms", status: 403, code: "AccessDenied",
			req: func(c *caseEnv) *http.Request {
				return c.postRequest([]field{{Name: "key", Value: c.key("anon.txt")}}, fileField(png(100), "image/png"), nil)
			}},
		{name: "post not multipart", rule: "PostObject bodies are multipart/form-data", status: 400, code: "RequestIsNotMultiPartContent",
			req: func(c *caseEnv) *http.Request {
				return c.request(http.MethodPost, s.bucketURL(s.target.Bucket), []byte("key=x"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
			}},
		{name: "post malformed multipart", rule: "well-formed multipart/form-data", status: 400, code: "MalformedPOSTRequest",
			req: func(c *caseEnv) *http.Request {
				body, ct := multipartBody(sortedFields(imagesGrant(c, "bob", root, time.Now())), fileField(png(100), "image/png"), nil)
				body = body[:len(body)-40] // no closing boundary
				return c.request(http.MethodPost, s.bucketURL(s.target.Bucket), body, map[string]string{"Content-Type": ct})
			}},
		{name: "post garbage body", rule: "well-formed multipart/form-data", status: 400, code: "MalformedPOSTRequest",
			req: func(c *caseEnv) *http.Request {
				return c.request(http.MethodPost, s.bucketURL(s.target.Bucket), []byte("not a form at all"), map[string]string{"Content-Type": "multipart/form-data; boundary=xyz"})
			}},
	}
}
