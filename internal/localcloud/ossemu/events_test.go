package ossemu

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/internal/localcloud/ossemu/notify"
	"ossdirect/shared/policy"
)

// eventLog collects the emulator's events.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) all() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.events...)
}

// TestEvents drives every operation with the official SDK (PostObject by
// hand, as browsers send it) and checks that exactly the requests that
// stored an object produced one event each, with what the SDK saw.
func TestEvents(t *testing.T) {
	t.Parallel()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	t.Cleanup(refusing.Close)
	log := &eventLog{}
	sender := &notify.Sender{Key: callbackKey(), Timeout: 5 * time.Second}
	h := newHarness(t, func(c *Config) { c.Events = log.add; c.Callbacks = sender })
	sender.PubKeyURL = h.srv.KeyURL(h.ts.URL)
	ctx := context.Background()
	root := h.root()

	// want is what each event must say, in request order.
	type want struct {
		name, key, etag, contentType, requestID string
		size, delta                             int64
	}
	var wants []want
	unquote := func(etag string) string { return strings.Trim(etag, `"`) }

	put := func(key string, data []byte) {
		t.Helper()
		res, err := root.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key),
			Body: bytes.NewReader(data), ContentType: oss.Ptr("text/plain")})
		if err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
		wants = append(wants, want{"ObjectCreated:PutObject", key, unquote(oss.ToString(res.ETag)), "text/plain",
			res.Headers.Get("x-oss-request-id"), int64(len(data)), int64(len(data))})
	}
	put("ev/put.txt", []byte("first version"))

	// An overwrite: DeltaSize is the change.
	res, err := root.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("ev/put.txt"),
		Body: strings.NewReader("v2"), ContentType: oss.Ptr("text/plain")})
	if err != nil {
		t.Fatal(err)
	}
	wants = append(wants, want{"ObjectCreated:PutObject", "ev/put.txt", unquote(oss.ToString(res.ETag)), "text/plain",
		res.Headers.Get("x-oss-request-id"), 2, 2 - int64(len("first version"))})

	// Refused: a bad signature.
	bad := h.client(false, rootAK, "not-the-secret", "")
	if _, err := bad.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("ev/refused.txt"),
		Body: strings.NewReader("x")}); sdkError(t, err).Code != "SignatureDoesNotMatch" {
		t.Fatalf("bad signature: %v", err)
	}

	// PostObject; and one refused by its policy (file over the range).
	data := []byte("posted by a form")
	form := handForm(t, true, rootCreds, time.Now(), func(b *policy.Builder) {
		b.StartsWith("key", "ev/").ContentLengthRange(1, 100)
	}, map[string]string{"key": "ev/post.txt"})
	resp, body := do(t, h.postRequest(sortedFields(form), fileField(data, "text/plain"), nil))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("PostObject: %d %s", resp.StatusCode, body)
	}
	wants = append(wants, want{"ObjectCreated:PostObject", "ev/post.txt", unquote(resp.Header.Get("ETag")), "text/plain",
		resp.Header.Get("x-oss-request-id"), int64(len(data)), int64(len(data))})
	form["key"] = "ev/too-large.txt"
	resp, body = do(t, h.postRequest(sortedFields(form), fileField(randomBytes(101), "text/plain"), nil))
	wantError(t, resp, body, http.StatusBadRequest, "EntityTooLarge")

	// PostObject whose upload callback fails: 203, the object is stored,
	// so there is an event.
	param := callbackParam(t, refusing.URL+"/cb", "object=${object}", "")
	cbForm := handForm(t, true, rootCreds, time.Now(), func(b *policy.Builder) { b.StartsWith("key", "ev/") },
		map[string]string{"key": "ev/post-cb.txt", "callback": param})
	resp, body = do(t, h.postRequest(sortedFields(cbForm), fileField(data, "text/plain"), nil))
	wantError(t, resp, body, 203, "CallbackFailed")
	wants = append(wants, want{"ObjectCreated:PostObject", "ev/post-cb.txt", unquote(resp.Header.Get("ETag")), "text/plain",
		resp.Header.Get("x-oss-request-id"), int64(len(data)), int64(len(data))})

	// Multipart: Initiate and UploadPart send nothing, Complete one event.
	key := "ev/multi.bin"
	init, err := root.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key),
		ContentType: oss.Ptr("application/x-test")})
	if err != nil {
		t.Fatal(err)
	}
	parts := [][]byte{randomBytes(minPartSize), randomBytes(10)}
	var uploaded []oss.UploadPart
	for i, p := range parts {
		res, err := root.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: init.UploadId,
			PartNumber: int32(i + 1), Body: bytes.NewReader(p)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		uploaded = append(uploaded, oss.UploadPart{PartNumber: int32(i + 1), ETag: res.ETag})
	}
	if n := len(log.all()); n != len(wants) {
		t.Fatalf("%d events before Complete, want %d (Initiate and UploadPart send none)", n, len(wants))
	}
	done, err := root.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key),
		UploadId: init.UploadId, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: uploaded}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(oss.ToString(done.ETag), `-2"`) {
		t.Fatalf("multipart ETag %s", oss.ToString(done.ETag))
	}
	size := int64(len(parts[0]) + len(parts[1]))
	wants = append(wants, want{"ObjectCreated:CompleteMultipartUpload", key, unquote(oss.ToString(done.ETag)), "application/x-test",
		done.Headers.Get("x-oss-request-id"), size, size})

	// CopyObject, then a delete: only the copy is an event.
	cp, err := root.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("ev/copy.bin"), SourceKey: oss.Ptr(key)})
	if err != nil {
		t.Fatal(err)
	}
	wants = append(wants, want{"ObjectCreated:CopyObject", "ev/copy.bin", unquote(oss.ToString(cp.ETag)), "application/x-test",
		cp.Headers.Get("x-oss-request-id"), size, size})
	if _, err := root.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("ev/copy.bin")}); err != nil {
		t.Fatal(err)
	}

	// Close waits for every request's handler, so every event is in.
	h.ts.Close()
	got := log.all()
	if len(got) != len(wants) {
		t.Fatalf("%d events, want %d: %+v", len(got), len(wants), got)
	}
	for i, w := range wants {
		e := got[i]
		if e.Name != w.name || e.Key != w.key || e.ETag != w.etag || e.Size != w.size || e.DeltaSize != w.delta ||
			e.ContentType != w.contentType || e.RequestID != w.requestID {
			t.Errorf("event %d = %+v, want %+v", i, e, w)
		}
		if e.Bucket != testBucket || e.Region != testRegion || e.SourceIP != "127.0.0.1" || e.Time.IsZero() || e.Time.Location() != time.UTC {
			t.Errorf("event %d: bucket %q region %q source %q time %v", i, e.Bucket, e.Region, e.SourceIP, e.Time)
		}
		if strings.Contains(e.ETag, `"`) || e.ETag == "" {
			t.Errorf("event %d: ETag %q, want OSS's unquoted form", i, e.ETag)
		}
	}
}
