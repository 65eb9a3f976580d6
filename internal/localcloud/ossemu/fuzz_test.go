package ossemu

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fuzzServer is an emulator served in-process (no listener).
func fuzzServer(t testing.TB) *Server {
	srv, err := New(Config{Dir: t.TempDir(), Buckets: []string{testBucket}, Region: testRegion, Credentials: testCreds{}, CORSOrigins: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// FuzzPostObject feeds arbitrary form bodies to PostObject: the answer is
// never a 500, and nothing is left in the temporary folder.
func FuzzPostObject(f *testing.F) {
	now := time.Now()
	fields := handForm(f, true, rootCreds, now, nil, map[string]string{"key": "fz/a.txt"})
	valid, ct := multipartBody(sortedFields(fields), fileField([]byte("data"), "text/plain"), nil)
	boundary := strings.TrimPrefix(ct, "multipart/form-data; boundary=")
	f.Add(valid, boundary)
	f.Add(valid[:len(valid)/2], boundary)
	f.Add([]byte("--"+boundary+"\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--"+boundary+"--\r\n"), boundary)
	f.Add([]byte("garbage"), "x")
	srv := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		req := httptest.NewRequest(http.MethodPost, "/"+testBucket, bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code == 500 || rec.Header().Get("x-oss-request-id") == "" {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

// FuzzRequest sends arbitrary methods, paths, queries and headers.
func FuzzRequest(f *testing.F) {
	f.Add("GET", "/test-bucket/a", "uploadId=1", "Authorization", "OSS a:b")
	f.Add("PUT", "/test-bucket/a", "partNumber=0&uploadId=", "Range", "bytes=-")
	f.Add("OPTIONS", "/test-bucket/a", "", "Origin", "x")
	f.Add("POST", "/test-bucket/a", "uploads", "x-oss-date", "2024")
	f.Add("DELETE", "/test-bucket/a", "x-oss-signature=1&x-oss-credential=a/b/c/d/e", "", "")
	f.Add("HEAD", "/_ossemu/callback_pub_key.pem", "", "", "")
	srv := fuzzServer(f)
	f.Fuzz(func(t *testing.T, method, path, query, hname, hvalue string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path+query, " \r\n#") || method == "" || strings.ContainsAny(method, " \r\n") {
			return
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+path+"?"+query, strings.NewReader("body"))
		if err != nil {
			return
		}
		if hname != "" && !strings.ContainsAny(hname, " :\r\n") && !strings.ContainsAny(hvalue, "\r\n") {
			req.Header.Set(hname, hvalue)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code == 500 {
			t.Fatalf("%s %s?%s: 500 %s", method, path, query, rec.Body)
		}
	})
}
