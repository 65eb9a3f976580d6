package ossemu

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/internal/localcloud/ossemu/notify"
	"ossdirect/shared/callback"
	"ossdirect/shared/policy"
)

// callbackKey is the emulator's callback signing key (generated once).
var callbackKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// appServer is an application server that verifies OSS callbacks with
// shared/callback, trusting only the key URL prefixes in allowed.
type appServer struct {
	ts      *httptest.Server
	allowed []string
	mu      sync.Mutex
	bodies  []string
}

func newAppServer(t *testing.T) *appServer {
	a := &appServer{}
	a.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		in, err := callback.FromRequest(r, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		keyURL, err := in.KeyURL(a.allowed)
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(keyURL)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		pemKey, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := callback.VerifyPEM(in, pemKey, a.allowed); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		a.mu.Lock()
		a.bodies = append(a.bodies, string(body))
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"Status": "OK", "received": string(body)})
	}))
	t.Cleanup(a.ts.Close)
	return a
}

// callbackHarness starts an emulator with callbacks and an app server that
// trusts the emulator's key URL folder when trust is set.
func callbackHarness(t *testing.T, trust bool) (*harness, *appServer) {
	sender := &notify.Sender{Key: callbackKey(), Timeout: 5 * time.Second}
	h := newHarness(t, func(c *Config) { c.Callbacks = sender })
	sender.PubKeyURL = h.srv.KeyURL(h.ts.URL)
	app := newAppServer(t)
	app.allowed = []string{"http://gosspublic.alicdn.com/"}
	if trust {
		app.allowed = append(app.allowed, h.srv.KeyURLPrefix(h.ts.URL))
	}
	return h, app
}

// callbackParam builds the Base64 callback parameter for app.
func callbackParam(t *testing.T, callbackURL, body, bodyType string) string {
	t.Helper()
	raw, err := json.Marshal(map[string]string{"callbackUrl": callbackURL, "callbackBody": body, "callbackBodyType": bodyType})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

const formBody = "bucket=${bucket}&object=${object}&size=${size}&mimeType=${mimeType}&etag=${etag}&crc=${crc64}&op=${operation}&var=${x:var}&w=${imageInfo.width}"

// TestCallbackKeyURL serves the public key on IP hosts only.
func TestCallbackKeyURL(t *testing.T) {
	t.Parallel()
	h, _ := callbackHarness(t, true)
	if got, want := h.srv.KeyURL(h.ts.URL+"/"), h.ts.URL+"/_ossemu/callback_pub_key.pem"; got != want {
		t.Fatalf("KeyURL = %q, want %q", got, want)
	}
	req, _ := http.NewRequest(http.MethodGet, h.srv.KeyURL(h.ts.URL), nil)
	resp, body := do(t, req)
	if resp.StatusCode != 200 || resp.Header.Get("x-oss-request-id") == "" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	pub, err := callback.ParsePublicKey(body)
	if err != nil || !pub.Equal(&callbackKey().PublicKey) {
		t.Fatalf("served key: %v", err)
	}
	// Without callbacks there is no key.
	plain := newHarness(t)
	req, _ = http.NewRequest(http.MethodGet, plain.srv.KeyURL(plain.ts.URL), nil)
	resp, body = do(t, req)
	wantError(t, resp, body, 404, "NoSuchKey")
	// Other paths under the folder are not buckets.
	req, _ = http.NewRequest(http.MethodGet, h.ts.URL+DefaultKeyURLPath+"other", nil)
	resp, body = do(t, req)
	wantError(t, resp, body, 400, "InvalidBucketName")
}

func TestCallbackPutObjectSDK(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		trust bool
		key   string
	}{{"verified", true, "cb/verified.txt"}, {"key url not allow-listed", false, "cb/key-url-not-allow-listed.txt"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, app := callbackHarness(t, tc.trust)
			key := tc.key
			data := []byte("callback me")
			res, err := h.root().PutObject(ctx, &oss.PutObjectRequest{
				Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), Body: bytes.NewReader(data), ContentType: oss.Ptr("text/plain"),
				Callback:    oss.Ptr(callbackParam(t, app.ts.URL+"/cb", formBody, "")),
				CallbackVar: oss.Ptr(base64.StdEncoding.EncodeToString([]byte(`{"x:var":"v 1"}`))),
			})
			if !tc.trust {
				se := sdkError(t, err)
				if se.StatusCode != 203 || se.Code != "CallbackFailed" || se.EC != "0007-00000203" || se.Message != "Error status : 403." {
					t.Fatalf("got %d %s %s %q", se.StatusCode, se.Code, se.EC, se.Message)
				}
				if se.Headers.Get("ETag") == "" {
					t.Error("203 without ETag")
				}
			} else {
				if err != nil {
					t.Fatalf("PutObject: %v", err)
				}
				if res.CallbackResult["Status"] != "OK" {
					t.Fatalf("CallbackResult = %v", res.CallbackResult)
				}
				got, _ := url.ParseQuery(res.CallbackResult["received"].(string))
				if got.Get("bucket") != testBucket || got.Get("object") != key || got.Get("size") != "11" || got.Get("mimeType") != "text/plain" ||
					got.Get("var") != "v 1" || got.Get("op") != "PutObject" || got.Get("etag") == "" || got.Get("crc") == "" {
					t.Errorf("callback body %v", got)
				}
			}
			// Either way the object is stored.
			if !bytes.Equal(h.object(key), data) {
				t.Fatal("object not stored")
			}
		})
	}
}

func TestCallbackPostObject(t *testing.T) {
	t.Parallel()
	h, app := callbackHarness(t, true)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x07\x00\x00\x00\x05\x08\x02\x00\x00\x00"), randomBytes(40)...)
	param := callbackParam(t, app.ts.URL+"/cb?src=post", `{"object":${object},"size":${size},"w":${imageInfo.width},"h":${imageInfo.height},"fmt":${imageInfo.format},"v":${x:var}}`, "application/json")
	f := handForm(t, true, rootCreds, time.Now(), func(b *policy.Builder) { b.StartsWith("key", "cb/").Exact("callback", param) },
		map[string]string{"key": "cb/post.png", "callback": param, "x:var": "from-form", "success_action_status": "201"})
	resp, body := do(t, h.postRequest(sortedFields(f), fileField(png, "image/png"), nil))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("ETag") == "" {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
	var reply struct{ Status, Received string }
	if err := json.Unmarshal(body, &reply); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(reply.Received), &got); err != nil {
		t.Fatalf("callback body %q: %v", reply.Received, err)
	}
	if got["object"] != "cb/post.png" || got["w"] != 7.0 || got["h"] != 5.0 || got["fmt"] != "png" || got["v"] != "from-form" {
		t.Errorf("callback body %v", got)
	}
}

func TestCallbackCompleteMultipart(t *testing.T) {
	t.Parallel()
	h, app := callbackHarness(t, true)
	ctx := context.Background()
	c := h.root()
	key := "cb/multi.bin"
	init, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatal(err)
	}
	part, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: init.UploadId, PartNumber: 1, Body: strings.NewReader("only part")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: init.UploadId,
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: []oss.UploadPart{{PartNumber: 1, ETag: part.ETag}}},
		Callback:                oss.Ptr(callbackParam(t, app.ts.URL+"/cb", "op=${operation}&size=${size}", ""))})
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if res.CallbackResult["received"] != "op=CompleteMultipartUpload&size=9" {
		t.Fatalf("CallbackResult = %v", res.CallbackResult)
	}
}

func TestCallbackFailures(t *testing.T) {
	t.Parallel()
	h, app := callbackHarness(t, true)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	tests := []struct {
		name   string
		key    string // each case its own: the cases share one bucket
		param  string
		status int
		code   string
		msg    string
	}{
		{name: "app answers 404", key: "cbf/app-404", param: callbackParam(t, app.ts.URL+"/missing", "a=b", ""), status: 203, code: "CallbackFailed", msg: "Error status : 404."},
		{name: "unreachable", key: "cbf/unreachable", param: callbackParam(t, deadURL+"/cb", "a=b", ""), status: 203, code: "CallbackFailed"},
		{name: "not base64", key: "cbf/not-base64", param: "%%%", status: 400, code: "InvalidArgument"},
		{name: "no callbackUrl", key: "cbf/no-url", param: base64.StdEncoding.EncodeToString([]byte(`{"callbackBody":"a"}`)), status: 400, code: "InvalidArgument"},
		{name: "empty body", key: "cbf/empty-body", param: callbackParam(t, app.ts.URL, "", ""), status: 400, code: "InvalidArgument", msg: "callbackBody"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key := tc.key
			req := h.signedRequest(http.MethodPut, key, []byte("data"), http.Header{"X-Oss-Callback": {tc.param}}, false, rootCreds, time.Now())
			resp, body := do(t, req)
			e := wantError(t, resp, body, tc.status, tc.code)
			if tc.msg != "" && !strings.Contains(e.Message, tc.msg) {
				t.Errorf("Message %q", e.Message)
			}
			if stored := h.object(key) != nil; stored != (tc.status == 203) {
				t.Errorf("stored = %v", stored)
			}
			if tc.status == 203 && (e.EC != "0007-00000203" || resp.Header.Get("ETag") == "") {
				t.Errorf("203: EC %q ETag %q", e.EC, resp.Header.Get("ETag"))
			}
		})
	}
}
