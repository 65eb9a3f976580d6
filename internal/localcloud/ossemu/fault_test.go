package ossemu

import (
	"bytes"
	"context"
	"crypto/md5"
	"io"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// diskFault is a Config.WriteFault that can be switched on and off: while
// on, a write of kind fails with err when it would take its file past
// after bytes. With armedBy set, only after a write of that kind was seen
// (to fail the completion's metadata but not the parts').
type diskFault struct {
	on      atomic.Bool
	kind    WriteKind
	after   int64
	err     error
	armedBy WriteKind
	armed   atomic.Bool
	hits    atomic.Int32
}

func (d *diskFault) check(kind WriteKind, offset int64, n int) error {
	if !d.on.Load() {
		return nil
	}
	if d.armedBy != "" && kind == d.armedBy {
		d.armed.Store(true)
	}
	if kind == d.kind && offset+int64(n) > d.after && (d.armedBy == "" || d.armed.Load()) {
		d.hits.Add(1)
		return d.err
	}
	return nil
}

// TestWriteFaults plays a full disk (ENOSPC) and a failing disk (EIO)
// under each kind of write the emulator makes, with the official SDK (and
// PostObject by hand, which the SDK does not do): the upload fails with
// OSS's 500 InternalError XML, no temporary file is left, and the object
// already stored under the key is intact (its bytes, by MD5, and its
// ETag). Once the fault clears, the same upload succeeds.
func TestWriteFaults(t *testing.T) {
	t.Parallel()
	const key = "faults/object.bin"
	previous := randomBytes(300_000)
	newData := randomBytes(2*minPartSize + 5_000)

	putObject := func(c *oss.Client) error {
		_, err := c.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), Body: bytes.NewReader(newData)})
		return err
	}
	postObject := func(h *harness) error {
		f := handForm(t, true, rootCreds, time.Now(), nil, map[string]string{"key": key})
		body, ct := multipartBody(sortedFields(f), fileField(newData, "image/png"), nil)
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/"+testBucket, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		resp, got := do(t, req)
		if resp.StatusCode/100 == 2 {
			return nil
		}
		e := parseError(t, got)
		return &oss.ServiceError{StatusCode: resp.StatusCode, Code: e.Code, Message: e.Message, EC: resp.Header.Get("x-oss-ec")}
	}
	// multipart uploads newData in three parts and completes; with a fault
	// in the second part or in the completion it stops at that failure and
	// leaves the upload in progress, as a client would before retrying.
	multipart := func(c *oss.Client) error {
		ctx := context.Background()
		init, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
		if err != nil {
			return err
		}
		var parts []oss.UploadPart
		for i, off := 0, 0; off < len(newData); i, off = i+1, off+minPartSize {
			end := min(off+minPartSize, len(newData))
			up, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: init.UploadId,
				PartNumber: int32(i + 1), Body: bytes.NewReader(newData[off:end])})
			if err != nil {
				return err
			}
			parts = append(parts, oss.UploadPart{PartNumber: int32(i + 1), ETag: up.ETag})
		}
		_, err = c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: init.UploadId,
			CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}})
		return err
	}

	for _, tc := range []struct {
		name    string
		kind    WriteKind
		after   int64
		err     error
		armedBy WriteKind
		upload  func(h *harness) error
	}{
		{"PutObject: disk full while receiving the body", WriteBody, 64 << 10, syscall.ENOSPC, "", func(h *harness) error { return putObject(h.root()) }},
		{"PutObject: disk full before the first byte", WriteBody, 0, syscall.ENOSPC, "", func(h *harness) error { return putObject(h.root()) }},
		{"PutObject: write error on the metadata", WriteMeta, 0, syscall.EIO, "", func(h *harness) error { return putObject(h.root()) }},
		{"PostObject: disk full while receiving the file", WriteBody, 64 << 10, syscall.ENOSPC, "", postObject},
		{"PostObject: write error on the metadata", WriteMeta, 0, syscall.EIO, "", postObject},
		{"UploadPart: disk full while receiving a part", WriteBody, 32 << 10, syscall.ENOSPC, "", func(h *harness) error { return multipart(h.root()) }},
		{"CompleteMultipartUpload: disk full while assembling", WriteConcat, minPartSize + 1, syscall.ENOSPC, "", func(h *harness) error { return multipart(h.root()) }},
		// The parts' metadata is WriteMeta too: fail only the object's,
		// written after the object is assembled.
		{"CompleteMultipartUpload: write error on the metadata", WriteMeta, 0, syscall.EIO, WriteConcat, func(h *harness) error { return multipart(h.root()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fault := &diskFault{kind: tc.kind, after: tc.after, err: tc.err, armedBy: tc.armedBy}
			h := newHarness(t, func(c *Config) { c.WriteFault = fault.check })
			h.put(key, previous)
			before, err := h.root().HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
			if err != nil {
				t.Fatal(err)
			}
			fault.on.Store(true)
			err = tc.upload(h)
			se := wantSDKError(t, err, http.StatusInternalServerError, "InternalError")
			if se != nil && (se.Message == "" || bytes.Contains([]byte(se.Message), []byte(h.dir))) {
				t.Errorf("message %q: want OSS's generic one, without the data folder", se.Message)
			}
			if fault.hits.Load() == 0 {
				t.Error("the fault was never hit")
			}
			if left := h.tmpFiles(); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
			wantObject(t, h, key, previous, oss.ToString(before.ETag))

			// The disk recovers: the same upload succeeds.
			fault.on.Store(false)
			if err := tc.upload(h); err != nil {
				t.Fatalf("after the fault: %v", err)
			}
			if got := h.object(key); md5.Sum(got) != md5.Sum(newData) {
				t.Errorf("after the fault: stored %d bytes, want the new %d", len(got), len(newData))
			}
			if left := h.tmpFiles(); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// wantObject checks that key holds data (by MD5) with etag, on disk and
// through GetObject.
func wantObject(t *testing.T, h *harness, key string, data []byte, etag string) {
	t.Helper()
	if got := h.object(key); md5.Sum(got) != md5.Sum(data) {
		t.Errorf("object on disk: %d bytes, want the previous %d", len(got), len(data))
	}
	get, err := h.root().GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	got, err := io.ReadAll(get.Body)
	get.Body.Close()
	if err != nil || md5.Sum(got) != md5.Sum(data) || oss.ToString(get.ETag) != etag {
		t.Errorf("GetObject: %d bytes, ETag %s (%v); want the previous %d bytes, ETag %s", len(got), oss.ToString(get.ETag), err, len(data), etag)
	}
}
