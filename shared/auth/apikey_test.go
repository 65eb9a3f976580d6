package auth

import (
	"net/http"
	"strings"
	"testing"
)

const (
	keyAlice = "alice-key-0123456789abcdef"
	keyBob   = "bob:key with spaces & symbols!"
)

func apiKeyAuth(t testing.TB) *Authenticator {
	return newAuth(t, Config{Mode: ModeAPIKey, APIKeys: map[string]string{
		keyAlice: "alice",
		keyBob:   "bob",
	}})
}

func TestAuthenticateAPIKey(t *testing.T) {
	t.Parallel()
	a := apiKeyAuth(t)
	tests := []struct {
		name    string
		req     *http.Request
		wantErr error
		wantSub string
		wantMsg string
	}{
		{name: "X-Api-Key", req: request("X-Api-Key", keyAlice), wantSub: "alice"},
		{name: "X-Api-Key, any case", req: request("x-api-key", keyBob), wantSub: "bob"},
		{name: "X-Api-Key with white space", req: request("X-Api-Key", "  "+keyAlice+"\t"), wantSub: "alice"},
		{name: "Authorization ApiKey", req: request("Authorization", "ApiKey "+keyAlice), wantSub: "alice"},
		{name: "Authorization apikey, key with spaces", req: request("Authorization", "apikey "+keyBob), wantSub: "bob"},
		{name: "X-Api-Key beside another scheme", req: request("X-Api-Key", keyAlice, "Authorization", "Basic dXNlcjpwYXNz"), wantSub: "alice"},

		{name: "unknown key", req: request("X-Api-Key", "mallory-key-0123456789abcdef"), wantErr: ErrInvalidCredentials, wantMsg: "API key not recognised"},
		{name: "prefix of a key", req: request("X-Api-Key", keyAlice[:len(keyAlice)-1]), wantErr: ErrInvalidCredentials},
		{name: "key plus a byte", req: request("X-Api-Key", keyAlice+"x"), wantErr: ErrInvalidCredentials},
		{name: "key in other case", req: request("X-Api-Key", strings.ToUpper(keyAlice)), wantErr: ErrInvalidCredentials},
		{name: "unknown key via Authorization", req: request("Authorization", "ApiKey nope-nope-nope-nope"), wantErr: ErrInvalidCredentials},
		{name: "missing", req: request(), wantErr: ErrMissingCredentials},
		{name: "empty X-Api-Key", req: request("X-Api-Key", " "), wantErr: ErrMissingCredentials},
		{name: "empty Authorization", req: request("Authorization", ""), wantErr: ErrMissingCredentials},
		{name: "ApiKey scheme without key", req: request("Authorization", "ApiKey"), wantErr: ErrInvalidCredentials, wantMsg: "no key"},
		{name: "Bearer scheme", req: request("Authorization", "Bearer "+keyAlice), wantErr: ErrInvalidCredentials, wantMsg: `scheme "Bearer" not accepted, want ApiKey`},
		{name: "bare key in Authorization", req: request("Authorization", keyAlice), wantErr: ErrInvalidCredentials, wantMsg: "(unrecognised)"},
		{name: "both headers", req: request("X-Api-Key", keyAlice, "Authorization", "ApiKey "+keyAlice), wantErr: ErrInvalidCredentials, wantMsg: "both"},
		{name: "two X-Api-Key headers", req: request("X-Api-Key", keyAlice, "X-Api-Key", keyBob), wantErr: ErrInvalidCredentials, wantMsg: "sent 2 times"},
		{name: "oversized key", req: request("X-Api-Key", strings.Repeat("k", maxAPIKeyLen+1)), wantErr: ErrInvalidCredentials, wantMsg: "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := a.Authenticate(tt.req)
			checkResult(t, got, err, tt.wantErr, tt.wantSub, tt.wantMsg, keyAlice, keyBob, strings.TrimSpace(tt.req.Header.Get("X-Api-Key")))
			if err == nil && got.Mode != ModeAPIKey {
				t.Errorf("mode = %q, want %q", got.Mode, ModeAPIKey)
			}
		})
	}
}

// TestAPIKeyLookupVisitsEveryKey pins the constant-time property the doc
// promises in the one way a test can: lookup finds keys in every position
// and the digests, not the keys, are stored.
func TestAPIKeyLookupVisitsEveryKey(t *testing.T) {
	t.Parallel()
	m := map[string]string{}
	for i := range 20 {
		m[strings.Repeat(string(rune('a'+i)), 16+i)] = string(rune('A' + i))
	}
	a := newAuth(t, Config{Mode: ModeAPIKey, APIKeys: m})
	for key, want := range m {
		if got, ok := a.lookup(key); !ok || got != want {
			t.Errorf("lookup(%q) = %q, %v; want %q", key, got, ok, want)
		}
	}
	if _, ok := a.lookup(""); ok {
		t.Error("lookup(\"\") matched")
	}
}
