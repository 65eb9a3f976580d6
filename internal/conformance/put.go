package conformance

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

var newBody = []byte("new content")

func (s *suite) testPresignedPut(t *testing.T) {
	t.Run("accepted", s.presignedAccepted)
	t.Run("refused", func(t *testing.T) { s.runRefusals(t, s.presignedRefusals()) })
}

// presignedAccepted: a presigned PUT as the presigned-url function hands
// it out (the grant's PutHeaders signed, V4 and V1), and one with
// Content-Length signed, which refuses any other length.
func (s *suite) presignedAccepted(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		name := "grant's PutHeaders, v4"
		if v1 {
			name = "grant's PutHeaders, v1"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := s.newCase(t)
			p, err := c.profiles().Lookup("images")
			if err != nil {
				t.Fatal(err)
			}
			p.ForbidOverwrite = true
			g, err := p.Grant(upload.Request{Subject: "alice", Filename: "cat.png"}, time.Now(), upload.GrantOptions{Bucket: s.target.Bucket})
			if err != nil {
				t.Fatal(err)
			}
			hdrs, err := g.PutHeaders()
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{}
			for k, v := range hdrs {
				h.Set(k, v)
			}
			u, signed := c.presign(http.MethodPut, g.Key, h, nil, s.root, v1, time.Now(), 10*time.Minute)
			data := png(500)
			resp, body := s.do(t, c.request(http.MethodPut, u, data, signed))
			if resp.StatusCode != 200 {
				t.Fatalf("presigned PUT: HTTP %d: %s", resp.StatusCode, brief(body))
			}
			if resp.Header.Get("ETag") != quotedMD5(data) || resp.Header.Get("x-oss-hash-crc64ecma") == "" {
				t.Errorf("ETag %q, x-oss-hash-crc64ecma %q", resp.Header.Get("ETag"), resp.Header.Get("x-oss-hash-crc64ecma"))
			}
			if got := c.get(g.Key); !bytes.Equal(got, data) {
				t.Fatalf("stored %d bytes, want %d", len(got), len(data))
			}
			if ct := oss.ToString(c.head(g.Key).ContentType); ct != "image/png" {
				t.Errorf("Content-Type = %q", ct)
			}
			// The URL can be replayed, but forbid-overwrite holds.
			resp, body = s.do(t, c.request(http.MethodPut, u, png(600), signed))
			checkError(t, "x-oss-forbid-overwrite on a replayed presigned PUT", resp, body, 409, "FileAlreadyExists")
			if got := c.get(g.Key); !bytes.Equal(got, data) {
				t.Fatal("the replay replaced the object")
			}
		})
	}
	t.Run("signed Content-Length", func(t *testing.T) {
		t.Parallel()
		c := s.newCase(t)
		key := c.key("sized.bin")
		data := png(1000)
		h := http.Header{"Content-Length": {"1000"}, "Content-Type": {"application/octet-stream"}}
		u, signed := c.presign(http.MethodPut, key, h, []string{"content-length"}, s.root, false, time.Now(), 10*time.Minute)
		if !strings.Contains(u, "x-oss-additional-headers=content-length") {
			t.Fatalf("Content-Length not signed: %s", redactQuery(u))
		}
		for _, body := range [][]byte{png(1001), png(999), nil} {
			req := c.request(http.MethodPut, u, body, signed)
			req.Header.Del("Content-Length") // net/http sends the body's length
			resp, rb := s.do(t, req)
			checkError(t, "a presigned PUT with a signed Content-Length takes no other length", resp, rb, 403, "SignatureDoesNotMatch")
		}
		if keys := c.list(); len(keys) != 0 {
			t.Fatalf("refused PUTs stored %v", keys)
		}
		req := c.request(http.MethodPut, u, data, signed)
		req.Header.Del("Content-Length")
		resp, body := s.do(t, req)
		if resp.StatusCode != 200 {
			t.Fatalf("the signed length: HTTP %d: %s", resp.StatusCode, brief(body))
		}
		if got := c.get(key); !bytes.Equal(got, data) {
			t.Fatal("stored bytes differ")
		}
	})
}

// redactQuery drops a URL's query for messages.
func redactQuery(u string) string {
	base, _, _ := strings.Cut(u, "?")
	return base + "?…"
}

// presignedRefusals moved from the emulator's TestRejections.
func (s *suite) presignedRefusals() []refusal {
	root := s.root
	return []refusal{
		{name: "presigned v4 expired", rule: "x-oss-expires", status: 403, code: "AccessDenied", msg: "Request has expired.",
			req: func(c *caseEnv) *http.Request {
				u, hdr := c.presign(http.MethodPut, c.key("users/alice/new.txt"), nil, nil, root, false, time.Now().Add(-2*time.Hour), time.Hour)
				return c.request(http.MethodPut, u, newBody, hdr)
			}},
		{name: "presigned v1 expired", rule: "Expires (V1)", status: 403, code: "AccessDenied", msg: "Request has expired.",
			req: func(c *caseEnv) *http.Request {
				u, hdr := c.presign(http.MethodPut, c.key("users/alice/new.txt"), nil, nil, root, true, time.Now().Add(-2*time.Hour), time.Hour)
				return c.request(http.MethodPut, u, newBody, hdr)
			}},
		{name: "presigned GET used to PUT", rule: "the signature covers the method", status: 403, code: "SignatureDoesNotMatch",
			req: func(c *caseEnv) *http.Request {
				u, _ := c.presign(http.MethodGet, c.key(existingName), nil, nil, root, false, time.Now(), time.Hour)
				return c.request(http.MethodPut, u, newBody, nil)
			}},
		{name: "presigned v1 GET used to PUT", rule: "the V1 signature covers the method", status: 403, code: "SignatureDoesNotMatch",
			req: func(c *caseEnv) *http.Request {
				u, _ := c.presign(http.MethodGet, c.key(existingName), nil, nil, root, true, time.Now(), time.Hour)
				return c.request(http.MethodPut, u, newBody, nil)
			}},
		{name: "presigned PUT with another content type", rule: "the signature covers Content-Type", status: 403, code: "SignatureDoesNotMatch",
			req: func(c *caseEnv) *http.Request {
				u, _ := c.presign(http.MethodPut, c.key("users/alice/pic.png"), http.Header{"Content-Type": {"image/png"}}, nil, root, false, time.Now(), time.Hour)
				return c.request(http.MethodPut, u, newBody, map[string]string{"Content-Type": "text/html"})
			}},
		{name: "presigned PUT dropping forbid-overwrite", rule: "the signature covers x-oss-forbid-overwrite", status: 403, code: "SignatureDoesNotMatch",
			req: func(c *caseEnv) *http.Request {
				u, _ := c.presign(http.MethodPut, c.key(existingName), http.Header{"X-Oss-Forbid-Overwrite": {"true"}}, nil, root, false, time.Now(), time.Hour)
				return c.request(http.MethodPut, u, newBody, nil)
			}},
		{name: "presigned PUT forbid-overwrite conflict", rule: "x-oss-forbid-overwrite: true on an existing key", status: 409, code: "FileAlreadyExists",
			req: func(c *caseEnv) *http.Request {
				u, hdr := c.presign(http.MethodPut, c.key(existingName), http.Header{"X-Oss-Forbid-Overwrite": {"true"}}, nil, root, false, time.Now(), time.Hour)
				return c.request(http.MethodPut, u, newBody, hdr)
			}},
		{name: "presigned v1 missing signature", rule: "V1 URLs carry Signature", status: 403, code: "AccessDenied",
			req: func(c *caseEnv) *http.Request {
				u, _ := c.presign(http.MethodPut, c.key("users/alice/new.txt"), nil, nil, root, true, time.Now(), time.Hour)
				return c.request(http.MethodPut, strings.Replace(u, "Signature=", "Sig=", 1), newBody, nil)
			}},
		{name: "presigned v4 sts outside its session policy", rule: "the STS session policy (oss:PutObject under users/alice/)", status: 403, code: "AccessDenied",
			req: func(c *caseEnv) *http.Request {
				creds := c.sessionCreds(c.key("users/alice/"), false)
				u, hdr := c.presign(http.MethodPut, c.key("users/bob/new.txt"), nil, nil, creds, false, time.Now(), time.Hour)
				return c.request(http.MethodPut, u, newBody, hdr)
			}},
		{name: "presigned and header signature together", rule: "one signature per request", status: 400, code: "InvalidArgument",
			req: func(c *caseEnv) *http.Request {
				u, _ := c.presign(http.MethodPut, c.key("users/alice/new.txt"), nil, nil, root, false, time.Now(), time.Hour)
				signed := c.signedRequest(http.MethodPut, c.key("users/alice/new.txt"), newBody, nil, nil, false, root, time.Now())
				return c.request(http.MethodPut, u, newBody, map[string]string{"Authorization": signed.Header.Get("Authorization")})
			}},
	}
}

func (s *suite) testHeaderSigned(t *testing.T) {
	s.runRefusals(t, s.headerRefusals())
}

// headerRefusals moved from the emulator's TestRejections (PutObject and
// header signatures). The skewed-clock cases sign 20 minutes in the past
// instead of moving the emulator's clock: the same rule, portable.
func (s *suite) headerRefusals() []refusal {
	root := s.root
	put := func(c *caseEnv, name string, hdr http.Header, v1 bool, creds signing.Credentials, at time.Time) *http.Request {
		return c.signedRequest(http.MethodPut, c.key(name), newBody, hdr, nil, v1, creds, at)
	}
	skewed := time.Now().Add(-20 * time.Minute)
	return []refusal{
		{name: "put skewed clock v4", rule: "x-oss-date within 15 minutes", status: 403, code: "RequestTimeTooSkewed", ec: "0002-00000504",
			req: func(c *caseEnv) *http.Request { return put(c, "users/alice/new.txt", nil, false, root, skewed) }},
		{name: "put skewed clock v1", rule: "Date within 15 minutes", status: 403, code: "RequestTimeTooSkewed",
			req: func(c *caseEnv) *http.Request { return put(c, "users/alice/new.txt", nil, true, root, skewed) }},
		{name: "put v1 without date", rule: "V1 needs Date or x-oss-date", status: 403, code: "AccessDenied",
			req: func(c *caseEnv) *http.Request {
				req := put(c, "users/alice/new.txt", nil, true, root, time.Now())
				req.Header.Del("Date")
				return req
			}},
		{name: "put unknown access key", rule: "the access key id must exist", status: 403, code: "InvalidAccessKeyId",
			req: func(c *caseEnv) *http.Request {
				return put(c, "users/alice/new.txt", nil, false, signing.Credentials{AccessKeyID: "LTAInobody", AccessKeySecret: "x"}, time.Now())
			}},
		{name: "put wrong secret", rule: "the V4 signature", status: 403, code: "SignatureDoesNotMatch",
			req: func(c *caseEnv) *http.Request {
				return put(c, existingName, nil, false, signing.Credentials{AccessKeyID: root.AccessKeyID, AccessKeySecret: "wrong"}, time.Now())
			}},
		{name: "put signed for another key", rule: "the signature covers the key", status: 403, code: "SignatureDoesNotMatch",
			req: func(c *caseEnv) *http.Request {
				req := put(c, "users/alice/a.txt", nil, false, root, time.Now())
				u, err := url.Parse(s.objectURL(c.key("users/alice/b.txt"), ""))
				if err != nil {
					c.t.Fatal(err)
				}
				req.URL = u
				return req
			}},
		{name: "put anonymous", rule: "a private bucket refuses unsigned writes", status: 403, code: "AccessDenied",
			req: func(c *caseEnv) *http.Request {
				return c.request(http.MethodPut, s.objectURL(c.key(existingName), ""), newBody, nil)
			}},
		{name: "put malformed authorization", rule: "Authorization is OSS or OSS4-HMAC-SHA256", status: 400, code: "InvalidArgument",
			req: func(c *caseEnv) *http.Request {
				return c.request(http.MethodPut, s.objectURL(c.key("x"), ""), newBody, map[string]string{"Authorization": "Bearer abc"})
			}},
		{name: "put content-md5 mismatch", rule: "Content-MD5", status: 400, code: "InvalidDigest",
			req: func(c *caseEnv) *http.Request {
				return put(c, existingName, http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(make([]byte, 16))}}, false, root, time.Now())
			}},
		{name: "put forbid-overwrite conflict", rule: "x-oss-forbid-overwrite: true on an existing key", status: 409, code: "FileAlreadyExists",
			req: func(c *caseEnv) *http.Request {
				return put(c, existingName, http.Header{"X-Oss-Forbid-Overwrite": {"true"}}, false, root, time.Now())
			}},
		{name: "put sts expired token", rule: "an expired STS token", status: 403, code: "SecurityTokenExpired",
			req: func(c *caseEnv) *http.Request {
				return put(c, "users/alice/new.txt", nil, false, c.sessionCreds(c.key("users/alice/"), true), time.Now())
			}},
		{name: "put sts outside its session policy", rule: "the STS session policy (oss:PutObject under users/alice/)", status: 403, code: "AccessDenied",
			req: func(c *caseEnv) *http.Request {
				return put(c, "users/bob/new.txt", nil, false, c.sessionCreds(c.key("users/alice/"), false), time.Now())
			}},
		// The emulator's own table expected InvalidSecurityToken here, an
		// answer of its test credentials; OSS answers InvalidAccessKeyId
		// ("The OSS Access Key Id you provided does not exist in our
		// records", help page on that error with STS credentials: cause 3,
		// the SecurityToken is missing), as the dev stack's wiring does.
		{name: "put sts key without the token", rule: "an STS access key needs its security token", status: 403, code: "InvalidAccessKeyId",
			req: func(c *caseEnv) *http.Request {
				creds := c.sessionCreds(c.key("users/alice/"), false)
				creds.SecurityToken = ""
				return put(c, "users/alice/new.txt", nil, false, creds, time.Now())
			}},
		{name: "put unknown bucket", rule: "the bucket must exist", status: 404, code: "NoSuchBucket", ec: "0015-00000101",
			req: func(c *caseEnv) *http.Request {
				u := signing.ObjectURL(s.scheme, s.host, "ossdirect-conformance-no-such-bucket", c.key("x"), s.style, "")
				return c.request(http.MethodPut, u, newBody, nil)
			}},
		{name: "put invalid object name", rule: "object names do not start with /", status: 400, code: "InvalidObjectName",
			req: func(c *caseEnv) *http.Request {
				return c.request(http.MethodPut, s.objectURL("/"+c.key("abs"), ""), newBody, nil)
			}},
		{name: "post to an object path", rule: "PostObject goes to the bucket, not an object", status: 405, code: "MethodNotAllowed",
			req: func(c *caseEnv) *http.Request {
				req := put(c, existingName, nil, false, root, time.Now())
				req.Method = http.MethodPost
				return req
			}},
	}
}

// testSTS: temporary credentials with the product's session policy (from
// upload.Grant.SessionPolicy) write inside it by every route and are
// refused outside it; refusals are in the PostObject, PresignedPut,
// HeaderSigned and Multipart areas.
func (s *suite) testSTS(t *testing.T) {
	t.Run("within the session policy", func(t *testing.T) {
		t.Parallel()
		c := s.newCase(t)
		creds := c.sessionCreds(c.key("users/alice/"), false)
		// Header-signed PUT (V4 and V1) with the official SDK.
		for _, v1 := range []bool{false, true} {
			key := c.key("users/alice/sdk-v4.txt")
			if v1 {
				key = c.key("users/alice/sdk-v1.txt")
			}
			if _, err := s.sdk(creds, v1).PutObject(t.Context(), &oss.PutObjectRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key), Body: bytes.NewReader(newBody)}); err != nil {
				t.Fatalf("PutObject %s: %v", key, err)
			}
		}
		// Presigned PUT.
		u, hdr := c.presign(http.MethodPut, c.key("users/alice/presigned.txt"), nil, nil, creds, false, time.Now(), 10*time.Minute)
		if resp, body := s.do(t, c.request(http.MethodPut, u, newBody, hdr)); resp.StatusCode != 200 {
			t.Fatalf("presigned PUT: HTTP %d: %s", resp.StatusCode, brief(body))
		}
		// PostObject from a grant.
		f, g := c.grant("images", upload.Request{Subject: "alice", Filename: "cat.png"}, creds, "", time.Now(), nil)
		if resp, body := s.do(t, c.postRequest(sortedFields(f), fileField(png(100), "image/png"), nil)); resp.StatusCode != 200 && resp.StatusCode != 204 {
			t.Fatalf("PostObject: HTTP %d: %s", resp.StatusCode, brief(body))
		}
		want := []string{g.Key, c.key("users/alice/presigned.txt"), c.key("users/alice/sdk-v1.txt"), c.key("users/alice/sdk-v4.txt")}
		slices.Sort(want)
		if got := c.list(); !slices.Equal(got, want) {
			t.Errorf("stored %v, want %v", got, want)
		}
	})
	t.Run("outside the session policy", func(t *testing.T) {
		t.Parallel()
		c := s.newCase(t)
		creds := c.sessionCreds(c.key("users/alice/"), false)
		c.put(c.key("users/alice/mine.txt"), newBody, "")
		cl := s.sdk(creds, false)
		_, err := cl.PutObject(t.Context(), &oss.PutObjectRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(c.key("users/bob/x.txt")), Body: bytes.NewReader(newBody)})
		checkSDKError(t, "the session policy confines PutObject to users/alice/", err, 403, "AccessDenied")
		_, err = cl.DeleteObject(t.Context(), &oss.DeleteObjectRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(c.key("users/alice/mine.txt"))})
		checkSDKError(t, "the session policy allows no DeleteObject", err, 403, "AccessDenied")
		_, err = cl.GetObject(t.Context(), &oss.GetObjectRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(c.key("users/alice/mine.txt"))})
		checkSDKError(t, "the session policy allows no GetObject", err, 403, "AccessDenied")
		forged := creds
		forged.SecurityToken = "forged" + creds.SecurityToken[min(6, len(creds.SecurityToken)):]
		_, err = s.sdk(forged, false).PutObject(t.Context(), &oss.PutObjectRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(c.key("users/alice/f.txt")), Body: bytes.NewReader(newBody)})
		checkSDKError(t, "a forged security token", err, 403, "InvalidSecurityToken")
		if got := c.list(); !slices.Equal(got, []string{c.key("users/alice/mine.txt")}) {
			t.Errorf("refused requests changed the bucket: %v", got)
		}
	})
}
