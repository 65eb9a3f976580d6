package devstack_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ossdirect/internal/localcloud/devstack"
)

func startWebStack(t *testing.T, webDir string, logs io.Writer) *devstack.Stack {
	t.Helper()
	return startStackWith(t, devstack.Config{WebDir: webDir, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
}

type fetched struct {
	status int
	header http.Header
	body   string
}

func fetch(t *testing.T, method, url string) fetched {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fetched{resp.StatusCode, resp.Header, string(b)}
}

// The dev stack serves the upload page's folder at / as static files: the
// right content types for modules and styles, no caching surprises, no
// listings, nothing outside the folder, and the API and status page still
// answer beside it.
func TestWebDirServedAtRoot(t *testing.T) {
	t.Parallel()
	web := t.TempDir()
	outside := t.TempDir()
	files := map[string]string{
		"index.html":             "<!doctype html><title>upload</title>",
		"upload.js":              "export const x = 1;",
		"lib/mod.mjs":            "export default 2;",
		"style.css":              "body{}",
		"node_modules/a/dist.js": "window.A=1",
		".env":                   "SECRET=1",
		"lib/.hidden/x.js":       "no",
	}
	for name, body := range files {
		p := filepath.Join(web, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(web, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(web, "escapedir")); err != nil {
		t.Fatal(err)
	}
	s := startWebStack(t, web, io.Discard)

	for _, c := range []struct{ path, ctype, body string }{
		{"/", "text/html; charset=utf-8", files["index.html"]},
		{"/index.html", "text/html; charset=utf-8", files["index.html"]},
		{"/upload.js", "text/javascript; charset=utf-8", files["upload.js"]},
		{"/lib/mod.mjs", "text/javascript; charset=utf-8", files["lib/mod.mjs"]},
		{"/style.css", "text/css; charset=utf-8", files["style.css"]},
		{"/node_modules/a/dist.js", "text/javascript; charset=utf-8", files["node_modules/a/dist.js"]},
	} {
		got := fetch(t, http.MethodGet, s.API+c.path)
		if got.status != http.StatusOK || got.body != c.body {
			t.Errorf("GET %s = %d %q, want 200 %q", c.path, got.status, got.body, c.body)
		}
		if ct := got.header.Get("Content-Type"); ct != c.ctype {
			t.Errorf("GET %s Content-Type = %q, want %q", c.path, ct, c.ctype)
		}
		if cc := got.header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s Cache-Control = %q, want no-cache", c.path, cc)
		}
	}
	if got := fetch(t, http.MethodHead, s.API+"/upload.js"); got.status != http.StatusOK || got.body != "" {
		t.Errorf("HEAD /upload.js = %d %q", got.status, got.body)
	}
	// No listings, no dot files, nothing through symbolic links that leave the folder.
	for _, p := range []string{"/lib/", "/node_modules/", "/node_modules/a/", "/.env", "/lib/.hidden/x.js", "/escape.txt", "/escapedir/secret.txt", "/missing.js", "/../" + filepath.Base(outside) + "/secret.txt"} {
		got := fetch(t, http.MethodGet, s.API+p)
		if got.status == http.StatusOK || strings.Contains(got.body, "outside") || strings.Contains(got.body, "SECRET") || strings.Contains(got.body, "dist.js") {
			t.Errorf("GET %s = %d %q, want no content", p, got.status, got.body)
		}
	}
	if got := fetch(t, http.MethodGet, s.API+"/lib"); got.status != http.StatusMovedPermanently || got.header.Get("Location") != "/lib/" {
		t.Errorf("GET /lib = %d Location %q, want 301 to /lib/", got.status, got.header.Get("Location"))
	}
	if got := fetch(t, http.MethodPost, s.API+"/upload.js"); got.status != http.StatusMethodNotAllowed {
		t.Errorf("POST /upload.js = %d, want 405", got.status)
	}
	// The API, the status page and the health check still answer.
	if got := fetch(t, http.MethodGet, s.API+"/status"); got.status != http.StatusOK || !strings.Contains(got.body, "local stack") {
		t.Errorf("GET /status = %d %.80q", got.status, got.body)
	}
	if got := fetch(t, http.MethodGet, s.API+"/healthz"); got.status != http.StatusOK {
		t.Errorf("GET /healthz = %d", got.status)
	}
	if got := fetch(t, http.MethodGet, s.API+"/post-signature?filename=a.png"); got.status != http.StatusOK || !strings.Contains(got.body, `"fields"`) {
		t.Errorf("GET /post-signature = %d %.120q", got.status, got.body)
	}
}

// A missing web folder is reported in the log; the API keeps serving and /
// keeps the status page.
func TestWebDirMissing(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	missing := filepath.Join(t.TempDir(), "no-such-web")
	s := startWebStack(t, missing, &logs)
	if !strings.Contains(logs.String(), "web folder not served") || !strings.Contains(logs.String(), "no-such-web") {
		t.Errorf("log does not name the missing web folder:\n%s", logs.String())
	}
	for _, p := range []string{"/", "/status"} {
		if got := fetch(t, http.MethodGet, s.API+p); got.status != http.StatusOK || !strings.Contains(got.body, "local stack") {
			t.Errorf("GET %s = %d %.80q, want the status page", p, got.status, got.body)
		}
	}
	if got := fetch(t, http.MethodGet, s.API+"/post-signature?filename=a.png"); got.status != http.StatusOK {
		t.Errorf("GET /post-signature = %d", got.status)
	}
}
