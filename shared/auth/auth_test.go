package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"ossdirect/shared/config"
)

func TestNone(t *testing.T) {
	t.Parallel()
	logs := &logBuf{}
	a := newAuth(t, Config{Auth: config.Auth{Mode: config.AuthNone}, Logger: logs.logger()})
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
		if err != nil || got != (Subject{ID: AnonymousID, Mode: config.AuthNone}) {
			t.Errorf("Authenticate(%v) = %+v, %v; want anonymous", r.Header, got, err)
		}
	}
	if c := a.Challenge(); c != "" {
		t.Errorf("Challenge = %q, want empty", c)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	jwks := config.Auth{Mode: config.AuthJWT, JWKSURL: "https://idp.example/jwks"}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" means success
	}{
		{name: "none", cfg: Config{Auth: config.Auth{Mode: config.AuthNone}}},
		{name: "jwt secret", cfg: Config{Auth: config.Auth{Mode: config.AuthJWT, JWTSecret: testSecret}}},
		{name: "jwt jwks", cfg: Config{Auth: jwks}},
		{name: "apikey", cfg: Config{Auth: config.Auth{Mode: config.AuthAPIKey, APIKeys: map[string]string{keyAlice: "alice"}}}},
		{name: "empty mode", cfg: Config{}, wantErr: `mode ""`},
		{name: "unknown mode", cfg: Config{Auth: config.Auth{Mode: "oauth"}}, wantErr: `mode "oauth"`},
		{name: "jwt without keys", cfg: Config{Auth: config.Auth{Mode: config.AuthJWT}}, wantErr: "needs an HS256 secret or a JWKS URL"},
		{name: "jwt with both", cfg: Config{Auth: config.Auth{Mode: config.AuthJWT, JWTSecret: testSecret, JWKSURL: jwks.JWKSURL}}, wantErr: "not both"},
		{name: "short secret", cfg: Config{Auth: config.Auth{Mode: config.AuthJWT, JWTSecret: "short-secret"}}, wantErr: "shorter than 32 bytes"},
		{name: "relative JWKS URL", cfg: Config{Auth: config.Auth{Mode: config.AuthJWT, JWKSURL: "/jwks"}}, wantErr: "absolute http(s) URL"},
		{name: "ftp JWKS URL", cfg: Config{Auth: config.Auth{Mode: config.AuthJWT, JWKSURL: "ftp://idp.example/jwks"}}, wantErr: "absolute http(s) URL"},
		{name: "negative leeway", cfg: Config{Auth: jwks, Leeway: -time.Second}, wantErr: "Leeway"},
		{name: "negative refresh", cfg: Config{Auth: jwks, JWKSRefresh: -time.Second}, wantErr: "JWKSRefresh"},
		{name: "apikey without keys", cfg: Config{Auth: config.Auth{Mode: config.AuthAPIKey}}, wantErr: "at least one API key"},
		{name: "apikey empty key", cfg: Config{Auth: config.Auth{Mode: config.AuthAPIKey, APIKeys: map[string]string{"": "alice"}}}, wantErr: "empty"},
		{name: "apikey empty subject", cfg: Config{Auth: config.Auth{Mode: config.AuthAPIKey, APIKeys: map[string]string{keyAlice: ""}}}, wantErr: "empty subject"},
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

func TestHTTPStatus(t *testing.T) {
	t.Parallel()
	var a *Authenticator // HTTPStatus needs no state
	tests := []struct {
		err  error
		want int
	}{
		{nil, http.StatusOK},
		{ErrMissingCredentials, http.StatusUnauthorized},
		{fmt.Errorf("%w: detail", ErrInvalidCredentials), http.StatusUnauthorized},
		{ErrExpired, http.StatusUnauthorized},
		{ErrWrongAudience, http.StatusUnauthorized},
		{ErrWrongIssuer, http.StatusUnauthorized},
		{fmt.Errorf("wrapped: %w", ErrUnavailable), http.StatusServiceUnavailable},
		{ErrConfig, http.StatusInternalServerError},
		{errors.New("something else"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.err), func(t *testing.T) {
			t.Parallel()
			if got := a.HTTPStatus(tt.err); got != tt.want {
				t.Errorf("HTTPStatus(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestChallenge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		auth config.Auth
		want string
	}{
		{"jwt", config.Auth{Mode: config.AuthJWT, JWTSecret: testSecret}, `Bearer realm="ossdirect"`},
		{"apikey", config.Auth{Mode: config.AuthAPIKey, APIKeys: map[string]string{keyAlice: "alice"}}, "ApiKey"},
		{"none", config.Auth{Mode: config.AuthNone}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := newAuth(t, Config{Auth: tt.auth}).Challenge(); got != tt.want {
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
		Auth:   config.Auth{Mode: config.AuthJWT, JWTSecret: testSecret},
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
	HTTPStatus(error) int
	Challenge() string
} = (*Authenticator)(nil)
