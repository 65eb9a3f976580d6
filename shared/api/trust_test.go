package api_test

// What lands can be trusted: the attacks of the grant-binding review, each
// a named case asserting the answer, the object and the log. Uploads go
// through the local stack with the official SDK as STS client; the stack's
// callback function verifies them against the OSS emulator.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/internal/testsupport/syncbuf"
	"ossdirect/shared/api"
	"ossdirect/shared/auth"
)

// trustProfiles: the same images rules with each onViolation, client
// naming (STS, seed routes), callbacks on.
const trustProfiles = `{
  "images": {"prefix": "images/{sub}/", "naming": "client", "maxSize": 65536, "contentTypes": ["image/png", "image/jpeg"], "callback": true},
  "imgq":   {"prefix": "imgq/{sub}/", "naming": "client", "maxSize": 65536, "contentTypes": ["image/png"], "callback": true, "onViolation": "quarantine"},
  "imgk":   {"prefix": "imgk/{sub}/", "naming": "client", "maxSize": 65536, "contentTypes": ["image/png"], "callback": true, "onViolation": "keep", "sniff": true},
  "default": {"prefix": "seed/{sub}/", "maxSize": 65536, "callback": true}
}`

const (
	aliceKey = "alice-api-key-0123456789"
	bobKey   = "bob-api-key-0123456789ab"
)

type trustStack struct {
	*devstack.Stack
	logs *syncbuf.Buffer
}

func startTrustStack(t *testing.T) *trustStack {
	t.Helper()
	logs := &syncbuf.Buffer{}
	s := startStack(t, devstack.Config{Profiles: trustProfiles, GrantSecrets: [][]byte{testGrantSecret},
		Auth:   auth.Config{Mode: auth.ModeAPIKey, APIKeys: map[string]string{aliceKey: "alice", bobKey: "bob"}},
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	return &trustStack{Stack: s, logs: logs}
}

// stsFor is the caller's sts-token grant for profile.
func (s *trustStack) stsFor(t *testing.T, apiKey, profile string) stsGrant {
	t.Helper()
	var g stsGrant
	postJSON(t, s.API+"/sts-token", map[string]any{"profile": profile}, "X-Api-Key", apiKey).decode(t, &g)
	if g.Headers["x-oss-callback"] == "" {
		t.Fatalf("sts-token for %s gave no callback headers", profile)
	}
	return g
}

// put uploads data to key with g's credentials and callback param (cb; ""
// means g's own), answering OSS's result (the callback's JSON) or error.
func (s *trustStack) put(t *testing.T, g stsGrant, key, contentType string, data []byte, cb string) (map[string]any, error) {
	t.Helper()
	if cb == "" {
		cb = g.Headers["x-oss-callback"]
	}
	c := ossClient(s.Stack, credentials.NewStaticCredentialsProvider(g.AccessKeyID, g.AccessKeySecret, g.SecurityToken))
	res, err := c.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key),
		Body: bytes.NewReader(data), ContentType: oss.Ptr(contentType), Callback: oss.Ptr(cb), CallbackVar: oss.Ptr(g.Headers["x-oss-callback-var"])})
	if err != nil {
		return nil, err
	}
	return res.CallbackResult, nil
}

// rewriteBody returns the callback param cb with its callbackBody edited:
// what a client holding STS credentials can do.
func rewriteBody(t *testing.T, cb string, edit func(string) string) string {
	t.Helper()
	return rewriteParam(t, cb, func(p map[string]string) { p["callbackBody"] = edit(p["callbackBody"]) })
}

// rewriteParam returns the callback param cb (Base64 JSON) after edit.
func rewriteParam(t *testing.T, cb string, edit func(map[string]string)) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(cb)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]string
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	edit(p)
	out, _ := json.Marshal(p)
	return base64.StdEncoding.EncodeToString(out)
}

// logged returns the log records with msg about key.
func (s *trustStack) logged(msg, key string) []map[string]any { return s.logs.Logged(msg, key) }

// callbackRefused checks OSS's 203 CallbackFailed for a refused callback.
func callbackRefused(t *testing.T, err error, status string) {
	t.Helper()
	var se *oss.ServiceError
	if !errors.As(err, &se) || se.StatusCode != 203 || se.Code != "CallbackFailed" || !strings.Contains(se.Message, status) {
		t.Fatalf("upload: %v, want 203 CallbackFailed (callback answered %s)", err, status)
	}
}

func TestTrustWhatLands(t *testing.T) {
	t.Parallel()
	s := startTrustStack(t)
	png := pngBytes(t, 6, 5)
	html := []byte("<!DOCTYPE html><html><body><script>document.cookie</script></body></html>")

	t.Run("genuine STS upload: the answer carries the object's own values", func(t *testing.T) {
		g := s.stsFor(t, bobKey, "images")
		key := g.Prefix + "cat.png"
		cb, err := s.put(t, g, key, "image/png", png, "")
		if err != nil {
			t.Fatal(err)
		}
		if cb["Status"] != "OK" || cb["key"] != key || cb["size"] != float64(len(png)) || cb["mimeType"] != "image/png" ||
			cb["width"] != float64(6) || cb["height"] != float64(5) || cb["etag"] == "" || cb["crc64"] == "" {
			t.Fatalf("answer %v", cb)
		}
		if n := len(s.logged("upload verified", key)); n != 1 {
			t.Fatalf("%d 'upload verified' lines for %s, want 1", n, key)
		}
	})

	t.Run("an STS grant asked with a filename covers its whole directory", func(t *testing.T) {
		var g stsGrant
		postJSON(t, s.API+"/sts-token", map[string]any{"profile": "images", "filename": "asked.png"}, "X-Api-Key", bobKey).decode(t, &g)
		key := g.Prefix + "chosen-by-the-client.png"
		if cb, err := s.put(t, g, key, "image/png", png, ""); err != nil || cb["key"] != key {
			t.Fatalf("upload under another name: %v, %v", cb, err)
		}
	})

	t.Run("forged completion via STS: alice's grant claims bob's object in a literal body", func(t *testing.T) {
		bob := s.stsFor(t, bobKey, "images")
		bobsKey := bob.Prefix + "holiday.png"
		if _, err := s.put(t, bob, bobsKey, "image/png", png, ""); err != nil {
			t.Fatal(err)
		}
		alice := s.stsFor(t, aliceKey, "images")
		forged := rewriteBody(t, alice.Headers["x-oss-callback"], func(b string) string {
			return strings.Replace(strings.Replace(b, "object=${object}", "object="+bobsKey, 1), "size=${size}", "size=123", 1)
		})
		_, err := s.put(t, alice, alice.Prefix+"x.png", "image/png", png, forged)
		callbackRefused(t, err, "403")
		if n := len(s.logged("upload verified", bobsKey)); n != 1 {
			t.Fatalf("%d 'upload verified' lines for bob's object, want only bob's own upload", n)
		}
		refused := false
		for _, line := range strings.Split(s.logs.String(), "\n") {
			refused = refused || strings.Contains(line, `"msg":"request refused"`) && strings.Contains(line, bobsKey) && strings.Contains(line, `"status":403`)
		}
		if !refused {
			t.Fatal("the refusal naming bob's object is not in the log")
		}
	})

	t.Run("forged completion via STS: a literal body with no grant binding", func(t *testing.T) {
		alice := s.stsFor(t, aliceKey, "images")
		forged := rewriteBody(t, alice.Headers["x-oss-callback"], func(string) string {
			return "bucket=" + s.Bucket + "&object=images/bob/holiday.png&size=123&mimeType=image/png&subject=bob&profile=images"
		})
		_, err := s.put(t, alice, alice.Prefix+"y.png", "image/png", png, forged)
		callbackRefused(t, err, "403")
		if n := len(s.logged("upload verified", "images/bob/holiday.png")); n > 1 {
			t.Fatalf("the forged claim was logged as verified")
		}
	})

	t.Run("a body claiming another size and type: the answer has the object's", func(t *testing.T) {
		g := s.stsFor(t, bobKey, "images")
		key := g.Prefix + "liar.png"
		lying := rewriteBody(t, g.Headers["x-oss-callback"], func(b string) string {
			return strings.Replace(strings.Replace(b, "size=${size}", "size=99999", 1), "mimeType=${mimeType}", "mimeType=image/gif", 1)
		})
		cb, err := s.put(t, g, key, "image/png", png, lying)
		if err != nil {
			t.Fatal(err)
		}
		if cb["size"] != float64(len(png)) || cb["mimeType"] != "image/png" {
			t.Fatalf("answer %v: want size %d and image/png from the object", cb, len(png))
		}
	})

	for _, tc := range []struct {
		profile, action string
		wantKept        bool
		wantQuarantined bool
	}{
		{profile: "images", action: "delete"},
		{profile: "imgq", action: "quarantine", wantQuarantined: true},
		{profile: "imgk", action: "keep", wantKept: true},
	} {
		t.Run("STS upload of text/html to an images profile: "+tc.action, func(t *testing.T) {
			g := s.stsFor(t, aliceKey, tc.profile)
			key := g.Prefix + "evil.html"
			ct := "text/html"
			if tc.wantKept {
				ct = "image/png" // labelled as a picture: only sniffing finds it out
			}
			cb, err := s.put(t, g, key, ct, html, "")
			_, stays := stored(t, s.Stack, key)
			_, quarantined := stored(t, s.Stack, ".ossdirect/quarantine/"+key)
			logs := s.logged("upload breaks its profile", key)
			if len(logs) != 1 || logs[0]["action"] != tc.action {
				t.Fatalf("log %v, want one 'upload breaks its profile' with action %s", logs, tc.action)
			}
			if tc.wantKept {
				if err != nil || cb["Status"] != "OK" || !strings.Contains(strings.Join(anyStrings(cb["violations"]), " "), `the content is "text/html"`) {
					t.Fatalf("kept: %v, %v: want 200 flagging the sniffed type", cb, err)
				}
				if !stays {
					t.Fatal("kept object is gone")
				}
				return
			}
			callbackRefused(t, err, "403")
			if stays {
				t.Fatal("the object is still where it was uploaded")
			}
			if quarantined != tc.wantQuarantined {
				t.Fatalf("quarantined copy exists: %v, want %v", quarantined, tc.wantQuarantined)
			}
		})
	}

	t.Run("an overwrite under STS with forbidOverwrite is reported", func(t *testing.T) {
		g := s.stsFor(t, bobKey, "images")
		key := g.Prefix + "twice.png"
		if _, err := s.put(t, g, key, "image/png", png, ""); err != nil {
			t.Fatal(err)
		}
		cb, err := s.put(t, g, key, "image/png", pngBytes(t, 7, 7), "")
		if err != nil {
			t.Fatal(err)
		}
		if w := strings.Join(anyStrings(cb["warnings"]), " "); !strings.Contains(w, "replaced an earlier upload") {
			t.Fatalf("answer %v: want the overwrite reported", cb)
		}
		if n := len(s.logged("upload verified with warnings", key)); n != 1 {
			t.Fatalf("%d 'upload verified with warnings' lines, want 1", n)
		}
	})

	t.Run("seed route: a client-written callback field is refused by the policy", func(t *testing.T) {
		var g struct {
			AccessID, Policy, Signature, Dir, Callback, Host string
		}
		r := call(t, http.MethodGet, s.API+api.SeedPostPath, "", "X-Api-Key", aliceKey)
		r.decode(t, &g)
		if g.Callback == "" {
			t.Fatalf("seed answer %s has no callback", r.body)
		}
		forged := rewriteBody(t, g.Callback, func(b string) string { return strings.Replace(b, "object=${object}", "object=seed/bob/x.bin", 1) })
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range map[string]string{"key": g.Dir + "x.bin", "policy": g.Policy, "OSSAccessKeyId": g.AccessID, "Signature": g.Signature, "callback": forged} {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", "x.bin")
		fw.Write([]byte("seed"))
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, s.OSS+"/"+s.Bucket, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res := send(t, req)
		if res.status != http.StatusForbidden || !strings.Contains(string(res.body), "AccessDenied") {
			t.Fatalf("POST with a rewritten callback: %d %s, want 403 AccessDenied (policy)", res.status, res.body)
		}
		wantNotStored(t, s.Stack, g.Dir+"x.bin")
	})
}

// Rotation: a grant signed with the previous secret is honoured while that
// secret is still listed, and refused once it is dropped; a grant expired
// beyond the grace is refused.
func TestGrantSecretRotationAndExpiry(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{})
	newSecret := []byte("the-new-grant-secret-0123456789abcdef")
	for _, tc := range []struct {
		name     string
		secrets  [][]byte
		expires  time.Duration
		status   string
		mentions string
	}{
		{name: "old secret within rotation", secrets: [][]byte{newSecret, testGrantSecret}, expires: 10 * time.Minute, status: "200"},
		{name: "old secret after rotation", secrets: [][]byte{newSecret}, expires: 10 * time.Minute, status: "403", mentions: "does not verify"},
		{name: "expired within the grace", secrets: [][]byte{testGrantSecret}, expires: -29 * time.Minute, status: "200"},
		{name: "expired beyond the grace", secrets: [][]byte{testGrantSecret}, expires: -31 * time.Minute, status: "403", mentions: "expired more than 30m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			app := startCallbackApp(t, s, []string{s.KeyURLPrefix}, func(c *api.Config) { c.GrantSecrets = tc.secrets })
			key := "docs/anonymous/" + strings.ReplaceAll(tc.name, " ", "-") + ".txt"
			b := binding(key, "anonymous", "docs")
			b.Expires = time.Now().Add(tc.expires).Truncate(time.Second)
			err := uploadWithCallback(t, s, app, key, &b)
			r := app.answer(t)
			if tc.status == "200" {
				if err != nil || r.status != 200 {
					t.Fatalf("upload %v, callback %d %s: want accepted", err, r.status, r.body)
				}
				return
			}
			callbackRefused(t, err, tc.status)
			wantError(t, r, 403, "Forbidden", tc.mentions)
		})
	}
}

func anyStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
