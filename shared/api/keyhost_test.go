package api_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"ossdirect/internal/localcloud/devstack"
)

// keyHost stands in for OSS's public-key host (gosspublic.alicdn.com) on
// loopback: it serves the emulator's callback public key until it is
// stopped, or holds every request (hangs) until the client gives up.
type keyHost struct {
	ts      *httptest.Server
	url     string // the key's URL
	prefix  string // the allow-list entry
	hang    atomic.Bool
	fetches atomic.Int32
}

func startKeyHost(t *testing.T, s *devstack.Stack) *keyHost {
	t.Helper()
	resp, err := httpClient.Get(s.KeyURL)
	if err != nil {
		t.Fatal(err)
	}
	pem, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("emulator key: %d %s", resp.StatusCode, pem)
	}
	k := &keyHost{}
	k.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.fetches.Add(1)
		if k.hang.Load() {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(pem)
	}))
	t.Cleanup(k.ts.Close)
	k.prefix = k.ts.URL + "/keys/"
	k.url = k.prefix + "callback_pub_key_v1.pem"
	return k
}

// stop takes the host down: connections are refused from now on.
func (k *keyHost) stop() { k.ts.Close() }

// keyURLFront sits between OSS and the callback function and names the
// key host in x-oss-pub-key-url, the header through which OSS says where
// its key is (OSS does not sign it: the signature covers the path, query
// and body). It records how long each callback took to answer.
func keyURLFront(t *testing.T, app *callbackApp, keyURL string) (frontURL string, took chan time.Duration) {
	t.Helper()
	target, err := url.Parse(app.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Header.Set("X-Oss-Pub-Key-Url", base64.StdEncoding.EncodeToString([]byte(keyURL)))
	}}
	took = make(chan time.Duration, 8)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		proxy.ServeHTTP(w, r)
		took <- time.Since(start)
	}))
	t.Cleanup(front.Close)
	return front.URL, took
}

// TestCallbackKeyHostDown: OSS's public-key host is down. With the key
// cached, callbacks keep verifying (and nothing is fetched); without it,
// the callback function answers 503 ServiceUnavailable, a temporary
// failure (not 401, 403 or 500: OSS reports CallbackFailed and the upload
// stays stored), and answers within OSS's 5 s wait for a callback even
// when the host accepts the connection and never answers.
func TestCallbackKeyHostDown(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{})
	const ossCallbackWait = 5 * time.Second // OSS gives up on a callback after 5 s (s.yaml, HTTP-API.md)

	t.Run("key cached: the host stops, callbacks keep verifying", func(t *testing.T) {
		t.Parallel()
		host := startKeyHost(t, s)
		app := startCallbackApp(t, s, []string{host.prefix})
		front, _ := keyURLFront(t, app, host.url)
		viaFront := *app
		viaFront.url = front
		upload := func(key string) {
			t.Helper()
			b := binding(key, "anonymous", "docs")
			if err := uploadWithCallback(t, s, &viaFront, key, &b); err != nil {
				t.Fatalf("upload %s: %v", key, err)
			}
			if r := app.answer(t); r.status != http.StatusOK {
				t.Fatalf("callback for %s: %d %s", key, r.status, r.body)
			}
		}
		upload("docs/anonymous/before.txt")
		if n := host.fetches.Load(); n != 1 {
			t.Fatalf("%d key fetches, want 1", n)
		}
		host.stop()
		for _, key := range []string{"docs/anonymous/after-1.txt", "docs/anonymous/after-2.txt", "docs/anonymous/after-3.txt"} {
			upload(key)
		}
		if n := host.fetches.Load(); n != 1 {
			t.Errorf("%d key fetches, want still 1", n)
		}
	})

	for _, tc := range []struct {
		name string
		down func(*keyHost)
	}{
		{"key not cached: the host refuses connections", (*keyHost).stop},
		{"key not cached: the host hangs", func(k *keyHost) { k.hang.Store(true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			host := startKeyHost(t, s)
			tc.down(host)
			app := startCallbackApp(t, s, []string{host.prefix})
			front, took := keyURLFront(t, app, host.url)
			viaFront := *app
			viaFront.url = front
			key := "docs/anonymous/no-key.txt"
			b := binding(key, "anonymous", "docs")
			wantCallbackFailed(t, uploadWithCallback(t, s, &viaFront, key, &b))
			r := app.answer(t)
			wantError(t, r, http.StatusServiceUnavailable, "ServiceUnavailable", "public key unavailable")
			if got := r.header.Get("Retry-After"); got != "5" {
				t.Errorf("Retry-After %q, want 5 (like the other 503s)", got)
			}
			if d := <-took; d >= ossCallbackWait {
				t.Errorf("the callback was answered after %v, past OSS's %v wait", d, ossCallbackWait)
			}
			// The upload itself stays stored, as OSS's 203 says.
			if _, ok := stored(t, s, key); !ok {
				t.Error("the uploaded object is gone")
			}
		})
	}
}
