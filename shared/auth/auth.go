package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// DefaultJWKSRefresh is how long a fetched JWKS is used before it is
	// fetched again.
	DefaultJWKSRefresh = 10 * time.Minute
	// DefaultLeeway is the clock leeway allowed on exp, nbf and iat.
	DefaultLeeway = 30 * time.Second
	// MinJWKSFetchInterval is the shortest time between two JWKS fetches,
	// whatever triggers them: a token with an unknown kid, an expired
	// cache, or a failed earlier fetch.
	MinJWKSFetchInterval = 30 * time.Second
	// MaxSubjectLen is the longest accepted sub claim, in bytes.
	MaxSubjectLen = 256
	// AnonymousID is the subject ID of every request in mode "none".
	AnonymousID = "anonymous"
	// Realm is the realm named in the Bearer challenge.
	Realm = "ossdirect"

	// jwksFetchTimeout bounds one JWKS fetch, whatever the HTTPClient's
	// own timeouts.
	jwksFetchTimeout = 5 * time.Second
)

// doer sends an HTTP request; *http.Client implements it. It is the only
// way this package reaches the network.
type doer = interface {
	Do(*http.Request) (*http.Response, error)
}

// Subject is who is asking.
type Subject struct {
	// ID is the token's sub claim (jwt), the API key's subject (apikey) or
	// AnonymousID (none). It is never empty.
	ID string
	// Mode is the mode that produced ID.
	Mode Mode
}

// Authenticator turns an *http.Request into a [Subject]. It is safe for
// concurrent use.
type Authenticator struct {
	mode Mode

	// jwt
	parser   *jwt.Parser
	algs     []string // accepted alg values, in preference order
	secret   []byte   // HS256 key, nil with a JWKS
	jwks     *keyCache
	audience string
	issuer   string
	leeway   time.Duration
	now      func() time.Time

	// apikey
	keys []apiKey
}

// New checks cfg and returns an Authenticator for cfg.Mode. Mode "none"
// logs a warning that anyone may ask for upload grants. New does not touch
// the network: the JWKS is fetched when the first token needs it. Errors
// wrap ErrConfig and never contain a secret.
func New(cfg Config) (*Authenticator, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	a := &Authenticator{mode: cfg.Mode, now: now}

	switch cfg.Mode {
	case ModeNone:
		log.Warn("auth: AUTH_MODE is none: anyone may ask for upload grants, all as subject " + AnonymousID)
	case ModeJWT:
		if err := a.initJWT(cfg, log); err != nil {
			return nil, err
		}
	case ModeAPIKey:
		keys, err := newAPIKeys(cfg.APIKeys)
		if err != nil {
			return nil, err
		}
		a.keys = keys
	default:
		return nil, errorf(ErrConfig, "mode %q: want %q, %q or %q", echo(string(cfg.Mode)), ModeNone, ModeJWT, ModeAPIKey)
	}
	return a, nil
}

func (a *Authenticator) initJWT(cfg Config, log *slog.Logger) error {
	refresh := cfg.JWKSRefresh
	switch {
	case refresh == 0:
		refresh = DefaultJWKSRefresh
	case refresh < 0:
		return errorf(ErrConfig, "JWKSRefresh %v is negative", refresh)
	}
	a.leeway = cfg.Leeway
	switch {
	case a.leeway == 0:
		a.leeway = DefaultLeeway
	case a.leeway < 0:
		return errorf(ErrConfig, "Leeway %v is negative", a.leeway)
	}

	secret, jwksURL := cfg.JWTSecret, cfg.JWKSURL
	switch {
	case secret != "" && jwksURL != "":
		return errorf(ErrConfig, "jwt mode takes an HS256 secret or a JWKS URL, not both")
	case secret != "":
		if len(secret) < MinSecretLen {
			return errorf(ErrConfig, "HS256 secret is shorter than %d bytes", MinSecretLen)
		}
		a.secret = []byte(secret)
		a.algs = []string{jwt.SigningMethodHS256.Alg()}
	case jwksURL != "":
		u, err := url.Parse(jwksURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errorf(ErrConfig, "JWKS URL must be an absolute http(s) URL")
		}
		client := cfg.HTTPClient
		if client == nil {
			client = newDefaultClient()
		}
		a.jwks = &keyCache{
			url:     u,
			client:  client,
			now:     a.now,
			refresh: refresh,
			log:     log,
		}
		a.algs = []string{"RS256", "PS256", "ES256", "ES384"}
	default:
		return errorf(ErrConfig, "jwt mode needs an HS256 secret or a JWKS URL")
	}

	a.audience, a.issuer = cfg.Audience, cfg.Issuer
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(a.algs),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(a.leeway),
		jwt.WithTimeFunc(a.now),
		jwt.WithStrictDecoding(),
	}
	if a.issuer != "" {
		opts = append(opts, jwt.WithIssuer(a.issuer))
	}
	if a.audience != "" {
		opts = append(opts, jwt.WithAudience(a.audience))
	}
	a.parser = jwt.NewParser(opts...)
	return nil
}

// Authenticate says who sent r.
//
//   - Mode "jwt": r must carry "Authorization: Bearer <token>" (the scheme
//     name is case-insensitive). Tokens in the URL (an access_token query
//     parameter, RFC 6750 §2.3) are deliberately not accepted: URLs end up
//     in access logs, proxy logs, browser history and Referer headers.
//     Form-encoded body tokens are not accepted either.
//   - Mode "apikey": r must carry "X-Api-Key: <key>" or
//     "Authorization: ApiKey <key>", not both.
//   - Mode "none": every request is AnonymousID; headers are ignored.
//
// Errors are [*Error] values wrapping one of the package's sentinels.
// Authenticate may fetch the JWKS, bounded by r's context and a 5s
// timeout.
func (a *Authenticator) Authenticate(r *http.Request) (Subject, error) {
	if r == nil {
		return Subject{}, errorf(ErrMissingCredentials, "no request")
	}
	switch a.mode {
	case ModeNone:
		return Subject{ID: AnonymousID, Mode: ModeNone}, nil
	case ModeJWT:
		return a.authenticateJWT(r)
	case ModeAPIKey:
		return a.authenticateAPIKey(r)
	}
	return Subject{}, errorf(ErrConfig, "authenticator was not built by New")
}

// Challenge returns the WWW-Authenticate value to send with a 401:
// `Bearer realm="ossdirect"` in mode jwt, `ApiKey` in mode apikey, and ""
// in mode none (which never fails).
func (a *Authenticator) Challenge() string {
	switch a.mode {
	case ModeJWT:
		return `Bearer realm="` + Realm + `"`
	case ModeAPIKey:
		return "ApiKey"
	}
	return ""
}

// newDefaultClient is the JWKS client used when Config.HTTPClient is nil.
func newDefaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // only main reads the environment
	return &http.Client{Transport: t, Timeout: jwksFetchTimeout, CheckRedirect: sameHostRedirect}
}

// sameHostRedirect follows at most 3 redirects, only to the original host
// and never from https to http.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	switch {
	case len(via) >= 3:
		return errors.New("auth: stopped after 3 redirects")
	case !strings.EqualFold(req.URL.Host, first.Host):
		return fmt.Errorf("auth: redirect to another host (%s) refused", req.URL.Host)
	case first.Scheme == "https" && req.URL.Scheme != "https":
		return errors.New("auth: redirect from https to http refused")
	}
	return nil
}
