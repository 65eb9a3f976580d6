package ossemu

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	noCORS := newHarness(t, func(c *Config) { c.CORSOrigins = nil })
	tests := []struct {
		name    string
		h       *harness
		path    string
		origin  string
		method  string
		headers string
		status  int
		code    string
	}{
		{name: "allowed origin", h: h, path: "/" + testBucket + "/a.png", origin: "http://app.example.com", method: "PUT",
			headers: "content-type,x-oss-date,authorization,x-oss-security-token", status: 200},
		{name: "wildcard origin", h: h, path: "/" + testBucket + "/a.png", origin: "http://feature-1.dev.example.com", method: "GET", status: 200},
		{name: "post object preflight", h: h, path: "/" + testBucket, origin: "http://app.example.com", method: "POST", status: 200},
		{name: "origin not allowed", h: h, path: "/" + testBucket + "/a.png", origin: "http://evil.example.net", method: "PUT", status: 403, code: "AccessForbidden"},
		{name: "wildcard needs a subdomain", h: h, path: "/" + testBucket + "/a.png", origin: "http://dev.example.com", method: "PUT", status: 403, code: "AccessForbidden"},
		{name: "method not allowed", h: h, path: "/" + testBucket + "/a.png", origin: "http://app.example.com", method: "PATCH", status: 403, code: "AccessForbidden"},
		{name: "missing origin", h: h, path: "/" + testBucket + "/a.png", method: "PUT", status: 400, code: "BadRequest"},
		{name: "missing request method", h: h, path: "/" + testBucket + "/a.png", origin: "http://app.example.com", status: 400, code: "BadRequest"},
		{name: "no CORS rule", h: noCORS, path: "/" + testBucket + "/a.png", origin: "http://app.example.com", method: "PUT", status: 403, code: "AccessForbidden"},
		{name: "unknown bucket", h: h, path: "/nope-bucket/a.png", origin: "http://app.example.com", method: "PUT", status: 404, code: "NoSuchBucket"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodOptions, tc.h.ts.URL+tc.path, nil)
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if tc.method != "" {
				req.Header.Set("Access-Control-Request-Method", tc.method)
			}
			if tc.headers != "" {
				req.Header.Set("Access-Control-Request-Headers", tc.headers)
			}
			resp, body := do(t, req)
			if tc.code != "" {
				wantError(t, resp, body, tc.status, tc.code)
				if resp.Header.Get("Access-Control-Allow-Origin") != "" {
					t.Error("refused preflight carries Access-Control-Allow-Origin")
				}
				return
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			hd := resp.Header
			if hd.Get("Access-Control-Allow-Origin") != tc.origin || !strings.Contains(hd.Get("Access-Control-Allow-Methods"), tc.method) ||
				hd.Get("Access-Control-Allow-Headers") != tc.headers || !strings.Contains(hd.Get("Access-Control-Expose-Headers"), "ETag") ||
				!strings.Contains(hd.Get("Access-Control-Expose-Headers"), "x-oss-request-id") || hd.Get("Access-Control-Max-Age") == "" {
				t.Errorf("preflight headers: %v", hd)
			}
		})
	}
}

func TestCORSActualRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.seed("c.txt", []byte("cors"))
	tests := []struct {
		name      string
		origin    string
		signed    bool
		status    int
		wantAllow bool
	}{
		{"allowed origin", "http://app.example.com", true, 200, true},
		{"allowed origin on an error", "http://app.example.com", false, 403, true},
		{"other origin", "http://evil.example.net", true, 200, false},
		{"no origin", "", true, 200, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodGet, h.ts.URL+"/"+testBucket+"/c.txt", nil)
			if tc.signed {
				req = h.signedRequest(http.MethodGet, "c.txt", nil, nil, false, rootCreds, time.Now())
			}
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, _ := do(t, req)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d", resp.StatusCode)
			}
			allow := resp.Header.Get("Access-Control-Allow-Origin")
			if tc.wantAllow != (allow == tc.origin && allow != "") {
				t.Errorf("Access-Control-Allow-Origin = %q", allow)
			}
			if tc.wantAllow && !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "ETag") {
				t.Errorf("Expose-Headers = %q", resp.Header.Get("Access-Control-Expose-Headers"))
			}
			if tc.origin != "" && resp.Header.Get("Vary") != "Origin" {
				t.Errorf("Vary = %q", resp.Header.Get("Vary"))
			}
		})
	}
}
