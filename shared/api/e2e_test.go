package api_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"ossdirect/internal/localcloud/devstack"
)

// Every post-signature mode end to end: ask for a grant (V4 or V1, GET
// query or POST JSON), POST the returned fields and the file last to the
// returned host, then read the object back with the official SDK. With a
// callback profile OSS's answer is the callback function's JSON.
func TestPostSignatureUploadsEndToEnd(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{})
	img := pngBytes(t, 3, 2)
	text := []byte("hello, direct upload")

	tests := []struct {
		name     string
		get      string         // query of a GET request
		post     map[string]any // or the JSON body of a POST
		data     []byte
		fileType string
		// clientKey is appended to the grant's dir when the grant lets the
		// client name the file.
		clientKey    string
		wantVersion  string // "v4" or "v1"
		wantCallback bool
		wantPrefix   string
	}{
		{name: "v4 by default, GET query, callback profile", get: "profile=images&filename=cat.png",
			data: img, fileType: "image/png", wantVersion: "v4", wantCallback: true, wantPrefix: "images/anonymous/"},
		{name: "v4 by default, POST JSON with declared type and size, callback profile",
			post: map[string]any{"profile": "images", "filename": "cat.png", "contentType": "image/png", "size": len(img)},
			data: img, fileType: "image/png", wantVersion: "v4", wantCallback: true, wantPrefix: "images/anonymous/"},
		{name: "v1, GET query, callback profile", get: "profile=images&filename=cat.png&signatureVersion=v1",
			data: img, fileType: "image/png", wantVersion: "v1", wantCallback: true, wantPrefix: "images/anonymous/"},
		{name: "v1, POST JSON, no callback", post: map[string]any{"profile": "docs", "filename": "notes.txt", "signatureVersion": "v1"},
			data: text, fileType: "text/plain", wantVersion: "v1", wantPrefix: "docs/anonymous/"},
		{name: "v4, GET query, no callback", get: "profile=docs&contentType=text/plain",
			data: text, fileType: "text/plain", wantVersion: "v4", wantPrefix: "docs/anonymous/"},
		{name: "v4, POST JSON, client naming with a file name", post: map[string]any{"profile": "client", "filename": "report 2026.txt"},
			data: text, fileType: "text/plain", wantVersion: "v4", wantPrefix: "client/anonymous/report 2026.txt"},
		{name: "v4, GET query, client naming, client appends its name", get: "profile=client",
			data: text, fileType: "application/octet-stream", clientKey: "free/name.bin", wantVersion: "v4", wantPrefix: "client/anonymous/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r response
			if tt.post != nil {
				r = postJSON(t, s.API+"/post-signature", tt.post)
			} else {
				r = call(t, http.MethodGet, s.API+"/post-signature?"+tt.get, "")
			}
			var g postGrant
			r.decode(t, &g)
			if g.Host != s.OSS+"/"+s.Bucket || g.Method != http.MethodPost {
				t.Errorf("host %q method %q, want %q POST", g.Host, g.Method, s.OSS+"/"+s.Bucket)
			}
			if g.Expire <= time.Now().Unix() {
				t.Errorf("expire %d is not in the future", g.Expire)
			}
			switch tt.wantVersion {
			case "v4":
				if g.Fields["x-oss-signature-version"] != "OSS4-HMAC-SHA256" || g.Fields["x-oss-signature"] == "" {
					t.Errorf("fields %v: want a V4 signature", g.Fields)
				}
			case "v1":
				if g.Fields["OSSAccessKeyId"] != devstack.DevAccessKeyID || g.Fields["Signature"] == "" || g.Fields["x-oss-signature"] != "" {
					t.Errorf("fields %v: want a V1 signature", g.Fields)
				}
			}
			if _, ok := g.Fields["callback"]; ok != tt.wantCallback {
				t.Errorf("callback field present: %v, want %v", ok, tt.wantCallback)
			}
			fields := sortedFields(g.Fields)
			key := g.Key
			if tt.clientKey != "" {
				if g.Key != "" || g.Fields["key"] != "" {
					t.Fatalf("client-named grant carries key %q", g.Key)
				}
				key = g.Dir + tt.clientKey
				fields = append(fields, field{"key", key})
			} else if g.Fields["key"] != g.Key || g.URL != g.Host+"/"+strings.ReplaceAll(url.PathEscape(g.Key), "%2F", "/") {
				t.Errorf("key %q, fields key %q, url %q: want the same key", g.Key, g.Fields["key"], g.URL)
			}
			if !strings.HasPrefix(key, tt.wantPrefix) || !strings.HasPrefix(key, g.Dir) {
				t.Errorf("key %q, want it under %q and the grant's dir %q", key, tt.wantPrefix, g.Dir)
			}

			up := postObject(t, g.Host, fields, "upload", tt.fileType, tt.data)
			if up.status != http.StatusOK {
				t.Fatalf("PostObject: %d %s", up.status, up.body)
			}
			if tt.wantCallback {
				var cb callbackAnswer
				up.decode(t, &cb)
				if cb.Status != "OK" || cb.Key != key || cb.Size != int64(len(tt.data)) || cb.MimeType != tt.fileType {
					t.Errorf("callback answer %s, want Status OK, key %q, size %d, mimeType %s", up.body, key, len(tt.data), tt.fileType)
				}
				if cb.Width == nil || cb.Height == nil || *cb.Width != 3 || *cb.Height != 2 {
					t.Errorf("callback answer %s, want width 3 and height 2", up.body)
				}
			} else if len(up.body) != 0 {
				t.Errorf("PostObject without callback answered %q, want an empty body (success_action_status 200)", up.body)
			}
			wantStored(t, s, key, tt.data)
		})
	}
}

// presigned-url end to end: PUT with exactly the returned headers stores
// the object; with a callback profile the answer is the callback's JSON.
func TestPresignedURLUploadsEndToEnd(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{})
	img := pngBytes(t, 4, 1)
	text := []byte("presigned body")

	tests := []struct {
		name         string
		get          string
		post         map[string]any
		data         []byte
		wantHeaders  []string
		wantCallback bool
		wantPrefix   string
	}{
		{name: "v4 by default, POST JSON, callback profile", post: map[string]any{"profile": "images", "filename": "cat.png"}, data: img,
			wantHeaders: []string{"Content-Type", "x-oss-forbid-overwrite", "x-oss-callback", "x-oss-callback-var"}, wantCallback: true, wantPrefix: "images/anonymous/"},
		{name: "v1, GET query, no callback", get: "profile=docs&filename=a.txt&signatureVersion=v1", data: text,
			wantHeaders: []string{"Content-Type", "x-oss-forbid-overwrite"}, wantPrefix: "docs/anonymous/"},
		{name: "v4, GET query, client naming", get: "profile=client&filename=notes/today.txt", data: text,
			wantHeaders: []string{"Content-Type", "x-oss-forbid-overwrite"}, wantPrefix: "client/anonymous/notes/today.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r response
			if tt.post != nil {
				r = postJSON(t, s.API+"/presigned-url", tt.post)
			} else {
				r = call(t, http.MethodGet, s.API+"/presigned-url?"+tt.get, "")
			}
			var g presignGrant
			r.decode(t, &g)
			if g.Method != http.MethodPut || !strings.HasPrefix(g.URL, s.OSS+"/"+s.Bucket+"/") || !strings.HasPrefix(g.Key, tt.wantPrefix) {
				t.Errorf("grant %+v: want a PUT under %s/%s/%s", g, s.OSS, s.Bucket, tt.wantPrefix)
			}
			got := http.Header{}
			for k, v := range g.Headers {
				got.Set(k, v)
			}
			for _, h := range tt.wantHeaders {
				if got.Get(h) == "" {
					t.Errorf("headers %v lack %s", g.Headers, h)
				}
			}
			if len(g.Headers) != len(tt.wantHeaders) {
				t.Errorf("headers %v, want exactly %v", g.Headers, tt.wantHeaders)
			}

			up := putObject(t, g.URL, g.Headers, tt.data)
			if up.status != http.StatusOK {
				t.Fatalf("PUT: %d %s", up.status, up.body)
			}
			if tt.wantCallback {
				var cb callbackAnswer
				up.decode(t, &cb)
				if cb.Status != "OK" || cb.Key != g.Key || cb.Size != int64(len(tt.data)) {
					t.Errorf("callback answer %s, want Status OK for %q", up.body, g.Key)
				}
			}
			wantStored(t, s, g.Key, tt.data)
		})
	}
}

// A presigned PUT is as strict as OSS can make it up front: a declared
// size is signed as Content-Length (V4), a declared md5 as Content-MD5, so
// a body of another size or other bytes is refused and nothing is stored.
func TestPresignedURLSignsDeclaredSizeAndMD5(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{})
	body := []byte("exactly ten")[:10]
	sum := md5.Sum(body)
	digest := base64.StdEncoding.EncodeToString(sum[:])
	grant := func(t *testing.T, req map[string]any) presignGrant {
		t.Helper()
		var g presignGrant
		postJSON(t, s.API+"/presigned-url", req).decode(t, &g)
		return g
	}
	t.Run("another size than declared is refused by the signature", func(t *testing.T) {
		g := grant(t, map[string]any{"profile": "docs", "filename": "a.txt", "size": 10})
		if g.ContentLength != 10 || !strings.Contains(g.URL, "x-oss-additional-headers=content-length") {
			t.Fatalf("grant %+v: want contentLength 10 signed as an additional header", g)
		}
		if headerOf(g.Headers).Get("Content-Length") != "" {
			t.Errorf("headers %v: Content-Length is for the client's HTTP stack, not the header list", g.Headers)
		}
		r := putObject(t, g.URL, g.Headers, bytes.Repeat([]byte("x"), 5000))
		if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "<Code>SignatureDoesNotMatch</Code>") {
			t.Fatalf("PUT of 5000 bytes for size 10: %d %s, want 403 SignatureDoesNotMatch", r.status, r.body)
		}
		wantNotStored(t, s, g.Key)
		if r := putObject(t, g.URL, g.Headers, body); r.status != http.StatusOK {
			t.Fatalf("PUT of the declared 10 bytes: %d %s", r.status, r.body)
		}
		wantStored(t, s, g.Key, body)
	})
	t.Run("other bytes than the declared md5 are refused", func(t *testing.T) {
		g := grant(t, map[string]any{"profile": "docs", "filename": "b.txt", "size": 10, "md5": digest})
		if h := headerOf(g.Headers); h.Get("Content-MD5") != digest {
			t.Fatalf("headers %v: want the declared Content-MD5 to send", g.Headers)
		}
		if r := putObject(t, g.URL, g.Headers, []byte("ten bytes!")); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "<Code>InvalidDigest</Code>") {
			t.Fatalf("other bytes: %d %s, want 400 InvalidDigest", r.status, r.body)
		}
		for k := range g.Headers {
			if strings.EqualFold(k, "Content-MD5") {
				delete(g.Headers, k)
			}
		}
		if r := putObject(t, g.URL, g.Headers, []byte("ten bytes!")); r.status != http.StatusForbidden {
			t.Fatalf("without the signed Content-MD5: %d %s, want 403", r.status, r.body)
		}
		wantNotStored(t, s, g.Key)
	})
	t.Run("V1 cannot sign a size: the answer says so with no contentLength", func(t *testing.T) {
		g := grant(t, map[string]any{"profile": "docs", "filename": "c.txt", "size": 10, "signatureVersion": "v1"})
		if g.ContentLength != 0 {
			t.Fatalf("V1 grant claims contentLength %d", g.ContentLength)
		}
	})
	t.Run("a bad md5 is refused naming the field", func(t *testing.T) {
		wantError(t, postJSON(t, s.API+"/presigned-url", map[string]any{"profile": "docs", "filename": "d.txt", "md5": "not-md5"}), 400, "InvalidArgument", "md5", "Content-MD5")
	})
}

func headerOf(m map[string]string) http.Header {
	h := http.Header{}
	for k, v := range m {
		h.Set(k, v)
	}
	return h
}

// sts-token end to end: the official SDK with the returned credentials
// writes inside the prefix and is refused outside it.
func TestSTSTokenConfinesUploads(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{})

	tests := []struct {
		name         string
		get          string
		post         map[string]any
		wantPrefix   string // a path.Match pattern
		wantCallback bool
	}{
		{name: "GET query, no callback", get: "profile=docs", wantPrefix: "docs/anonymous/"},
		{name: "POST JSON, callback headers for the SDK", post: map[string]any{"profile": "images"},
			wantPrefix: "images/anonymous/[0-9][0-9][0-9][0-9]/[0-9][0-9]/", wantCallback: true},
		{name: "GET query, client naming profile", get: "profile=client", wantPrefix: "client/anonymous/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r response
			if tt.post != nil {
				r = postJSON(t, s.API+"/sts-token", tt.post)
			} else {
				r = call(t, http.MethodGet, s.API+"/sts-token?"+tt.get, "")
			}
			var g stsGrant
			r.decode(t, &g)
			if ok, _ := path.Match(tt.wantPrefix, g.Prefix); !ok || g.Bucket != s.Bucket || g.Region != s.Region || g.Endpoint != s.OSS {
				t.Errorf("grant prefix %q bucket %q region %q endpoint %q, want %q %q %q %q", g.Prefix, g.Bucket, g.Region, g.Endpoint, tt.wantPrefix, s.Bucket, s.Region, s.OSS)
			}
			if g.AccessKeyID == "" || g.AccessKeySecret == "" || g.SecurityToken == "" {
				t.Fatalf("grant %s lacks credentials", r.body)
			}
			if exp, err := time.Parse(time.RFC3339, g.Expiration); err != nil || !exp.After(time.Now()) {
				t.Errorf("Expiration %q: want a future RFC 3339 time (%v)", g.Expiration, err)
			}
			client := ossClient(s, credentials.NewStaticCredentialsProvider(g.AccessKeyID, g.AccessKeySecret, g.SecurityToken))
			ctx := context.Background()
			body, name := []byte("written with STS credentials"), "a.txt"
			put := &oss.PutObjectRequest{Bucket: oss.Ptr(g.Bucket), Body: bytes.NewReader(body)}
			if tt.wantCallback { // an images profile: the object must be one
				body, name = pngBytes(t, 4, 3), "a.png"
				put.Body, put.ContentType = bytes.NewReader(body), oss.Ptr("image/png")
			}
			put.Key = oss.Ptr(g.Prefix + name)
			if tt.wantCallback {
				if g.Headers["x-oss-callback"] == "" || g.Headers["x-oss-callback-var"] == "" {
					t.Fatalf("headers %v: want the callback and its variables", g.Headers)
				}
				put.Callback, put.CallbackVar = oss.Ptr(g.Headers["x-oss-callback"]), oss.Ptr(g.Headers["x-oss-callback-var"])
			} else if len(g.Headers) != 0 {
				t.Errorf("headers %v, want none without a callback", g.Headers)
			}
			res, err := client.PutObject(ctx, put)
			if err != nil {
				t.Fatalf("PutObject inside the prefix: %v", err)
			}
			if tt.wantCallback {
				if cb, _ := json.Marshal(res.CallbackResult); res.CallbackResult["Status"] != "OK" || res.CallbackResult["key"] != g.Prefix+name ||
					res.CallbackResult["width"] != float64(4) || res.CallbackResult["height"] != float64(3) {
					t.Errorf("callback result %s, want Status OK for %s, 4×3", cb, g.Prefix+name)
				}
			}
			wantStored(t, s, g.Prefix+name, body)

			outside := strings.Replace(g.Prefix, "anonymous", "someone-else", 1) + "a.txt"
			_, err = client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(g.Bucket), Key: oss.Ptr(outside), Body: strings.NewReader("no")})
			var se *oss.ServiceError
			if !errors.As(err, &se) || se.StatusCode != http.StatusForbidden || se.Code != "AccessDenied" {
				t.Fatalf("PutObject outside the prefix: %v, want 403 AccessDenied", err)
			}
			wantNotStored(t, s, outside)
		})
	}
}
