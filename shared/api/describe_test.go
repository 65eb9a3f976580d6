package api_test

import (
	"net/http"
	"testing"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/shared/auth"
)

func TestDescribeProfile(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{Auth: auth.Config{Mode: auth.ModeAPIKey, APIKeys: map[string]string{aliceKey: "alice"}}})
	var d struct {
		Profile      string   `json:"profile"`
		ContentTypes []string `json:"contentTypes"`
		Accept       string   `json:"accept"`
		MinSize      int64    `json:"minSize"`
		MaxSize      int64    `json:"maxSize"`
		Naming       string   `json:"naming"`
		Callback     bool     `json:"callback"`
		Expires      string   `json:"expires"`
		Multipart    struct {
			MinPartSize int64 `json:"minPartSize"`
			MaxParts    int   `json:"maxParts"`
		} `json:"multipart"`
	}
	call(t, http.MethodGet, s.API+"/post-signature/profile?profile=images", "", "X-Api-Key", aliceKey).decode(t, &d)
	if d.Profile != "images" || d.Accept != "image/png,image/jpeg" || d.MinSize != 10 || d.MaxSize != 65536 || d.Naming != "uuid" ||
		!d.Callback || d.Expires != "10m0s" || d.Multipart.MinPartSize != 100<<10 || d.Multipart.MaxParts != 10000 {
		t.Errorf("describe images: %+v", d)
	}
	for _, tc := range []struct {
		name, url string
		header    []string
		status    int
		code      string
		mentions  []string
	}{
		{"no credentials", "/post-signature/profile?profile=images", nil, 401, "Unauthorized", nil},
		{"unknown profile", "/post-signature/profile?profile=nope", []string{"X-Api-Key", aliceKey}, 404, "NoSuchProfile", []string{"nope"}},
		{"several profiles, none named", "/post-signature/profile", []string{"X-Api-Key", aliceKey}, 400, "InvalidArgument", []string{"profile: required", "images"}},
		{"unknown parameter", "/post-signature/profile?profile=images&size=3", []string{"X-Api-Key", aliceKey}, 400, "InvalidArgument", []string{"size: unknown parameter"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, call(t, http.MethodGet, s.API+tc.url, "", tc.header...), tc.status, tc.code, tc.mentions...)
		})
	}
	if r := call(t, http.MethodPost, s.API+"/post-signature/profile?profile=images", "", "X-Api-Key", aliceKey); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", r.status)
	}
}
