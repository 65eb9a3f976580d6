package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"
)

// Mode says how callers authenticate.
type Mode string

// The modes. The configuration (AUTH_MODE, ossdirect dev --auth) spells
// them exactly like this.
const (
	ModeNone   Mode = "none"   // everyone is AnonymousID
	ModeJWT    Mode = "jwt"    // Authorization: Bearer <token>
	ModeAPIKey Mode = "apikey" // X-Api-Key or Authorization: ApiKey
)

// Rules the settings must meet. shared/config applies them to the
// environment variables and the CLI to its flags, each naming its own
// setting in the error; [New] enforces MinSecretLen itself.
const (
	// MinSecretLen is the shortest HS256 secret accepted, in bytes.
	MinSecretLen = 32
	// MinAPIKeyLen is the shortest API key accepted.
	MinAPIKeyLen = 16
)

var apiKeySubject = regexp.MustCompile(`^[^\s:,]{1,128}$`)

// CheckAPIKeySubject reports whether subject may stand for an API key:
// 1-128 characters without spaces, ':' or ',' (it becomes {sub} in object
// keys). The error names no setting; the caller prefixes its own.
func CheckAPIKeySubject(subject string) error {
	if !apiKeySubject.MatchString(subject) {
		return errors.New("the subject must be 1-128 characters without spaces, ':' or ','")
	}
	return nil
}

// CheckAPIKey reports whether key is long enough. The error never contains
// the key and names no setting; the caller prefixes its own.
func CheckAPIKey(key string) error {
	if len(key) < MinAPIKeyLen {
		return fmt.Errorf("key too short, want at least %d characters", MinAPIKeyLen)
	}
	return nil
}

// Config configures an [Authenticator]. Mode is required, and the settings
// of that mode; the rest has defaults. shared/config builds it from
// AUTH_MODE, JWT_* and API_KEYS, `ossdirect dev` from its --auth, --jwt-*
// and --api-key flags.
type Config struct {
	// Mode is ModeNone, ModeJWT or ModeAPIKey (AUTH_MODE).
	Mode Mode
	// JWTSecret is the HS256 shared secret, at least MinSecretLen bytes
	// (JWT_HS256_SECRET); exclusive with JWKSURL. Secret: never logged.
	JWTSecret string
	// JWKSURL is the absolute http(s) URL of the RS256/PS256/ES256/ES384
	// key set (JWT_JWKS_URL); exclusive with JWTSecret.
	JWKSURL string
	// Issuer and Audience, when set, must match the token's iss and aud
	// (JWT_ISSUER, JWT_AUDIENCE).
	Issuer, Audience string
	// APIKeys maps each API key to its subject (API_KEYS). Secret: never
	// logged.
	APIKeys map[string]string

	// HTTPClient fetches the JWKS. Nil means a client with a 5s timeout
	// that follows at most 3 redirects and only to the same host (never
	// from https to http), and ignores proxy environment variables. A
	// client given here is used as is, redirect policy included. Each fetch
	// is also bounded to 5s by its context.
	HTTPClient interface {
		Do(*http.Request) (*http.Response, error)
	}
	// Now returns the current time for token validation and the JWKS
	// cache. Nil means time.Now.
	Now func() time.Time
	// Logger receives the mode "none" warning and JWKS fetch results. Nil
	// discards them. Nothing secret is ever logged.
	Logger *slog.Logger
	// JWKSRefresh is how long a fetched JWKS is used before it is fetched
	// again. Zero means DefaultJWKSRefresh (10m); negative is an error.
	// Fetches are never closer than MinJWKSFetchInterval (30s).
	JWKSRefresh time.Duration
	// Leeway is the clock leeway allowed on exp, nbf and iat. Zero means
	// DefaultLeeway (30s); negative is an error.
	Leeway time.Duration
}

// LogValue renders the settings for logs without the secret or the keys.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("mode", string(c.Mode)), slog.Bool("jwtSecretSet", c.JWTSecret != ""),
		slog.String("jwksURL", c.JWKSURL), slog.String("issuer", c.Issuer),
		slog.String("audience", c.Audience), slog.Int("apiKeys", len(c.APIKeys)),
	)
}
