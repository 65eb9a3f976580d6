package conformance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/shared/callback"
	"ossdirect/shared/policy"
)

// Echo is the answer of EchoHandler: the callback request as received.
type Echo struct {
	Status        string `json:"Status"`
	Path          string `json:"path"`
	RawQuery      string `json:"rawQuery"`
	Authorization string `json:"authorization"`
	PubKeyURL     string `json:"pubKeyURL"`
	Body          string `json:"body"`
}

// EchoHandler is the callback receiver the suite expects: it answers a
// POST with 200 and the JSON Echo of the request (OSS relays that answer
// to the uploader, so the suite verifies the signature from it), and a
// request whose path ends in "/fail" with 404. It verifies nothing
// itself. Serve it where OSS can reach it for live runs (Callback.URL).
func EchoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/fail") || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read error", http.StatusBadRequest)
			return
		}
		in, err := callback.FromRequest(r, body)
		if err != nil {
			http.Error(w, "bad callback", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(Echo{Status: "OK", Path: in.Path, RawQuery: in.RawQuery, Authorization: in.Authorization, PubKeyURL: in.PubKeyURL, Body: string(body)})
	})
}

// callbackParam is the Base64 callback parameter for url.
func callbackParam(t *testing.T, callbackURL, body, bodyType string) string {
	t.Helper()
	raw, err := json.Marshal(map[string]string{"callbackUrl": callbackURL, "callbackBody": body, "callbackBodyType": bodyType})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// verifyEcho checks OSS's signature over the echoed callback with
// shared/callback (the key URL allow-listed, the key fetched) and returns
// the callback body.
func (s *suite) verifyEcho(t *testing.T, answer []byte) string {
	t.Helper()
	var e Echo
	if err := json.Unmarshal(answer, &e); err != nil || e.Status != "OK" {
		t.Fatalf("the upload's answer is not the receiver's echo (%v): %q", err, answer)
	}
	in := callback.Input{Path: e.Path, RawQuery: e.RawQuery, Authorization: e.Authorization, PubKeyURL: e.PubKeyURL, Body: []byte(e.Body)}
	keyURL, err := in.KeyURL(s.target.Callback.KeyURLPrefixes)
	if err != nil {
		t.Fatalf("callback public-key URL: %v", err)
	}
	resp, err := s.http.Get(keyURL)
	if err != nil {
		t.Fatalf("fetching the callback public key: %v", err)
	}
	pemKey, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("fetching the callback public key: HTTP %d, %v", resp.StatusCode, err)
	}
	if err := callback.VerifyPEM(in, pemKey, s.target.Callback.KeyURLPrefixes); err != nil {
		t.Fatalf("the callback's signature does not verify: %v", err)
	}
	return e.Body
}

const callbackBody = "bucket=${bucket}&object=${object}&size=${size}&mimeType=${mimeType}&var=${x:var}"

func (s *suite) testCallback(t *testing.T) {
	skip := func(t *testing.T) {
		if s.target.Callback == nil {
			t.Skip("no callback receiver for this target (live: set " + EnvCallbackURL + " to an EchoHandler OSS can reach)")
		}
	}
	wantBody := func(t *testing.T, got, key, size, mime, v string) {
		t.Helper()
		q, err := url.ParseQuery(got)
		if err != nil || q.Get("bucket") != s.target.Bucket || q.Get("object") != key || q.Get("size") != size || q.Get("mimeType") != mime || q.Get("var") != v {
			t.Errorf("callback body %q (%v): want bucket %s, object %s, size %s, mimeType %s, var %q", got, err, s.target.Bucket, key, size, mime, v)
		}
	}
	t.Run("put, signed callback", func(t *testing.T) {
		skip(t)
		t.Parallel()
		c := s.newCase(t)
		key := c.key("cb/put.txt")
		res, err := s.client.PutObject(t.Context(), &oss.PutObjectRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key),
			Body: strings.NewReader("callback me"), ContentType: oss.Ptr("text/plain"),
			Callback:    oss.Ptr(callbackParam(t, s.target.Callback.URL, callbackBody, "")),
			CallbackVar: oss.Ptr(base64.StdEncoding.EncodeToString([]byte(`{"x:var":"v 1"}`)))})
		if err != nil {
			t.Fatalf("PutObject with a callback: %v", err)
		}
		answer, _ := json.Marshal(res.CallbackResult)
		wantBody(t, s.verifyEcho(t, answer), key, "11", "text/plain", "v 1")
	})
	t.Run("post, signed callback", func(t *testing.T) {
		skip(t)
		t.Parallel()
		c := s.newCase(t)
		param := callbackParam(t, s.target.Callback.URL, callbackBody, "")
		key := c.key("cb/post.png")
		f := c.handForm(true, s.root, time.Now(), func(b *policy.Builder) { b.Exact("callback", param) },
			map[string]string{"key": key, "callback": param, "x:var": "from-form"})
		data := png(40)
		resp, body := s.do(t, c.postRequest(sortedFields(f), fileField(data, "image/png"), nil))
		if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
			t.Fatalf("PostObject with a callback: HTTP %d, ETag %q: %s", resp.StatusCode, resp.Header.Get("ETag"), brief(body))
		}
		wantBody(t, s.verifyEcho(t, body), key, "40", "image/png", "from-form")
	})
	t.Run("complete, signed callback", func(t *testing.T) {
		skip(t)
		t.Parallel()
		c := s.newCase(t)
		key := c.key("cb/multi.bin")
		id := s.initiate(c, s.client, key, false)
		p := s.uploadPart(c, s.client, key, id, 1, []byte("only part"))
		res, err := s.client.CompleteMultipartUpload(t.Context(), &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(s.target.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id),
			CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: []oss.UploadPart{p}},
			Callback:                oss.Ptr(callbackParam(t, s.target.Callback.URL, "object=${object}&size=${size}", ""))})
		if err != nil {
			t.Fatalf("Complete with a callback: %v", err)
		}
		answer, _ := json.Marshal(res.CallbackResult)
		got, _ := url.ParseQuery(s.verifyEcho(t, answer))
		if got.Get("object") != key || got.Get("size") != "9" {
			t.Errorf("callback body %v", got)
		}
	})
	t.Run("receiver fails: 203 CallbackFailed, object stored", func(t *testing.T) {
		skip(t)
		t.Parallel()
		c := s.newCase(t)
		key := c.key("cb/failed.txt")
		failURL := strings.TrimSuffix(s.target.Callback.URL, "/") + "/fail"
		hdr := http.Header{"X-Oss-Callback": {callbackParam(t, failURL, "a=${object}", "")}}
		resp, body := s.do(t, c.signedRequest(http.MethodPut, key, []byte("data"), hdr, nil, false, s.root, time.Now()))
		e := checkError(t, "a failed callback answers 203", resp, body, 203, "CallbackFailed")
		if e.EC != "0007-00000203" || resp.Header.Get("ETag") == "" {
			t.Errorf("203: EC %q, ETag %q", e.EC, resp.Header.Get("ETag"))
		}
		if got := c.get(key); !bytes.Equal(got, []byte("data")) {
			t.Errorf("the object of a failed callback is not stored: %q", got)
		}
	})
}

func (s *suite) testCORS(t *testing.T) {
	preflight := func(t *testing.T, origin, method, headers string) (*http.Response, []byte) {
		c := s.newCase(t)
		req := c.request(http.MethodOptions, s.objectURL(c.key("a.png"), ""), nil, nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if method != "" {
			req.Header.Set("Access-Control-Request-Method", method)
		}
		if headers != "" {
			req.Header.Set("Access-Control-Request-Headers", headers)
		}
		return s.do(t, req)
	}
	for _, method := range []string{"PUT", "POST"} {
		t.Run("allowed origin, "+method, func(t *testing.T) {
			if s.target.CORSOrigin == "" {
				t.Skip("no allowed CORS origin for this target (live: set " + EnvCORSOrigin + ")")
			}
			t.Parallel()
			headers := "content-type,x-oss-date,authorization,x-oss-security-token"
			resp, body := preflight(t, s.target.CORSOrigin, method, headers)
			if resp.StatusCode != 200 {
				t.Fatalf("preflight: HTTP %d: %s", resp.StatusCode, brief(body))
			}
			h := resp.Header
			if h.Get("Access-Control-Allow-Origin") != s.target.CORSOrigin || !strings.Contains(h.Get("Access-Control-Allow-Methods"), method) ||
				!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "x-oss-security-token") ||
				!strings.Contains(strings.ToLower(h.Get("Access-Control-Expose-Headers")), "etag") {
				t.Errorf("preflight headers (ETag must be exposed for multipart): %v", h)
			}
		})
	}
	t.Run("origin not allowed", func(t *testing.T) {
		t.Parallel()
		resp, body := preflight(t, "http://evil.ossdirect-conformance.invalid", "PUT", "")
		checkError(t, "a preflight from an origin no rule allows", resp, body, 403, "AccessForbidden")
		if resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Error("a refused preflight carries Access-Control-Allow-Origin")
		}
	})
	t.Run("missing origin", func(t *testing.T) {
		t.Parallel()
		resp, body := preflight(t, "", "PUT", "")
		checkError(t, "a preflight needs Origin", resp, body, 400, "BadRequest")
	})
}
