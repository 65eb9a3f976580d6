package ossemu

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/shared/signing"
)

// listAll lists testBucket with the SDK's paginator and returns the keys.
func listAll(t *testing.T, c *oss.Client, req *oss.ListObjectsV2Request) (keys []string, pages int) {
	t.Helper()
	p := c.NewListObjectsV2Paginator(req)
	for p.HasNext() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		pages++
		for _, o := range page.Contents {
			keys = append(keys, oss.ToString(o.Key))
		}
	}
	return keys, pages
}

func TestListObjectsV2PrefixAndMetadata(t *testing.T) {
	h := newHarness(t)
	keys := []string{"a/1.txt", "a/2.txt", "a/b/3.txt", "ab.txt", "b/1.txt", "zz"}
	for i, k := range keys {
		h.put(k, []byte(fmt.Sprint("body ", i)))
	}
	c := h.root()
	res, err := c.ListObjectsV2(context.Background(), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("a/")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range res.Contents {
		got = append(got, oss.ToString(o.Key))
		head, err := c.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: o.Key})
		if err != nil {
			t.Fatal(err)
		}
		if oss.ToString(o.ETag) != oss.ToString(head.ETag) || o.Size != head.ContentLength || oss.ToString(o.StorageClass) != "Standard" {
			t.Errorf("%s: etag %s size %d class %s; head etag %s size %d", *o.Key, oss.ToString(o.ETag), o.Size, oss.ToString(o.StorageClass), oss.ToString(head.ETag), head.ContentLength)
		}
		if o.LastModified == nil || time.Since(*o.LastModified) > time.Minute {
			t.Errorf("%s: LastModified %v", *o.Key, o.LastModified)
		}
	}
	if want := []string{"a/1.txt", "a/2.txt", "a/b/3.txt"}; !slices.Equal(got, want) {
		t.Fatalf("keys %q, want %q", got, want)
	}
	if res.KeyCount != 3 || res.IsTruncated || res.MaxKeys != 100 || oss.ToString(res.Name) != testBucket || oss.ToString(res.Prefix) != "a/" {
		t.Fatalf("result %+v", res)
	}
	// Delimiter: common prefixes.
	res, err = c.ListObjectsV2(context.Background(), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Delimiter: oss.Ptr("/")})
	if err != nil {
		t.Fatal(err)
	}
	var prefixes []string
	for _, p := range res.CommonPrefixes {
		prefixes = append(prefixes, oss.ToString(p.Prefix))
	}
	got = nil
	for _, o := range res.Contents {
		got = append(got, oss.ToString(o.Key))
	}
	if !slices.Equal(prefixes, []string{"a/", "b/"}) || !slices.Equal(got, []string{"ab.txt", "zz"}) || res.KeyCount != 4 {
		t.Fatalf("prefixes %q keys %q count %d", prefixes, got, res.KeyCount)
	}
	// Delimiter with pagination: one entry per page, prefixes not repeated.
	all, pages := listAll(t, c, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Delimiter: oss.Ptr("/"), MaxKeys: 1})
	if pages != 4 || !slices.Equal(all, []string{"ab.txt", "zz"}) {
		t.Fatalf("paged with delimiter: %d pages, keys %q", pages, all)
	}
	// Nothing under an unknown prefix.
	res, err = c.ListObjectsV2(context.Background(), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("nope/")})
	if err != nil || len(res.Contents) != 0 || res.KeyCount != 0 || res.IsTruncated {
		t.Fatalf("empty listing: %+v, %v", res, err)
	}
}

func TestListObjectsV2Pagination(t *testing.T) {
	h := newHarness(t)
	var want []string
	for i := range 2500 {
		k := fmt.Sprintf("p/%05d", i)
		want = append(want, k)
		// Written straight to the bucket folder (served with computed
		// metadata) to keep the test fast.
		h.writeFile(k, []byte(k))
	}
	h.put("q/outside", []byte("x"))
	for _, v1 := range []bool{false, true} {
		c := h.client(v1, rootAK, rootSK, "")
		got, pages := listAll(t, c, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("p/"), MaxKeys: 1000})
		if pages != 3 || !slices.Equal(got, want) {
			t.Fatalf("v1=%v: %d pages, %d keys (want 3 pages, %d keys)", v1, pages, len(got), len(want))
		}
	}
	// start-after skips up to and including the key.
	got, _ := listAll(t, h.root(), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("p/"), StartAfter: oss.Ptr("p/02497"), MaxKeys: 1000})
	if !slices.Equal(got, []string{"p/02498", "p/02499"}) {
		t.Fatalf("start-after: %q", got)
	}
	res, err := h.root().ListObjectsV2(context.Background(), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), StartAfter: oss.Ptr("p/02499")})
	if err != nil || res.KeyCount != 1 || oss.ToString(res.Contents[0].Key) != "q/outside" || oss.ToString(res.StartAfter) != "p/02499" {
		t.Fatalf("start-after result %+v, %v", res, err)
	}
	// Default max-keys 100; the token continues where the page ended.
	res, err = h.root().ListObjectsV2(context.Background(), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket)})
	if err != nil || res.KeyCount != 100 || !res.IsTruncated || res.NextContinuationToken == nil {
		t.Fatalf("default page: %+v, %v", res, err)
	}
	res, err = h.root().ListObjectsV2(context.Background(), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), ContinuationToken: res.NextContinuationToken, MaxKeys: 2})
	if err != nil || oss.ToString(res.Contents[0].Key) != "p/00100" || oss.ToString(res.Contents[1].Key) != "p/00101" {
		t.Fatalf("continued page: %+v, %v", res, err)
	}
}

func TestListObjectsV2UnicodeKeys(t *testing.T) {
	h := newHarness(t)
	keys := []string{"u/with space.txt", "u/中文 文件.png", "u/plus+and&amp=.bin", "u/percent%20.txt", "u/é/ü"}
	for _, k := range keys {
		h.put(k, []byte(k))
	}
	got, _ := listAll(t, h.root(), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("u/"), MaxKeys: 2})
	want := slices.Clone(keys)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("keys %q, want %q", got, want)
	}
	got, _ = listAll(t, h.root(), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("u/中文")})
	if !slices.Equal(got, []string{"u/中文 文件.png"}) {
		t.Fatalf("unicode prefix: %q", got)
	}
	// Without encoding-type=url the keys come back as XML text.
	req, err := http.NewRequest(http.MethodGet, h.ts.URL+"/"+testBucket+"/?list-type=2&prefix=u%2Fwith", nil)
	if err != nil {
		t.Fatal(err)
	}
	req = h.signBucketRequest(req)
	resp, body := do(t, req)
	if resp.StatusCode != 200 || !contains(body, "<Key>u/with space.txt</Key>") || resp.Header.Get("x-oss-request-id") == "" {
		t.Fatalf("raw listing %d %s", resp.StatusCode, body)
	}
}

func TestListObjectsV2Refusals(t *testing.T) {
	h := newHarness(t)
	h.put(stsPrefix+"mine.txt", []byte("x"))
	sts := h.client(false, stsAK, stsSK, stsToken)
	_, err := sts.ListObjectsV2(context.Background(), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr(stsPrefix)})
	if se := sdkError(t, err); se.StatusCode != 403 || se.Code != "AccessDenied" || se.RequestID == "" {
		t.Fatalf("STS listing: %v", err)
	}
	for _, mk := range []string{"-1", "1001", "abc", "1.5"} {
		req, err := http.NewRequest(http.MethodGet, h.ts.URL+"/"+testBucket+"/?list-type=2&max-keys="+mk, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, body := do(t, h.signBucketRequest(req))
		e := wantError(t, resp, body, 400, "InvalidArgument")
		if !contains(body, "<ArgumentName>max-keys</ArgumentName>") {
			t.Fatalf("max-keys=%s: %+v %s", mk, e, body)
		}
	}
	_, err = h.root().ListObjectsV2(context.Background(), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), ContinuationToken: oss.Ptr("!!not-a-token")})
	if se := sdkError(t, err); se.StatusCode != 400 || se.Code != "InvalidArgument" {
		t.Fatalf("bad token: %v", err)
	}
	// Anonymous: private bucket.
	resp, body := do(t, mustRequest(t, http.MethodGet, h.ts.URL+"/"+testBucket+"/?list-type=2"))
	wantError(t, resp, body, 403, "AccessDenied")
	// V1 ListObjects stays unimplemented.
	req := mustRequest(t, http.MethodGet, h.ts.URL+"/"+testBucket+"/")
	resp, body = do(t, h.signBucketRequest(req))
	wantError(t, resp, body, 501, "NotImplemented")
	// list-type on an object is not a listing.
	resp, body = do(t, h.signBucketRequest(mustRequest(t, http.MethodGet, h.ts.URL+"/"+testBucket+"/"+stsPrefix+"mine.txt?list-type=2")))
	wantError(t, resp, body, 501, "NotImplemented")
	// CORS headers as for other operations.
	req = mustRequest(t, http.MethodGet, h.ts.URL+"/"+testBucket+"/?list-type=2")
	req.Header.Set("Origin", "http://app.example.com")
	resp, _ = do(t, h.signBucketRequest(req))
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Fatalf("CORS: %d %v", resp.StatusCode, resp.Header)
	}
}

func contains(body []byte, s string) bool { return strings.Contains(string(body), s) }

func mustRequest(t *testing.T, method, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// writeFile puts data in the bucket folder by hand (served with metadata
// computed from its bytes).
func (h *harness) writeFile(key string, data []byte) {
	h.t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, testBucket, encodeKey(key)), data, 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// signBucketRequest signs req (addressed to testBucket, path "/<bucket>/...")
// with the root key, V4.
func (h *harness) signBucketRequest(req *http.Request) *http.Request {
	h.t.Helper()
	key := strings.TrimPrefix(strings.TrimPrefix(req.URL.Path, "/"+testBucket), "/")
	sr := &signing.Request{Method: req.Method, Bucket: testBucket, Key: key, Header: req.Header, Query: req.URL.Query(), Region: testRegion}
	if _, err := signing.SignV4(sr, rootCreds, time.Now()); err != nil {
		h.t.Fatal(err)
	}
	return req
}
