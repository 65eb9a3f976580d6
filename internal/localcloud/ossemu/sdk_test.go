package ossemu

import (
	"bytes"
	"context"
	"crypto/md5"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// TestSDKObjectRoundTrip drives Put/Get(+Range)/Head/Delete with the
// official Go SDK v2, V4 and V1, root and STS credentials.
func TestSDKObjectRoundTrip(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name      string
		v1        bool
		ak, sk    string
		token     string
		key       string
		addHeader bool
	}{
		{name: "v4 root", ak: rootAK, sk: rootSK, key: "docs/report.txt"},
		{name: "v1 root", v1: true, ak: rootAK, sk: rootSK, key: "docs/report-v1.txt"},
		{name: "v4 root odd key", ak: rootAK, sk: rootSK, key: "dir/sub dir/ünï+cøde%20 & ?x=1#frag.txt"},
		{name: "v1 root odd key", v1: true, ak: rootAK, sk: rootSK, key: "v1/ü +%2F.bin"},
		{name: "v4 additional header host", ak: rootAK, sk: rootSK, key: "addl/host.txt", addHeader: true},
		{name: "v4 sts", ak: stsAK, sk: stsSK, token: stsToken, key: stsPrefix + "a.txt"},
		{name: "v1 sts", v1: true, ak: stsAK, sk: stsSK, token: stsToken, key: stsPrefix + "b.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := h.client(tc.v1, tc.ak, tc.sk, tc.token)
			if tc.addHeader {
				c = oss.NewClient(oss.LoadDefaultConfig().
					WithCredentialsProvider(staticProvider(tc.ak, tc.sk, tc.token)).
					WithRegion(testRegion).WithEndpoint(h.ts.URL).WithRetryMaxAttempts(1).
					WithAdditionalHeaders([]string{"host"}))
			}
			ctx := context.Background()
			data := randomBytes(100_000)
			sum := md5.Sum(data)
			put, err := c.PutObject(ctx, &oss.PutObjectRequest{
				Bucket: oss.Ptr(testBucket), Key: oss.Ptr(tc.key), Body: bytes.NewReader(data),
				ContentType:  oss.Ptr("text/plain; charset=utf-8"),
				CacheControl: oss.Ptr("no-cache"),
				Metadata:     map[string]string{"owner": "alice", "Purpose": "Test"},
			})
			if err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			if got, want := oss.ToString(put.ETag), quotedETag(sum[:]); got != want {
				t.Errorf("ETag = %s, want %s", got, want)
			}
			wantCRC := strconv.FormatUint(crc64.Checksum(data, crcTable), 10)
			if got := oss.ToString(put.HashCRC64); got != wantCRC {
				t.Errorf("CRC = %s, want %s", got, wantCRC)
			}
			if put.Headers.Get("x-oss-request-id") == "" {
				t.Error("no x-oss-request-id")
			}

			get, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(tc.key)})
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			got, _ := io.ReadAll(get.Body)
			get.Body.Close()
			if !bytes.Equal(got, data) {
				t.Fatalf("GetObject returned %d bytes, want the %d stored", len(got), len(data))
			}
			if ct := oss.ToString(get.ContentType); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if get.Metadata["owner"] != "alice" || get.Metadata["purpose"] != "Test" {
				t.Errorf("Metadata = %v", get.Metadata)
			}
			if cc := get.Headers.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("Cache-Control = %q", cc)
			}
			if oss.ToString(get.HashCRC64) != wantCRC {
				t.Errorf("GetObject CRC = %s", oss.ToString(get.HashCRC64))
			}

			rg, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(tc.key), Range: oss.Ptr("bytes=10-19")})
			if err != nil {
				t.Fatalf("GetObject range: %v", err)
			}
			part, _ := io.ReadAll(rg.Body)
			rg.Body.Close()
			if rg.StatusCode != http.StatusPartialContent || !bytes.Equal(part, data[10:20]) {
				t.Fatalf("range: status %d, %d bytes", rg.StatusCode, len(part))
			}
			if cr := oss.ToString(rg.ContentRange); cr != "bytes 10-19/100000" {
				t.Errorf("Content-Range = %q", cr)
			}

			head, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(tc.key)})
			if err != nil {
				t.Fatalf("HeadObject: %v", err)
			}
			if head.ContentLength != int64(len(data)) || oss.ToString(head.ETag) != quotedETag(sum[:]) || head.Metadata["owner"] != "alice" {
				t.Errorf("HeadObject = length %d, etag %s, meta %v", head.ContentLength, oss.ToString(head.ETag), head.Metadata)
			}

			if tc.token != "" {
				// The STS principal may not delete: clean up as root.
				c = h.root()
			}
			for i := range 2 { // the second delete hits a missing key: still 204
				del, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(tc.key)})
				if err != nil || del.StatusCode != http.StatusNoContent {
					t.Fatalf("DeleteObject #%d: %v", i, err)
				}
			}
			_, err = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(tc.key)})
			if se := sdkError(t, err); se.StatusCode != 404 || se.Code != "NoSuchKey" || se.EC != "0026-00000001" {
				t.Errorf("HeadObject after delete: %d %s %s", se.StatusCode, se.Code, se.EC)
			}
		})
	}
}

// TestSDKErrors checks that the SDK decodes the emulator's errors.
func TestSDKErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.put(stsPrefix+"exists.txt", []byte("x"))
	ctx := context.Background()
	tests := []struct {
		name   string
		call   func() error
		status int
		code   string
	}{
		{"get missing key", func() error {
			_, err := h.root().GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("nope")})
			return err
		}, 404, "NoSuchKey"},
		{"get unknown bucket", func() error {
			_, err := h.root().GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("no-such-bucket"), Key: oss.Ptr("k")})
			return err
		}, 404, "NoSuchBucket"},
		{"head unknown access key", func() error {
			_, err := h.client(false, "LTAIunknown", "x", "").HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(stsPrefix + "exists.txt")})
			return err
		}, 403, "InvalidAccessKeyId"},
		{"put wrong secret v1", func() error {
			_, err := h.client(true, rootAK, "wrong", "").PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"), Body: strings.NewReader("x")})
			return err
		}, 403, "SignatureDoesNotMatch"},
		{"sts put outside prefix", func() error {
			_, err := h.client(false, stsAK, stsSK, stsToken).PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("users/bob/x"), Body: strings.NewReader("x")})
			return err
		}, 403, "AccessDenied"},
		{"sts delete not allowed", func() error {
			_, err := h.client(false, stsAK, stsSK, stsToken).DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(stsPrefix + "exists.txt")})
			return err
		}, 403, "AccessDenied"},
		{"sts expired token", func() error {
			_, err := h.client(false, stsAK, stsSK, stsExpiredToken).PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(stsPrefix + "x"), Body: strings.NewReader("x")})
			return err
		}, 403, "SecurityTokenExpired"},
		{"sts bad token", func() error {
			_, err := h.client(false, stsAK, stsSK, "forged").PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(stsPrefix + "x"), Body: strings.NewReader("x")})
			return err
		}, 403, "InvalidSecurityToken"},
		{"root with token", func() error {
			_, err := h.client(false, rootAK, rootSK, "tok").PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("x"), Body: strings.NewReader("x")})
			return err
		}, 403, "InvalidSecurityToken"},
		{"forbid overwrite", func() error {
			_, err := h.root().PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(stsPrefix + "exists.txt"),
				ForbidOverwrite: oss.Ptr("true"), Body: strings.NewReader("new")})
			return err
		}, 409, "FileAlreadyExists"},
		{"range not satisfiable", func() error {
			_, err := h.root().GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(stsPrefix + "exists.txt"), Range: oss.Ptr("bytes=5-9")})
			return err
		}, 416, "InvalidRange"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			se := sdkError(t, tc.call())
			if se.StatusCode != tc.status || se.Code != tc.code {
				t.Fatalf("got %d %s (%s), want %d %s", se.StatusCode, se.Code, se.Message, tc.status, tc.code)
			}
			if len(se.RequestID) != 24 || strings.ToUpper(se.RequestID) != se.RequestID {
				t.Errorf("RequestId %q is not 24 upper-case hex digits", se.RequestID)
			}
		})
	}
	if got := h.object(stsPrefix + "exists.txt"); string(got) != "x" {
		t.Errorf("existing object = %q after the refused calls, want %q", got, "x")
	}
}

// TestSDKMultipartUploader uploads a 12+ MiB object with the SDK's
// uploader (three 6 MiB parts, checked by the SDK's own CRC-64 combine).
func TestSDKMultipartUploader(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	data := randomBytes(12<<20 + 12345)
	for _, tc := range []struct {
		name string
		v1   bool
		key  string
	}{{"v4", false, "big/v4.bin"}, {"v1", true, "big/v1.bin"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key := tc.key
			c := h.client(tc.v1, rootAK, rootSK, "")
			u := c.NewUploader(func(o *oss.UploaderOptions) { o.PartSize = 6 << 20; o.ParallelNum = 2 })
			res, err := u.UploadFrom(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)}, bytes.NewReader(data))
			if err != nil {
				t.Fatalf("UploadFrom: %v", err)
			}
			var etags []string
			for off := 0; off < len(data); off += 6 << 20 {
				sum := md5.Sum(data[off:min(off+6<<20, len(data))])
				etags = append(etags, quotedETag(sum[:]))
			}
			if got, want := oss.ToString(res.ETag), multipartETag(etags); got != want || !strings.HasSuffix(got, `-3"`) {
				t.Errorf("ETag = %s, want %s", got, want)
			}
			if got := h.object(key); !bytes.Equal(got, data) {
				t.Fatalf("stored %d bytes, want %d identical", len(got), len(data))
			}
			head, err := c.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
			if err != nil {
				t.Fatal(err)
			}
			if oss.ToString(head.HashCRC64) != strconv.FormatUint(crc64.Checksum(data, crcTable), 10) || oss.ToString(head.ObjectType) != "Multipart" {
				t.Errorf("HeadObject CRC %s type %s", oss.ToString(head.HashCRC64), oss.ToString(head.ObjectType))
			}
		})
	}
}

// TestSDKMultipartCalls drives the raw multipart calls, including their
// refusals.
func TestSDKMultipartCalls(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	c := h.client(false, stsAK, stsSK, stsToken) // upload-only principal
	key := stsPrefix + "parts.bin"
	init, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key),
		ContentType: oss.Ptr("application/x-test"), Metadata: map[string]string{"m": "v"}})
	if err != nil {
		t.Fatalf("Initiate: %v", err)
	}
	id := init.UploadId
	if oss.ToString(init.Key) != key {
		t.Errorf("Initiate Key = %q", oss.ToString(init.Key))
	}
	parts := [][]byte{randomBytes(minPartSize), randomBytes(minPartSize + 7), randomBytes(10)}
	etags := make([]string, len(parts))
	for _, i := range []int{2, 0, 1} { // out of order
		res, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: id,
			PartNumber: int32(i + 1), Body: bytes.NewReader(parts[i])})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		etags[i] = oss.ToString(res.ETag)
	}
	lp, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: id, MaxParts: 2})
	if err != nil {
		t.Fatalf("ListParts: %v", err)
	}
	if len(lp.Parts) != 2 || !lp.IsTruncated || lp.NextPartNumberMarker != 2 || lp.Parts[0].PartNumber != 1 || oss.ToString(lp.Parts[1].ETag) != etags[1] {
		t.Fatalf("ListParts page 1 = %+v", lp)
	}
	lp2, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: id, PartNumberMarker: 2})
	if err != nil || len(lp2.Parts) != 1 || lp2.IsTruncated || lp2.Parts[0].Size != 10 {
		t.Fatalf("ListParts page 2 = %+v, %v", lp2, err)
	}

	complete := func(ps ...oss.UploadPart) error {
		_, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: id,
			CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: ps}})
		return err
	}
	part := func(n int, etag string) oss.UploadPart {
		return oss.UploadPart{PartNumber: int32(n), ETag: oss.Ptr(etag)}
	}
	refusals := []struct {
		name  string
		parts []oss.UploadPart
		code  string
	}{
		{"wrong etag", []oss.UploadPart{part(1, etags[0]), part(2, etags[0])}, "InvalidPart"},
		{"unknown part", []oss.UploadPart{part(1, etags[0]), part(4, etags[2])}, "InvalidPart"},
		{"missing part after a present one", []oss.UploadPart{part(3, etags[2]), part(4, etags[2])}, "InvalidPart"},
		{"duplicate part number", []oss.UploadPart{part(1, etags[0]), part(1, etags[0])}, "InvalidPartOrder"},
	}
	// (The SDK sorts parts, so descending order is tested with raw requests.)
	for _, r := range refusals {
		se := sdkError(t, complete(r.parts...))
		if se.StatusCode != 400 || se.Code != r.code {
			t.Errorf("%s: %d %s, want 400 %s", r.name, se.StatusCode, se.Code, r.code)
		}
	}
	// Part 3 is 10 bytes: completing with it in the middle is too small.
	small, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: id, PartNumber: 9, Body: strings.NewReader("tail")})
	if err != nil {
		t.Fatal(err)
	}
	if se := sdkError(t, complete(part(1, etags[0]), part(3, etags[2]), part(9, oss.ToString(small.ETag)))); se.Code != "EntityTooSmall" || se.StatusCode != 400 {
		t.Errorf("small middle part: %d %s", se.StatusCode, se.Code)
	}
	if len(h.files(testBucket)) != 0 {
		t.Fatalf("refused completes stored %v", h.files(testBucket))
	}

	if err := complete(part(1, etags[0]), part(2, etags[1]), part(3, etags[2])); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	want := bytes.Join(parts, nil)
	if got := h.object(key); !bytes.Equal(got, want) {
		t.Fatalf("stored %d bytes, want %d", len(got), len(want))
	}
	get, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	if oss.ToString(get.ContentType) != "application/x-test" || get.Metadata["m"] != "v" || oss.ToString(get.ETag) != multipartETag(etags) {
		t.Errorf("completed object: type %q meta %v etag %s", oss.ToString(get.ContentType), get.Metadata, oss.ToString(get.ETag))
	}
	// The upload is gone.
	if se := sdkError(t, complete(part(1, etags[0]))); se.StatusCode != 404 || se.Code != "NoSuchUpload" {
		t.Errorf("complete again: %d %s", se.StatusCode, se.Code)
	}

	// Abort.
	init2, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key + ".2")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key + ".2"), UploadId: init2.UploadId, PartNumber: 1, Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	ab, err := c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key + ".2"), UploadId: init2.UploadId})
	if err != nil || ab.StatusCode != http.StatusNoContent {
		t.Fatalf("Abort: %v", err)
	}
	_, err = c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key + ".2"), UploadId: init2.UploadId})
	if se := sdkError(t, err); se.StatusCode != 404 || se.Code != "NoSuchUpload" {
		t.Errorf("abort again: %d %s", se.StatusCode, se.Code)
	}
	_, err = c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key + ".2"), UploadId: init2.UploadId, PartNumber: 1, Body: strings.NewReader("x")})
	if se := sdkError(t, err); se.Code != "NoSuchUpload" {
		t.Errorf("part after abort: %s", se.Code)
	}
	_, err = c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr("0123456789ABCDEF0123456789ABCDEF"), PartNumber: 10001, Body: strings.NewReader("x")})
	if se := sdkError(t, err); se.Code != "InvalidArgument" {
		t.Errorf("part number 10001: %s", se.Code)
	}
	// The STS principal may not start an upload outside its prefix.
	_, err = c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("elsewhere.bin")})
	if se := sdkError(t, err); se.StatusCode != 403 || se.Code != "AccessDenied" {
		t.Errorf("initiate outside prefix: %d %s", se.StatusCode, se.Code)
	}
	if left := h.tmpFiles(); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestSDKPresign uses client.Presign URLs (V4 and V1) with a plain HTTP
// client, replaying the SignedHeaders.
func TestSDKPresign(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range []struct {
		name  string
		v1    bool
		ak    string
		sk    string
		token string
		key   string // under the STS token's prefix; the spaces must be encoded in the URL
	}{
		{"v4 root", false, rootAK, rootSK, "", stsPrefix + "presigned v4 root.png"},
		{"v1 root", true, rootAK, rootSK, "", stsPrefix + "presigned v1 root.png"},
		{"v4 sts", false, stsAK, stsSK, stsToken, stsPrefix + "presigned v4 sts.png"},
		{"v1 sts", true, stsAK, stsSK, stsToken, stsPrefix + "presigned v1 sts.png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := h.client(tc.v1, tc.ak, tc.sk, tc.token)
			key := tc.key
			ctx := context.Background()
			put, err := c.Presign(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key),
				ContentType: oss.Ptr("image/png"), ForbidOverwrite: oss.Ptr("true"), Metadata: map[string]string{"sub": "alice"}},
				oss.PresignExpires(10*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if len(put.SignedHeaders) < 3 {
				t.Fatalf("SignedHeaders = %v", put.SignedHeaders)
			}
			data := randomBytes(5000)
			send := func() (*http.Response, []byte) {
				req, _ := http.NewRequest(put.Method, put.URL, bytes.NewReader(data))
				for k, v := range put.SignedHeaders {
					req.Header.Set(k, v)
				}
				return do(t, req)
			}
			resp, body := send()
			if resp.StatusCode != 200 {
				t.Fatalf("presigned PUT: %d %s", resp.StatusCode, body)
			}
			// The URL is replayable but the object may not be overwritten.
			resp, body = send()
			wantError(t, resp, body, 409, "FileAlreadyExists")

			get, err := c.Presign(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(get.Method, get.URL, nil)
			resp, body = do(t, req)
			if resp.StatusCode != 200 || !bytes.Equal(body, data) || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Oss-Meta-Sub") != "alice" {
				t.Fatalf("presigned GET: %d, %d bytes, %v", resp.StatusCode, len(body), resp.Header)
			}
		})
	}
}

// TestSDKStaticCredentials runs the SDK against an emulator configured
// with StaticCredentials, as the dev stack's root key.
func TestSDKStaticCredentials(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.Credentials = StaticCredentials{"LTAI5tDevKey": "dev-secret"} })
	ctx := context.Background()
	for _, v1 := range []bool{false, true} {
		c := h.client(v1, "LTAI5tDevKey", "dev-secret", "")
		key := "static/" + strconv.FormatBool(v1)
		if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), Body: strings.NewReader(key)}); err != nil {
			t.Fatalf("v1=%v PutObject: %v", v1, err)
		}
		get, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
		if err != nil {
			t.Fatalf("v1=%v GetObject: %v", v1, err)
		}
		got, _ := io.ReadAll(get.Body)
		get.Body.Close()
		if string(got) != key {
			t.Fatalf("got %q", got)
		}
	}
	_, err := h.client(false, "LTAI5tDevKey", "dev-secret", "some-token").HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("static/false")})
	if se := sdkError(t, err); se.StatusCode != 403 || se.Code != "InvalidSecurityToken" {
		t.Errorf("token with a static key: %d %s", se.StatusCode, se.Code)
	}
}

// CopyObject with the official SDK: OSS's authorization rules (PutObject on
// the target, GetObject on the source), the metadata directive, and
// forbid-overwrite. UploadPartCopy is not implemented and says so.
func TestSDKCopyObject(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	root := h.client(false, rootAK, rootSK, "")
	sts := h.client(false, stsAK, stsSK, stsToken)
	data := randomBytes(200_000)
	if _, err := root.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("src/a.png"), Body: bytes.NewReader(data),
		ContentType: oss.Ptr("image/png"), Metadata: map[string]string{"owner": "alice"}}); err != nil {
		t.Fatal(err)
	}
	copyTo := func(c *oss.Client, src, dst string, mod func(*oss.CopyObjectRequest)) error {
		req := &oss.CopyObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(dst), SourceKey: oss.Ptr(src)}
		if mod != nil {
			mod(req)
		}
		_, err := c.CopyObject(ctx, req)
		return err
	}
	t.Run("root copies, keeping the source's metadata", func(t *testing.T) {
		if err := copyTo(root, "src/a.png", "dst/a.png", nil); err != nil {
			t.Fatal(err)
		}
		got, err := root.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("dst/a.png")})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if !bytes.Equal(b, data) || oss.ToString(got.ContentType) != "image/png" || got.Metadata["Owner"] != "alice" && got.Metadata["owner"] != "alice" {
			t.Fatalf("copy holds %d bytes, type %q, meta %v", len(b), oss.ToString(got.ContentType), got.Metadata)
		}
	})
	t.Run("REPLACE takes the request's content type", func(t *testing.T) {
		err := copyTo(root, "src/a.png", "dst/b.bin", func(r *oss.CopyObjectRequest) {
			r.MetadataDirective = oss.Ptr("REPLACE")
			r.ContentType = oss.Ptr("application/octet-stream")
		})
		if err != nil {
			t.Fatal(err)
		}
		head, err := root.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("dst/b.bin")})
		if err != nil || oss.ToString(head.ContentType) != "application/octet-stream" {
			t.Fatalf("HEAD: %v, type %q", err, oss.ToString(head.ContentType))
		}
	})
	t.Run("forbid-overwrite refuses an existing target", func(t *testing.T) {
		wantSDKError(t, copyTo(root, "src/a.png", "dst/a.png", func(r *oss.CopyObjectRequest) { r.ForbidOverwrite = oss.Ptr("true") }), 409, "FileAlreadyExists")
	})
	t.Run("a missing source is NoSuchKey", func(t *testing.T) {
		wantSDKError(t, copyTo(root, "src/missing.png", "dst/c.png", nil), 404, "NoSuchKey")
	})
	t.Run("STS may not read a source outside its policy", func(t *testing.T) {
		wantSDKError(t, copyTo(sts, "src/a.png", stsPrefix+"stolen.png", nil), 403, "AccessDenied")
		if ok, _ := h.srv.store.Exists(testBucket, stsPrefix+"stolen.png"); ok {
			t.Fatal("the copy was stored")
		}
	})
	t.Run("STS may not write a target outside its policy", func(t *testing.T) {
		if _, err := root.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(stsPrefix + "mine.txt"), Body: strings.NewReader("mine")}); err != nil {
			t.Fatal(err)
		}
		wantSDKError(t, copyTo(sts, stsPrefix+"mine.txt", "elsewhere/mine.txt", nil), 403, "AccessDenied")
	})
	t.Run("STS copies inside its policy", func(t *testing.T) {
		if err := copyTo(sts, stsPrefix+"mine.txt", stsPrefix+"copy.txt", nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("UploadPartCopy answers 501", func(t *testing.T) {
		init, err := root.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("dst/parts.bin")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = root.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("dst/parts.bin"),
			UploadId: init.UploadId, PartNumber: 1, SourceKey: oss.Ptr("src/a.png")})
		wantSDKError(t, err, 501, "NotImplemented")
	})
}
