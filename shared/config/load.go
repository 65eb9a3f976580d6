package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"ossdirect/shared/auth"
	"ossdirect/shared/callback"
	"ossdirect/shared/ratelimit"
	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
	"ossdirect/shared/webhook"
)

// Variable documents one environment variable.
type Variable struct {
	Name        string
	Default     string // "" when there is none
	Description string
	Secret      bool // never logged or echoed
}

// Variables lists every environment variable the functions read, in the
// order of the README table.
var Variables = []Variable{
	{Name: "OSS_BUCKET", Description: "required: the bucket uploads go to"},
	{Name: "OSS_REGION", Description: "required: region id, e.g. cn-hangzhou (an oss- prefix is stripped)"},
	{Name: "OSS_ENDPOINT", Default: "https://oss-<region>.aliyuncs.com", Description: "OSS endpoint URL the functions use"},
	{Name: "OSS_UPLOAD_HOST", Default: "https://<bucket>.oss-<region>.aliyuncs.com", Description: "URL clients upload to (PostObject host, presigned URL origin): a custom domain, or a path-style base like http://127.0.0.1:9000/dev-bucket"},
	{Name: "UPLOAD_PROFILES", Description: "upload profiles as JSON (see shared/upload); exclusive with UPLOAD_PROFILES_FILE"},
	{Name: "UPLOAD_PROFILES_FILE", Description: "path of a JSON file holding the upload profiles"},
	{Name: "SEED_PROFILE", Default: "default", Description: "profile the seed-sample routes (/get_*_for_oss_upload) use"},
	{Name: "AUTH_MODE", Description: "required: none, jwt or apikey"},
	{Name: "JWT_HS256_SECRET", Description: "jwt: HS256 shared secret, at least 32 bytes (exclusive with JWT_JWKS_URL)", Secret: true},
	{Name: "JWT_JWKS_URL", Description: "jwt: https URL of the RS256/ES256 key set"},
	{Name: "JWT_ISSUER", Description: "jwt: required iss claim, when set"},
	{Name: "JWT_AUDIENCE", Description: "jwt: required aud claim, when set"},
	{Name: "API_KEYS", Description: "apikey: comma-separated subject:key pairs, keys at least 16 characters", Secret: true},
	{Name: "STS_ROLE_ARN", Description: "sts-token: role to assume, acs:ram::<account-id>:role/<name>"},
	{Name: "STS_ENDPOINT", Default: "sts.<region>.aliyuncs.com", Description: "STS endpoint host[:port] or http(s) URL"},
	{Name: "STS_DURATION", Default: "15m", Description: "lifetime of STS credentials, 15m to 1h (Go duration or seconds)"},
	{Name: "CALLBACK_URL", Description: "URL OSS posts upload callbacks to (http or https); empty disables callbacks"},
	{Name: "GRANT_SECRET", Description: "needed with CALLBACK_URL: at least 32 bytes; every grant's callback variables carry an HMAC under it, so the callback function honours only uploads of grants it issued", Secret: true},
	{Name: "GRANT_SECRET_PREVIOUS", Description: "the previous GRANT_SECRET, still accepted while grants signed with it may call back (rotation)", Secret: true},
	{Name: "GRANT_GRACE", Default: "30m", Description: "how long after a grant expires its upload's callback is still honoured (an upload that began in time may end later)"},
	{Name: "QUARANTINE_PREFIX", Default: ".ossdirect/quarantine/", Description: "where onViolation: quarantine moves objects that break their profile; outside every profile's directory"},
	{Name: "CALLBACK_PUBKEY_URL_PREFIXES", Default: "http://gosspublic.alicdn.com/,https://gosspublic.alicdn.com/", Description: "URL prefixes callback public keys may be fetched from"},
	{Name: "WEBHOOK_URL", Description: "callback: http(s) URL upload events are POSTed to as Standard Webhooks; empty logs them instead"},
	{Name: "WEBHOOK_SECRET", Description: "needed with WEBHOOK_URL: whsec_ and base64 of at least 24 random bytes; several, separated by spaces or commas, to rotate (the current one first, every one signs)", Secret: true},
	{Name: "WEBHOOK_CALLBACK_BUDGET", Default: "3s", Description: "how long the callback path waits for a webhook delivery before answering OSS (which waits 5 s); the OSS event delivers it otherwise; 100ms to 4s"},
	{Name: "CORS_ALLOWED_ORIGINS", Description: "comma-separated browser origins (scheme://host[:port]) or *; empty sends no CORS headers"},
	{Name: "RATE_LIMIT_PER_MINUTE", Default: "60", Description: "grants per subject per minute: per instance, or across all instances with REDIS_URL; 0 disables"},
	{Name: "RATE_LIMIT_BURST", Default: "20", Description: "burst size of the per-subject rate limit"},
	{Name: "REDIS_URL", Description: "redis:// or rediss:// (TLS) URL of a Tair, Redis or Valkey the rate limit is kept in, shared by every instance; empty: per instance, in memory", Secret: true},
	{Name: "RATE_LIMIT_ON_ERROR", Default: "open", Description: "with REDIS_URL, when Redis does not answer within 100 ms: open lets the grant through (logged), closed answers 503 with Retry-After"},
	{Name: "LOG_LEVEL", Default: "info", Description: "debug, info, warn or error"},
}

// DefaultProfilesJSON is used when neither UPLOAD_PROFILES nor
// UPLOAD_PROFILES_FILE is set: one profile, "default", that takes any type
// up to 100 MiB under the caller's own dated directory.
const DefaultProfilesJSON = `{"default": {"prefix": "uploads/{sub}/{yyyy}/{mm}/", "naming": "uuid", "maxSize": 104857600, "expires": "10m"}}`

// LookupFunc looks up an environment variable, like os.LookupEnv.
type LookupFunc func(name string) (string, bool)

// Load reads and validates the configuration. readFile reads
// UPLOAD_PROFILES_FILE (pass os.ReadFile). All problems are returned
// together, joined; each is a *VarError.
func Load(lookup LookupFunc, readFile func(string) ([]byte, error)) (*Config, error) {
	l := &loader{lookup: lookup}
	c := &Config{}

	c.Bucket = l.get("OSS_BUCKET")
	switch {
	case c.Bucket == "":
		l.fail("OSS_BUCKET", "required: the bucket uploads go to")
	case !upload.ValidBucketName(c.Bucket):
		l.fail("OSS_BUCKET", fmt.Sprintf("%q is not a bucket name: 3-63 lower-case letters, digits and hyphens, not starting or ending with a hyphen", c.Bucket))
	}
	c.Region = signing.RegionID(l.get("OSS_REGION"))
	switch {
	case c.Region == "":
		l.fail("OSS_REGION", "required: the region id, e.g. cn-hangzhou")
	case !regionID.MatchString(c.Region):
		l.fail("OSS_REGION", fmt.Sprintf("%q is not a region id like cn-hangzhou", c.Region))
	}
	c.Endpoint = l.url("OSS_ENDPOINT", "https://oss-"+c.Region+".aliyuncs.com", false)
	// A path is allowed: path-style hosts name the bucket in it
	// ("http://127.0.0.1:9000/dev-bucket" on the local stack).
	c.UploadHost = strings.TrimSuffix(l.url("OSS_UPLOAD_HOST", "https://"+c.Bucket+".oss-"+c.Region+".aliyuncs.com", true), "/")

	c.Profiles = l.profiles(readFile)
	c.SeedProfile = l.get("SEED_PROFILE")
	if c.SeedProfile == "" {
		c.SeedProfile = "default"
	}
	if _, err := c.Profiles.Lookup(c.SeedProfile); c.Profiles != nil && err != nil && l.get("SEED_PROFILE") != "" {
		l.fail("SEED_PROFILE", fmt.Sprintf("%q is not a profile; profiles: %s", c.SeedProfile, strings.Join(c.Profiles.Names(), ", ")))
	}
	c.Auth = l.auth()
	c.STS = l.sts(c.Region)

	if v := l.get("CALLBACK_URL"); v != "" {
		c.CallbackURL = l.url("CALLBACK_URL", "", true)
	}
	c.CallbackKeyURLPrefixes = l.keyURLPrefixes()
	c.GrantSecrets = l.grantSecrets(c.CallbackURL != "")
	c.GrantGrace = l.duration("GRANT_GRACE", 30*time.Minute, 0, 24*time.Hour)
	c.QuarantinePrefix = l.get("QUARANTINE_PREFIX")
	if c.QuarantinePrefix == "" {
		c.QuarantinePrefix = DefaultQuarantinePrefix
	}
	if err := upload.CheckReservedPrefix(c.QuarantinePrefix, c.Profiles); err != nil {
		l.fail("QUARANTINE_PREFIX", err.Error())
	}
	c.WebhookURL, c.WebhookSecrets = l.webhook()
	c.WebhookCallbackBudget = l.duration("WEBHOOK_CALLBACK_BUDGET", 3*time.Second, 100*time.Millisecond, 4*time.Second)
	c.CORSOrigins = l.origins()
	c.RatePerMinute = l.int("RATE_LIMIT_PER_MINUTE", 60, 0, 1_000_000)
	c.RateBurst = l.int("RATE_LIMIT_BURST", 20, 1, 1_000_000)
	c.RedisURL, c.RateOnError = l.redis()
	switch v := strings.ToLower(l.get("LOG_LEVEL")); v {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		l.fail("LOG_LEVEL", fmt.Sprintf("%q: want debug, info, warn or error", v))
	}
	if err := errors.Join(l.errs...); err != nil {
		return nil, err
	}
	return c, nil
}

var (
	regionID = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+)+$`)
	roleARN  = regexp.MustCompile(`^acs:ram::[0-9]{1,32}:role/[A-Za-z0-9.@_-]{1,64}$`)
)

type loader struct {
	lookup LookupFunc
	errs   []error
}

func (l *loader) get(name string) string {
	v, _ := l.lookup(name)
	return strings.TrimSpace(v)
}

func (l *loader) fail(name, problem string) {
	l.errs = append(l.errs, &VarError{Name: name, Problem: problem})
}

// url validates an absolute http(s) URL without query or fragment; def is
// used when the variable is empty.
func (l *loader) url(name, def string, allowPath bool) string {
	v := l.get(name)
	if v == "" {
		return def
	}
	u, err := url.Parse(v)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		l.fail(name, fmt.Sprintf("%q: want an absolute http:// or https:// URL", v))
	case u.User != nil:
		l.fail(name, "must not carry user:password")
	case u.RawQuery != "" || u.Fragment != "":
		l.fail(name, fmt.Sprintf("%q: must have no query or fragment", v))
	case !allowPath && u.Path != "" && u.Path != "/":
		l.fail(name, fmt.Sprintf("%q: must have no path (scheme://host[:port] only)", v))
	default:
		if !allowPath {
			return strings.TrimSuffix(v, "/")
		}
		return v
	}
	return ""
}

func (l *loader) int(name string, def, min, max int) int {
	v := l.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		l.fail(name, fmt.Sprintf("%q: want a whole number from %d to %d", v, min, max))
		return def
	}
	return n
}

func (l *loader) profiles(readFile func(string) ([]byte, error)) upload.Profiles {
	inline, file := l.get("UPLOAD_PROFILES"), l.get("UPLOAD_PROFILES_FILE")
	name, data := "UPLOAD_PROFILES", []byte(inline)
	switch {
	case inline != "" && file != "":
		l.fail("UPLOAD_PROFILES_FILE", "set UPLOAD_PROFILES or UPLOAD_PROFILES_FILE, not both")
		return nil
	case file != "":
		name = "UPLOAD_PROFILES_FILE"
		if readFile == nil {
			l.fail(name, "cannot read files here")
			return nil
		}
		var err error
		if data, err = readFile(file); err != nil {
			l.fail(name, fmt.Sprintf("reading %s: %v", file, err))
			return nil
		}
	case inline == "":
		name, data = "(default profiles)", []byte(DefaultProfilesJSON)
	}
	ps, err := upload.ParseProfiles(data)
	if err != nil {
		l.fail(name, err.Error())
		return nil
	}
	if len(ps) == 0 {
		l.fail(name, "defines no profile")
	}
	return ps
}

// auth reads the auth settings and checks them with auth's rules; every
// error names the variable and none repeats a secret.
func (l *loader) auth() auth.Config {
	a := auth.Config{
		Mode:      auth.Mode(strings.ToLower(l.get("AUTH_MODE"))),
		JWTSecret: l.get("JWT_HS256_SECRET"),
		Issuer:    l.get("JWT_ISSUER"),
		Audience:  l.get("JWT_AUDIENCE"),
	}
	jwks := l.get("JWT_JWKS_URL")
	keys := l.get("API_KEYS")
	switch a.Mode {
	case "":
		l.fail("AUTH_MODE", "required: none, jwt or apikey (none lets anyone ask for a grant)")
	case auth.ModeNone:
	case auth.ModeJWT:
		switch {
		case a.JWTSecret == "" && jwks == "":
			l.fail("AUTH_MODE", "jwt needs JWT_HS256_SECRET or JWT_JWKS_URL")
		case a.JWTSecret != "" && jwks != "":
			l.fail("JWT_JWKS_URL", "set JWT_HS256_SECRET or JWT_JWKS_URL, not both")
		case a.JWTSecret != "" && len(a.JWTSecret) < auth.MinSecretLen:
			l.fail("JWT_HS256_SECRET", fmt.Sprintf("too short: HS256 needs at least %d bytes of secret", auth.MinSecretLen))
		case jwks != "":
			a.JWKSURL = l.url("JWT_JWKS_URL", "", true)
			if u, err := url.Parse(a.JWKSURL); err == nil && a.JWKSURL != "" && u.Scheme != "https" && !isLoopback(u.Hostname()) {
				l.fail("JWT_JWKS_URL", "must be https:// (http:// only on loopback)")
			}
		}
	case auth.ModeAPIKey:
		if keys == "" {
			l.fail("API_KEYS", "required when AUTH_MODE is apikey: subject:key pairs separated by commas")
		}
		a.APIKeys = l.apiKeys(keys)
	default:
		l.fail("AUTH_MODE", fmt.Sprintf("%q: want none, jwt or apikey", a.Mode))
	}
	// Settings for another mode are a sign of a misconfiguration.
	if a.Mode != auth.ModeJWT {
		for _, n := range []string{"JWT_HS256_SECRET", "JWT_JWKS_URL"} {
			if l.get(n) != "" {
				l.fail(n, fmt.Sprintf("is set but AUTH_MODE is %q, not jwt", a.Mode))
			}
		}
	}
	if a.Mode != auth.ModeAPIKey && keys != "" {
		l.fail("API_KEYS", fmt.Sprintf("is set but AUTH_MODE is %q, not apikey", a.Mode))
	}
	return a
}

func (l *loader) apiKeys(v string) map[string]string {
	keys := map[string]string{}
	for i, entry := range strings.Split(v, ",") {
		subject, key, ok := strings.Cut(strings.TrimSpace(entry), ":")
		switch {
		case !ok || subject == "" || key == "":
			l.fail("API_KEYS", fmt.Sprintf("entry %d: want subject:key", i+1))
		case auth.CheckAPIKeySubject(subject) != nil:
			l.fail("API_KEYS", fmt.Sprintf("entry %d: %v", i+1, auth.CheckAPIKeySubject(subject)))
		case auth.CheckAPIKey(key) != nil:
			l.fail("API_KEYS", fmt.Sprintf("entry %d (subject %q): %v", i+1, subject, auth.CheckAPIKey(key)))
		default:
			if _, dup := keys[key]; dup {
				l.fail("API_KEYS", fmt.Sprintf("entry %d (subject %q): key already used by another entry", i+1, subject))
			}
			keys[key] = subject
		}
	}
	return keys
}

func (l *loader) sts(region string) STS {
	s := STS{RoleARN: l.get("STS_ROLE_ARN"), Endpoint: l.get("STS_ENDPOINT"), Duration: 15 * time.Minute}
	if s.RoleARN != "" && !roleARN.MatchString(s.RoleARN) {
		l.fail("STS_ROLE_ARN", fmt.Sprintf("%q: want acs:ram::<account-id>:role/<role-name>", s.RoleARN))
	}
	if s.Endpoint == "" {
		s.Endpoint = "sts." + region + ".aliyuncs.com"
	} else if strings.Contains(s.Endpoint, "://") {
		u, err := url.Parse(s.Endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			l.fail("STS_ENDPOINT", fmt.Sprintf("%q: want host[:port] or http(s)://host[:port]", s.Endpoint))
		}
	} else if _, err := url.Parse("https://" + s.Endpoint); err != nil || strings.ContainsAny(s.Endpoint, "/?#@ ") {
		l.fail("STS_ENDPOINT", fmt.Sprintf("%q: want host[:port] or http(s)://host[:port]", s.Endpoint))
	}
	if v := l.get("STS_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if n, nerr := strconv.Atoi(v); nerr == nil {
			d, err = time.Duration(n)*time.Second, nil
		}
		if err != nil || d < 15*time.Minute || d > time.Hour || d%time.Second != 0 {
			l.fail("STS_DURATION", fmt.Sprintf("%q: want whole seconds from 900 to 3600, or a duration from 15m to 1h", v))
		} else {
			s.Duration = d
		}
	}
	return s
}

func (l *loader) keyURLPrefixes() []string {
	v := l.get("CALLBACK_PUBKEY_URL_PREFIXES")
	if v == "" {
		return append([]string(nil), callback.DefaultKeyURLPrefixes...)
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if !strings.HasSuffix(p, "/") {
			l.fail("CALLBACK_PUBKEY_URL_PREFIXES", fmt.Sprintf("%q must end with / so it names a directory, not any path starting with it", p))
			return nil
		}
		out = append(out, p)
	}
	if err := callback.ValidateKeyURLPrefixes(out); err != nil {
		l.fail("CALLBACK_PUBKEY_URL_PREFIXES", fmt.Sprintf("want http(s)://host[:port]/path/ entries ending with /: %v", err))
		return nil
	}
	return out
}

func (l *loader) origins() []string {
	v := l.get("CORS_ALLOWED_ORIGINS")
	if v == "" {
		return nil
	}
	var out []string
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimSpace(o)
		if o == "*" {
			out = append(out, o)
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
			l.fail("CORS_ALLOWED_ORIGINS", fmt.Sprintf("%q: want an origin like https://app.example.com (scheme://host[:port], no path) or *", o))
			continue
		}
		out = append(out, o)
	}
	return out
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// DefaultQuarantinePrefix is QUARANTINE_PREFIX's default.
const DefaultQuarantinePrefix = upload.ReservedPrefix + "quarantine/"

// grantSecrets reads GRANT_SECRET (required when callbacks are on) and
// GRANT_SECRET_PREVIOUS: the current secret first.
func (l *loader) grantSecrets(required bool) [][]byte {
	cur, prev := l.get("GRANT_SECRET"), l.get("GRANT_SECRET_PREVIOUS")
	var out [][]byte
	switch {
	case cur == "" && required:
		l.fail("GRANT_SECRET", fmt.Sprintf("required with CALLBACK_URL: a random secret of at least %d bytes (e.g. openssl rand -base64 48)", upload.MinBindingSecret))
	case cur != "" && len(cur) < upload.MinBindingSecret:
		l.fail("GRANT_SECRET", fmt.Sprintf("%d bytes; want at least %d", len(cur), upload.MinBindingSecret))
	case cur != "":
		out = append(out, []byte(cur))
	}
	switch {
	case prev != "" && cur == "":
		l.fail("GRANT_SECRET_PREVIOUS", "set GRANT_SECRET too: the previous secret is only accepted next to a current one")
	case prev != "" && len(prev) < upload.MinBindingSecret:
		l.fail("GRANT_SECRET_PREVIOUS", fmt.Sprintf("%d bytes; want at least %d", len(prev), upload.MinBindingSecret))
	case prev != "":
		out = append(out, []byte(prev))
	}
	return out
}

// webhook reads WEBHOOK_URL and WEBHOOK_SECRET (required with it; one or
// more whsec_ secrets separated by spaces or commas). Errors name the
// variable and an entry's position, never its value.
func (l *loader) webhook() (string, []string) {
	var u string
	if l.get("WEBHOOK_URL") != "" {
		u = l.url("WEBHOOK_URL", "", true)
	}
	v := l.get("WEBHOOK_SECRET")
	var secrets []string
	for i, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if err := webhook.ParseSecret(s); err != nil {
			l.fail("WEBHOOK_SECRET", fmt.Sprintf("entry %d: want whsec_ and the base64 of at least %d random bytes (e.g. echo whsec_$(openssl rand -base64 32))", i+1, webhook.MinSecretBytes))
			continue
		}
		secrets = append(secrets, s)
	}
	switch {
	case l.get("WEBHOOK_URL") != "" && v == "":
		l.fail("WEBHOOK_SECRET", "required with WEBHOOK_URL: whsec_ and the base64 of at least 24 random bytes")
	case l.get("WEBHOOK_URL") == "" && v != "":
		l.fail("WEBHOOK_SECRET", "is set but WEBHOOK_URL is empty")
	}
	return u, secrets
}

// duration reads a Go duration between min and max; def when empty.
func (l *loader) duration(name string, def, min, max time.Duration) time.Duration {
	v := l.get(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < min || d > max {
		l.fail(name, fmt.Sprintf("%q: want a Go duration such as 30m, from %s to %s", v, min, max))
		return def
	}
	return d
}

// redis reads REDIS_URL (checked by ratelimit.ParseURL, whose errors never
// repeat the URL or its password) and RATE_LIMIT_ON_ERROR.
func (l *loader) redis() (string, ratelimit.OnError) {
	u := l.get("REDIS_URL")
	if u != "" {
		if _, err := ratelimit.ParseURL(u); err != nil {
			l.fail("REDIS_URL", err.Error())
			u = ""
		}
	}
	switch v := ratelimit.OnError(strings.ToLower(l.get("RATE_LIMIT_ON_ERROR"))); v {
	case "", ratelimit.Open:
		return u, ratelimit.Open
	case ratelimit.Closed:
		return u, v
	default:
		l.fail("RATE_LIMIT_ON_ERROR", fmt.Sprintf("%q: want open or closed", v))
		return u, ratelimit.Open
	}
}
