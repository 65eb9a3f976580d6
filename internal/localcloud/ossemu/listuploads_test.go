package ossemu

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// listed names one multipart upload in a listing.
type listed struct{ key, id string }

// listUploads lists testBucket's uploads with the SDK's paginator.
func listUploads(t *testing.T, c *oss.Client, req *oss.ListMultipartUploadsRequest) (got []listed, pages int) {
	t.Helper()
	p := c.NewListMultipartUploadsPaginator(req)
	for p.HasNext() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		pages++
		for _, u := range page.Uploads {
			got = append(got, listed{oss.ToString(u.Key), oss.ToString(u.UploadId)})
		}
	}
	return got, pages
}

// initiate starts an upload of key with c and returns its id.
func initiate(t *testing.T, c *oss.Client, key string) string {
	t.Helper()
	res, err := c.InitiateMultipartUpload(context.Background(), &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("initiate %s: %v", key, err)
	}
	return oss.ToString(res.UploadId)
}

// sortUploads orders uploads as OSS lists them: by key, then upload id.
func sortUploads(u []listed) {
	slices.SortFunc(u, func(a, b listed) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
}

// TestListMultipartUploadsSDK lists uploads started with the SDK, unicode
// keys and several uploads of one key included, with V4 and V1 signatures;
// completed and aborted uploads leave the list.
func TestListMultipartUploadsSDK(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	root := h.root()
	keys := []string{"u/中文 文件.mp4", "u/with space.bin", "u/plus+and&amp=.bin", "u/é/ü", "u/with space.bin", "v/other.bin"}
	var want []listed
	for _, k := range keys {
		want = append(want, listed{k, initiate(t, root, k)})
	}
	sortUploads(want)
	for _, v1 := range []bool{false, true} {
		c := h.client(v1, rootAK, rootSK, "")
		got, pages := listUploads(t, c, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(testBucket), MaxUploads: 2})
		if !slices.Equal(got, want) || pages != 3 {
			t.Fatalf("v1=%v: %d pages %q, want 3 pages %q", v1, pages, got, want)
		}
		got, _ = listUploads(t, c, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("u/中文")})
		if len(got) != 1 || got[0].key != "u/中文 文件.mp4" || !slices.Contains(want, got[0]) {
			t.Fatalf("v1=%v: unicode prefix %q", v1, got)
		}
	}
	res, err := root.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("u/")})
	if err != nil {
		t.Fatal(err)
	}
	if oss.ToString(res.Bucket) != testBucket || res.MaxUploads != 1000 || res.IsTruncated || oss.ToString(res.Prefix) != "u/" || len(res.Uploads) != 5 {
		t.Fatalf("result %+v", res)
	}
	last := res.Uploads[4]
	if oss.ToString(res.NextKeyMarker) != oss.ToString(last.Key) || oss.ToString(res.NextUploadIdMarker) != oss.ToString(last.UploadId) {
		t.Errorf("next markers %q %q, want the last upload %q %q", oss.ToString(res.NextKeyMarker), oss.ToString(res.NextUploadIdMarker), oss.ToString(last.Key), oss.ToString(last.UploadId))
	}
	for _, u := range res.Uploads {
		if u.Initiated == nil || time.Since(*u.Initiated) > time.Minute {
			t.Errorf("%s: Initiated %v", oss.ToString(u.Key), u.Initiated)
		}
	}
	// key-marker alone starts after every upload of that key; with
	// upload-id-marker, after that upload of it.
	dup := slices.IndexFunc(want, func(u listed) bool { return u.key == "u/with space.bin" })
	got, _ := listUploads(t, root, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(testBucket), KeyMarker: oss.Ptr("u/with space.bin")})
	if !slices.Equal(got, want[dup+2:]) {
		t.Errorf("after key-marker: %q, want %q", got, want[dup+2:])
	}
	got, _ = listUploads(t, root, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(testBucket), KeyMarker: oss.Ptr("u/with space.bin"), UploadIdMarker: oss.Ptr(want[dup].id)})
	if !slices.Equal(got, want[dup+1:]) {
		t.Errorf("after key-marker and upload-id-marker: %q, want %q", got, want[dup+1:])
	}
	// Completed and aborted uploads are no longer listed.
	first := want[0]
	part, err := root.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(first.key), UploadId: oss.Ptr(first.id), PartNumber: 1, Body: strings.NewReader("x")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(first.key), UploadId: oss.Ptr(first.id),
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: []oss.UploadPart{{PartNumber: 1, ETag: part.ETag}}}}); err != nil {
		t.Fatal(err)
	}
	second := want[1]
	if _, err := root.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(second.key), UploadId: oss.Ptr(second.id)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := listUploads(t, root, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(testBucket)}); !slices.Equal(got, want[2:]) {
		t.Fatalf("after complete and abort: %q, want %q", got, want[2:])
	}
	// Another bucket's uploads are not listed.
	if got, _ := listUploads(t, root, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr("other-bucket")}); len(got) != 0 {
		t.Fatalf("other-bucket lists %q", got)
	}
}

// TestListMultipartUploadsPagination pages through more uploads than one
// answer holds, several per key, with V4 and V1 signatures.
func TestListMultipartUploadsPagination(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var want []listed
	for i := range 1005 {
		// Stored directly (as InitiateMultipartUpload would) to keep the
		// test fast; three uploads per key.
		u := &uploadInfo{ID: randomHex(16), Bucket: testBucket, Key: fmt.Sprintf("p/%04d", i/3), Initiated: time.Now()}
		if err := h.srv.store.CreateUpload(u); err != nil {
			t.Fatal(err)
		}
		want = append(want, listed{u.Key, u.ID})
	}
	sortUploads(want)
	for _, v1 := range []bool{false, true} {
		c := h.client(v1, rootAK, rootSK, "")
		got, pages := listUploads(t, c, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(testBucket)})
		if pages != 2 || !slices.Equal(got, want) {
			t.Fatalf("v1=%v default page size: %d pages, %d uploads (want 2 pages, %d)", v1, pages, len(got), len(want))
		}
		got, pages = listUploads(t, c, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(testBucket), MaxUploads: 100})
		if pages != 11 || !slices.Equal(got, want) {
			t.Fatalf("v1=%v 100 a page: %d pages, %d uploads (want 11 pages, %d)", v1, pages, len(got), len(want))
		}
	}
	res, err := h.root().ListMultipartUploads(context.Background(), &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(testBucket), MaxUploads: 4})
	if err != nil || !res.IsTruncated || len(res.Uploads) != 4 || res.MaxUploads != 4 ||
		oss.ToString(res.NextKeyMarker) != want[3].key || oss.ToString(res.NextUploadIdMarker) != want[3].id {
		t.Fatalf("truncated page: %+v, %v", res, err)
	}
}

// getUploads sends a signed GET /<bucket>?uploads&<query> and decodes it.
func (h *harness) getUploads(t *testing.T, query url.Values) (listUploadsResult, []byte) {
	t.Helper()
	resp, body := do(t, h.signBucketRequest(mustRequest(t, http.MethodGet, h.ts.URL+"/"+testBucket+"/?uploads&"+query.Encode())))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/xml" {
		t.Fatalf("%v: %d %s", query, resp.StatusCode, body)
	}
	var res listUploadsResult
	if err := xml.Unmarshal(body, &res); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return res, body
}

// TestListMultipartUploadsXML checks the raw answer: its elements in OSS's
// order, delimiter grouping with pagination over common prefixes, and
// encoding-type=url. (The SDK reads no CommonPrefixes.)
func TestListMultipartUploadsXML(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	root := h.root()
	for _, k := range []string{"a/1", "a/2", "a/b/3", "ab", "b/1", "b/2", "c", "with space/x"} {
		initiate(t, root, k)
	}
	res, body := h.getUploads(t, url.Values{"delimiter": {"/"}})
	var prefixes, keys []string
	for _, p := range res.CommonPrefixes {
		prefixes = append(prefixes, p.Prefix)
	}
	for _, u := range res.Uploads {
		keys = append(keys, u.Key)
		if _, err := time.Parse(timeLayout, u.Initiated); err != nil || len(u.UploadID) != 32 {
			t.Errorf("upload %+v", u)
		}
	}
	if !slices.Equal(prefixes, []string{"a/", "b/", "with space/"}) || !slices.Equal(keys, []string{"ab", "c"}) || res.Delimiter != "/" || res.IsTruncated {
		t.Fatalf("grouped: prefixes %q keys %q %s", prefixes, keys, body)
	}
	order := []string{"<Bucket>", "<KeyMarker>", "<UploadIdMarker>", "<NextKeyMarker>", "<NextUploadIdMarker>", "<Delimiter>", "<Prefix>", "<MaxUploads>", "<IsTruncated>", "<Upload>", "<CommonPrefixes>"}
	last := -1
	for _, el := range order {
		i := strings.Index(string(body), el)
		if i < last {
			t.Fatalf("%s out of order in %s", el, body)
		}
		last = i
	}
	if !contains(body, "<KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>") || contains(body, "EncodingType") || contains(body, "xmlns") {
		t.Errorf("empty markers or encoding type: %s", body)
	}

	// One entry a page, following the Next markers: each prefix once.
	var entries []string
	q := url.Values{"delimiter": {"/"}, "max-uploads": {"1"}}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatalf("no end after %d pages: %q", pages, entries)
		}
		res, body := h.getUploads(t, q)
		if len(res.Uploads)+len(res.CommonPrefixes) != 1 {
			t.Fatalf("page %d: %s", pages, body)
		}
		for _, p := range res.CommonPrefixes {
			entries = append(entries, p.Prefix)
			if res.NextKeyMarker != p.Prefix || res.NextUploadIDMarker != "" {
				t.Fatalf("next markers after a prefix: %s", body)
			}
		}
		for _, u := range res.Uploads {
			entries = append(entries, u.Key)
		}
		if !res.IsTruncated {
			break
		}
		q.Set("key-marker", res.NextKeyMarker)
		q.Set("upload-id-marker", res.NextUploadIDMarker)
	}
	if want := []string{"a/", "ab", "b/", "c", "with space/"}; !slices.Equal(entries, want) {
		t.Fatalf("paged entries %q, want %q", entries, want)
	}

	// encoding-type=url encodes keys, prefixes, delimiter and markers.
	res, body = h.getUploads(t, url.Values{"encoding-type": {"url"}, "prefix": {"with space/"}, "key-marker": {"with space/"}})
	if res.EncodingType != "url" || res.Prefix != "with+space%2F" || res.KeyMarker != "with+space%2F" ||
		len(res.Uploads) != 1 || res.Uploads[0].Key != "with+space%2Fx" || res.NextKeyMarker != "with+space%2Fx" {
		t.Fatalf("encoded: %s", body)
	}
	// Without it, the same as XML text.
	res, body = h.getUploads(t, url.Values{"prefix": {"with space/"}})
	if len(res.Uploads) != 1 || res.Uploads[0].Key != "with space/x" || !contains(body, "<Key>with space/x</Key>") {
		t.Fatalf("plain: %s", body)
	}
}

func TestListMultipartUploadsRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sts := h.client(false, stsAK, stsSK, stsToken)
	initiate(t, sts, stsPrefix+"mine.bin") // the STS principal may upload…
	// …but not list uploads: oss:ListMultipartUploads on the bucket.
	_, err := sts.ListMultipartUploads(context.Background(), &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr(stsPrefix)})
	if se := sdkError(t, err); se.StatusCode != 403 || se.Code != "AccessDenied" || se.RequestID == "" {
		t.Fatalf("STS listing: %v", err)
	}
	bad := []struct{ query, arg string }{
		{"max-uploads=0", "max-uploads"},
		{"max-uploads=1001", "max-uploads"},
		{"max-uploads=abc", "max-uploads"},
		{"max-uploads=-1", "max-uploads"},
		{"prefix=a&prefix=b", "prefix"},
		{"key-marker=" + strings.Repeat("k", 1025), "key-marker"},
	}
	for _, tc := range bad {
		resp, body := do(t, h.signBucketRequest(mustRequest(t, http.MethodGet, h.ts.URL+"/"+testBucket+"/?uploads&"+tc.query)))
		wantError(t, resp, body, 400, "InvalidArgument")
		if !contains(body, "<ArgumentName>"+tc.arg+"</ArgumentName>") {
			t.Errorf("%s: %s", tc.query, body)
		}
	}
	resp, body := do(t, h.signBucketRequest(mustRequest(t, http.MethodGet, h.ts.URL+"/"+testBucket+"/?uploads&max-uploads=1000")))
	if resp.StatusCode != 200 {
		t.Fatalf("max-uploads=1000: %d %s", resp.StatusCode, body)
	}
	// Anonymous: private bucket.
	resp, body = do(t, mustRequest(t, http.MethodGet, h.ts.URL+"/"+testBucket+"/?uploads"))
	wantError(t, resp, body, 403, "AccessDenied")
	// Mixed with list-type=2 it is neither listing.
	resp, body = do(t, h.signBucketRequest(mustRequest(t, http.MethodGet, h.ts.URL+"/"+testBucket+"/?uploads&list-type=2")))
	wantError(t, resp, body, 501, "NotImplemented")
}

// TestPendingUploads: what the dev stack's status page shows, straight from
// the store: the uploads in ListMultipartUploads' order, with their parts
// and bytes so far.
func TestPendingUploads(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	root := h.root()
	idB, _ := uploadParts(t, root, "b.bin", []byte("12345"), []byte("678"))
	idA := initiate(t, root, "a.bin")
	got, err := h.srv.PendingUploads(testBucket)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Key != "a.bin" || got[0].UploadID != idA || got[0].Parts != 0 || got[0].Bytes != 0 ||
		got[1].Key != "b.bin" || got[1].UploadID != idB || got[1].Parts != 2 || got[1].Bytes != 8 || time.Since(got[1].Initiated) > time.Minute {
		t.Fatalf("pending %+v", got)
	}
	if got, err := h.srv.PendingUploads("other-bucket"); err != nil || len(got) != 0 {
		t.Fatalf("other-bucket: %+v, %v", got, err)
	}
	if _, err := h.srv.PendingUploads("no-such-bucket"); err == nil {
		t.Fatal("a bucket the server does not serve gave no error")
	}
}
