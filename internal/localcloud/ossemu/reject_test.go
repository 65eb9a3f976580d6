package ossemu

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

// existingKey holds existingData before every rejection case; it is also
// the key the "images" grant gives alice with zeroUUID.
const existingKey = "users/alice/00000000-0000-4000-8000-000000000000.png"

var existingData = []byte("original bytes, never to be replaced")

// seed stores an object directly in the store (no HTTP, no clock).
func (h *harness) seed(key string, data []byte) {
	h.t.Helper()
	st, err := h.srv.store.Stage(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		h.t.Fatal(err)
	}
	m := simpleMeta(objectMeta{ContentType: "image/png"}, st, time.Now())
	if err := h.srv.store.Commit(st, testBucket, key, &m, false); err != nil {
		h.t.Fatal(err)
	}
}

// presignURL presigns method on key with shared/signing (V4 unless v1).
func (h *harness) presignURL(t *testing.T, method, key string, header http.Header, creds signing.Credentials, v1 bool, at time.Time, expires time.Duration) (string, map[string]string) {
	t.Helper()
	r := &signing.Request{Method: method, Bucket: testBucket, Key: key, Header: header, Region: testRegion}
	var p *signing.Presigned
	var err error
	if v1 {
		p, err = signing.PresignV1(r, creds, at.Add(expires))
	} else {
		p, err = signing.PresignV4(r, creds, at, expires)
	}
	if err != nil {
		t.Fatal(err)
	}
	return h.ts.URL + "/" + testBucket + "/" + signing.URIEncode(key, false) + "?" + p.RawQuery, p.SignedHeaders
}

func requestWith(t *testing.T, method, url string, body []byte, headers map[string]string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return req
}

// TestRejections sends what OSS refuses and checks OSS's status and code,
// and that nothing was stored, replaced or left behind.
func TestRejections(t *testing.T) {
	t.Parallel()
	png := func(n int) []byte { return bytes.Repeat([]byte{0x89}, n) }
	newBody := []byte("new content")
	imagesGrant := func(t *testing.T, subject string, creds signing.Credentials, now time.Time) map[string]string {
		f, _ := grant(t, "images", upload.Request{Subject: subject, Filename: "cat.png"}, creds, "", now, zeroUUID())
		return f
	}
	docsGrant := func(t *testing.T, now time.Time) map[string]string {
		f, _ := grant(t, "docs", upload.Request{Subject: "dave"}, rootCreds, "", now, nil)
		return f
	}
	signedPut := func(h *harness, t *testing.T, key string, hdr http.Header, v1 bool, creds signing.Credentials, at time.Time) *http.Request {
		return h.signedRequest(http.MethodPut, key, newBody, hdr, v1, creds, at)
	}
	skewed := func(c *Config) { c.Now = func() time.Time { return time.Now().Add(20 * time.Minute) } }

	tests := []struct {
		name   string
		opts   []func(*Config)
		req    func(t *testing.T, h *harness) *http.Request
		status int
		code   string
		ec     string
		msg    string // substring of Message
	}{
		// PostObject.
		{name: "post expired policy", status: 403, code: "AccessDenied", msg: "Invalid according to Policy: Policy expired.",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "alice", rootCreds, time.Now().Add(-time.Hour))
				f["key"] = "users/alice/late.png"
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post tampered policy", status: 403, code: "SignatureDoesNotMatch", ec: "0002-00000040",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "alice", rootCreds, time.Now())
				other := handForm(t, true, rootCreds, time.Now(), nil, nil)
				f["policy"] = other["policy"] // a looser policy under the original signature
				f["key"] = "users/alice/anything.png"
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post tampered v4 signature", status: 403, code: "SignatureDoesNotMatch",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "bob", rootCreds, time.Now())
				s := []byte(f["x-oss-signature"])
				s[0] ^= 1
				f["x-oss-signature"] = string(s)
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post tampered v1 signature", status: 403, code: "SignatureDoesNotMatch",
			req: func(t *testing.T, h *harness) *http.Request {
				f, _ := grant(t, "images", upload.Request{Subject: "bob", Filename: "cat.png"}, rootCreds, upload.SignatureV1, time.Now(), nil)
				f["Signature"] = base64.StdEncoding.EncodeToString(make([]byte, 20))
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post key outside starts-with", status: 403, code: "AccessDenied", msg: `["starts-with", "$key", "users/dave/docs/"]`,
			req: func(t *testing.T, h *harness) *http.Request {
				f := docsGrant(t, time.Now())
				f["key"] = "users/eve/docs/x.txt"
				f["Content-Type"] = "text/plain"
				return h.postRequest(sortedFields(f), fileField([]byte("text"), "text/plain"), nil)
			}},
		{name: "post size too big", status: 400, code: "EntityTooLarge",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "bob", rootCreds, time.Now())
				return h.postRequest(sortedFields(f), fileField(png(1001), "image/png"), nil)
			}},
		{name: "post size far too big", status: 400, code: "EntityTooLarge",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "bob", rootCreds, time.Now())
				return h.postRequest(sortedFields(f), fileField(png(3<<20), "image/png"), nil)
			}},
		{name: "post size too small", status: 400, code: "EntityTooSmall",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "bob", rootCreds, time.Now())
				return h.postRequest(sortedFields(f), fileField(png(9), "image/png"), nil)
			}},
		{name: "post content type not in list", status: 403, code: "AccessDenied", msg: `["in", "$content-type", ["text/plain", "application/pdf"]]`,
			req: func(t *testing.T, h *harness) *http.Request {
				f := docsGrant(t, time.Now())
				f["key"] = "users/dave/docs/page.html"
				f["Content-Type"] = "text/html"
				return h.postRequest(sortedFields(f), fileField([]byte("<b>x</b>"), "text/html"), nil)
			}},
		{name: "post pinned content type overridden", status: 403, code: "AccessDenied",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "bob", rootCreds, time.Now())
				f["x-oss-content-type"] = "text/html"
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post missing file", status: 400, code: "IncorrectNumberOfFilesInPOSTRequest",
			req: func(t *testing.T, h *harness) *http.Request {
				return h.postRequest(sortedFields(imagesGrant(t, "bob", rootCreds, time.Now())), nil, nil)
			}},
		{name: "post missing key", status: 400, code: "IncorrectNumberOfFilesInPOSTRequest",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "bob", rootCreds, time.Now())
				delete(f, "key")
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post file not last", status: 400, code: "InvalidArgument", ec: "0006-00000103",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "bob", rootCreds, time.Now())
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), []field{{"x-oss-meta-late", "1"}})
			}},
		{name: "post field names over 8 KB", status: 400, code: "FieldItemTooLong",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "bob", rootCreds, time.Now())
				f["x-oss-meta-"+strings.Repeat("n", 8<<10)] = "v"
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post field values over 2 MB", status: 400, code: "FieldItemTooLong",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "bob", rootCreds, time.Now())
				f["x-oss-meta-big"] = strings.Repeat("v", 2<<20)
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post duplicate field", status: 400, code: "InvalidArgument",
			req: func(t *testing.T, h *harness) *http.Request {
				f := sortedFields(imagesGrant(t, "bob", rootCreds, time.Now()))
				f = append(f, field{"KEY", "users/bob/other.png"})
				return h.postRequest(f, fileField(png(100), "image/png"), nil)
			}},
		{name: "post forbid-overwrite conflict", status: 409, code: "FileAlreadyExists",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "alice", rootCreds, time.Now())
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post bad forbid-overwrite value", status: 400, code: "InvalidArgument", ec: "0006-00000117",
			req: func(t *testing.T, h *harness) *http.Request {
				f := handForm(t, true, rootCreds, time.Now(), nil, map[string]string{"key": "x", "x-oss-forbid-overwrite": "yes"})
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post unknown access key", status: 403, code: "InvalidAccessKeyId", msg: "The OSS Access Key Id you provided does not exist in our records.",
			req: func(t *testing.T, h *harness) *http.Request {
				f := handForm(t, true, signing.Credentials{AccessKeyID: "LTAInobody", AccessKeySecret: "x"}, time.Now(), nil, map[string]string{"key": "x"})
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post wrong secret v1", status: 403, code: "SignatureDoesNotMatch",
			req: func(t *testing.T, h *harness) *http.Request {
				f := handForm(t, false, signing.Credentials{AccessKeyID: rootAK, AccessKeySecret: "wrong"}, time.Now(), nil, map[string]string{"key": "x"})
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post v4 date in the future", status: 403, code: "RequestTimeTooSkewed",
			req: func(t *testing.T, h *harness) *http.Request {
				f := handForm(t, true, rootCreds, time.Now().Add(time.Hour), nil, map[string]string{"key": "x"})
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post v4 date over 7 days old", status: 403, code: "AccessDenied", msg: "Request has expired.",
			req: func(t *testing.T, h *harness) *http.Request {
				old := time.Now().Add(-8 * 24 * time.Hour)
				f := handForm(t, true, rootCreds, old, nil, map[string]string{"key": "x"})
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post v4 wrong region", status: 400, code: "InvalidArgument",
			req: func(t *testing.T, h *harness) *http.Request {
				f := handForm(t, true, rootCreds, time.Now(), nil, map[string]string{"key": "x"})
				f["x-oss-credential"] = strings.Replace(f["x-oss-credential"], testRegion, "cn-beijing", 1)
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post v4 credential date mismatch", status: 400, code: "InvalidArgument",
			req: func(t *testing.T, h *harness) *http.Request {
				f := handForm(t, true, rootCreds, time.Now(), nil, map[string]string{"key": "x"})
				f["x-oss-date"] = signing.FormatV4Date(time.Now().Add(-48 * time.Hour))
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post v4 missing signature field", status: 400, code: "InvalidArgument",
			req: func(t *testing.T, h *harness) *http.Request {
				f := handForm(t, true, rootCreds, time.Now(), nil, map[string]string{"key": "x"})
				delete(f, "x-oss-signature")
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post v1 missing signature", status: 400, code: "InvalidArgument",
			req: func(t *testing.T, h *harness) *http.Request {
				f := handForm(t, false, rootCreds, time.Now(), nil, map[string]string{"key": "x"})
				delete(f, "Signature")
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post invalid policy document", status: 400, code: "InvalidPolicyDocument",
			req: func(t *testing.T, h *harness) *http.Request {
				enc := base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2099-01-01T00:00:00.000Z","conditions":[{"a":"b","c":"d"}]}`))
				f := map[string]string{"key": "x", "policy": enc, "OSSAccessKeyId": rootAK, "Signature": signing.PostSignatureV1(rootSK, enc)}
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post sts token outside its prefix", status: 403, code: "AccessDenied",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "bob", stsCreds, time.Now())
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post sts expired token", status: 403, code: "SecurityTokenExpired",
			req: func(t *testing.T, h *harness) *http.Request {
				c := stsCreds
				c.SecurityToken = stsExpiredToken
				f := imagesGrant(t, "alice", c, time.Now())
				f["key"] = "users/alice/x.png"
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post anonymous", status: 403, code: "AccessDenied",
			req: func(t *testing.T, h *harness) *http.Request {
				return h.postRequest([]field{{"key", "anon.txt"}}, fileField(png(100), "image/png"), nil)
			}},
		{name: "post not multipart", status: 400, code: "RequestIsNotMultiPartContent",
			req: func(t *testing.T, h *harness) *http.Request {
				return requestWith(t, http.MethodPost, h.ts.URL+"/"+testBucket, []byte("key=x"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
			}},
		{name: "post malformed multipart", status: 400, code: "MalformedPOSTRequest",
			req: func(t *testing.T, h *harness) *http.Request {
				f := imagesGrant(t, "bob", rootCreds, time.Now())
				body, ct := multipartBody(sortedFields(f), fileField(png(100), "image/png"), nil)
				body = body[:len(body)-40] // no closing boundary
				return requestWith(t, http.MethodPost, h.ts.URL+"/"+testBucket, body, map[string]string{"Content-Type": ct})
			}},
		{name: "post garbage body", status: 400, code: "MalformedPOSTRequest",
			req: func(t *testing.T, h *harness) *http.Request {
				return requestWith(t, http.MethodPost, h.ts.URL+"/"+testBucket, []byte("not a form at all"), map[string]string{"Content-Type": "multipart/form-data; boundary=xyz"})
			}},
		{name: "post success_action_redirect unsupported", status: 501, code: "NotImplemented",
			req: func(t *testing.T, h *harness) *http.Request {
				f := handForm(t, true, rootCreds, time.Now(), nil, map[string]string{"key": "x", "success_action_redirect": "http://app.example.com/done"})
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},
		{name: "post callback not enabled", status: 400, code: "InvalidArgument", msg: "callback is not enabled",
			req: func(t *testing.T, h *harness) *http.Request {
				f := handForm(t, true, rootCreds, time.Now(), nil, map[string]string{"key": "x", "callback": "e30="})
				return h.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)
			}},

		// PutObject and header signatures.
		{name: "put skewed clock v4", opts: []func(*Config){skewed}, status: 403, code: "RequestTimeTooSkewed", ec: "0002-00000504",
			req: func(t *testing.T, h *harness) *http.Request {
				return signedPut(h, t, "users/alice/new.txt", nil, false, rootCreds, time.Now())
			}},
		{name: "put skewed clock v1", opts: []func(*Config){skewed}, status: 403, code: "RequestTimeTooSkewed",
			req: func(t *testing.T, h *harness) *http.Request {
				return signedPut(h, t, "users/alice/new.txt", nil, true, rootCreds, time.Now())
			}},
		{name: "put v1 without date", status: 403, code: "AccessDenied",
			req: func(t *testing.T, h *harness) *http.Request {
				req := signedPut(h, t, "users/alice/new.txt", nil, true, rootCreds, time.Now())
				req.Header.Del("Date")
				return req
			}},
		{name: "put unknown access key", status: 403, code: "InvalidAccessKeyId",
			req: func(t *testing.T, h *harness) *http.Request {
				return signedPut(h, t, "users/alice/new.txt", nil, false, signing.Credentials{AccessKeyID: "LTAInobody", AccessKeySecret: "x"}, time.Now())
			}},
		{name: "put wrong secret", status: 403, code: "SignatureDoesNotMatch",
			req: func(t *testing.T, h *harness) *http.Request {
				return signedPut(h, t, existingKey, nil, false, signing.Credentials{AccessKeyID: rootAK, AccessKeySecret: "wrong"}, time.Now())
			}},
		{name: "put signed for another key", status: 403, code: "SignatureDoesNotMatch",
			req: func(t *testing.T, h *harness) *http.Request {
				req := signedPut(h, t, "users/alice/a.txt", nil, false, rootCreds, time.Now())
				req.URL.Path = "/" + testBucket + "/users/alice/b.txt"
				return req
			}},
		{name: "put anonymous", status: 403, code: "AccessDenied",
			req: func(t *testing.T, h *harness) *http.Request {
				return requestWith(t, http.MethodPut, h.ts.URL+"/"+testBucket+"/"+existingKey, newBody, nil)
			}},
		{name: "put malformed authorization", status: 400, code: "InvalidArgument",
			req: func(t *testing.T, h *harness) *http.Request {
				return requestWith(t, http.MethodPut, h.ts.URL+"/"+testBucket+"/x", newBody, map[string]string{"Authorization": "Bearer abc"})
			}},
		{name: "put v4 wrong region", status: 400, code: "InvalidArgument",
			req: func(t *testing.T, h *harness) *http.Request {
				req := requestWith(t, http.MethodPut, h.ts.URL+"/"+testBucket+"/x", newBody, nil)
				sr := &signing.Request{Method: http.MethodPut, Bucket: testBucket, Key: "x", Header: req.Header, Region: "cn-beijing"}
				if _, err := signing.SignV4(sr, rootCreds, time.Now()); err != nil {
					t.Fatal(err)
				}
				return req
			}},
		{name: "put content-md5 mismatch", status: 400, code: "InvalidDigest",
			req: func(t *testing.T, h *harness) *http.Request {
				return signedPut(h, t, existingKey, http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(make([]byte, 16))}}, false, rootCreds, time.Now())
			}},
		{name: "put forbid-overwrite conflict", status: 409, code: "FileAlreadyExists",
			req: func(t *testing.T, h *harness) *http.Request {
				return signedPut(h, t, existingKey, http.Header{"X-Oss-Forbid-Overwrite": {"true"}}, false, rootCreds, time.Now())
			}},
		{name: "put sts expired token", status: 403, code: "SecurityTokenExpired",
			req: func(t *testing.T, h *harness) *http.Request {
				c := stsCreds
				c.SecurityToken = stsExpiredToken
				return signedPut(h, t, "users/alice/new.txt", nil, false, c, time.Now())
			}},
		{name: "put sts token outside its prefix", status: 403, code: "AccessDenied",
			req: func(t *testing.T, h *harness) *http.Request {
				return signedPut(h, t, "users/bob/new.txt", nil, false, stsCreds, time.Now())
			}},
		{name: "put sts token without the token", status: 403, code: "InvalidSecurityToken",
			req: func(t *testing.T, h *harness) *http.Request {
				c := stsCreds
				c.SecurityToken = ""
				return signedPut(h, t, "users/alice/new.txt", nil, false, c, time.Now())
			}},
		{name: "put callback not enabled", status: 400, code: "InvalidArgument", msg: "callback is not enabled",
			req: func(t *testing.T, h *harness) *http.Request {
				return signedPut(h, t, "users/alice/new.txt", http.Header{"X-Oss-Callback": {"e30="}}, false, rootCreds, time.Now())
			}},
		{name: "put unsupported acl", status: 501, code: "NotImplemented",
			req: func(t *testing.T, h *harness) *http.Request {
				return signedPut(h, t, "users/alice/new.txt", http.Header{"X-Oss-Object-Acl": {"public-read"}}, false, rootCreds, time.Now())
			}},
		{name: "put unsupported sub-resource", status: 501, code: "NotImplemented",
			req: func(t *testing.T, h *harness) *http.Request {
				return requestWith(t, http.MethodPut, h.ts.URL+"/"+testBucket+"/"+existingKey+"?acl", nil, nil)
			}},
		{name: "put unknown bucket", status: 404, code: "NoSuchBucket", ec: "0015-00000101",
			req: func(t *testing.T, h *harness) *http.Request {
				return requestWith(t, http.MethodPut, h.ts.URL+"/no-such-bucket/x", newBody, nil)
			}},
		{name: "put invalid object name", status: 400, code: "InvalidObjectName",
			req: func(t *testing.T, h *harness) *http.Request {
				return requestWith(t, http.MethodPut, h.ts.URL+"/"+testBucket+"//abs", newBody, nil)
			}},
		{name: "post to an object path", status: 405, code: "MethodNotAllowed",
			req: func(t *testing.T, h *harness) *http.Request {
				req := signedPut(h, t, existingKey, nil, false, rootCreds, time.Now())
				req.Method = http.MethodPost // a signed PUT's URL, POSTed: PostObject goes to the bucket
				return req
			}},

		// Presigned URLs.
		{name: "presigned v4 expired", status: 403, code: "AccessDenied", msg: "Request has expired.",
			req: func(t *testing.T, h *harness) *http.Request {
				u, hdr := h.presignURL(t, http.MethodPut, "users/alice/new.txt", nil, rootCreds, false, time.Now().Add(-2*time.Hour), time.Hour)
				return requestWith(t, http.MethodPut, u, newBody, hdr)
			}},
		{name: "presigned v1 expired", status: 403, code: "AccessDenied", msg: "Request has expired.",
			req: func(t *testing.T, h *harness) *http.Request {
				u, hdr := h.presignURL(t, http.MethodPut, "users/alice/new.txt", nil, rootCreds, true, time.Now().Add(-2*time.Hour), time.Hour)
				return requestWith(t, http.MethodPut, u, newBody, hdr)
			}},
		{name: "presigned GET used to PUT", status: 403, code: "SignatureDoesNotMatch",
			req: func(t *testing.T, h *harness) *http.Request {
				u, _ := h.presignURL(t, http.MethodGet, existingKey, nil, rootCreds, false, time.Now(), time.Hour)
				return requestWith(t, http.MethodPut, u, newBody, nil)
			}},
		{name: "presigned v1 GET used to PUT", status: 403, code: "SignatureDoesNotMatch",
			req: func(t *testing.T, h *harness) *http.Request {
				u, _ := h.presignURL(t, http.MethodGet, existingKey, nil, rootCreds, true, time.Now(), time.Hour)
				return requestWith(t, http.MethodPut, u, newBody, nil)
			}},
		{name: "presigned PUT with another content type", status: 403, code: "SignatureDoesNotMatch",
			req: func(t *testing.T, h *harness) *http.Request {
				u, _ := h.presignURL(t, http.MethodPut, "users/alice/pic.png", http.Header{"Content-Type": {"image/png"}}, rootCreds, false, time.Now(), time.Hour)
				return requestWith(t, http.MethodPut, u, newBody, map[string]string{"Content-Type": "text/html"})
			}},
		{name: "presigned PUT dropping forbid-overwrite", status: 403, code: "SignatureDoesNotMatch",
			req: func(t *testing.T, h *harness) *http.Request {
				u, _ := h.presignURL(t, http.MethodPut, existingKey, http.Header{"X-Oss-Forbid-Overwrite": {"true"}}, rootCreds, false, time.Now(), time.Hour)
				return requestWith(t, http.MethodPut, u, newBody, nil)
			}},
		{name: "presigned PUT forbid-overwrite conflict", status: 409, code: "FileAlreadyExists",
			req: func(t *testing.T, h *harness) *http.Request {
				u, hdr := h.presignURL(t, http.MethodPut, existingKey, http.Header{"X-Oss-Forbid-Overwrite": {"true"}}, rootCreds, false, time.Now(), time.Hour)
				return requestWith(t, http.MethodPut, u, newBody, hdr)
			}},
		{name: "presigned v1 missing signature", status: 403, code: "AccessDenied",
			req: func(t *testing.T, h *harness) *http.Request {
				u, _ := h.presignURL(t, http.MethodPut, "users/alice/new.txt", nil, rootCreds, true, time.Now(), time.Hour)
				u = strings.Replace(u, "Signature=", "Sig=", 1)
				return requestWith(t, http.MethodPut, u, newBody, nil)
			}},
		{name: "presigned v4 sts outside prefix", status: 403, code: "AccessDenied",
			req: func(t *testing.T, h *harness) *http.Request {
				u, hdr := h.presignURL(t, http.MethodPut, "users/bob/new.txt", nil, stsCreds, false, time.Now(), time.Hour)
				return requestWith(t, http.MethodPut, u, newBody, hdr)
			}},
		{name: "presigned and header signature together", status: 400, code: "InvalidArgument",
			req: func(t *testing.T, h *harness) *http.Request {
				u, _ := h.presignURL(t, http.MethodPut, "users/alice/new.txt", nil, rootCreds, false, time.Now(), time.Hour)
				req := signedPut(h, t, "users/alice/new.txt", nil, false, rootCreds, time.Now())
				return requestWith(t, http.MethodPut, u, newBody, map[string]string{"Authorization": req.Header.Get("Authorization")})
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tc.opts...)
			h.seed(existingKey, existingData)
			before := h.files(testBucket)
			resp, body := do(t, tc.req(t, h))
			e := wantError(t, resp, body, tc.status, tc.code)
			if tc.ec != "" && (e.EC != tc.ec || resp.Header.Get("x-oss-ec") != tc.ec) {
				t.Errorf("EC = %q (header %q), want %q", e.EC, resp.Header.Get("x-oss-ec"), tc.ec)
			}
			if tc.msg != "" && !strings.Contains(e.Message, tc.msg) {
				t.Errorf("Message = %q, want it to contain %q", e.Message, tc.msg)
			}
			if resp.Header.Get("Content-Type") != "application/xml" {
				t.Errorf("Content-Type = %q", resp.Header.Get("Content-Type"))
			}
			if after := h.files(testBucket); !slices.Equal(after, before) {
				t.Errorf("bucket files changed: %v -> %v", before, after)
			}
			if got := h.object(existingKey); !bytes.Equal(got, existingData) {
				t.Errorf("existing object replaced by %q", got)
			}
			if left := h.tmpFiles(); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}
