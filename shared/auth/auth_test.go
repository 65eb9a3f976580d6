package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestNone(t *testing.T) {
	t.Parallel()
	logs := &logBuf{}
	a := newAuth(t, Config{Mode: ModeNone, Logger: logs.logger()})
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "anyone may ask for upload grants") {
		t.Errorf("New in mode none logged %q, want a WARN that anyone may ask for grants", logs)
	}
	for _, r := range []*http.Request{
		request(),
		request("Authorization", "Bearer whatever"),
		request("Authorization", "@@@"),
		request("X-Api-Key", "x", "X-Api-Key", "y"),
	} {
		got, err := a.Authenticate(r)
		if err != nil || got != (Subject{ID: AnonymousID, Mode: ModeNone}) {
			t.Errorf("Authenticate(%v) = %+v, %v; want anonymous", r.Header, got, err)
		}
	}
	if c := a.Challenge(); c != "" {
		t.Errorf("Challenge = %q, want empty", c)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	jwks := Config{Mode: ModeJWT, JWKSURL: "https://idp.example/jwks"}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" means success
	}{
		{name: "none", cfg: Config{Mode: ModeNone}},
		{name: "jwt secret", cfg: Config{Mode: ModeJWT, JWTSecret: testSecret}},
		{name: "jwt jwks", cfg: jwks},
		{name: "apikey", cfg: Config{Mode: ModeAPIKey, APIKeys: map[string]string{keyAlice: "alice"}}},
		{name: "empty mode", cfg: Config{}, wantErr: `mode ""`},
		{name: "unknown mode", cfg: Config{Mode: "oauth"}, wantErr: `mode "oauth"`},
		{name: "jwt without keys", cfg: Config{Mode: ModeJWT}, wantErr: "needs an HS256 secret or a JWKS URL"},
		{name: "jwt with both", cfg: Config{Mode: ModeJWT, JWTSecret: testSecret, JWKSURL: jwks.JWKSURL}, wantErr: "not both"},
		{name: "short secret", cfg: Config{Mode: ModeJWT, JWTSecret: "short-secret"}, wantErr: "shorter than 32 bytes"},
		{name: "relative JWKS URL", cfg: Config{Mode: ModeJWT, JWKSURL: "/jwks"}, wantErr: "absolute http(s) URL"},
		{name: "ftp JWKS URL", cfg: Config{Mode: ModeJWT, JWKSURL: "ftp://idp.example/jwks"}, wantErr: "absolute http(s) URL"},
		{name: "negative leeway", cfg: with(jwks, func(c *Config) { c.Leeway = -time.Second }), wantErr: "Leeway"},
		{name: "negative refresh", cfg: with(jwks, func(c *Config) { c.JWKSRefresh = -time.Second }), wantErr: "JWKSRefresh"},
		{name: "apikey without keys", cfg: Config{Mode: ModeAPIKey}, wantErr: "at least one API key"},
		{name: "apikey empty key", cfg: Config{Mode: ModeAPIKey, APIKeys: map[string]string{"": "alice"}}, wantErr: "empty"},
		{name: "apikey empty subject", cfg: Config{Mode: ModeAPIKey, APIKeys: map[string]string{keyAlice: ""}}, wantErr: "empty subject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil || a == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want ErrConfig containing %q", err, tt.wantErr)
			}
			for _, s := range []string{testSecret, keyAlice, "short-secret"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q repeats a secret", err)
				}
			}
		})
	}
}

// with returns a copy of c changed by f.
func with(c Config, f func(*Config)) Config { f(&c); return c }

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err      error
		kind     error
		text     string // Error()
		message  string // Message(), what a client may see
		notKinds []error
	}{
		{errorf(ErrMissingCredentials, "no Authorization header"), ErrMissingCredentials,
			"auth: missing credentials: no Authorization header", "missing credentials: no Authorization header", nil},
		{errorf(ErrInvalidCredentials, "API key not recognised"), ErrInvalidCredentials,
			"auth: invalid credentials: API key not recognised", "invalid credentials: API key not recognised", []error{ErrMissingCredentials}},
		{errorf(ErrExpired, "token expired at %s", "2026-05-01T10:00:00Z"), ErrExpired,
			"auth: token expired or not yet valid: token expired at 2026-05-01T10:00:00Z", "token expired or not yet valid: token expired at 2026-05-01T10:00:00Z", nil},
		// A reason that happens to contain another package's prefix is
		// kept as it is: nothing is stripped from the text.
		{errorf(ErrWrongIssuer, "issuer %q not accepted", "auth: upload: x"), ErrWrongIssuer,
			`auth: wrong issuer: issuer "auth: upload: x" not accepted`, `wrong issuer: issuer "auth: upload: x" not accepted`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			var e *Error
			if !errors.As(fmt.Errorf("wrapped: %w", tt.err), &e) {
				t.Fatalf("%v is not an *Error", tt.err)
			}
			if !errors.Is(tt.err, tt.kind) || e.Kind != tt.kind {
				t.Errorf("%v: kind %v, want %v", tt.err, e.Kind, tt.kind)
			}
			for _, k := range tt.notKinds {
				if errors.Is(tt.err, k) {
					t.Errorf("%v matches %v", tt.err, k)
				}
			}
			if got := tt.err.Error(); got != tt.text {
				t.Errorf("Error() = %q, want %q", got, tt.text)
			}
			if got := e.Message(); got != tt.message {
				t.Errorf("Message() = %q, want %q", got, tt.message)
			}
		})
	}
}

func TestChallenge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		auth Config
		want string
	}{
		{"jwt", Config{Mode: ModeJWT, JWTSecret: testSecret}, `Bearer realm="ossdirect"`},
		{"apikey", Config{Mode: ModeAPIKey, APIKeys: map[string]string{keyAlice: "alice"}}, "ApiKey"},
		{"none", Config{Mode: ModeNone}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := newAuth(t, tt.auth).Challenge(); got != tt.want {
				t.Errorf("Challenge = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAuthenticateNilRequest(t *testing.T) {
	t.Parallel()
	a := hsAuth(t, newClock())
	if _, err := a.Authenticate(nil); !errors.Is(err, ErrMissingCredentials) {
		t.Errorf("Authenticate(nil) = %v, want ErrMissingCredentials", err)
	}
}

func TestLeewayIsConfigurable(t *testing.T) {
	t.Parallel()
	clk := newClock()
	a := newAuth(t, Config{
		Mode: ModeJWT, JWTSecret: testSecret,
		Now:    clk.Now,
		Leeway: 2 * time.Minute,
	})
	tok := mint(t, jwt.SigningMethodHS256, []byte(testSecret), "", claims(clk.Now(), map[string]any{"exp": clk.Now().Add(-90 * time.Second).Unix(), "iat": nil, "nbf": nil}), nil)
	got, err := a.Authenticate(bearer(tok))
	checkResult(t, got, err, nil, "user-1", "")
	clk.Advance(time.Minute)
	got, err = a.Authenticate(bearer(tok))
	checkResult(t, got, err, ErrExpired, "", "leeway 2m0s")
}

// The HTTP layer (shared/api) consumes the Authenticator through this
// method set.
var _ interface {
	Authenticate(*http.Request) (Subject, error)
	Challenge() string
} = (*Authenticator)(nil)
