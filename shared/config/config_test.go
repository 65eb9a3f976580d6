package config

import (
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"ossdirect/shared/ratelimit"
)

func env(m map[string]string) LookupFunc {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

func minimal() map[string]string {
	return map[string]string{"OSS_BUCKET": "dev-bucket", "OSS_REGION": "cn-hangzhou", "AUTH_MODE": "none"}
}

func with(kv ...string) map[string]string {
	m := minimal()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "<unset>" {
			delete(m, kv[i])
		} else {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

func noFiles(string) ([]byte, error) { return nil, os.ErrNotExist }

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(env(with("OSS_REGION", "oss-cn-hangzhou")), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]any{
		"Region":        {c.Region, "cn-hangzhou"},
		"Endpoint":      {c.Endpoint, "https://oss-cn-hangzhou.aliyuncs.com"},
		"UploadHost":    {c.UploadHost, "https://dev-bucket.oss-cn-hangzhou.aliyuncs.com"},
		"STS.Endpoint":  {c.STS.Endpoint, "sts.cn-hangzhou.aliyuncs.com"},
		"STS.Duration":  {c.STS.Duration, 15 * time.Minute},
		"RatePerMinute": {c.RatePerMinute, 60},
		"RateBurst":     {c.RateBurst, 20},
		"LogLevel":      {c.LogLevel, slog.LevelInfo},
		"key prefixes":  {strings.Join(c.CallbackKeyURLPrefixes, ","), "http://gosspublic.alicdn.com/,https://gosspublic.alicdn.com/"},
		"profiles":      {strings.Join(c.Profiles.Names(), ","), "default"},
	}
	for name, v := range checks {
		if v[0] != v[1] {
			t.Errorf("%s = %v, want %v", name, v[0], v[1])
		}
	}
	if err := c.RequireSTS(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "STS_ROLE_ARN") {
		t.Errorf("RequireSTS = %v", err)
	}
}

func TestLoadFull(t *testing.T) {
	t.Parallel()
	files := func(name string) ([]byte, error) {
		if name == "/etc/ossdirect/profiles.json" {
			return []byte(`{"images":{"prefix":"images/{sub}/","maxSize":1048576,"contentTypes":["image/png"]}}`), nil
		}
		return nil, os.ErrNotExist
	}
	c, err := Load(env(with(
		"OSS_ENDPOINT", "http://127.0.0.1:9000/", "OSS_UPLOAD_HOST", "http://127.0.0.1:9000/dev-bucket/",
		"UPLOAD_PROFILES_FILE", "/etc/ossdirect/profiles.json",
		"AUTH_MODE", "apikey", "API_KEYS", "alice:0123456789abcdef, bob:fedcba9876543210",
		"STS_ROLE_ARN", "acs:ram::1234567890123456:role/ossdirect-upload", "STS_ENDPOINT", "http://127.0.0.1:9100", "STS_DURATION", "3600",
		"CALLBACK_URL", "https://api.example.com/callback", "CORS_ALLOWED_ORIGINS", "https://app.example.com, http://localhost:8080",
		"RATE_LIMIT_PER_MINUTE", "0", "LOG_LEVEL", "DEBUG",
		"GRANT_SECRET", strings.Repeat("n", 32), "GRANT_SECRET_PREVIOUS", strings.Repeat("o", 40), "GRANT_GRACE", "1h", "QUARANTINE_PREFIX", "held/",
	)), files)
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != "http://127.0.0.1:9000" || c.UploadHost != "http://127.0.0.1:9000/dev-bucket" || c.Auth.APIKeys["fedcba9876543210"] != "bob" || c.STS.Duration != time.Hour ||
		c.RatePerMinute != 0 || c.LogLevel != slog.LevelDebug || len(c.CORSOrigins) != 2 || c.Profiles.Names()[0] != "images" {
		t.Errorf("unexpected config: %+v", c)
	}
	if err := c.RequireSTS(); err != nil {
		t.Error(err)
	}
	if len(c.GrantSecrets) != 2 || string(c.GrantSecrets[0]) != strings.Repeat("n", 32) || c.GrantGrace != time.Hour || c.QuarantinePrefix != "held/" {
		t.Errorf("grant settings: %d secrets (current first), grace %s, quarantine %q", len(c.GrantSecrets), c.GrantGrace, c.QuarantinePrefix)
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value-that-must-not-leak"
	tests := []struct {
		name    string
		env     map[string]string
		wantVar string
		want    string
	}{
		{"bucket missing", with("OSS_BUCKET", "<unset>"), "OSS_BUCKET", "required"},
		{"bucket invalid", with("OSS_BUCKET", "My_Bucket"), "OSS_BUCKET", "not a bucket name"},
		{"region missing", with("OSS_REGION", "<unset>"), "OSS_REGION", "required"},
		{"region invalid", with("OSS_REGION", "Hangzhou!"), "OSS_REGION", "region id"},
		{"endpoint not a url", with("OSS_ENDPOINT", "oss-cn-hangzhou.aliyuncs.com"), "OSS_ENDPOINT", "absolute http"},
		{"endpoint with path", with("OSS_ENDPOINT", "https://oss.example.com/x"), "OSS_ENDPOINT", "no path"},
		{"upload host with userinfo", with("OSS_UPLOAD_HOST", "https://u:p@cdn.example.com"), "OSS_UPLOAD_HOST", "user:password"},
		{"both profile sources", with("UPLOAD_PROFILES", "{}", "UPLOAD_PROFILES_FILE", "/x"), "UPLOAD_PROFILES_FILE", "not both"},
		{"profiles file missing", with("UPLOAD_PROFILES_FILE", "/nope.json"), "UPLOAD_PROFILES_FILE", "reading /nope.json"},
		{"profiles invalid", with("UPLOAD_PROFILES", `{"images":{"prefix":"images/","maxSize":0}}`), "UPLOAD_PROFILES", "maxSize"},
		{"profiles empty", with("UPLOAD_PROFILES", `{}`), "UPLOAD_PROFILES", "no profile"},
		{"seed profile unknown", with("SEED_PROFILE", "nope"), "SEED_PROFILE", "is not a profile"},
		{"auth missing", with("AUTH_MODE", "<unset>"), "AUTH_MODE", "required"},
		{"auth unknown", with("AUTH_MODE", "basic"), "AUTH_MODE", "want none, jwt or apikey"},
		{"jwt without keys", with("AUTH_MODE", "jwt"), "AUTH_MODE", "JWT_HS256_SECRET or JWT_JWKS_URL"},
		{"jwt secret short", with("AUTH_MODE", "jwt", "JWT_HS256_SECRET", "short"), "JWT_HS256_SECRET", "at least 32 bytes"},
		{"jwt both", with("AUTH_MODE", "jwt", "JWT_HS256_SECRET", strings.Repeat("k", 32), "JWT_JWKS_URL", "https://id.example.com/jwks"), "JWT_JWKS_URL", "not both"},
		{"jwks plain http", with("AUTH_MODE", "jwt", "JWT_JWKS_URL", "http://id.example.com/jwks"), "JWT_JWKS_URL", "https"},
		{"jwt secret with mode none", with("JWT_HS256_SECRET", secret), "JWT_HS256_SECRET", "AUTH_MODE is \"none\""},
		{"apikey without keys", with("AUTH_MODE", "apikey"), "API_KEYS", "required"},
		{"apikey malformed", with("AUTH_MODE", "apikey", "API_KEYS", secret), "API_KEYS", "entry 1: want subject:key"},
		{"apikey short", with("AUTH_MODE", "apikey", "API_KEYS", "alice:short"), "API_KEYS", "too short"},
		{"apikey duplicate", with("AUTH_MODE", "apikey", "API_KEYS", "a:"+secret+",b:"+secret), "API_KEYS", "already used"},
		{"role arn", with("STS_ROLE_ARN", "arn:aws:iam::1:role/x"), "STS_ROLE_ARN", "acs:ram::"},
		{"sts endpoint", with("STS_ENDPOINT", "ftp://sts"), "STS_ENDPOINT", "host[:port]"},
		{"sts duration short", with("STS_DURATION", "10m"), "STS_DURATION", "900 to 3600"},
		{"sts duration long", with("STS_DURATION", "7200"), "STS_DURATION", "900 to 3600"},
		{"callback url", with("CALLBACK_URL", "callback.example.com"), "CALLBACK_URL", "absolute http"},
		{"callbacks without a grant secret", with("CALLBACK_URL", "https://api.example.com/callback"), "GRANT_SECRET", "required with CALLBACK_URL"},
		{"grant secret short", with("GRANT_SECRET", secret), "GRANT_SECRET", "want at least 32"},
		{"previous secret alone", with("GRANT_SECRET_PREVIOUS", strings.Repeat("p", 32)), "GRANT_SECRET_PREVIOUS", "set GRANT_SECRET too"},
		{"grace not a duration", with("GRANT_GRACE", "forever"), "GRANT_GRACE", "Go duration"},
		{"quarantine inside a profile", with("UPLOAD_PROFILES", `{"u":{"prefix":"uploads/","maxSize":10}}`, "QUARANTINE_PREFIX", "uploads/held/"), "QUARANTINE_PREFIX", "overlaps profile"},
		{"key url prefix without slash", with("CALLBACK_PUBKEY_URL_PREFIXES", "https://keys.example.com/pem"), "CALLBACK_PUBKEY_URL_PREFIXES", "must end with /"},
		{"key url prefix scheme", with("CALLBACK_PUBKEY_URL_PREFIXES", "ftp://keys.example.com/"), "CALLBACK_PUBKEY_URL_PREFIXES", "scheme"},
		{"cors origin with path", with("CORS_ALLOWED_ORIGINS", "https://app.example.com/"), "CORS_ALLOWED_ORIGINS", "no path"},
		{"rate not a number", with("RATE_LIMIT_PER_MINUTE", "lots"), "RATE_LIMIT_PER_MINUTE", "whole number"},
		{"burst zero", with("RATE_LIMIT_BURST", "0"), "RATE_LIMIT_BURST", "whole number from 1"},
		{"log level", with("LOG_LEVEL", "loud"), "LOG_LEVEL", "want debug"},
		{"redis url scheme", with("REDIS_URL", "http://:"+secret+"@tair.example.com:6379"), "REDIS_URL", "want redis:// or rediss://"},
		{"redis url not a url", with("REDIS_URL", "redis://:"+secret+"@tair.example.com:port"), "REDIS_URL", "not a URL"},
		{"redis url bad db", with("REDIS_URL", "redis://:"+secret+"@tair.example.com:6379/x"+secret), "REDIS_URL", "database"},
		{"redis url no host", with("REDIS_URL", "redis://"), "REDIS_URL", "no host"},
		{"rate limit on error", with("RATE_LIMIT_ON_ERROR", "maybe"), "RATE_LIMIT_ON_ERROR", "want open or closed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(env(tc.env), noFiles)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var ve *VarError
			if !errors.As(err, &ve) || ve.Name != tc.wantVar {
				t.Fatalf("err = %v, want one naming %s", err, tc.wantVar)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %q lacks %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error leaks a secret: %q", err)
			}
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := Load(env(map[string]string{"LOG_LEVEL": "loud"}), noFiles)
	for _, name := range []string{"OSS_BUCKET", "OSS_REGION", "AUTH_MODE", "LOG_LEVEL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

func TestLogValueRedactsSecrets(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("x", 40)
	c, err := Load(env(with("AUTH_MODE", "jwt", "JWT_HS256_SECRET", secret)), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	slog.New(slog.NewJSONHandler(&b, nil)).Info("config", "config", c)
	if strings.Contains(b.String(), secret) || !strings.Contains(b.String(), `"jwtSecretSet":true`) {
		t.Errorf("log = %s", b.String())
	}
}

// TestVariablesDocumented keeps the configuration reference
// (docs/CONFIGURATION.md) and Variables in step.
func TestVariablesDocumented(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../docs/CONFIGURATION.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Variables {
		if !strings.Contains(string(readme), "`"+v.Name+"`") {
			t.Errorf("docs/CONFIGURATION.md does not document %s", v.Name)
		}
	}
}

func TestLoadRedis(t *testing.T) {
	t.Parallel()
	c, err := Load(env(with()), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	if c.RedisURL != "" || c.RateOnError != ratelimit.Open {
		t.Errorf("defaults: REDIS_URL %q, RATE_LIMIT_ON_ERROR %q; want empty and open", c.RedisURL, c.RateOnError)
	}
	const secret = "tair-password-0123456789"
	u := "rediss://ossdirect:" + secret + "@r-bp1example.redis.rds.aliyuncs.com:6379/0"
	c, err = Load(env(with("REDIS_URL", u, "RATE_LIMIT_ON_ERROR", "Closed")), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	if c.RedisURL != u || c.RateOnError != ratelimit.Closed {
		t.Errorf("got REDIS_URL %q, RATE_LIMIT_ON_ERROR %q", c.RedisURL, c.RateOnError)
	}
	var b strings.Builder
	slog.New(slog.NewJSONHandler(&b, nil)).Info("config", "config", c)
	if strings.Contains(b.String(), secret) || !strings.Contains(b.String(), `"redisURLSet":true`) {
		t.Errorf("log = %s", b.String())
	}
}
