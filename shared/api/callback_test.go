package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/internal/testsupport/syncbuf"
	"ossdirect/shared/api"
	ourcreds "ossdirect/shared/credentials"
	"ossdirect/shared/ossclient"
	"ossdirect/shared/upload"
)

// countingKeyClient is the callback function's public-key client: it counts
// every fetch and reaches loopback only, so a test that expects no fetch
// cannot pass by a failed lookup of gosspublic.alicdn.com.
type countingKeyClient struct {
	fetches atomic.Int32
}

func (c *countingKeyClient) Do(r *http.Request) (*http.Response, error) {
	c.fetches.Add(1)
	if r.URL.Hostname() != "127.0.0.1" {
		return nil, errors.New("test: no network beyond loopback")
	}
	return httpClient.Do(r)
}

// callbackApp serves the handlers with the given key allow-list and
// records every answer of the callback function.
type callbackApp struct {
	url     string
	keys    *countingKeyClient
	answers chan response
	logs    *syncbuf.Buffer
}

// testGrantSecret signs the bindings of the callback tests' grants.
var testGrantSecret = []byte("callback-tests-grant-secret-0123456789")

// objectsOf is the callback function's view of the stack's bucket.
func objectsOf(t testing.TB, s *devstack.Stack) api.ObjectStore {
	t.Helper()
	c, err := ossclient.New(ossclient.Config{Bucket: s.Bucket, Region: s.Region, Endpoint: s.OSS,
		Credentials: ourcreds.NewStatic(devstack.DevAccessKeyID, devstack.DevAccessKeySecret, "")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func startCallbackApp(t *testing.T, s *devstack.Stack, keyURLPrefixes []string, edit ...func(*api.Config)) *callbackApp {
	t.Helper()
	app := &callbackApp{keys: &countingKeyClient{}, answers: make(chan response, 4), logs: &syncbuf.Buffer{}}
	cfg := api.Config{
		Bucket: s.Bucket, Region: s.Region, UploadHost: s.OSS + "/" + s.Bucket,
		KeyURLPrefixes: keyURLPrefixes, KeyClient: app.keys,
		GrantSecrets: [][]byte{testGrantSecret}, GrantGrace: 30 * time.Minute, Objects: objectsOf(t, s),
		QuarantinePrefix: ".ossdirect/quarantine/",
		Logger:           slog.New(slog.NewJSONHandler(app.logs, nil)),
	}
	for _, e := range edit {
		e(&cfg)
	}
	h := newHandlers(t, cfg)
	mux := h.Mux()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		app.answers <- response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	}))
	t.Cleanup(srv.Close)
	app.url = srv.URL
	return app
}

// answer is the callback function's last answer.
func (a *callbackApp) answer(t *testing.T) response {
	t.Helper()
	select {
	case r := <-a.answers:
		return r
	default:
		t.Fatal("the callback function was not called")
		return response{}
	}
}

// binding is a grant binding for key under profile, issued to subject,
// valid for ten minutes.
func binding(key, subject, profile string) upload.Binding {
	return upload.Binding{ID: "0123456789abcdef0123456789abcdef", Subject: subject, Profile: profile, Key: key,
		Expires: time.Now().Add(10 * time.Minute).Truncate(time.Second)}
}

// bindingBody is b as the literal callbackBody fields the functions write.
func bindingBody(b upload.Binding, secret []byte) string {
	v := b.Vars(secret)
	q := url.Values{}
	for k, name := range map[string]string{upload.VarGrantID: "gid", upload.VarSubject: "subject", upload.VarProfile: "profile",
		upload.VarScope: "scope", upload.VarExpires: "exp", upload.VarSig: "sig"} {
		q.Set(name, v[k])
	}
	return q.Encode()
}

// uploadWithCallback PUTs key as the root identity with an OSS callback to
// the app whose body carries b (signed with testGrantSecret; nil: no
// binding): the OSS emulator signs the callback with its own key, as OSS
// does, and answers the upload with the app's JSON or 203 CallbackFailed.
func uploadWithCallback(t *testing.T, s *devstack.Stack, app *callbackApp, key string, b *upload.Binding) error {
	t.Helper()
	return putWithCallback(t, s, app, key, "text/plain", []byte("callback test"), b, "")
}

// putWithCallback is uploadWithCallback with the content, its type and
// extra literal callbackBody fields (a client writing its own body).
func putWithCallback(t testing.TB, s *devstack.Stack, app *callbackApp, key, contentType string, data []byte, b *upload.Binding, extra string) error {
	t.Helper()
	body := "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}"
	if b != nil {
		body += "&" + bindingBody(*b, testGrantSecret)
	}
	if extra != "" {
		body += "&" + extra
	}
	param, _ := json.Marshal(map[string]string{
		"callbackUrl":      app.url + "/callback",
		"callbackBody":     body,
		"callbackBodyType": "application/x-www-form-urlencoded",
	})
	req := &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key), Body: bytes.NewReader(data), ContentType: oss.Ptr(contentType),
		Callback: oss.Ptr(base64.StdEncoding.EncodeToString(param))}
	_, err := rootClient(s).PutObject(context.Background(), req)
	return err
}

// forge POSTs a callback that OSS did not sign.
func forge(t *testing.T, app *callbackApp, authorization, keyURL string) response {
	t.Helper()
	var header []string
	if authorization != "" {
		header = append(header, "Authorization", authorization)
	}
	if keyURL != "" {
		header = append(header, "X-Oss-Pub-Key-Url", base64.StdEncoding.EncodeToString([]byte(keyURL)))
	}
	header = append(header, "Content-Type", "application/x-www-form-urlencoded")
	r := call(t, http.MethodPost, app.url+"/callback", "bucket=dev-bucket&object=docs%2Fanonymous%2Fx.txt&size=1", header...)
	<-app.answers
	return r
}

func TestCallbackVerification(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{})
	emulatorOnly := []string{s.KeyURLPrefix}
	sig := make([]byte, 256)
	rand.Read(sig)
	bogusSignature := base64.StdEncoding.EncodeToString(sig)
	const gosspublic = "https://gosspublic.alicdn.com/callback_pub_key_v1.pem"

	tests := []struct {
		name     string
		allowed  []string
		run      func(t *testing.T, app *callbackApp) response
		status   int
		mentions []string
		fetches  int32
	}{
		{name: "signed by OSS, key allow-listed, object in a profile directory", allowed: emulatorOnly, status: 200, fetches: 1,
			run: func(t *testing.T, app *callbackApp) response {
				b := binding("docs/anonymous/ok.txt", "anonymous", "docs")
				if err := uploadWithCallback(t, s, app, "docs/anonymous/ok.txt", &b); err != nil {
					t.Errorf("upload: %v", err)
				}
				return app.answer(t)
			}},
		{name: "signed by OSS, object outside every profile directory", allowed: emulatorOnly, status: 403, fetches: 1,
			mentions: []string{"object", `"elsewhere/x.txt"`, "outside every upload profile"},
			run: func(t *testing.T, app *callbackApp) response {
				b := binding("elsewhere/x.txt", "anonymous", "docs")
				wantCallbackFailed(t, uploadWithCallback(t, s, app, "elsewhere/x.txt", &b))
				return app.answer(t)
			}},
		{name: "signed by OSS, object in another subject's directory than the grant's", allowed: emulatorOnly, status: 403, fetches: 1,
			mentions: []string{"object", "docs/bob/x.txt"},
			run: func(t *testing.T, app *callbackApp) response {
				b := binding("docs/bob/x.txt", "alice", "docs")
				wantCallbackFailed(t, uploadWithCallback(t, s, app, "docs/bob/x.txt", &b))
				return app.answer(t)
			}},
		{name: "signed by OSS's emulator, its key URL not allow-listed", allowed: nil, status: 403, fetches: 0,
			mentions: []string{"public key URL not allowed"},
			run: func(t *testing.T, app *callbackApp) response {
				b := binding("docs/anonymous/refused.txt", "anonymous", "docs")
				wantCallbackFailed(t, uploadWithCallback(t, s, app, "docs/anonymous/refused.txt", &b))
				return app.answer(t)
			}},
		{name: "forged: garbage authorization, gosspublic key URL allowed by default", allowed: nil, status: 403, fetches: 0,
			mentions: []string{"callback"},
			run: func(t *testing.T, app *callbackApp) response {
				return forge(t, app, "garbage!!not-base64", gosspublic)
			}},
		{name: "forged: no authorization, gosspublic key URL allowed by default", allowed: nil, status: 403, fetches: 0,
			mentions: []string{"callback"},
			run: func(t *testing.T, app *callbackApp) response {
				return forge(t, app, "", gosspublic)
			}},
		{name: "forged: well-formed signature, gosspublic key URL not allow-listed", allowed: emulatorOnly, status: 403, fetches: 0,
			mentions: []string{"public key URL not allowed"},
			run: func(t *testing.T, app *callbackApp) response {
				return forge(t, app, bogusSignature, gosspublic)
			}},
		{name: "forged: key URL on a look-alike host", allowed: nil, status: 403, fetches: 0,
			mentions: []string{"public key URL not allowed"},
			run: func(t *testing.T, app *callbackApp) response {
				return forge(t, app, bogusSignature, "https://gosspublic.alicdn.com.evil.example/k.pem")
			}},
		{name: "forged: no key URL", allowed: nil, status: 403, fetches: 0,
			run: func(t *testing.T, app *callbackApp) response {
				return forge(t, app, bogusSignature, "")
			}},
		{name: "forged: emulator key allow-listed, signature does not verify", allowed: emulatorOnly, status: 403, fetches: 1,
			mentions: []string{"signature does not verify"},
			run: func(t *testing.T, app *callbackApp) response {
				return forge(t, app, bogusSignature, s.KeyURL)
			}},
		{name: "forged: 100 callbacks naming letter-case variants of the allowed key URL", allowed: emulatorOnly, status: 403, fetches: 1,
			mentions: []string{"signature does not verify"},
			run: func(t *testing.T, app *callbackApp) response {
				var last response
				rest := strings.TrimPrefix(s.KeyURL, "http://")
				variants := []string{"http://", "HTTP://", "hTtP://", "Http://"}
				for i := range 100 {
					u := variants[i%len(variants)] + rest
					if i%8 >= 4 {
						u = variants[i%len(variants)] + strings.ToUpper(rest[:strings.IndexByte(rest, '/')]) + rest[strings.IndexByte(rest, '/'):]
					}
					if last = forge(t, app, bogusSignature, u); last.status != 403 {
						t.Fatalf("variant %s: status %d", u, last.status)
					}
				}
				return last
			}},
		{name: "forged: allowed host, missing key path (refused, fetched once per interval)", allowed: emulatorOnly, status: 403, fetches: 1,
			mentions: []string{"public key not served"},
			run: func(t *testing.T, app *callbackApp) response {
				missing := strings.TrimSuffix(s.KeyURLPrefix, "/") + "/no-such-key.pem"
				var last response
				for range 20 {
					if last = forge(t, app, bogusSignature, missing); last.status != 403 || last.header.Get("Retry-After") != "" {
						t.Fatalf("missing key: status %d, Retry-After %q: want 403 without", last.status, last.header.Get("Retry-After"))
					}
				}
				return last
			}},
		{name: "not a POST", allowed: emulatorOnly, status: 405, fetches: 0,
			mentions: []string{"method", "POST"},
			run: func(t *testing.T, app *callbackApp) response {
				r := call(t, http.MethodGet, app.url+"/callback", "")
				<-app.answers
				if r.header.Get("Allow") != "POST" {
					t.Errorf("Allow %q, want POST", r.header.Get("Allow"))
				}
				return r
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			app := startCallbackApp(t, s, tt.allowed)
			r := tt.run(t, app)
			if tt.status == http.StatusOK {
				var cb callbackAnswer
				r.decode(t, &cb)
				if cb.Status != "OK" || cb.Key != "docs/anonymous/ok.txt" || cb.URL != s.OSS+"/"+s.Bucket+"/docs/anonymous/ok.txt" {
					t.Errorf("answer %s, want Status OK for docs/anonymous/ok.txt", r.body)
				}
			} else {
				code := "Forbidden"
				if tt.status == http.StatusMethodNotAllowed {
					code = "MethodNotAllowed"
				}
				wantError(t, r, tt.status, code, tt.mentions...)
			}
			if got := app.keys.fetches.Load(); got != tt.fetches {
				t.Errorf("%d public key fetches, want %d", got, tt.fetches)
			}
		})
	}
}

// wantCallbackFailed checks OSS's answer to an upload whose callback was
// refused: 203 CallbackFailed (the object stays stored).
func wantCallbackFailed(t *testing.T, err error) {
	t.Helper()
	var se *oss.ServiceError
	if !errors.As(err, &se) || se.StatusCode != 203 || se.Code != "CallbackFailed" {
		t.Errorf("upload: %v, want 203 CallbackFailed", err)
	}
}
