package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strings"
	"sync/atomic"
	"testing"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/shared/api"
	ourcreds "ossdirect/shared/credentials"
	"ossdirect/shared/ossclient"
	"ossdirect/shared/upload"
)

// BenchmarkMultipartSign is one sign request for 100 part URLs into the
// presigned-url function's handler: the JSON body read strictly, the token
// verified, 100 V4 presigned UploadPart URLs (each with its
// Content-Length signed) and the JSON answer. Target: ≤ 1 ms per batch.
//
//	go test -run '^$' -bench BenchmarkMultipartSign -benchmem -count 5 ./shared/api/
func BenchmarkMultipartSign(b *testing.B) {
	s := startStack(b, devstack.Config{Profiles: mpProfiles})
	profiles, err := upload.ParseProfiles([]byte(mpProfiles))
	if err != nil {
		b.Fatal(err)
	}
	client, err := ossclient.New(ossclient.Config{Bucket: s.Bucket, Region: s.Region, Endpoint: s.OSS,
		Credentials: ourcreds.NewStatic(devstack.DevAccessKeyID, devstack.DevAccessKeySecret, "")})
	if err != nil {
		b.Fatal(err)
	}
	h := newHandlers(b, api.Config{Bucket: s.Bucket, Region: s.Region, UploadHost: s.OSS + "/" + s.Bucket, Profiles: profiles,
		GrantSecrets: [][]byte{testGrantSecret}, Multipart: client}).Handler(api.PresignedURL)
	call := func(op string, body any) *httptest.ResponseRecorder {
		j, _ := json.Marshal(body)
		r := httptest.NewRequest(http.MethodPost, "/presigned-url/multipart/"+op, bytes.NewReader(j))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", op, w.Code, w.Body)
		}
		return w
	}
	var c mpCreated
	if err := json.Unmarshal(call("create", map[string]any{"profile": "files", "filename": "big.bin", "size": 20 << 20, "partSize": 100 << 10}).Body.Bytes(), &c); err != nil {
		b.Fatal(err)
	}
	ns := make([]int, 100)
	for i := range ns {
		ns[i] = i + 1
	}
	body := c.with("partNumbers", ns)
	b.ReportAllocs()
	for b.Loop() {
		call("sign", body)
	}
}

// BenchmarkMultipartBytesThroughFunctions uploads a file of each size with
// presigned multipart on the local stack, over real HTTP, and counts the
// bytes of every request to and answer from the functions (create, sign
// batches, complete: request and status lines, headers and bodies) and the
// bytes sent straight to OSS (the parts). The first must not grow with the
// file. Target: ≤ 64 KiB per upload for 1 GiB (default part size: 128
// parts, two sign batches).
//
//	go test -run '^$' -bench BenchmarkMultipartBytesThroughFunctions -benchtime 1x ./shared/api/
func BenchmarkMultipartBytesThroughFunctions(b *testing.B) {
	s := startStack(b, devstack.Config{Profiles: `{"files": {"prefix": "files/{sub}/", "naming": "client", "maxSize": 2147483648}}`})
	var fnBytes, ossBytes atomic.Int64
	counting := &http.Client{Transport: countingTransport{api: s.API, fn: &fnBytes, oss: &ossBytes}}
	block := bytes.Repeat([]byte("ossdirect presigned multipart "), (32<<20)/30+1)[:32<<20] // the largest default part
	for _, size := range []int64{1 << 20, 64 << 20, 1 << 30} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			for i := range b.N {
				fnBytes.Store(0)
				ossBytes.Store(0)
				uploadMultipart(b, counting, s.API, fmt.Sprintf("f%d-%d.bin", size, i), size, block)
			}
			b.ReportMetric(float64(fnBytes.Load()), "function-bytes/upload")
			b.ReportMetric(float64(ossBytes.Load()), "direct-bytes/upload")
		})
	}
}

// uploadMultipart uploads size bytes (block repeated) through the
// multipart operations at api with the default part size.
func uploadMultipart(b *testing.B, c *http.Client, api, name string, size int64, block []byte) {
	do := func(op string, body, out any) {
		j, _ := json.Marshal(body)
		resp, err := c.Post(api+"/presigned-url/multipart/"+op, "application/json", bytes.NewReader(j))
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d %s", op, resp.StatusCode, got)
		}
		if err := json.Unmarshal(got, out); err != nil {
			b.Fatal(err)
		}
	}
	var cr mpCreated
	do("create", map[string]any{"profile": "files", "filename": name, "size": size}, &cr)
	var parts []map[string]any
	for first := 1; first <= cr.PartCount; first += 100 {
		var ns []int
		for n := first; n < first+100 && n <= cr.PartCount; n++ {
			ns = append(ns, n)
		}
		var signed mpSigned
		do("sign", cr.with("partNumbers", ns), &signed)
		for _, p := range signed.Parts {
			req, _ := http.NewRequest(p.Method, p.URL, bytes.NewReader(block[:p.ContentLength]))
			for k, v := range p.Headers {
				req.Header.Set(k, v)
			}
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("part %d: %d", p.PartNumber, resp.StatusCode)
			}
			parts = append(parts, map[string]any{"partNumber": p.PartNumber, "etag": resp.Header.Get("ETag")})
		}
	}
	var done map[string]any
	do("complete", cr.with("parts", parts), &done)
	if done["size"] != float64(size) {
		b.Fatalf("complete: %v", done)
	}
}

// countingTransport counts the bytes of requests to and answers from the
// functions (URLs under api) in fn, and of the rest (OSS) in oss.
type countingTransport struct {
	api     string
	fn, oss *atomic.Int64
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n := t.oss
	if strings.HasPrefix(r.URL.String(), t.api) {
		n = t.fn
	}
	head, _ := httputil.DumpRequestOut(r, false)
	n.Add(int64(len(head)) + max(r.ContentLength, 0))
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	rh, _ := httputil.DumpResponse(resp, false)
	n.Add(int64(len(rh)))
	resp.Body = countingBody{resp.Body, n}
	return resp, nil
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	k, err := c.ReadCloser.Read(p)
	c.n.Add(int64(k))
	return k, err
}
