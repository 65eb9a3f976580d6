package ossemu

import (
	"context"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/shared/policy"
)

// TestClockOffset: the emulator's Date and its skew check use Now+offset,
// set in Config or changed on the running server.
func TestClockOffset(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := newConfigHarness(t, func(c *Config) { c.Now = func() time.Time { return t0 } })
	send := func(key string) (*http.Response, []byte) {
		return do(t, h.signedRequest(http.MethodPut, key, []byte("x"), nil, false, rootCreds, t0))
	}
	tests := []struct {
		name   string
		offset time.Duration
		status int
	}{
		{"no offset", 0, 200},
		{"ten minutes slow: within the 15 minutes", -10 * time.Minute, 200},
		{"twenty minutes fast", 20 * time.Minute, 403},
		{"twenty minutes slow", -20 * time.Minute, 403},
	}
	for _, tc := range tests {
		h.srv.SetClockOffset(tc.offset)
		key := "clock/" + strings.ReplaceAll(tc.name, " ", "-")
		resp, body := send(key)
		if got, want := resp.Header.Get("Date"), t0.Add(tc.offset).Format(http.TimeFormat); got != want {
			t.Errorf("%s: Date = %q, want %q", tc.name, got, want)
		}
		if tc.status == 403 {
			wantError(t, resp, body, 403, "RequestTimeTooSkewed")
			continue
		}
		if resp.StatusCode != tc.status {
			t.Fatalf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
		if m, err := h.srv.store.Stat(testBucket, key); err != nil || !m.LastModified.Equal(t0.Add(tc.offset)) {
			t.Errorf("%s: Last-Modified %v, %v", tc.name, m, err)
		}
	}

	t.Run("Config.ClockOffset against the SDK's real clock", func(t *testing.T) {
		t.Parallel()
		h := newConfigHarness(t, func(c *Config) { c.ClockOffset = time.Hour })
		_, err := h.root().PutObject(context.Background(), &oss.PutObjectRequest{Bucket: bucket(), Key: oss.Ptr("k"), Body: strings.NewReader("x")})
		if se := wantSDKError(t, err, 403, "RequestTimeTooSkewed"); se.EC != "0002-00000504" {
			t.Errorf("EC %q", se.EC)
		}
		h.srv.SetClockOffset(0)
		if _, err := h.root().PutObject(context.Background(), &oss.PutObjectRequest{Bucket: bucket(), Key: oss.Ptr("k"), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRefuseV1: V1 headers, URLs and PostObject forms get 403 AccessDenied
// EC 0002-00000080; V4 still works; the knob turns off at run time.
func TestRefuseV1(t *testing.T) {
	t.Parallel()
	h := newConfigHarness(t, func(c *Config) { c.RefuseV1 = true })
	ctx := context.Background()
	v1 := h.client(true, rootAK, rootSK, "")
	h.put("v1/existing.txt", []byte("v4 put"))
	wantV1Refusal := func(t *testing.T, status int, code, ec string) {
		t.Helper()
		if status != 403 || code != "AccessDenied" || ec != "0002-00000080" {
			t.Errorf("got %d %s %s, want 403 AccessDenied 0002-00000080", status, code, ec)
		}
	}
	t.Run("header", func(t *testing.T) {
		_, err := v1.PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket(), Key: oss.Ptr("v1/a.txt"), Body: strings.NewReader("x")})
		se := sdkError(t, err)
		wantV1Refusal(t, se.StatusCode, se.Code, se.EC)
		_, err = h.client(true, stsAK, stsSK, stsToken).GetObject(ctx, &oss.GetObjectRequest{Bucket: bucket(), Key: oss.Ptr("v1/existing.txt")})
		se = sdkError(t, err)
		wantV1Refusal(t, se.StatusCode, se.Code, se.EC)
		_, err = v1.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: bucket()})
		se = sdkError(t, err)
		wantV1Refusal(t, se.StatusCode, se.Code, se.EC)
	})
	t.Run("presigned URL", func(t *testing.T) {
		u, err := v1.Presign(ctx, &oss.GetObjectRequest{Bucket: bucket(), Key: oss.Ptr("v1/existing.txt")})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(u.Method, u.URL, nil)
		resp, body := do(t, req)
		e := wantError(t, resp, body, 403, "AccessDenied")
		wantV1Refusal(t, resp.StatusCode, e.Code, e.EC)
	})
	t.Run("PostObject", func(t *testing.T) {
		fields := handForm(t, false, rootCreds, time.Now(), func(b *policy.Builder) { b.StartsWith("key", "") }, map[string]string{"key": "v1/post.txt"})
		resp, body := do(t, h.postRequest(sortedFields(fields), fileField([]byte("x"), "text/plain"), nil))
		e := wantError(t, resp, body, 403, "AccessDenied")
		wantV1Refusal(t, resp.StatusCode, e.Code, e.EC)
	})
	t.Run("V4 still works", func(t *testing.T) {
		if _, err := h.root().PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket(), Key: oss.Ptr("v1/v4.txt"), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
		fields := handForm(t, true, rootCreds, time.Now(), func(b *policy.Builder) { b.StartsWith("key", "") }, map[string]string{"key": "v1/post-v4.txt"})
		if resp, body := do(t, h.postRequest(sortedFields(fields), fileField([]byte("x"), "text/plain"), nil)); resp.StatusCode != 204 {
			t.Fatalf("V4 post: %d %s", resp.StatusCode, body)
		}
	})
	if len(h.files(testBucket)) != 3 {
		t.Errorf("objects: %v", h.files(testBucket))
	}
	h.srv.SetRefuseV1(false)
	if _, err := v1.PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket(), Key: oss.Ptr("v1/a.txt"), Body: strings.NewReader("x")}); err != nil {
		t.Fatalf("V1 after SetRefuseV1(false): %v", err)
	}
}

// TestRefuseV4: a V1-only endpoint answers V4 like a server that does not
// know it; V1 works.
func TestRefuseV4(t *testing.T) {
	t.Parallel()
	h := newConfigHarness(t)
	ctx := context.Background()
	h.put("v4/existing.txt", []byte("x"))
	h.srv.SetRefuseV4(true)
	_, err := h.root().PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket(), Key: oss.Ptr("v4/a.txt"), Body: strings.NewReader("x")})
	if se := wantSDKError(t, err, 400, "InvalidArgument"); !strings.Contains(se.Message, "Authorization") {
		t.Errorf("message %q", se.Message)
	}
	_, err = h.root().PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: bucket(), CORSConfiguration: &oss.CORSConfiguration{}})
	wantSDKError(t, err, 400, "InvalidArgument")

	u, err := h.root().Presign(ctx, &oss.GetObjectRequest{Bucket: bucket(), Key: oss.Ptr("v4/existing.txt")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(u.Method, u.URL, nil)
	resp, body := do(t, req)
	wantError(t, resp, body, 403, "AccessDenied")

	fields := handForm(t, true, rootCreds, time.Now(), func(b *policy.Builder) { b.StartsWith("key", "") }, map[string]string{"key": "v4/post.txt"})
	resp, body = do(t, h.postRequest(sortedFields(fields), fileField([]byte("x"), "text/plain"), nil))
	wantError(t, resp, body, 400, "InvalidArgument")

	v1 := h.client(true, rootAK, rootSK, "")
	if _, err := v1.PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket(), Key: oss.Ptr("v4/v1.txt"), Body: strings.NewReader("x")}); err != nil {
		t.Fatalf("V1: %v", err)
	}
	fields = handForm(t, false, rootCreds, time.Now(), func(b *policy.Builder) { b.StartsWith("key", "") }, map[string]string{"key": "v4/post-v1.txt"})
	if resp, body := do(t, h.postRequest(sortedFields(fields), fileField([]byte("x"), "text/plain"), nil)); resp.StatusCode != 204 {
		t.Fatalf("V1 post: %d %s", resp.StatusCode, body)
	}
	h.srv.SetRefuseV4(false)
	if _, err := h.root().PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket(), Key: oss.Ptr("v4/a.txt"), Body: strings.NewReader("x")}); err != nil {
		t.Fatalf("V4 after SetRefuseV4(false): %v", err)
	}
}

// cnameClient is an official SDK client addressing host in custom-domain
// style, its connections dialled to the test server.
func (h *harness) cnameClient(host string) *oss.Client {
	addr := h.ts.Listener.Addr().String()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	h.t.Cleanup(tr.CloseIdleConnections)
	return oss.NewClient(oss.LoadDefaultConfig().
		WithCredentialsProvider(staticProvider(rootAK, rootSK, "")).
		WithRegion(testRegion).WithEndpoint("http://" + host).WithUseCName(true).
		WithRetryMaxAttempts(1).WithHttpClient(&http.Client{Transport: tr}))
}

// TestPublicEndpointForbidden: data operations on a non-CNAME host get 400
// PublicEndpointForbidden; the CNAME host and the bucket configuration
// calls work.
func TestPublicEndpointForbidden(t *testing.T) {
	t.Parallel()
	h := newConfigHarness(t, func(c *Config) {
		c.CNAMEs = map[string]string{"files.example.com": testBucket}
		c.PublicEndpointForbidden = true
	})
	ctx := context.Background()
	_, err := h.root().PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket(), Key: oss.Ptr("pub/a.txt"), Body: strings.NewReader("x")})
	if se := wantSDKError(t, err, 400, "PublicEndpointForbidden"); se.EC != "0048-00000401" {
		t.Errorf("EC %q", se.EC)
	}
	_, err = h.root().ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: bucket()})
	wantSDKError(t, err, 400, "PublicEndpointForbidden")
	_, err = h.root().HeadObject(ctx, &oss.HeadObjectRequest{Bucket: bucket(), Key: oss.Ptr("pub/a.txt")})
	wantSDKError(t, err, 400, "PublicEndpointForbidden")
	resp, body := h.preflight(t, "a.png", "http://app.example.com", "PUT", "")
	wantError(t, resp, body, 400, "PublicEndpointForbidden")

	// Management calls are not data operations.
	if _, err := h.root().GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: bucket()}); err != nil {
		t.Fatalf("GetBucketCors: %v", err)
	}

	cname := h.cnameClient("files.example.com")
	if _, err := cname.PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket(), Key: oss.Ptr("pub/a.txt"), Body: strings.NewReader("via cname")}); err != nil {
		t.Fatalf("CNAME PutObject: %v", err)
	}
	if got := h.object("pub/a.txt"); string(got) != "via cname" {
		t.Fatalf("object = %q", got)
	}
	h.srv.SetPublicEndpointForbidden(false)
	if _, err := h.root().HeadObject(ctx, &oss.HeadObjectRequest{Bucket: bucket(), Key: oss.Ptr("pub/a.txt")}); err != nil {
		t.Fatalf("after SetPublicEndpointForbidden(false): %v", err)
	}
}

// TestKnobsConcurrent flips every knob while requests run (for the race
// detector): each request sees each knob either way, never a torn value.
func TestKnobsConcurrent(t *testing.T) {
	t.Parallel()
	h := newConfigHarness(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			on := i%2 == 0
			h.srv.SetRefuseV1(on)
			h.srv.SetRefuseV4(!on)
			h.srv.SetPublicEndpointForbidden(on)
			h.srv.SetClockOffset(time.Duration(i%3) * time.Hour)
			runtime.Gosched()
		}
	}()
	for i := range 20 {
		_, err := h.client(i%2 == 0, rootAK, rootSK, "").PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket(), Key: oss.Ptr("race.txt"), Body: strings.NewReader("x")})
		if err != nil {
			if se := sdkError(t, err); se.StatusCode >= 500 {
				t.Errorf("%d %s", se.StatusCode, se.Code)
			}
		}
	}
	close(stop)
	wg.Wait()
}
