package api_test

import (
	"net/http"
	"strings"
	"testing"

	"ossdirect/internal/localcloud/devstack"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	const app = "https://app.example.test"
	s := startStack(t, devstack.Config{CORSOrigins: []string{app}})
	preflight := []string{"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, content-type"}

	tests := []struct {
		name     string
		method   string
		path     string
		header   []string
		status   int
		wantCORS bool // Access-Control-Allow-Origin is the origin
	}{
		{name: "preflight from an allowed origin", method: http.MethodOptions, path: "/post-signature",
			header: append([]string{"Origin", app}, preflight...), status: http.StatusNoContent, wantCORS: true},
		{name: "preflight of a seed route from an allowed origin", method: http.MethodOptions, path: "/get_sts_token_for_oss_upload",
			header: append([]string{"Origin", app}, preflight...), status: http.StatusNoContent, wantCORS: true},
		{name: "preflight from another origin", method: http.MethodOptions, path: "/post-signature",
			header: append([]string{"Origin", "https://evil.example.test"}, preflight...), status: http.StatusForbidden},
		{name: "preflight from a look-alike origin", method: http.MethodOptions, path: "/presigned-url",
			header: append([]string{"Origin", app + ".evil.example"}, preflight...), status: http.StatusForbidden},
		{name: "preflight without an origin", method: http.MethodOptions, path: "/sts-token", header: preflight, status: http.StatusForbidden},
		{name: "request from an allowed origin", method: http.MethodGet, path: "/post-signature?profile=docs&filename=a.txt",
			header: []string{"Origin", app}, status: http.StatusOK, wantCORS: true},
		{name: "error answer to an allowed origin is readable", method: http.MethodGet, path: "/post-signature?profile=nope",
			header: []string{"Origin", app}, status: http.StatusNotFound, wantCORS: true},
		{name: "request from another origin gets no CORS headers", method: http.MethodGet, path: "/post-signature?profile=docs&filename=a.txt",
			header: []string{"Origin", "https://evil.example.test"}, status: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, tt.method, s.API+tt.path, "", tt.header...)
			switch tt.status {
			case http.StatusForbidden:
				wantError(t, r, http.StatusForbidden, "Forbidden", "origin", "not allowed")
			default:
				if r.status != tt.status {
					t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
				}
			}
			h := r.header
			if got := h.Get("Access-Control-Allow-Origin"); (got == app) != tt.wantCORS || (!tt.wantCORS && got != "") {
				t.Errorf("Access-Control-Allow-Origin %q, want it set to the origin: %v", got, tt.wantCORS)
			}
			if !strings.Contains(h.Get("Vary"), "Origin") {
				t.Errorf("Vary %q, want Origin", h.Get("Vary"))
			}
			if tt.wantCORS && !strings.Contains(h.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
				t.Errorf("Access-Control-Expose-Headers %q, want X-Request-Id", h.Get("Access-Control-Expose-Headers"))
			}
			if tt.method == http.MethodOptions && tt.wantCORS {
				for name, want := range map[string][]string{
					"Access-Control-Allow-Methods": {"GET", "POST"},
					"Access-Control-Allow-Headers": {"Authorization", "Content-Type", "X-Api-Key"},
				} {
					for _, w := range want {
						if !strings.Contains(h.Get(name), w) {
							t.Errorf("%s %q, want %s", name, h.Get(name), w)
						}
					}
				}
				if h.Get("Access-Control-Max-Age") == "" {
					t.Error("no Access-Control-Max-Age")
				}
				if len(r.body) != 0 {
					t.Errorf("preflight body %q, want none", r.body)
				}
			}
		})
	}
}
