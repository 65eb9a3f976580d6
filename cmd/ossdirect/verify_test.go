package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"ossdirect/shared/callback"
)

// A callback captured from real OSS and signed with OSS's real 512-bit key
// (callback_pub_key_v1.pem), published in Cloudreve's test suite
// (pkg/filesystem/driver/oss/callback_test.go @ 0d2e3cc7).
const (
	ossCallbackURI  = "/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH"
	ossCallbackBody = `{"name":"2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","source_name":"1/1_hFRtDLgM_2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","size":114020,"pic_info":"810,539"}`
	ossCallbackAuth = "e5LwzwTkP9AFAItT4YzvdJOHd0Y0wqTMWhsV/h5SG90JYGAmMd+8LQyj96R+9qUfJWjMt6suuUh7LaOryR87Dw=="
	ossKeyURLB64    = "aHR0cHM6Ly9nb3NzcHVibGljLmFsaWNkbi5jb20vY2FsbGJhY2tfcHViX2tleV92MS5wZW0="
	ossKeyFile      = "../../shared/callback/testdata/oss_callback_pub_key_v1.pem"
)

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerifyCallbackRealOSSVector(t *testing.T) {
	t.Parallel()
	body := writeFile(t, "body", ossCallbackBody)
	tests := []struct {
		name      string
		uri, auth string
		wantCode  int
		wantOut   string
	}{
		{"valid", ossCallbackURI, ossCallbackAuth, 0, `{"valid":true}`},
		{"tampered path", ossCallbackURI + "x", ossCallbackAuth, 1, `"valid":false`},
		{"query added", ossCallbackURI + "?a=1", ossCallbackAuth, 1, `"valid":false`},
		{"tampered signature", ossCallbackURI, "A" + ossCallbackAuth[1:], 1, `"valid":false`},
		{"garbage signature", ossCallbackURI, "!!!", 1, `"valid":false`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, errOut, code := runCLI(t, "verify", "callback", "--request-uri", tc.uri, "--body-file", body,
				"--authorization", tc.auth, "--pub-key-url", ossKeyURLB64, "--pub-key-file", ossKeyFile)
			if code != tc.wantCode || !strings.Contains(out, tc.wantOut) {
				t.Fatalf("exit %d stdout %s stderr %s; want exit %d and %s", code, out, errOut, tc.wantCode, tc.wantOut)
			}
			if code == 1 && !strings.Contains(out, `"reason":"callback: `) {
				t.Errorf("no reason in %s", out)
			}
		})
	}
}

// keyServer serves a freshly generated 2048-bit key (the shape the local
// emulator will use) and counts requests.
type keyServer struct {
	*httptest.Server
	priv *rsa.PrivateKey
	hits atomic.Int32
}

func newKeyServer(t *testing.T, redirect bool) *keyServer {
	t.Helper()
	data, err := os.ReadFile("../../shared/callback/testdata/key2048.pem")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("no PEM in key2048.pem")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		if k, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			t.Fatal(err)
		}
	}
	ks := &keyServer{priv: k.(*rsa.PrivateKey)}
	der, err := x509.MarshalPKIXPublicKey(&ks.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	ks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.hits.Add(1)
		if redirect {
			http.Redirect(w, r, "http://gosspublic.alicdn.com/callback_pub_key_v1.pem", http.StatusFound)
			return
		}
		w.Write(pubPEM)
	}))
	t.Cleanup(ks.Close)
	return ks
}

func TestVerifyCallbackFetchesAllowListedKey(t *testing.T) {
	t.Parallel()
	const uri, body = "/callback?from=oss", "bucket=dev&object=a%2Fb.png&size=3"
	bodyFile := writeFile(t, "body", body)

	t.Run("fetched from an allowed prefix", func(t *testing.T) {
		t.Parallel()
		ks := newKeyServer(t, false)
		sig, err := callback.Sign(ks.priv, "/callback", "from=oss", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		keyURL := base64.StdEncoding.EncodeToString([]byte(ks.URL + "/keys/pub.pem"))
		out, errOut, code := runCLI(t, "verify", "callback", "--request-uri", uri, "--body-file", bodyFile,
			"--authorization", sig, "--pub-key-url", keyURL, "--key-url-prefix", ks.URL+"/keys/")
		if code != 0 || strings.TrimSpace(out) != `{"valid":true}` {
			t.Fatalf("exit %d stdout %s stderr %s", code, out, errOut)
		}
		if ks.hits.Load() != 1 {
			t.Errorf("key fetched %d times", ks.hits.Load())
		}
	})
	t.Run("foreign key URL is refused without a request", func(t *testing.T) {
		t.Parallel()
		ks := newKeyServer(t, false)
		sig, _ := callback.Sign(ks.priv, "/callback", "from=oss", []byte(body))
		keyURL := base64.StdEncoding.EncodeToString([]byte(ks.URL + "/keys/pub.pem"))
		out, _, code := runCLI(t, "verify", "callback", "--request-uri", uri, "--body-file", bodyFile,
			"--authorization", sig, "--pub-key-url", keyURL)
		if code != 1 || !strings.Contains(out, "not allowed") {
			t.Fatalf("exit %d stdout %s", code, out)
		}
		if ks.hits.Load() != 0 {
			t.Errorf("the foreign key URL was fetched %d times", ks.hits.Load())
		}
	})
	t.Run("redirects are not followed", func(t *testing.T) {
		t.Parallel()
		ks := newKeyServer(t, true)
		sig, _ := callback.Sign(ks.priv, "/callback", "from=oss", []byte(body))
		keyURL := base64.StdEncoding.EncodeToString([]byte(ks.URL + "/keys/pub.pem"))
		out, _, code := runCLI(t, "verify", "callback", "--request-uri", uri, "--body-file", bodyFile,
			"--authorization", sig, "--pub-key-url", keyURL, "--key-url-prefix", ks.URL+"/keys/")
		if code != 1 || !strings.Contains(out, "status 302") {
			t.Fatalf("exit %d stdout %s", code, out)
		}
	})
}

func TestVerifyCallbackUsageErrors(t *testing.T) {
	t.Parallel()
	body := writeFile(t, "body", "x")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no uri", []string{"--body-file", body, "--authorization", "a", "--pub-key-url", "b"}, "--request-uri is required"},
		{"uri without slash", []string{"--request-uri", "cb", "--body-file", body, "--authorization", "a", "--pub-key-url", "b"}, "starting with /"},
		{"missing body file", []string{"--request-uri", "/cb", "--body-file", "/nonexistent", "--authorization", "a", "--pub-key-url", "b"}, "--body-file"},
		{"bad key file", []string{"--request-uri", "/cb", "--body-file", body, "--authorization", "a", "--pub-key-url", "b", "--pub-key-file", body}, "--pub-key-file"},
		{"bad prefix", []string{"--request-uri", "/cb", "--body-file", body, "--authorization", "a", "--pub-key-url", "b", "--key-url-prefix", "ftp://x/"}, "--key-url-prefix"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, errOut, code := runCLI(t, append([]string{"verify", "callback"}, tc.args...)...)
			if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d stdout %q stderr %q, want exit 2 and %q", code, out, errOut, tc.want)
			}
		})
	}
}
