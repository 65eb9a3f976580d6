package api_test

// No secret reaches the log: a representative run of every function on the
// local stack — a grant in each mode and its upload with the callback, a
// confirm (and one refused for another subject), presigned multipart,
// refused callers and refused signatures, a JWT stack — with every
// component's JSON log captured at debug level, then a search of it for
// every secret, token and signature the run configured or issued
// (docs/SECURITY.md, "Secret leakage").

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/internal/testsupport/syncbuf"
	"ossdirect/shared/auth"
)

// leakProfiles: client-named images with a callback (POST, PUT, STS) and
// server-named videos for multipart.
const leakProfiles = `{
  "images": {"prefix": "images/{sub}/", "naming": "client", "maxSize": 65536, "contentTypes": ["image/png"], "callback": true},
  "videos": {"prefix": "videos/{sub}/", "naming": "uuid", "maxSize": 20971520, "contentTypes": ["video/mp4"], "callback": true}
}`

// leakPatterns are leaks whatever their value (e2e/leaks.mjs has the same list).
var leakPatterns = map[string]*regexp.Regexp{
	"whsec_ secret":         regexp.MustCompile(`whsec_[A-Za-z0-9+/]{16,}`),
	"STS security token":    regexp.MustCompile(`CAIS[A-Za-z0-9_-]{16,}`),
	"JWT":                   regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}`),
	"x-oss-signature value": regexp.MustCompile(`(?i)x-oss-signature"?\s*[=:]\s*"?[0-9a-f]{16,}`),
	"Signature= value":      regexp.MustCompile(`(?:^|[?&,\s"])Signature=[A-Za-z0-9%+/=_-]{16,}`),
	"V1 Authorization":      regexp.MustCompile(`\bOSS [A-Za-z0-9.]{8,}:[A-Za-z0-9+/]{20,}={0,2}`),
	"webhook signature":     regexp.MustCompile(`\bv1,[A-Za-z0-9+/]{40,}={0,2}`),
}

// secretSet collects what must never be logged, by name.
type secretSet map[string]string

func (s secretSet) add(name, value string) {
	if len(value) >= 8 { // shorter values would match by chance
		s[name] = value
	}
}

// addURL adds the signature in a signed URL's query.
func (s secretSet) addURL(t *testing.T, name, raw string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	s.add(name, q.Get("x-oss-signature")+q.Get("Signature"))
	if s[name] == "" {
		t.Fatalf("%s: no signature in %s", name, raw)
	}
}

// wantNoLeaks fails for each secret or leak pattern in logs.
func wantNoLeaks(t *testing.T, logs string, secrets secretSet) {
	t.Helper()
	if !strings.Contains(logs, `"msg":"request"`) {
		t.Fatalf("no request was logged: the log was not captured:\n%s", logs)
	}
	for _, line := range strings.Split(logs, "\n") {
		redacted := line // what the report may show
		for _, v := range secrets {
			redacted = strings.ReplaceAll(redacted, v, "«secret»")
		}
		for name, v := range secrets {
			if strings.Contains(line, v) {
				t.Errorf("the log holds %s: %s", name, redacted)
			}
		}
		for name, re := range leakPatterns {
			if re.MatchString(line) {
				t.Errorf("the log holds a %s: %s", name, redacted)
			}
		}
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	rcv := newEventReceiver(t)
	logs := &syncbuf.Buffer{}
	debug := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := &trustStack{Stack: startStack(t, devstack.Config{Profiles: leakProfiles, GrantSecrets: [][]byte{testGrantSecret},
		Auth:       auth.Config{Mode: auth.ModeAPIKey, APIKeys: map[string]string{aliceKey: "alice", bobKey: "bob"}},
		WebhookURL: rcv.URL, WebhookSecrets: []string{rcv.secret}, OSSEvents: true,
		Logger: debug}), logs: logs}
	secrets := secretSet{}
	secrets.add("the root access key secret", devstack.DevAccessKeySecret)
	secrets.add("alice's API key", aliceKey)
	secrets.add("bob's API key", bobKey)
	secrets.add("the webhook secret", rcv.secret)
	secrets.add("the webhook key", strings.TrimPrefix(rcv.secret, "whsec_"))
	secrets.add("the grant secret", string(testGrantSecret))
	secrets.add("the grant secret (base64)", base64.StdEncoding.EncodeToString(testGrantSecret))
	png := pngBytes(t, 2, 2)
	apiKey := func(k string) []string { return []string{"X-Api-Key", k} }
	var stsKey string

	t.Run("post-signature, v4 and v1", func(t *testing.T) {
		for _, v := range []string{"v4", "v1"} {
			var g postGrant
			postJSON(t, s.API+"/post-signature", map[string]any{"profile": "images", "filename": v + ".png", "signatureVersion": v}, apiKey(aliceKey)...).decode(t, &g)
			secrets.add("a POST policy signature ("+v+")", g.Fields["x-oss-signature"]+g.Fields["Signature"])
			if up := postObject(t, g.Host, sortedFields(g.Fields), "upload", "image/png", png); up.status != http.StatusOK {
				t.Fatalf("PostObject: %d %s", up.status, up.body)
			}
		}
	})

	t.Run("presigned-url, and the same URL tampered", func(t *testing.T) {
		var g presignGrant
		postJSON(t, s.API+"/presigned-url", map[string]any{"profile": "images", "filename": "put.png"}, apiKey(aliceKey)...).decode(t, &g)
		secrets.addURL(t, "a presigned URL's signature", g.URL)
		if up := putObject(t, g.URL, g.Headers, png); up.status != http.StatusOK {
			t.Fatalf("PUT: %d %s", up.status, up.body)
		}
		tampered := strings.Replace(g.URL, "put.png", "other.png", 1)
		if up := putObject(t, tampered, g.Headers, png); up.status != http.StatusForbidden {
			t.Fatalf("PUT to another key with the same signature: %d %s, want 403", up.status, up.body)
		}
	})

	t.Run("sts-token, its callback, a confirm and a refused confirm", func(t *testing.T) {
		g := s.stsFor(t, aliceKey, "images")
		secrets.add("an STS AccessKeySecret", g.AccessKeySecret)
		secrets.add("an STS SecurityToken", g.SecurityToken)
		stsKey = g.Prefix + "sts.png"
		if _, err := s.put(t, g, stsKey, "image/png", png, ""); err != nil {
			t.Fatalf("STS upload: %v", err)
		}
		key := g.Prefix + "confirm.png"
		if _, err := s.put(t, g, key, "image/png", png, withCallbackURL(t, g.Headers["x-oss-callback"], deadURL(t))); err == nil {
			t.Fatal("upload with the callback unreachable succeeded, want 203 CallbackFailed")
		}
		body := map[string]any{"key": key, "callback": g.Headers["x-oss-callback"]}
		if r := postJSON(t, s.API+"/callback/confirm", body, apiKey(bobKey)...); r.status != http.StatusForbidden {
			t.Fatalf("bob confirms alice's upload: %d %s, want 403", r.status, r.body)
		}
		if r := postJSON(t, s.API+"/callback/confirm", body, apiKey(aliceKey)...); r.status != http.StatusOK {
			t.Fatalf("confirm: %d %s", r.status, r.body)
		}
		// STS credentials with a wrong secret: SignatureDoesNotMatch.
		wrong := g
		wrong.AccessKeySecret = "wrong" + g.AccessKeySecret[5:]
		secrets.add("a wrong STS secret", wrong.AccessKeySecret)
		if _, err := s.put(t, wrong, g.Prefix+"wrong.png", "image/png", png, ""); err == nil {
			t.Fatal("upload with a wrong secret succeeded")
		}
	})

	t.Run("presigned multipart", func(t *testing.T) {
		data := randomBytes(t, 256<<10+100)
		var c mpCreated
		postJSON(t, s.API+"/presigned-url/multipart/create", map[string]any{"profile": "videos", "filename": "clip.mp4",
			"contentType": "video/mp4", "size": len(data), "partSize": 256 << 10}, apiKey(aliceKey)...).decode(t, &c)
		secrets.add("a multipart token", c.Token)
		r := postJSON(t, s.API+"/presigned-url/multipart/sign", c.with("partNumbers", []int{1, 2}), apiKey(aliceKey)...)
		var signed mpSigned
		r.decode(t, &signed)
		for _, p := range signed.Parts {
			secrets.addURL(t, "a part URL's signature", p.URL)
		}
		etags := putSigned(t, r, c, data)
		if r := postJSON(t, s.API+"/presigned-url/multipart/complete", c.with("parts", partList(etags, 2)), apiKey(aliceKey)...); r.status != http.StatusOK {
			t.Fatalf("complete: %d %s", r.status, r.body)
		}
		forged := c.with("token", c.Token[:len(c.Token)-4]+"AAAA")
		if r := postJSON(t, s.API+"/presigned-url/multipart/complete", forged, apiKey(aliceKey)...); r.status < 400 {
			t.Fatalf("complete with a forged token: %d %s, want a refusal", r.status, r.body)
		}
	})

	t.Run("refused callers", func(t *testing.T) {
		wrongKey := "mallory-api-key-0123456789"
		secrets.add("a wrong API key", wrongKey)
		if r := postJSON(t, s.API+"/post-signature", map[string]any{"profile": "images"}, apiKey(wrongKey)...); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong API key: %d %s, want 401", r.status, r.body)
		}
	})

	t.Run("a JWT stack: a grant and a bad token", func(t *testing.T) {
		jwtLogs := &syncbuf.Buffer{}
		js := startStack(t, devstack.Config{Profiles: leakProfiles, Auth: auth.Config{Mode: auth.ModeJWT, JWTSecret: testSecret, Issuer: testIssuer, Audience: testAudience},
			Logger: slog.New(slog.NewJSONHandler(jwtLogs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		good := hs256(t, testSecret, claims("alice", nil))
		bad := hs256(t, "another-secret-of-at-least-32-bytes!!", claims("alice", nil))
		if r := postJSON(t, js.API+"/presigned-url", map[string]any{"profile": "images", "filename": "j.png"}, "Authorization", "Bearer "+good); r.status != http.StatusOK {
			t.Fatalf("grant with a valid JWT: %d %s", r.status, r.body)
		}
		if r := postJSON(t, js.API+"/presigned-url", map[string]any{"profile": "images"}, "Authorization", "Bearer "+bad); r.status != http.StatusUnauthorized {
			t.Fatalf("grant with a badly signed JWT: %d %s, want 401", r.status, r.body)
		}
		wantNoLeaks(t, jwtLogs.String(), secretSet{"the JWT secret": testSecret, "a valid JWT": good, "a forged JWT": bad,
			"the root access key secret": devstack.DevAccessKeySecret})
	})

	for deadline := time.Now().Add(10 * time.Second); s.OSSEventStats().Pending > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if len(rcv.events(stsKey)) == 0 {
		t.Error("no webhook was delivered for the STS upload: the run did not cover the webhook path")
	}
	wantNoLeaks(t, logs.String(), secrets)
}
