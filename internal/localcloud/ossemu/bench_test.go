package ossemu

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"ossdirect/shared/policy"
	"ossdirect/shared/signing"
)

// patternReader yields an endless byte pattern without allocating.
type patternReader struct{ off int }

func (p *patternReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(p.off*31 + i*7)
	}
	p.off++
	return len(b), nil
}

func body(size int64) io.Reader { return io.LimitReader(&patternReader{}, size) }

// benchServer starts an emulator for a benchmark.
func benchServer(b *testing.B) *harness {
	b.Helper()
	srv, err := New(Config{Dir: b.TempDir(), Buckets: []string{testBucket}, Region: testRegion, Credentials: testCreds{}})
	if err != nil {
		b.Fatal(err)
	}
	h := &harness{srv: srv, dir: srv.cfg.Dir}
	h.ts = newLoopbackServer(b, srv)
	return h
}

// newLoopbackServer serves h on 127.0.0.1 until the test ends.
func newLoopbackServer(tb testing.TB, h http.Handler) *httptest.Server {
	ts := httptest.NewServer(h)
	tb.Cleanup(ts.Close)
	return ts
}

// putRequest is a V4-signed PutObject of size pattern bytes.
func putRequest(b testing.TB, url, key string, size int64, now time.Time) *http.Request {
	req, err := http.NewRequest(http.MethodPut, url+"/"+testBucket+"/"+key, body(size))
	if err != nil {
		b.Fatal(err)
	}
	req.ContentLength = size
	sr := &signing.Request{Method: http.MethodPut, Bucket: testBucket, Key: key, Header: req.Header, Region: testRegion}
	if _, err := signing.SignV4(sr, rootCreds, now); err != nil {
		b.Fatal(err)
	}
	return req
}

// postStream is a V4 PostObject of size pattern bytes, streamed.
func postStream(b testing.TB, url, key string, size int64, now time.Time) *http.Request {
	pol, err := policy.New(now.Add(time.Hour)).Exact("bucket", testBucket).StartsWith("key", "bench/").
		ContentLengthRange(0, 1<<40).Build()
	if err != nil {
		b.Fatal(err)
	}
	enc, _ := pol.Base64()
	fields := map[string]string{
		"key": key, "policy": enc, "success_action_status": "200",
		"x-oss-signature-version": signing.AlgorithmV4,
		"x-oss-credential":        signing.V4Credential(rootAK, now, testRegion, "oss"),
		"x-oss-date":              signing.FormatV4Date(now),
		"x-oss-signature":         signing.PostSignatureV4(rootSK, now, testRegion, enc),
	}
	const boundary = "benchboundary7MA4YWxkTrZu0gW"
	var head bytes.Buffer
	for _, f := range sortedFields(fields) {
		fmt.Fprintf(&head, "--%s\r\nContent-Disposition: form-data; name=%q\r\n\r\n%s\r\n", boundary, f.Name, f.Value)
	}
	fmt.Fprintf(&head, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n", boundary)
	tail := "\r\n--" + boundary + "--\r\n"
	req, err := http.NewRequest(http.MethodPost, url+"/"+testBucket, io.MultiReader(bytes.NewReader(head.Bytes()), body(size), strings.NewReader(tail)))
	if err != nil {
		b.Fatal(err)
	}
	req.ContentLength = int64(head.Len()) + size + int64(len(tail))
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	return req
}

func benchUpload(b *testing.B, size int64, build uploadBuilder, want int) {
	h := benchServer(b)
	client := h.ts.Client()
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req := build(b, h.ts.URL, "bench/obj-"+strconv.Itoa(i%4), size, time.Now())
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

func BenchmarkPutObject(b *testing.B) {
	for _, size := range []int64{1 << 20, 256 << 20} {
		b.Run(sizeName(size), func(b *testing.B) { benchUpload(b, size, putRequest, 200) })
	}
}

func BenchmarkPostObject(b *testing.B) {
	for _, size := range []int64{1 << 20, 256 << 20} {
		b.Run(sizeName(size), func(b *testing.B) { benchUpload(b, size, postStream, 200) })
	}
}

func sizeName(n int64) string {
	if n >= 1<<30 {
		return strconv.FormatInt(n>>30, 10) + "GiB"
	}
	return strconv.FormatInt(n>>20, 10) + "MiB"
}

// procStatus reads a kB field of /proc/self/status.
func procStatus(field string) (int64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n << 10, err == nil
		}
	}
	return 0, false
}

// uploadBuilder builds an upload request of size bytes.
type uploadBuilder func(tb testing.TB, url, key string, size int64, now time.Time) *http.Request

// measurePeakGrowth streams one upload of size bytes through the emulator
// (client and server in this process) and returns how far the process's
// peak RSS (VmHWM) rose above its RSS before the upload.
func measurePeakGrowth(tb testing.TB, size int64, build uploadBuilder, want int) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	// Reset VmHWM to the current RSS (Linux >= 4.0).
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		tb.Skipf("cannot reset VmHWM: %v", err)
	}
	before, ok1 := procStatus("VmRSS")
	if _, ok := procStatus("VmHWM"); !ok || !ok1 {
		tb.Skip("VmHWM unavailable")
	}
	srv, err := New(Config{Dir: tb.TempDir(), Buckets: []string{testBucket}, Region: testRegion, Credentials: testCreds{}})
	if err != nil {
		tb.Fatal(err)
	}
	ts := newLoopbackServer(tb, srv)
	resp, err := ts.Client().Do(build(tb, ts.URL, "bench/big.bin", size, time.Now()))
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		tb.Fatalf("status %d", resp.StatusCode)
	}
	peak, _ := procStatus("VmHWM")
	if m, err := srv.store.Stat(testBucket, "bench/big.bin"); err != nil || m.Size != size {
		tb.Fatalf("stored %v, %v", m, err)
	}
	return peak - before
}

// BenchmarkPeakRSS reports the peak RSS growth of a 1 GiB streamed
// PutObject and PostObject (metric peak-MiB).
func BenchmarkPeakRSS(b *testing.B) {
	for _, tc := range []struct {
		name  string
		build uploadBuilder
	}{{"PutObject-1GiB", putRequest}, {"PostObject-1GiB", postStream}} {
		b.Run(tc.name, func(b *testing.B) {
			var growth int64
			for b.Loop() {
				growth = measurePeakGrowth(b, 1<<30, tc.build, 200)
			}
			b.SetBytes(1 << 30)
			b.ReportMetric(float64(growth)/(1<<20), "peak-MiB")
		})
	}
}

// TestUploadMemoryBound asserts the ~64 MiB bound for 1 GiB uploads.
// It writes 2 GiB, so it runs only with OSSEMU_BIG=1 and without -short.
func TestUploadMemoryBound(t *testing.T) {
	if testing.Short() || os.Getenv("OSSEMU_BIG") != "1" {
		t.Skip("set OSSEMU_BIG=1 (and no -short) to stream 1 GiB uploads")
	}
	for _, tc := range []struct {
		name  string
		build uploadBuilder
	}{{"PutObject", putRequest}, {"PostObject", postStream}} {
		t.Run(tc.name, func(t *testing.T) {
			growth := measurePeakGrowth(t, 1<<30, tc.build, 200)
			t.Logf("peak RSS growth during a 1 GiB %s: %.1f MiB", tc.name, float64(growth)/(1<<20))
			if growth > 64<<20 {
				t.Fatalf("peak RSS grew by %d MiB, want <= 64 MiB", growth>>20)
			}
		})
	}
}
