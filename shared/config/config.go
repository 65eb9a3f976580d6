// Package config is the typed configuration of the ossdirect functions,
// read from environment variables and validated once, at start-up.
//
// Only main packages read the environment: they pass os.LookupEnv (and
// os.ReadFile for UPLOAD_PROFILES_FILE) to [Load]. Every variable is listed
// once, in [Variables]; every error names the variable and what is expected,
// and all problems are reported together. Secret values never appear in
// errors or in the config's log form.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"ossdirect/shared/auth"
	"ossdirect/shared/credentials"
	"ossdirect/shared/ratelimit"
	"ossdirect/shared/upload"
)

// Config is the validated configuration shared by the four functions.
type Config struct {
	// Bucket is the OSS bucket uploads go to (OSS_BUCKET).
	Bucket string
	// Region is the plain region id, e.g. "cn-hangzhou" (OSS_REGION; an
	// "oss-" prefix is stripped).
	Region string
	// Endpoint is the OSS endpoint URL (OSS_ENDPOINT), default
	// "https://oss-<region>.aliyuncs.com".
	Endpoint string
	// UploadHost is the URL clients send uploads to (OSS_UPLOAD_HOST),
	// default "https://<bucket>.oss-<region>.aliyuncs.com".
	UploadHost string
	// Profiles are the upload profiles (UPLOAD_PROFILES or
	// UPLOAD_PROFILES_FILE); without either, DefaultProfiles.
	Profiles upload.Profiles
	// SeedProfile is the profile of the seed-sample routes (SEED_PROFILE,
	// default "default").
	SeedProfile string

	// Auth says who may ask for grants (AUTH_MODE, JWT_HS256_SECRET,
	// JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, API_KEYS). Only the settings
	// are filled in; the caller adds a Logger and the like.
	Auth auth.Config
	STS  STS

	// CallbackURL is where OSS sends upload callbacks (CALLBACK_URL); empty
	// disables callbacks.
	CallbackURL string
	// CallbackKeyURLPrefixes are the URL prefixes an OSS callback's public
	// key may be fetched from (CALLBACK_PUBKEY_URL_PREFIXES), default
	// OSS's own http:// and https://gosspublic.alicdn.com/.
	CallbackKeyURLPrefixes []string
	// GrantSecrets sign and verify grant bindings (GRANT_SECRET, then
	// GRANT_SECRET_PREVIOUS): the current secret first.
	GrantSecrets [][]byte
	// GrantGrace is how long after a grant's expiry its callback is still
	// honoured (GRANT_GRACE, default 30m).
	GrantGrace time.Duration
	// QuarantinePrefix is where onViolation: quarantine moves objects
	// (QUARANTINE_PREFIX, default ".ossdirect/quarantine/").
	QuarantinePrefix string

	// WebhookURL is where the callback function POSTs upload events as
	// Standard Webhooks (WEBHOOK_URL); empty: events go to the log.
	WebhookURL string
	// WebhookSecrets sign the webhooks (WEBHOOK_SECRET): whsec_ secrets,
	// the current one first.
	WebhookSecrets []string
	// WebhookCallbackBudget is how long the callback path waits for a
	// delivery before answering OSS (WEBHOOK_CALLBACK_BUDGET, default 3s).
	WebhookCallbackBudget time.Duration

	// CORSOrigins are the browser origins allowed to call the functions
	// (CORS_ALLOWED_ORIGINS); "*" allows any. Empty: no CORS headers.
	CORSOrigins []string
	// RatePerMinute is the per-subject signing rate (RATE_LIMIT_PER_MINUTE,
	// default 60; 0 disables) and RateBurst its burst (RATE_LIMIT_BURST,
	// default 20).
	RatePerMinute int
	RateBurst     int
	// RedisURL is where the rate limit is kept across instances
	// (REDIS_URL, redis:// or rediss://; a secret: it holds the password).
	// Empty: the in-process bucket, per instance.
	RedisURL string
	// RateOnError is what a grant gets when Redis does not answer
	// (RATE_LIMIT_ON_ERROR, default open).
	RateOnError ratelimit.OnError
	// LogLevel is LOG_LEVEL (debug, info, warn, error; default info).
	LogLevel slog.Level

	// Credentials are what the functions sign with (grants and the STS
	// AssumeRole call). Load leaves it nil: it does not come from a
	// variable. app.Run sets the FC chain (the invocation's credentials,
	// else credentials-go's default chain); the local stack a static root
	// identity.
	Credentials credentials.Provider
}

// STS configures AssumeRole for the sts-token function.
type STS struct {
	// RoleARN is the role to assume (STS_ROLE_ARN), acs:ram::<account>:role/<name>.
	RoleARN string
	// Endpoint is the STS endpoint (STS_ENDPOINT), default
	// "sts.<region>.aliyuncs.com"; "http://127.0.0.1:9100" for the local stack.
	Endpoint string
	// Duration is the credentials' lifetime (STS_DURATION, 15m … 1h, default 15m).
	Duration time.Duration
}

// LogValue renders the config for logs with secrets redacted.
func (c *Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("bucket", c.Bucket), slog.String("region", c.Region),
		slog.String("endpoint", c.Endpoint), slog.String("uploadHost", c.UploadHost),
		slog.Any("profiles", c.Profiles.Names()), slog.String("authMode", string(c.Auth.Mode)),
		slog.Bool("jwtSecretSet", c.Auth.JWTSecret != ""), slog.String("jwksURL", c.Auth.JWKSURL),
		slog.Int("apiKeys", len(c.Auth.APIKeys)), slog.String("stsRoleARN", c.STS.RoleARN),
		slog.String("stsEndpoint", c.STS.Endpoint), slog.Duration("stsDuration", c.STS.Duration),
		slog.String("callbackURL", c.CallbackURL), slog.Int("grantSecrets", len(c.GrantSecrets)),
		slog.Duration("grantGrace", c.GrantGrace), slog.String("quarantinePrefix", c.QuarantinePrefix),
		slog.String("webhookURL", c.WebhookURL), slog.Int("webhookSecrets", len(c.WebhookSecrets)),
		slog.Duration("webhookCallbackBudget", c.WebhookCallbackBudget),
		slog.Any("corsOrigins", c.CORSOrigins),
		slog.Int("ratePerMinute", c.RatePerMinute),
		slog.Bool("redisURLSet", c.RedisURL != ""), slog.String("rateOnError", string(c.RateOnError)),
		slog.String("logLevel", c.LogLevel.String()),
	)
}

// RequireSTS reports whether the STS settings the sts-token function needs
// are present.
func (c *Config) RequireSTS() error {
	if c.STS.RoleARN == "" {
		return &VarError{Name: "STS_ROLE_ARN", Problem: "required by sts-token: the RAM role to assume, acs:ram::<account-id>:role/<name>"}
	}
	return nil
}

// ErrInvalid is wrapped by every configuration error.
var ErrInvalid = errors.New("config: invalid")

// VarError is one invalid or missing variable.
type VarError struct {
	Name    string // the environment variable
	Problem string // what is wrong and what is expected
}

func (e *VarError) Error() string { return fmt.Sprintf("config: %s: %s", e.Name, e.Problem) }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *VarError) Is(target error) bool { return target == ErrInvalid }
