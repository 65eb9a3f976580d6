// Package api holds the HTTP handlers of the four ossdirect functions —
// post-signature, presigned-url, sts-token and callback — plus the routes
// that answer clients written against Alibaba's server-signature samples.
// Handlers are plain net/http; the FC adapter (shared/fcrun) and the local
// stack mount the same handlers.
//
// A handler authenticates the caller, applies the per-subject rate limit,
// compiles the request into an upload.Grant for the named profile, and
// answers with exactly what the client must send to OSS. Every error goes
// through one writer as JSON {code, message, requestId}; the request id is
// also in the X-Request-Id header and in every log line. The writer's error
// table (errors.go) names each error of the packages below that a client
// may see; any other error is a 500 whose detail only the log gets.
//
// Handlers do not recover panics: the server in front of them does, once
// per binary (shared/fcrun in the functions, fcrun.Recover in front of
// ossdirect dev's API listener), answering 500 with the same body.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"ossdirect/shared/auth"
	"ossdirect/shared/callback"
	"ossdirect/shared/credentials"
	"ossdirect/shared/requestid"
	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
	"ossdirect/shared/uploadevent"
)

// Authenticator says who is asking (shared/auth implements it).
type Authenticator interface {
	// Authenticate returns the subject, or an error wrapping one of
	// auth's sentinels, which the error table maps to 401 or 503.
	Authenticate(r *http.Request) (auth.Subject, error)
	// Challenge is the WWW-Authenticate value sent with 401s.
	Challenge() string
}

// TokenSource issues STS credentials limited by a session policy
// (shared/sts implements it).
type TokenSource interface {
	Credentials(ctx context.Context, subject, profile string, sessionPolicy []byte) (credentials.Value, error)
}

// EventSink receives each verified upload's event (shared/webhook's Sender
// and Log implement it). Deliver returns when the event is delivered, or
// with an error once it will not be (ctx ended, retries spent, refused).
type EventSink interface {
	Deliver(ctx context.Context, e uploadevent.Event) error
}

// Config configures the handlers. Bucket, Region, UploadHost, Profiles,
// Auth and Credentials are required.
type Config struct {
	Bucket string
	Region string
	// UploadHost is the base URL clients send uploads to: PostObject's host
	// and the presigned URLs' origin, e.g.
	// "https://bucket.oss-cn-hangzhou.aliyuncs.com", a custom domain, or
	// "http://127.0.0.1:9000/dev-bucket" on the local stack (path style).
	UploadHost string
	// Endpoint is the OSS endpoint STS clients configure (ali-oss endpoint).
	Endpoint string
	Profiles upload.Profiles
	Auth     Authenticator
	// Credentials are what post-signature and presigned-url sign with,
	// asked once per request; their Expiry (zero: unknown) caps grants. In
	// FC the function role's temporary credentials.
	Credentials credentials.Provider
	// STS issues credentials for sts-token; nil answers 501 NotConfigured.
	STS TokenSource
	// CallbackURL is where OSS posts upload callbacks for profiles with
	// callback: true; empty means such profiles answer 501 NotConfigured.
	CallbackURL string
	// KeyURLPrefixes are where callback public keys may be fetched from;
	// nil means OSS's own gosspublic.alicdn.com prefixes.
	KeyURLPrefixes []string
	// KeyClient fetches callback public keys; nil: a client with a 3s timeout
	// that follows no redirects.
	KeyClient interface {
		Do(*http.Request) (*http.Response, error)
	}
	// GrantSecrets sign every grant's binding (the current secret first,
	// then previous ones still accepted); needed by profiles with callbacks.
	GrantSecrets [][]byte
	// GrantGrace is how long after a grant's expiry its callback is still
	// honoured.
	GrantGrace time.Duration
	// Objects is the callback function's view of the bucket (HEAD, first
	// bytes, delete, move, records), with the function's own credentials;
	// nil makes the callback function answer 501 NotConfigured.
	Objects ObjectStore
	// Multipart is the presigned-url function's view of OSS for presigned
	// multipart uploads (initiate, list parts, complete, abort), with the
	// function's own credentials; nil answers those operations 501.
	Multipart MultipartStore
	// Events receives the callback function's upload events (both
	// channels); nil: none are made.
	Events EventSink
	// CallbackBudget is how long the callback path waits for Events to
	// deliver before answering OSS anyway [3s].
	CallbackBudget time.Duration
	// EventRecords makes deliveries keep records in the bucket (see
	// dedupe.go) so each upload's event reaches Events once across the two
	// channels, retries and replays; it needs Objects. Set it for a
	// webhook, not for a log.
	EventRecords bool
	// EventLease is how long a delivery's claim on an event keeps others
	// away (see dedupe.go) [30s].
	EventLease time.Duration
	// QuarantinePrefix is where onViolation: quarantine moves objects.
	QuarantinePrefix string
	// CORSOrigins may call the handlers from browsers ("*": any).
	CORSOrigins []string
	// Limiter rate-limits grants per subject (shared/ratelimit's Redis
	// limiter, shared by every instance); nil: the in-process token bucket
	// RatePerMinute and RateBurst set, per instance.
	Limiter Limiter
	// RatePerMinute and RateBurst set the per-subject token bucket used
	// when Limiter is nil; a zero RatePerMinute disables it.
	RatePerMinute, RateBurst int
	// SeedProfile is the profile the seed-sample routes use (default "default").
	SeedProfile string
	Now         func() time.Time // nil: time.Now
	Rand        io.Reader        // key UUIDs; nil: crypto/rand
	Logger      *slog.Logger     // nil: discard
}

// Handlers are the four functions' handlers sharing one configuration.
type Handlers struct {
	cfg Config
	log *slog.Logger
	// onlyProfile names the one profile when there is exactly one (the
	// default of a request naming none), else "".
	onlyProfile string
	now         func() time.Time
	limiter     Limiter
	keys        *callback.KeyCache
	dirs        map[string]*regexp.Regexp // each profile's directory (upload.Profile.DirPattern)
	// afterClaim, when set (by tests only), runs once a delivery has
	// claimed an event, before it acts or delivers.
	afterClaim func(eventID string)
}

// New validates cfg and builds the handlers.
func New(cfg Config) (*Handlers, error) {
	var missing []string
	for name, empty := range map[string]bool{
		"Bucket": cfg.Bucket == "", "Region": cfg.Region == "", "UploadHost": cfg.UploadHost == "",
		"Profiles": len(cfg.Profiles) == 0, "Auth": cfg.Auth == nil, "Credentials": cfg.Credentials == nil,
	} {
		if empty {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, errors.New("api: config needs " + strings.Join(missing, ", "))
	}
	cfg.UploadHost = strings.TrimSuffix(cfg.UploadHost, "/")
	cfg.Region = signing.RegionID(cfg.Region)
	if cfg.SeedProfile == "" {
		cfg.SeedProfile = "default"
	}
	if cfg.CallbackBudget <= 0 {
		cfg.CallbackBudget = 3 * time.Second
	}
	h := &Handlers{cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	switch {
	case cfg.Limiter != nil:
		h.limiter = cfg.Limiter
	case cfg.RatePerMinute > 0:
		h.limiter = newLimiter(cfg.RatePerMinute, max(cfg.RateBurst, 1), h.now)
	}
	if names := cfg.Profiles.Names(); len(names) == 1 {
		h.onlyProfile = names[0]
	}
	h.keys = &callback.KeyCache{Client: cfg.KeyClient, Now: h.now}
	h.dirs = make(map[string]*regexp.Regexp, len(cfg.Profiles))
	for name, p := range cfg.Profiles {
		re, err := p.DirPattern()
		if err != nil {
			return nil, fmt.Errorf("api: profile %q: %w", name, err)
		}
		h.dirs[name] = re
	}
	return h, nil
}

// profileName is the profile a request names, or the only profile when
// it names none.
func (h *Handlers) profileName(name string) (string, error) {
	if name != "" {
		return name, nil
	}
	if h.onlyProfile == "" {
		return "", invalid("profile", "required; allowed: %s", strings.Join(h.cfg.Profiles.Names(), ", "))
	}
	return h.onlyProfile, nil
}

// requestID is the id of the request being served (see wrap).
func requestID(ctx context.Context) string {
	id, _ := requestid.FromContext(ctx)
	return id
}

func newRequestID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusRecorder remembers the status for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// wrap adds what every handler needs: a request id (also set as the
// X-Request-Id response header before the handler runs), an access log
// line and, for browser-facing functions, CORS. It does not recover
// panics: whoever serves the handlers does, once (shared/fcrun in the
// functions, fcrun.Recover in front of ossdirect dev's listener), and
// answers with the X-Request-Id set here.
func (h *Handlers) wrap(next http.Handler, cors bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := h.now()
		// In FC, fcrun put FC's invocation id into the context; elsewhere
		// (plain HTTP, the local stack) the id is invented here. Request
		// headers are never trusted for it.
		id, ok := requestid.FromContext(r.Context())
		if !ok || len(id) > 64 {
			id = newRequestID()
			r = r.WithContext(requestid.NewContext(r.Context(), id))
		}
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w}
		returned := false
		defer func() {
			if !h.log.Enabled(r.Context(), slog.LevelInfo) {
				return
			}
			// LogAttrs with typed attributes: no boxing of each value.
			attrs := [7]slog.Attr{slog.String("requestId", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", rec.status), slog.Int64("durationMs", h.now().Sub(start).Milliseconds())}
			n := 5
			if !returned { // panicking: the server above answers 500
				attrs[n], n = slog.Bool("panicked", true), n+1
			}
			h.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs[:n]...)
		}()
		if !cors || h.cors(rec, r) {
			next.ServeHTTP(rec, r)
		}
		returned = true
	})
}

// cors sets the CORS headers for allowed origins and answers preflights.
// It reports whether the request should go on to the handler.
func (h *Handlers) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	allowed := origin != "" && (slices.Contains(h.cfg.CORSOrigins, "*") || slices.Contains(h.cfg.CORSOrigins, origin))
	w.Header().Add("Vary", "Origin")
	if allowed {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After")
	}
	if r.Method != http.MethodOptions {
		return true
	}
	if !allowed {
		h.writeError(w, r, &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: "origin: " + strconvQuote(origin) + " is not allowed (CORS_ALLOWED_ORIGINS)"})
		return false
	}
	w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Api-Key")
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return false
}
