package ossemu

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

// uploadParts starts an upload of key with c and stores parts, returning
// the upload id and the parts as CompleteMultipartUpload takes them.
func uploadParts(t *testing.T, c *oss.Client, key string, parts ...[]byte) (string, []oss.UploadPart) {
	t.Helper()
	ctx := context.Background()
	id := initiate(t, c, key)
	var done []oss.UploadPart
	for i, p := range parts {
		res, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id),
			PartNumber: int32(i + 1), Body: bytes.NewReader(p)})
		if err != nil {
			t.Fatalf("UploadPart %d of %s: %v", i+1, key, err)
		}
		done = append(done, oss.UploadPart{PartNumber: int32(i + 1), ETag: res.ETag})
	}
	return id, done
}

func completeReq(key, id string, parts []oss.UploadPart) *oss.CompleteMultipartUploadRequest {
	return &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id),
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}}
}

// TestSDKPresignedPartLength: a V4 presigned UploadPart URL with
// Content-Length signed as an additional header (what presigned multipart
// hands to browsers) refuses a body of another length and stores nothing;
// the signed length goes through.
func TestSDKPresignedPartLength(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	key := stsPrefix + "presigned parts.bin"
	c := oss.NewClient(oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(stsAK, stsSK, stsToken)).
		WithRegion(testRegion).WithEndpoint(h.ts.URL).WithRetryMaxAttempts(1).
		WithAdditionalHeaders([]string{"content-length"}))
	id := initiate(t, c, key)
	data := randomBytes(minPartSize + 5)
	pre, err := c.Presign(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), PartNumber: 1,
		ContentLength: oss.Ptr(int64(len(data)))}, oss.PresignExpires(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if pre.SignedHeaders["Content-Length"] == "" || !strings.Contains(pre.URL, "x-oss-additional-headers=content-length") {
		t.Fatalf("presign did not sign Content-Length: %v %s", pre.SignedHeaders, pre.URL)
	}
	put := func(body []byte) (*http.Response, []byte) {
		req, err := http.NewRequest(pre.Method, pre.URL, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return do(t, req) // net/http sets Content-Length from the body
	}
	for _, tc := range []struct {
		name string
		body []byte
	}{{"one byte more", append(slices.Clone(data), 'x')}, {"one byte less", data[:len(data)-1]}, {"empty", nil}} {
		resp, body := put(tc.body)
		if resp.StatusCode != 403 || parseError(t, body).Code != "SignatureDoesNotMatch" {
			t.Errorf("%s: %d %s, want 403 SignatureDoesNotMatch", tc.name, resp.StatusCode, body)
		}
	}
	lp, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id)})
	if err != nil || len(lp.Parts) != 0 {
		t.Fatalf("parts after refused PUTs: %+v, %v", lp, err)
	}
	resp, body := put(data)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
		t.Fatalf("signed length: %d %s", resp.StatusCode, body)
	}
	lp, err = c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id)})
	if err != nil || len(lp.Parts) != 1 || lp.Parts[0].Size != int64(len(data)) || oss.ToString(lp.Parts[0].ETag) != resp.Header.Get("ETag") {
		t.Fatalf("part after the signed PUT: %+v, %v", lp, err)
	}
}

// TestSDKFinishedUpload: once completed or aborted, an upload id is gone
// for every call that names it: 404 NoSuchUpload.
func TestSDKFinishedUpload(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	c := h.root()
	for _, end := range []string{"completed", "aborted"} {
		t.Run(end, func(t *testing.T) {
			key := "finished/" + end + ".bin"
			id, parts := uploadParts(t, c, key, []byte("only part"))
			var err error
			if end == "completed" {
				_, err = c.CompleteMultipartUpload(ctx, completeReq(key, id, parts))
			} else {
				_, err = c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id)})
			}
			if err != nil {
				t.Fatal(err)
			}
			calls := map[string]func() error{
				"UploadPart": func() error {
					_, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), PartNumber: 2, Body: strings.NewReader("late")})
					return err
				},
				"ListParts": func() error {
					_, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id)})
					return err
				},
				"CompleteMultipartUpload": func() error {
					_, err := c.CompleteMultipartUpload(ctx, completeReq(key, id, parts))
					return err
				},
				"AbortMultipartUpload": func() error {
					_, err := c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id)})
					return err
				},
			}
			for name, call := range calls {
				t.Run(name, func(t *testing.T) { wantSDKError(t, call(), 404, "NoSuchUpload") })
			}
			if stored := h.object(key) != nil; stored != (end == "completed") {
				t.Errorf("object stored = %v", stored)
			}
		})
	}
}

// TestSDKCompleteForbidOverwrite: CompleteMultipartUpload's own
// x-oss-forbid-overwrite refuses an existing object with 409
// FileAlreadyExists; the object is untouched and the upload stays, so a
// Complete without the header then succeeds.
func TestSDKCompleteForbidOverwrite(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	c := h.root()
	key := "guarded/complete.bin"
	h.put(key, []byte("existing"))
	id, parts := uploadParts(t, c, key, []byte("new content"))
	req := completeReq(key, id, parts)
	req.ForbidOverwrite = oss.Ptr("true")
	_, err := c.CompleteMultipartUpload(ctx, req)
	wantSDKError(t, err, 409, "FileAlreadyExists")
	if got := h.object(key); string(got) != "existing" {
		t.Fatalf("object = %q after the refused complete", got)
	}
	if lp, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id)}); err != nil || len(lp.Parts) != 1 {
		t.Fatalf("ListParts after the refused complete: %+v, %v", lp, err)
	}
	req.ForbidOverwrite = oss.Ptr("false")
	if _, err := c.CompleteMultipartUpload(ctx, req); err != nil {
		t.Fatalf("complete allowing overwrite: %v", err)
	}
	if got := h.object(key); string(got) != "new content" {
		t.Fatalf("object = %q after complete", got)
	}
}

// TestSDKCompleteCallbackFails: a CompleteMultipartUpload whose callback
// server fails answers 203 CallbackFailed, yet the object is stored and
// the upload is complete (gone).
func TestSDKCompleteCallbackFails(t *testing.T) {
	t.Parallel()
	h, app := callbackHarness(t, true)
	ctx := context.Background()
	c := h.root()
	key := "cbf/multipart.bin"
	parts := [][]byte{randomBytes(minPartSize), randomBytes(10)}
	id, done := uploadParts(t, c, key, parts...)
	req := completeReq(key, id, done)
	req.Callback = oss.Ptr(callbackParam(t, app.ts.URL+"/missing", "object=${object}", ""))
	_, err := c.CompleteMultipartUpload(ctx, req)
	se := wantSDKError(t, err, 203, "CallbackFailed")
	if se.EC != "0007-00000203" || se.Message != "Error status : 404." || se.Headers.Get("ETag") == "" {
		t.Errorf("203: EC %q message %q ETag %q", se.EC, se.Message, se.Headers.Get("ETag"))
	}
	if got := h.object(key); !bytes.Equal(got, bytes.Join(parts, nil)) {
		t.Fatalf("stored %d bytes, want the %d uploaded", len(got), len(bytes.Join(parts, nil)))
	}
	_, err = c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id)})
	wantSDKError(t, err, 404, "NoSuchUpload")
}

// TestSDKListPartsPaginator walks an upload's parts with the SDK's
// paginator (part-number-marker, max-parts), gaps in the numbers included.
func TestSDKListPartsPaginator(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	c := h.root()
	key := "parts/many.bin"
	id := initiate(t, c, key)
	var want []int32
	for n := int32(1); n <= 50; n += 2 { // 25 parts: 1, 3, …, 49
		if _, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), PartNumber: n, Body: strings.NewReader("p")}); err != nil {
			t.Fatal(err)
		}
		want = append(want, n)
	}
	p := c.NewListPartsPaginator(&oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), MaxParts: 10})
	var got []int32
	var pages int
	for p.HasNext() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if page.MaxParts != 10 || oss.ToString(page.Key) != key {
			t.Errorf("page %d: MaxParts %d Key %q", pages, page.MaxParts, oss.ToString(page.Key))
		}
		for _, part := range page.Parts {
			got = append(got, part.PartNumber)
		}
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Fatalf("%d pages, parts %v; want 3 pages, %v", pages, got, want)
	}
	// A marker between parts starts at the next one.
	lp, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), PartNumberMarker: 44, MaxParts: 2})
	if err != nil || len(lp.Parts) != 2 || lp.Parts[0].PartNumber != 45 || !lp.IsTruncated || lp.NextPartNumberMarker != 47 || lp.PartNumberMarker != 44 {
		t.Fatalf("from marker 44: %+v, %v", lp, err)
	}
}
