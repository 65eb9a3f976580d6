package conformance

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// minPartSize is OSS's smallest part other than the last: 100 KB.
const minPartSize = 100 << 10

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func (s *suite) testMultipart(t *testing.T) {
	t.Run("presigned parts, list, complete", s.multipartPresigned)
	t.Run("abort", s.multipartAbort)
	t.Run("complete refusals", s.multipartRefusals)
	t.Run("sts session policy", s.multipartSTS)
}

func (s *suite) initiate(c *caseEnv, cl *oss.Client, key string, forbid bool) string {
	c.t.Helper()
	req := &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key)}
	if forbid {
		req.ForbidOverwrite = oss.Ptr("true")
	}
	res, err := cl.InitiateMultipartUpload(c.t.Context(), req)
	if err != nil {
		c.t.Fatalf("InitiateMultipartUpload %s: %v", key, err)
	}
	return oss.ToString(res.UploadId)
}

func (s *suite) uploadPart(c *caseEnv, cl *oss.Client, key, id string, n int, data []byte) oss.UploadPart {
	c.t.Helper()
	res, err := cl.UploadPart(c.t.Context(), &oss.UploadPartRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id),
		PartNumber: int32(n), Body: bytes.NewReader(data)})
	if err != nil {
		c.t.Fatalf("UploadPart %d: %v", n, err)
	}
	return oss.UploadPart{PartNumber: int32(n), ETag: res.ETag}
}

func (s *suite) complete(c *caseEnv, cl *oss.Client, key, id string, parts ...oss.UploadPart) error {
	_, err := cl.CompleteMultipartUpload(c.t.Context(), &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id),
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}})
	return err
}

// multipartPresigned: parts sent to V4 presigned UploadPart URLs with
// Content-Length signed (what the product hands to browsers) refuse any
// other length; ListParts shows them; Complete joins them; the upload id
// is gone afterwards.
func (s *suite) multipartPresigned(t *testing.T) {
	t.Parallel()
	c := s.newCase(t)
	key := c.key("presigned parts.bin")
	id := s.initiate(c, s.client, key, false)
	presigner := s.sdk(s.root, false, func(cfg *oss.Config) *oss.Config { return cfg.WithAdditionalHeaders([]string{"content-length"}) })
	parts := [][]byte{randomBytes(minPartSize), randomBytes(10)}
	var done []oss.UploadPart
	for i, data := range parts {
		pre, err := presigner.Presign(t.Context(), &oss.UploadPartRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id),
			PartNumber: int32(i + 1), ContentLength: oss.Ptr(int64(len(data)))}, oss.PresignExpires(10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(pre.URL, "x-oss-additional-headers=content-length") {
			t.Fatalf("presign did not sign Content-Length: %s", redactQuery(pre.URL))
		}
		send := func(body []byte) (*http.Response, []byte) {
			req, err := http.NewRequest(pre.Method, pre.URL, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			return s.do(t, req)
		}
		resp, body := send(append(slices.Clone(data), 'x'))
		checkError(t, "a presigned UploadPart with a signed Content-Length takes no other length", resp, body, 403, "SignatureDoesNotMatch")
		resp, body = send(data)
		if resp.StatusCode != 200 || resp.Header.Get("ETag") != quotedMD5(data) {
			t.Fatalf("part %d: HTTP %d, ETag %q: %s", i+1, resp.StatusCode, resp.Header.Get("ETag"), brief(body))
		}
		done = append(done, oss.UploadPart{PartNumber: int32(i + 1), ETag: oss.Ptr(resp.Header.Get("ETag"))})
	}
	lp, err := s.client.ListParts(t.Context(), &oss.ListPartsRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id)})
	if err != nil {
		t.Fatalf("ListParts: %v", err)
	}
	if len(lp.Parts) != 2 || lp.Parts[0].Size != int64(len(parts[0])) || oss.ToString(lp.Parts[1].ETag) != oss.ToString(done[1].ETag) || lp.IsTruncated {
		t.Fatalf("ListParts = %+v", lp.Parts)
	}
	// Pagination: one part per page.
	lp1, err := s.client.ListParts(t.Context(), &oss.ListPartsRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), MaxParts: 1})
	if err != nil || len(lp1.Parts) != 1 || !lp1.IsTruncated || lp1.NextPartNumberMarker != 1 {
		t.Fatalf("ListParts max-parts=1: %+v, %v", lp1, err)
	}
	if keys := c.list(); len(keys) != 0 {
		t.Fatalf("parts are visible as objects before Complete: %v", keys)
	}
	if err := s.complete(c, s.client, key, id, done...); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	if got := c.get(key); !bytes.Equal(got, bytes.Join(parts, nil)) {
		t.Fatalf("completed object: %d bytes, want %d", len(got), len(parts[0])+len(parts[1]))
	}
	if h := c.head(key); oss.ToString(h.ETag) == "" || oss.ToString(h.ObjectType) != "Multipart" {
		t.Errorf("HeadObject: ETag %q, type %q", oss.ToString(h.ETag), oss.ToString(h.ObjectType))
	}
	checkSDKError(t, "a completed upload id is gone", s.complete(c, s.client, key, id, done...), 404, "NoSuchUpload")
}

// multipartAbort: Abort answers 204, the id is gone for every call, and
// nothing is stored.
func (s *suite) multipartAbort(t *testing.T) {
	t.Parallel()
	c := s.newCase(t)
	key := c.key("aborted.bin")
	id := s.initiate(c, s.client, key, false)
	s.uploadPart(c, s.client, key, id, 1, []byte("x"))
	ab, err := s.client.AbortMultipartUpload(t.Context(), &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id)})
	if err != nil || ab.StatusCode != http.StatusNoContent {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}
	_, err = s.client.AbortMultipartUpload(t.Context(), &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id)})
	checkSDKError(t, "an aborted upload id is gone (abort)", err, 404, "NoSuchUpload")
	_, err = s.client.UploadPart(t.Context(), &oss.UploadPartRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), PartNumber: 1, Body: strings.NewReader("x")})
	checkSDKError(t, "an aborted upload id is gone (UploadPart)", err, 404, "NoSuchUpload")
	_, err = s.client.ListParts(t.Context(), &oss.ListPartsRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id)})
	checkSDKError(t, "an aborted upload id is gone (ListParts)", err, 404, "NoSuchUpload")
	if keys := c.list(); len(keys) != 0 {
		t.Fatalf("an aborted upload stored %v", keys)
	}
}

// multipartRefusals: what CompleteMultipartUpload and UploadPart refuse;
// none of it stores anything, and the upload survives a refused Complete.
func (s *suite) multipartRefusals(t *testing.T) {
	t.Parallel()
	c := s.newCase(t)
	key := c.key("guarded.bin")
	existing := c.key(existingName)
	c.put(existing, existingData, "image/png")
	id := s.initiate(c, s.client, key, false)
	p1 := s.uploadPart(c, s.client, key, id, 1, randomBytes(minPartSize))
	p2 := s.uploadPart(c, s.client, key, id, 2, randomBytes(10))
	p3 := s.uploadPart(c, s.client, key, id, 3, randomBytes(10))
	part := func(n int, etag *string) oss.UploadPart { return oss.UploadPart{PartNumber: int32(n), ETag: etag} }
	for _, r := range []struct {
		name  string
		parts []oss.UploadPart
		code  string
	}{
		{"wrong etag", []oss.UploadPart{p1, part(2, p1.ETag)}, "InvalidPart"},
		{"unknown part", []oss.UploadPart{p1, part(4, p2.ETag)}, "InvalidPart"},
		{"small middle part", []oss.UploadPart{p1, p2, p3}, "EntityTooSmall"},
	} {
		checkSDKError(t, "CompleteMultipartUpload: "+r.name, s.complete(c, s.client, key, id, r.parts...), 400, r.code)
	}
	// Descending part numbers and a malformed body: raw, since the SDK
	// sorts and writes the XML itself.
	raw := func(body string) (*http.Response, []byte) {
		q := url.Values{"uploadId": {id}}
		return s.do(t, c.signedRequest(http.MethodPost, key, []byte(body), nil, q, false, s.root, time.Now()))
	}
	resp, body := raw(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUpload>
<Part><PartNumber>2</PartNumber><ETag>%s</ETag></Part>
<Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part>
</CompleteMultipartUpload>`, oss.ToString(p2.ETag), oss.ToString(p1.ETag)))
	checkError(t, "parts in ascending order", resp, body, 400, "InvalidPartOrder")
	resp, body = raw("<not xml")
	checkError(t, "a well-formed CompleteMultipartUpload body", resp, body, 400, "MalformedXML")
	_, err := s.client.UploadPart(t.Context(), &oss.UploadPartRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), PartNumber: 10001, Body: strings.NewReader("x")})
	checkSDKError(t, "part numbers 1 to 10000", err, 400, "InvalidArgument")

	// Forbid-overwrite at Complete: the existing object stays.
	guarded := s.initiate(c, s.client, existing, false)
	gp := s.uploadPart(c, s.client, existing, guarded, 1, []byte("part"))
	_, err = s.client.CompleteMultipartUpload(t.Context(), &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(existing), UploadId: oss.Ptr(guarded),
		ForbidOverwrite: oss.Ptr("true"), CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: []oss.UploadPart{gp}}})
	checkSDKError(t, "x-oss-forbid-overwrite at CompleteMultipartUpload", err, 409, "FileAlreadyExists")
	c.checkUntouched()
	// The refused uploads survive; complete one properly.
	if _, err := s.client.ListParts(t.Context(), &oss.ListPartsRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(existing), UploadId: oss.Ptr(guarded)}); err != nil {
		t.Fatalf("ListParts after a refused Complete: %v", err)
	}
	if err := s.complete(c, s.client, key, id, p1, p3); err != nil {
		t.Fatalf("Complete after the refusals: %v", err)
	}
}

// multipartSTS: the product's session policy allows Initiate, UploadPart,
// ListParts, Complete and Abort under its folder, and nothing elsewhere.
func (s *suite) multipartSTS(t *testing.T) {
	t.Parallel()
	c := s.newCase(t)
	creds := c.sessionCreds(c.key("users/alice/"), false)
	cl := s.sdk(creds, false)
	_, err := cl.InitiateMultipartUpload(t.Context(), &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(c.key("users/bob/x.bin"))})
	checkSDKError(t, "the session policy confines InitiateMultipartUpload to users/alice/", err, 403, "AccessDenied")
	key := c.key("users/alice/parts.bin")
	id := s.initiate(c, cl, key, false)
	p := s.uploadPart(c, cl, key, id, 1, []byte("only part"))
	if _, err := cl.ListParts(t.Context(), &oss.ListPartsRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id)}); err != nil {
		t.Fatalf("ListParts: %v", err)
	}
	if err := s.complete(c, cl, key, id, p); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	id2 := s.initiate(c, cl, key+".2", false)
	if _, err := cl.AbortMultipartUpload(t.Context(), &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key + ".2"), UploadId: oss.Ptr(id2)}); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	if got := c.get(key); string(got) != "only part" {
		t.Fatalf("object = %q", got)
	}
}
